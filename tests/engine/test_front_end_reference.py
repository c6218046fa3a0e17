"""The kernel's per-channel front end against a slow NumPy/scipy reference (tests/oracles/front_end.py).

What is compared, bit for bit (the reference does the same arithmetic in the same order):
- every per-channel float and int state field the reference models (filters' outputs through the
  envelope, Goertzel resonators and mains amplitude, noise-block sums, history ring, floor RMS,
  onset/offset thresholds, segment machine, clipping counters) at many sample counts, including
  block boundaries +-1, with the detector fed in chunks that end there;
- the mains family in force at each of those counts;
- the segment ring (onset, end, phases, long, clip, in-burst echo, p-p, energy, low-frequency p-p)
  after `finish()`.
Which segment rules the reference applies is documented in oracles/front_end.py; the signals here
keep potentials far enough apart that the one it leaves out (cross-event shadowing) cannot fire,
and `test_signals_exercise_the_rules` proves each covered rule actually fires.
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
CORE_CF = ("ENV", "T_ON", "T_OFF", "FLOOR_RMS", "BLK_SUMSQ", "BLK_MAXE", "LF", "SEG_YMAX", "SEG_YMIN")
CORE_CI = ("IN_SEG", "SEG_START", "LAST_ABOVE", "BLK_ACTIVE", "HIST_COUNT", "SEG_COUNT", "AMP_FIRST")


# ---- signals -----------------------------------------------------------------------------------


def signal_2khz_mixed() -> tuple[np.ndarray, float]:
    """2 kHz, 3 ch, 11 s: noise, 50 Hz hum, potentials one channel at a time >= 0.6 s apart,
    an in-burst doublet, a 3-potential burst, a large potential followed by a small one (ringing
    rule), single-sample spikes (too short) and a 0.6 s burst (freezes the noise floor)."""
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
        x[k + j * int(0.3 * fs), 0] += 60.0 + 20 * j
    k += 2 * int(0.3 * fs) + step
    b, a = signal.butter(2, [40, 200], "bandpass", fs=fs)
    burst = signal.lfilter(b, a, np.random.default_rng(5).standard_normal(int(0.6 * fs))) * 120
    sg.add_at(x, k, 2, burst)
    k += int(0.6 * fs) + step
    sg.add_at(x, k, 2, sg.biphasic(fs, 3.0, 150))
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
    """1 kHz, no mains (no notch ever), potentials, large ones clipped at +-150 uV, and a small
    potential 100 ms after a large one on the same channel (ringing rule)."""
    fs = 1000.0
    n = int(10.5 * fs)
    x = sg.white_noise(n, N_CHANNELS, 5.0, seed=31)
    for i, t in enumerate(np.arange(2.0, 8.5, 0.7)):
        sg.add_at(x, int(t * fs), i % N_CHANNELS, sg.biphasic(fs, 4.0, 600 if i % 3 == 1 else 120))
    sg.add_at(x, int(9.0 * fs), 0, sg.biphasic(fs, 4.0, 500))
    sg.add_at(x, int(9.1 * fs), 0, sg.biphasic(fs, 4.0, 60))
    return np.clip(x, -150.0, 150.0), fs


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


@pytest.fixture(scope="module", params=sorted(SIGNALS))
def case(request):
    x, fs = SIGNALS[request.param]()
    cps = checkpoints(x.shape[0], fs, seed=len(request.param))
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
    hist = oriented(det.state.hist, (N_CHANNELS, 2, ref.params.history))
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
    name, _, _, _, ref = case
    segments = [s for tr in ref.channels for s in tr.segments]
    kept = [s for s in segments if s.kept]
    assert len(kept) >= 5
    if name == "2khz-mixed":
        assert ref.filtered.switches == [(2000, 0)]  # 50 Hz, identified after the first second
        assert any(tr.frozen_blocks for tr in ref.channels), "freeze rule"
        assert any(s.reason == "short" for s in segments), "minimum duration rule"
        assert any(s.is_long and s.pots >= 3 for s in kept), "long segment"
        assert any(s.echo_onset >= 0 for s in kept), "doublet inside one burst"
        assert any(s.end - s.onset + 1 > ref.params.max_twitch for s in kept), "long by duration"
    elif name == "250hz-consumer":
        assert ref.filtered.switches == [(250, 1)]  # 60 Hz
        assert ref.params.detection_sos.shape[0] == 0
    elif name == "1khz-clipped":
        assert ref.filtered.switches == []
        assert any(s.clip for s in kept), "clipping marks a segment"
        assert any(s.reason == "ringing" for s in segments), "same-channel ringing rule"


# ---- the reference's own building blocks ---------------------------------------------------------


@pytest.mark.parametrize("fs", [200.0, 250.0, 500.0, 1000.0, 2000.0, 4096.0, 10000.0])
def test_parameters_rederived_from_the_config(fs):
    config = DetectorConfig()
    P = fe.params_for(fs, config)
    p = derived_parameters(fs, 4, config)
    assert P.block == p[L.P_NOISE_BLOCK] and P.mains_block == p[L.P_MAINS_BLOCK]
    assert (P.merge_gap, P.min_twitch, P.max_twitch, P.ring, P.pot_gap) == tuple(
        p[[L.P_MERGE_GAP, L.P_MIN_TWITCH, L.P_MAX_TWITCH, L.P_RING, L.P_POT_GAP]])
    for mine, theirs in ((P.alpha, p[L.P_ALPHA_ENV]), (P.k_on, p[L.P_K_ON]), (P.lf_hp_a, p[L.P_LF_HP_A]),
                         (P.lf_lp_a, p[L.P_LF_LP_A])):
        assert mine == pytest.approx(theirs, rel=1e-12)
    design = design_filters(fs, config)
    assert np.array_equal(P.bandpass_sos, design.bandpass_sos)
    assert np.array_equal(P.detection_sos, design.detection_sos)
    for i, rows in enumerate(P.notch_sos):
        assert design.notch_count[i] == rows.shape[0]
        assert np.array_equal(rows, design.notch_sos[i, : rows.shape[0]])


def test_onset_threshold_factor_hits_the_false_crossing_target():
    """k_on turns the median block maximum of a noise envelope into the level crossed about
    `target_false_crossings_per_min` times a minute: checked on an exponential tail."""
    config = DetectorConfig()
    for fs in (250.0, 2000.0):
        P = fe.params_for(fs, config)
        # For exponential samples of scale 1, P(max of B < m) = (1 - e^-m)^B = 1/2 at the median.
        median_max = -np.log(1 - 0.5 ** (1 / P.block))
        rate_per_min = np.exp(-P.k_on * median_max) * 60 * fs
        assert rate_per_min == pytest.approx(config.target_false_crossings_per_min, rel=0.05)


def test_envelope_is_the_one_pole_smoother_of_the_detection_band():
    x, fs = signal_2khz_mixed()
    ref = fe.run(x[:6000], fs, DetectorConfig())
    a = ref.params.alpha
    d2 = ref.filtered.detection ** 2
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
