"""The kernel's per-channel front end against a slow NumPy/scipy reference (tests/oracles/front_end.py).

What is compared, bit for bit (the reference does the same arithmetic in the same order):
- every per-channel float and int state field the reference models (filters' outputs through the
  envelope, Goertzel resonators and mains amplitude, noise-block sums, history ring, floor RMS and
  onset/offset thresholds from the lower block quantile, raw extremes, envelope-only block count,
  segment machine with its peak envelope, activity marking, ringing reference, clipping counters)
  at many sample counts: block boundaries +-1, random places, and right before and after the
  moments where the reference saw a rule act (segment opens and closes, activity marked or
  vetoed, clipped samples, repeats off the rail, samples ended by the peak fraction, envelope
  count resets), with the detector fed in chunks that end there;
- the mains family in force at each of those counts;
- the segment ring (onset, end, phases, long, clip, in-burst echo, p-p, energy, low-frequency p-p)
  after `finish()`.
Which segment rules the reference applies is documented in oracles/front_end.py; the signals here
keep potentials far enough apart (in time, and above the decaying ringing limit) that the one it
leaves out (cross-event shadowing, pending events) cannot fire, and
`test_signals_exercise_the_rules` proves each covered rule actually fires.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from oracles import front_end as fe
from oracles import signals as sg
from oracles.state_view import channel_table, oriented
from twitchwatch.engine import Detector, DetectorConfig
from twitchwatch.engine import layout as L
from twitchwatch.engine.filters import design_filters
from twitchwatch.engine.state import derived_parameters

N_CHANNELS = 5  # distinct from every field count (NSF = 3, NSI = 9, ...), so state axes are never ambiguous

#: fields the comparison must find in the layout (others the reference models are compared
#: when the layout has them)
CORE_CF = ("ENV", "T_ON", "T_OFF", "FLOOR_RMS", "BLK_SUMSQ", "BLK_MAXE", "LF", "SEG_YMAX", "SEG_YMIN",
           "SEG_ABSMAX", "SEG_EMAX", "RAW_HI", "RAW_LO", "RAW_MIN", "BLK_RAW_MIN", "LAST_PP",
           "BLK_SUMSQ_ON", "FLOOR_ON", "SEG_ONMAX")
CORE_CI = ("IN_SEG", "SEG_START", "LAST_ABOVE", "BLK_ACTIVE", "HIST_COUNT", "SEG_COUNT", "AMP_FIRST",
           "SEG_ACTIVITY", "CLIPPED_SAMPLES", "LAST_CLIP", "LAST_END", "ENVELOPE_BLOCKS")


# ---- signals -----------------------------------------------------------------------------------


def signal_2khz_mixed() -> tuple[np.ndarray, float]:
    """2 kHz, 11 s: noise, 50 Hz hum, potentials on channels 0-2 one at a time >= 0.6 s apart,
    an in-burst doublet, a 3-potential burst, a large potential followed by a small one (ringing
    rule; the notch rings on past ringing_ms), single-sample spikes on channel 3 and a 0.6 s burst
    (freezes the noise floor, activity). Channel 4 carries an envelope-like input (positive,
    slow), with one smooth dip below zero that breaks its run of envelope-like blocks."""
    fs = 2000.0
    n = int(11 * fs)
    x = sg.white_noise(n, N_CHANNELS, 5.0, seed=11) + sg.mains(n, N_CHANNELS, fs, 50.0, 20.0)
    k = int(2.0 * fs)
    step = int(0.6 * fs)
    plan = [(0, 150, 3.0), (1, 300, 2.0), (2, 80, 4.0), (0, 400, 3.0), (1, 120, 5.0), (2, 200, 2.5),
            (0, 60, 3.0), (1, 250, 3.0)]
    for i, (c, pp, width_ms) in enumerate(plan):
        sg.add_at(x, k + 7 * i, c, sg.biphasic(fs, width_ms, pp))
        k += step
    sg.add_at(x, k, 2, sg.biphasic(fs, 2.5, 200))
    sg.add_at(x, k + int(0.03 * fs), 2, sg.biphasic(fs, 2.5, 180))
    k += step
    for j in range(3):
        sg.add_at(x, k + j * int(0.02 * fs), 0, sg.biphasic(fs, 2.0, 250))
    k += step
    sg.add_at(x, k, 1, sg.biphasic(fs, 3.0, 600))
    sg.add_at(x, k + int(0.12 * fs), 1, sg.biphasic(fs, 3.0, 90))
    k += step
    for j in range(3):
        x[k + j * int(0.3 * fs), 3] += 60.0 + 20 * j
    k += 2 * int(0.3 * fs) + step
    b, a = signal.butter(2, [40, 200], "bandpass", fs=fs)
    burst = signal.lfilter(b, a, np.random.default_rng(5).standard_normal(int(0.6 * fs))) * 120
    sg.add_at(x, k, 2, burst)
    k += int(0.6 * fs) + step
    sg.add_at(x, k, 2, sg.biphasic(fs, 3.0, 150))
    t = np.arange(n) / fs
    # An envelope output is smooth: its own small noise, no broadband amplifier noise or hum.
    x[:, 4] = (200.0 + 100.0 * np.sin(2 * np.pi * 2.0 * t) - 350.0 * np.exp(-0.5 * ((t - 6.0) / 0.1) ** 2)
               + 1.0 * np.random.default_rng(12).standard_normal(n))
    return x, fs


def signal_250hz_consumer() -> tuple[np.ndarray, float]:
    """250 Hz (no detection low-pass, 2-sample envelope), 8 uV noise, 60 Hz hum, potentials."""
    fs = 250.0
    n = int(16 * fs)
    x = sg.white_noise(n, N_CHANNELS, 8.0, seed=21) + sg.mains(n, N_CHANNELS, fs, 60.0, 30.0)
    for i, t in enumerate(np.arange(3.0, 15.0, 0.8)):
        sg.add_at(x, int(t * fs) + i, i % N_CHANNELS, sg.biphasic(fs, 6.0, 120 + 40 * (i % 4)))
    return x, fs


def signal_1khz_clipped() -> tuple[np.ndarray, float]:
    """1 kHz, no mains (no notch ever), potentials, large ones clipped at +-150 uV, a small
    potential 100 ms after a large one on the same channel (ringing rule) and a middling one
    200 ms after it (kept, but the large one stays the ringing reference), and a repeated value
    at 120 uV on a channel that has been at the 150 uV rail (far from baseline, not clipping)."""
    fs = 1000.0
    n = int(10.5 * fs)
    x = sg.white_noise(n, N_CHANNELS, 5.0, seed=31)
    for i, t in enumerate(np.arange(2.0, 8.5, 0.7)):
        sg.add_at(x, int(t * fs), i % N_CHANNELS, sg.biphasic(fs, 4.0, 600 if i % 3 == 1 else 120))
    sg.add_at(x, int(9.0 * fs), 0, sg.biphasic(fs, 4.0, 500))
    sg.add_at(x, int(9.1 * fs), 0, sg.biphasic(fs, 4.0, 60))
    sg.add_at(x, int(9.2 * fs), 0, sg.biphasic(fs, 4.0, 250))
    x = np.clip(x, -150.0, 150.0)
    x[int(9.7 * fs): int(9.7 * fs) + 6, 1] = 120.0
    return x, fs


SIGNALS = {
    "2khz-mixed": signal_2khz_mixed,
    "250hz-consumer": signal_250hz_consumer,
    "1khz-clipped": signal_1khz_clipped,
}


def checkpoints(n_samples: int, fs: float, seed: int) -> list[int]:
    """Sample counts at block boundaries +-1 (noise and mains blocks) and at random places."""
    config = DetectorConfig()
    block = int(derived_parameters(fs, N_CHANNELS, config)[L.P_NOISE_BLOCK])
    mains_block = int(derived_parameters(fs, N_CHANNELS, config)[L.P_MAINS_BLOCK])
    points = {0, 1, 2, n_samples}
    for b in (block, mains_block):
        for m in (1, 2, 3, 4, 5, 9):
            points.update({m * b - 1, m * b, m * b + 1})
    points.update(np.random.default_rng(seed).integers(0, n_samples, 25).tolist())
    return sorted(p for p in points if 0 <= p <= n_samples)


def moment_checkpoints(ref: fe.FrontEnd, n_samples: int, per_kind: int = 8) -> set[int]:
    """Sample counts just before and after moments where the reference saw a rule act (up to
    `per_kind` of each kind per channel, spread over the signal)."""
    points = set()
    for trace in ref.channels:
        for ns in trace.moments.values():
            if len(ns) > per_kind:
                ns = [ns[round(i * (len(ns) - 1) / (per_kind - 1))] for i in range(per_kind)]
            for n in ns:
                points.update({n, n + 1})
    return {p for p in points if 0 <= p <= n_samples}


@pytest.fixture(scope="module", params=sorted(SIGNALS))
def case(request):
    x, fs = SIGNALS[request.param]()
    first = fe.run(x, fs, DetectorConfig())
    cps = sorted(set(checkpoints(x.shape[0], fs, seed=len(request.param)))
                 | moment_checkpoints(first, x.shape[0]))
    ref = fe.run(x, fs, DetectorConfig(), checkpoints=cps, finish=True)
    fe.check_shadowing_cannot_apply(ref)
    return request.param, x, fs, cps, ref


# ---- comparison ----------------------------------------------------------------------------------


def _bits_equal(a, b) -> bool:
    return np.array(a, dtype=np.float64).view(np.int64) == np.array(b, dtype=np.float64).view(np.int64)


def _family_at(ref: fe.FrontEnd, count: int) -> int:
    fam = -1
    for start, f in ref.filtered.switches:
        if start <= count:
            fam = f
    return fam


def _compare_state(det: Detector, ref: fe.FrontEnd, key) -> list[str]:
    cf = channel_table(det.state.cf, N_CHANNELS, L.NCF)
    ci = channel_table(det.state.ci, N_CHANNELS, L.NCI)
    hist = oriented(det.state.hist, (N_CHANNELS, 3, ref.params.history))
    problems = []
    for c, trace in enumerate(ref.channels):
        snap = trace.snapshots[key]
        for name, value in snap["cf"].items():
            if hasattr(L, "CF_" + name) and not _bits_equal(cf[c, getattr(L, "CF_" + name)], value):
                problems.append(f"@{key} ch{c} CF_{name}: kernel {cf[c, getattr(L, 'CF_' + name)]!r} "
                                f"reference {value!r}")
        for name, value in snap["ci"].items():
            if hasattr(L, "CI_" + name) and ci[c, getattr(L, "CI_" + name)] != value:
                problems.append(f"@{key} ch{c} CI_{name}: kernel {ci[c, getattr(L, 'CI_' + name)]} "
                                f"reference {value}")
        if not np.array_equal(hist[c].view(np.int64), snap["hist"].view(np.int64)):
            problems.append(f"@{key} ch{c} noise history: kernel {hist[c]} reference {snap['hist']}")
    return problems


def test_layout_names_the_core_fields():
    missing = [n for n in CORE_CF if not hasattr(L, "CF_" + n)] + [n for n in CORE_CI if not hasattr(L, "CI_" + n)]
    assert not missing, f"layout lost fields the front-end reference checks: {missing}"


def test_state_matches_reference_at_every_checkpoint(case):
    name, x, fs, cps, ref = case
    det = Detector(fs, N_CHANNELS)
    done = 0
    problems = []
    for count in cps:
        det.process(x[done:count])
        done = count
        assert det.samples_processed == count
        problems += _compare_state(det, ref, count)
        fam = _family_at(ref, count)
        assert int(det.state.gi[L.G_MAINS_FAM]) == fam, f"{name}: mains family at sample {count}"
    det.finish()
    problems += _compare_state(det, ref, "finish")
    assert not problems, f"{name}: {len(problems)} differences, first ones:\n" + "\n".join(problems[:15])


def test_filtered_output_matches_reference(case):
    name, x, fs, _, ref = case
    det = Detector(fs, N_CHANNELS)
    out = np.empty(x.shape)
    det.process(x, filtered_out=out)
    assert np.array_equal(out.view(np.int64), ref.filtered.notched.view(np.int64)), name


def test_segment_ring_matches_reference(case):
    name, x, fs, _, ref = case
    det = Detector(fs, N_CHANNELS)
    det.process(x)
    det.finish()
    ci = channel_table(det.state.ci, N_CHANNELS, L.NCI)
    seg_i = oriented(det.state.seg_i, (N_CHANNELS, L.SEG_RING, L.NSI))
    seg_f = oriented(det.state.seg_f, (N_CHANNELS, L.SEG_RING, L.NSF))
    for c, trace in enumerate(ref.channels):
        kept = trace.kept
        count = int(ci[c, L.CI_SEG_COUNT])
        assert count == len(kept), (
            f"{name} ch{c}: kernel kept {count} segments, reference {len(kept)}: "
            f"{[(s.onset, s.end) for s in kept]}")
        for k in range(max(0, count - L.SEG_RING), count):
            s = kept[k]
            row_i, row_f = seg_i[c, k % L.SEG_RING], seg_f[c, k % L.SEG_RING]
            got = dict(onset=row_i[L.SI_ONSET], end=row_i[L.SI_END], phases=row_i[L.SI_PHASES],
                       long=row_i[L.SI_LONG], clip=row_i[L.SI_CLIP], echo_onset=row_i[L.SI_ECHO_ONSET],
                       echo_end=row_i[L.SI_ECHO_END])
            want = dict(onset=s.onset, end=s.end, phases=s.phases, long=s.is_long, clip=s.clip,
                        echo_onset=s.echo_onset, echo_end=s.echo_end)
            assert {k2: int(v) for k2, v in got.items()} == want, f"{name} ch{c} segment {k}"
            for field, value in ((L.SF_PP, s.pp), (L.SF_ENERGY, s.energy), (L.SF_LF_PP, s.lf_pp)):
                assert _bits_equal(row_f[field], value), f"{name} ch{c} segment {k} float field {field}"


def test_signals_exercise_the_rules(case):
    """Each rule the reference covers fires at least once in these signals (no vacuous pass)."""
    name, _, _, cps, ref = case
    P = ref.params
    segments = [s for tr in ref.channels for s in tr.segments]
    kept = [s for s in segments if s.kept]
    assert len(kept) >= 5
    assert any(tr.below_peak_fraction for tr in ref.channels), "segment end relative to its peak"
    # the state was compared right at (before and after) a sample of each kind of moment seen
    for tr in ref.channels:
        for kind, ns in tr.moments.items():
            assert any(n in cps and n + 1 in cps for n in ns), f"no checkpoint at a '{kind}' moment"
    if name == "2khz-mixed":
        assert ref.filtered.switches == [(2000, 0)]  # 50 Hz, identified after the first second
        assert any(tr.frozen_blocks for tr in ref.channels), "freeze rule"
        assert any(s.reason == "short" for s in segments), "minimum duration rule"
        assert any(s.is_long and s.pots >= 3 for s in kept), "long segment"
        assert any(s.echo_onset >= 0 for s in kept), "doublet inside one burst"
        assert any(s.end - s.onset + 1 > P.max_twitch for s in kept), "long by duration"
        assert any(s.reason == "ringing" and s.since_last > P.ring for s in segments) or any(
            tr.moments.get("ringing_not_opened_late") for tr in ref.channels), \
            "ringing limit decaying with the notch, past ringing_ms"
        assert any(tr.moments.get("ringing_not_opened") or tr.moments.get("ringing_not_opened_late")
                   for tr in ref.channels), "no segment opens on what ringing can explain"
        assert any(tr.activity_vetoed for tr in ref.channels), "ringing-sized burst is not activity"
        assert any(tr.moments.get("activity") for tr in ref.channels), "a long burst is activity"
        # envelope-only count: only channel 4 looks like an envelope; it gets to the warning
        # length (2 s of blocks), is broken once by the dip below zero, and builds up again
        runs = [_longest_run([b.envelope_like for b in tr.blocks]) for tr in ref.channels]
        warn = round(2000.0 / DetectorConfig().noise_block_ms)
        assert runs[:4] == [0, 0, 0, 0] and runs[4] >= warn, runs
        assert len(ref.channels[4].moments.get("envelope_reset", [])) == 1
        assert ref.channels[4].snapshots["finish"]["ci"]["ENVELOPE_BLOCKS"] >= warn
    elif name == "250hz-consumer":
        assert ref.filtered.switches == [(250, 1)]  # 60 Hz
        assert P.detection_sos.shape[0] == 0 and P.onset_sos.shape[0] == 0
    elif name == "1khz-clipped":
        assert ref.filtered.switches == []
        assert any(s.clip for s in kept), "clipping marks a segment"
        assert sum(tr.clip_off_rail for tr in ref.channels) >= 1, "a repeat off the rail is not clipping"
        assert any(s.reason == "ringing" for s in segments), "same-channel ringing rule"
        assert any(s.kept and not s.replaced for s in segments), "a smaller potential keeps the reference"


def _longest_run(flags) -> int:
    best = run = 0
    for f in flags:
        run = run + 1 if f else 0
        best = max(best, run)
    return best


# ---- the reference's own building blocks ---------------------------------------------------------


@pytest.mark.parametrize("fs", [200.0, 250.0, 500.0, 1000.0, 2000.0, 4096.0, 10000.0])
def test_parameters_rederived_from_the_config(fs):
    config = DetectorConfig()
    P = fe.params_for(fs, config)
    p = derived_parameters(fs, 4, config)
    assert P.block == p[L.P_NOISE_BLOCK] and P.mains_block == p[L.P_MAINS_BLOCK]
    assert (P.merge_gap, P.min_twitch, P.max_twitch, P.ring, P.pot_gap) == tuple(
        p[[L.P_MERGE_GAP, L.P_MIN_TWITCH, L.P_MAX_TWITCH, L.P_RING, L.P_POT_GAP]])
    assert (P.block_quantile, P.seg_end_fraction) == (p[L.P_BLOCK_Q], p[L.P_SEG_END_FRAC])
    for mine, theirs in ((P.alpha, p[L.P_ALPHA_ENV]), (P.k_on, p[L.P_K_ON]), (P.lf_hp_a, p[L.P_LF_HP_A]),
                         (P.lf_lp_a, p[L.P_LF_LP_A]), (P.notch_tau[0], p[L.P_NOTCH_TAU0]),
                         (P.notch_tau[1], p[L.P_NOTCH_TAU1])):
        assert mine == pytest.approx(theirs, rel=1e-12)
    design = design_filters(fs, config)
    assert np.array_equal(P.bandpass_sos, design.bandpass_sos)
    assert np.array_equal(P.detection_sos, design.detection_sos)
    assert np.array_equal(P.onset_sos, design.onset_sos)
    for i, rows in enumerate(P.notch_sos):
        assert design.notch_count[i] == rows.shape[0]
        assert np.array_equal(rows, design.notch_sos[i, : rows.shape[0]])


def test_onset_threshold_factor_hits_the_false_crossing_target():
    """k_on turns the lower `noise_block_quantile` of the block maxima of a noise envelope into
    the level crossed about `target_false_crossings_per_min` times a minute: checked on an
    exponential tail."""
    config = DetectorConfig()
    quantile = config.noise_block_quantile
    for fs in (250.0, 2000.0):
        P = fe.params_for(fs, config)
        # For exponential samples of scale 1, P(max of B < m) = (1 - e^-m)^B = quantile there.
        quantile_max = -np.log(1 - quantile ** (1 / P.block))
        rate_per_min = np.exp(-P.k_on * quantile_max) * 60 * fs
        assert rate_per_min == pytest.approx(config.target_false_crossings_per_min, rel=0.05)


def test_lower_quantile_picks_an_element_below_the_median():
    assert fe.lower_quantile([4.0, 1.0, 3.0, 2.0], 0.25) == 1.0  # int(0.25 * 3) = 0
    assert fe.lower_quantile([5.0, 1.0, 4.0, 2.0, 3.0], 0.25) == 2.0  # int(0.25 * 4) = 1
    assert fe.lower_quantile([7.0], 0.25) == 7.0
    assert fe.lower_quantile(list(range(16, 0, -1)), 0.25) == 4.0  # int(3.75) = 3


def test_ringing_limit_decays_with_the_notch():
    """Rule 9 on its own: flat to ringing_ms, then exp(-late / tau) while a notch runs, 0 after
    5 tau or with no notch."""
    P = fe.params_for(2000.0, DetectorConfig())
    tau = P.notch_tau[0]
    assert fe.ringing_limit(P, P.ring, 100.0, -1) == P.ring_fraction * 100.0
    assert fe.ringing_limit(P, P.ring + 1, 100.0, -1) == 0.0
    assert fe.ringing_limit(P, P.ring + tau, 100.0, 0) == pytest.approx(P.ring_fraction * 100.0 / np.e)
    assert fe.ringing_limit(P, P.ring + int(5 * tau), 100.0, 0) > 0.0
    assert fe.ringing_limit(P, P.ring + int(5 * tau) + 1, 100.0, 0) == 0.0
    assert P.notch_tau[1] < tau  # 60 Hz rings for less time than 50 Hz


def test_envelope_is_the_one_pole_smoother_of_the_onset_band():
    x, fs = signal_2khz_mixed()
    ref = fe.run(x[:6000], fs, DetectorConfig())
    a = ref.params.alpha
    assert ref.params.onset_sos.shape[0] == 1
    d2 = ref.filtered.onset ** 2
    expected = signal.lfilter([a], [1.0, a - 1.0], d2, axis=0)
    for c, trace in enumerate(ref.channels):
        np.testing.assert_allclose(trace.envelope, expected[:, c], rtol=1e-12, atol=1e-12 * d2.max())


def test_mains_decision_by_dft_matches_the_goertzel_amplitude():
    """The reference decides mains with a DFT; the Goertzel recurrence it also runs (and the
    kernel runs) measures the same amplitude: a 20 uV, 50 Hz hum reads ~20 uV."""
    fs = 2000.0
    n = int(3 * fs)
    x = sg.mains(n, N_CHANNELS, fs, 50.0, 20.0)
    ref = fe.run(x, fs, DetectorConfig(), checkpoints=[n])
    assert ref.filtered.block_winners == [0, 0, 0]
    amp = ref.channels[0].snapshots[n]["cf"]["MAINS0_UV"]
    assert amp == pytest.approx(20.0, rel=0.02)


@pytest.mark.parametrize("fs", [250.0, 2000.0])
def test_kernel_ringing_limit_matches_the_rule(fs):
    """The kernel's ringing limit against rule 9 over 0..6 tau past ringing_ms, for each notch
    family and none (signals cannot reach past ~1 tau with a potential still above threshold)."""
    from twitchwatch.engine import kernel

    config = DetectorConfig()
    P = fe.params_for(fs, config)
    p = derived_parameters(fs, N_CHANNELS, config)
    gi = np.zeros(L.NGI, np.int64)
    for family in (-1, 0, 1):
        gi[L.G_MAINS_FAM] = family
        tau = P.notch_tau[max(family, 0)]
        for since in sorted({-5, 0, 1, P.ring - 1, P.ring, P.ring + 1, *range(P.ring, P.ring + int(6 * tau), 7),
                             P.ring + int(5 * tau), P.ring + int(5 * tau) + 1, 2**40}):
            mine = fe.ringing_limit(P, since, 321.5, family)
            theirs = kernel._ringing_limit(since, 321.5, p, gi)
            assert mine == pytest.approx(theirs, rel=1e-14, abs=0.0), (family, since)


def test_shadowing_check_sees_the_decaying_ringing_limit():
    """`check_shadowing_cannot_apply` is what lets the reference leave shadowing out: it must
    raise for a small potential on a neighbouring channel past ringing_ms while a notch rings."""
    P = fe.params_for(2000.0, DetectorConfig())

    def seg(onset, pp, family):
        return fe.Segment(onset, onset + 20, onset + 20, onset + 60, 1, 2, 0, -1, -1, pp, 1.0, 0.0, 0, True,
                          "kept", 10**9, 0.0, True, family)

    def front_end(first, second, channel_of_second):
        traces = [fe.ChannelTrace(envelope=np.zeros(1)) for _ in range(N_CHANNELS)]
        traces[0].segments.append(first)
        traces[channel_of_second].segments.append(second)
        return fe.FrontEnd(P, None, traces)

    late = P.ring + int(P.notch_tau[0])  # one tau past ringing_ms: limit = 0.25 * 500 / e = 46
    fe.check_shadowing_cannot_apply(front_end(seg(1000, 500.0, 0), seg(1000 + late, 40.0, -1), 1))  # no notch
    fe.check_shadowing_cannot_apply(front_end(seg(1000, 500.0, 0), seg(1000 + late, 40.0, 0), 2))  # not a neighbour
    fe.check_shadowing_cannot_apply(front_end(seg(1000, 500.0, 0), seg(1000 + late, 50.0, 0), 1))  # above it
    with pytest.raises(AssertionError, match="ringing limit"):
        fe.check_shadowing_cannot_apply(front_end(seg(1000, 500.0, 0), seg(1000 + late, 40.0, 0), 1))
    with pytest.raises(AssertionError, match="multi-channel"):
        fe.check_shadowing_cannot_apply(front_end(seg(1000, 500.0, 0), seg(1010, 400.0, 0), 3))
