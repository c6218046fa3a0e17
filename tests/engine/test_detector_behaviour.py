"""What the detector finds, against the simulator's ground truth and small synthetic signals.

Ground truth: `twitchwatch.sim.simulate`; scoring: `twitchwatch.scoring.score_events` (twitch onsets
within 25 ms, one to one; the first 3 s, the detector's warm-up, ignored).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from oracles import signals as sg
from twitchwatch.engine import Detector, DetectorConfig
from twitchwatch.scoring import score_events
from twitchwatch.sim import simulate

WARMUP_S = 3.0


def detect(x, fs, **kwargs):
    det = Detector(fs, x.shape[1], **kwargs)
    events = det.process(x) + det.finish()
    return det, events


def score(sim, events):
    return score_events(events, sim.truth, sim.fs_hz, sim.duration_s, ignore_before_s=WARMUP_S)


# ---- twitches ------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_rest_benign_twitches_are_found(seed):
    sim = simulate("rest-benign", duration_s=60.0, seed=seed)
    _, events = detect(sim.data, sim.fs_hz)
    s = score(sim, events)
    assert s.true_twitches >= 10
    assert s.f1 >= 0.9, s.as_dict()


def test_the_onset_band_finds_small_twitches_in_noise():
    """30-60 µV twitches under 8 µV RMS of noise at 1 kHz: the 50-150 Hz onset band, where the
    potentials stand out of flat noise, finds clearly more of them than onsets on the broad
    detection band (an onset band reaching past the low-pass is left out), at no more false ones."""
    sim = simulate("rest-benign", duration_s=240.0, seed=4, fs_hz=1000.0, noise_uv_rms=8.0,
                   twitch_amplitude_uv=(30.0, 60.0))
    narrow = score(sim, detect(sim.data, sim.fs_hz)[1])
    broad = score(sim, detect(sim.data, sim.fs_hz, config=DetectorConfig(onset_band_hz=(50.0, 1000.0)))[1])
    assert narrow.true_twitches >= 60
    assert narrow.recall >= broad.recall + 0.1, (narrow.as_dict(), broad.as_dict())
    assert narrow.false_positives <= broad.false_positives + 1


@pytest.mark.parametrize("interval_ms", [25.0, 40.0, 60.0, 90.0])
def test_a_doublet_is_one_event_flagged_doublet(interval_ms):
    fs = 2000.0
    x = sg.white_noise(int(8 * fs), 2, 3.0, seed=int(interval_ms))
    w = sg.biphasic(fs, 3.0, 200.0)
    onset = int(5.0 * fs)
    sg.add_at(x, onset, 0, w)
    sg.add_at(x, onset + int(interval_ms * 1e-3 * fs), 0, w, 0.9)
    _, events = detect(x, fs)
    assert len(events) == 1, events
    (e,) = events
    assert e.kind == "fasciculation" and "doublet" in e.flags
    centre = onset + len(w) // 2  # the zero crossing of the first potential
    assert abs(e.onset_sample - centre) < 0.01 * fs
    assert e.end_sample > centre + interval_ms * 1e-3 * fs  # the event spans both discharges


def _doublet_intervals(sim) -> dict[float, float]:
    """First discharge time -> interval to the extra discharge, from the spike trains."""
    out = {}
    for tr in sim.trains:
        for i in range(len(tr.times_s) - 1):
            if tr.doublet[i + 1] and not tr.doublet[i]:
                out[float(tr.times_s[i])] = float(tr.times_s[i + 1] - tr.times_s[i])
    return out


def test_simulated_doublets_are_single_events_mostly_flagged():
    """Every doublet is one event (never two twitches); those whose discharges do not overlap
    (>= 17 ms apart; shorter ones merge into one potential) are flagged 'doublet'."""
    one_event = flagged = separable = 0
    total = 0
    for seed in (0, 1, 2):
        sim = simulate("rest-benign", duration_s=60.0, seed=seed, doublet_fraction=1.0, twitch_rate_per_min=12,
                       twitch_amplitude_uv=(80.0, 200.0), complex_fraction=0.0)
        fs = sim.fs_hz
        _, events = detect(sim.data, fs)
        intervals = _doublet_intervals(sim)
        for t in sim.truth:
            if t.kind != "fasciculation" or t.onset_s < WARMUP_S + 0.5:
                continue
            total += 1
            hits = [e for e in events if e.kind == "fasciculation"
                    and t.onset_s - 0.03 <= e.onset_sample / fs <= t.end_s + 0.03]
            one_event += len(hits) == 1
            interval = min(intervals.items(), key=lambda kv: abs(kv[0] - t.onset_s))[1]
            if interval >= 0.017:
                separable += 1
                flagged += len(hits) == 1 and "doublet" in hits[0].flags
    assert total >= 30
    assert one_event == total
    assert flagged >= 0.9 * separable, (flagged, separable)


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("delays", [(0, 0, 0), (0, 1, 2)], ids=["simultaneous", "0.5ms-per-channel"])
def test_a_multichannel_twitch_is_one_event_listing_its_channels(delays, seed):
    """One potential on channels 0-2 (gains 0.6, 1, 0.6; channel 3 silent) is ONE event whose
    `channels` are (0, 1, 2) and whose primary channel is the strongest, 1. The delays model
    propagation along the array (the simulator uses 0.5 ms per channel: 1 sample at 2 kHz)."""
    fs = 2000.0
    x = sg.white_noise(int(8 * fs), 4, 3.0, seed=seed)
    w = sg.biphasic(fs, 3.0, 300.0)
    onset = int(5.0 * fs)
    for c, gain in enumerate((0.6, 1.0, 0.6)):
        sg.add_at(x, onset + delays[c], c, w, gain)
    _, events = detect(x, fs)
    assert [(e.kind, e.channel, e.channels) for e in events] == [("fasciculation", 1, (0, 1, 2))]
    assert events[0].peak_to_peak_uv > 250.0


@pytest.mark.parametrize("mains_hz", [None, 50.0])
def test_large_twitches_are_twitches_with_or_without_mains(mains_hz):
    """Twitches of 0.5-1.2 mV (max_twitch_uv is 2.5 mV) are found whether or not a mains notch
    runs. (With 50 Hz hum, the Q=100 notch rings for ~0.6 s after each large potential: the
    segment stays open, and the twitch comes out as a 'burst' artefact or feeds a false cramp.)"""
    sim = simulate("rest-benign", duration_s=60.0, seed=0, twitch_amplitude_uv=(500.0, 1200.0), mains_hz=mains_hz)
    _, events = detect(sim.data, sim.fs_hz)
    s = score(sim, events)
    assert s.f1 >= 0.9, s.as_dict()
    assert not [e for e in events if e.kind in ("cramp", "contraction")]


# ---- ECG ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_ecg_is_not_counted_as_twitches_and_its_rate_is_measured(seed):
    sim = simulate("ecg-contaminated", duration_s=60.0, seed=seed)
    det, events = detect(sim.data, sim.fs_hz)
    assert sum(e.kind == "fasciculation" for e in events) <= 1
    beats = np.array([t.onset_s for t in sim.truth if "ecg" in t.tags])
    true_bpm = 60.0 / np.median(np.diff(beats))
    for q in det.quality():
        assert q.ecg_present
        assert q.ecg_bpm == pytest.approx(true_bpm, rel=0.10)
        assert any("ECG" in p for p in q.problems())


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_small_heart_beats_are_recognised_though_their_length_and_spread_vary(seed):
    """60 uV beats on 8 channels over a 5 uV floor (as in `mixed`): each beat measures 5-55 ms
    and reaches 1-8 channels, while its size and rhythm stay steady."""
    sim = simulate("ecg-contaminated", duration_s=60.0, seed=seed, ecg_uv=60.0, n_channels=8)
    det, events = detect(sim.data, sim.fs_hz)
    assert det.quality()[0].ecg_present
    assert sum("ecg" in e.flags for e in events) >= 12  # of ~55 beats after the warm-up
    assert sum(e.kind == "fasciculation" for e in events) <= 2


@pytest.mark.parametrize("heart_rate_bpm", [(65.0, 70.0), (125.0, 135.0)])
def test_twitches_are_found_next_to_ecg_at_rest_and_after_exercise(heart_rate_bpm):
    """200 uV ECG plus twitches. At 125-135 bpm (after exercise, when twitching is common) more
    than half of the 250 ms noise blocks hold a beat, so the median block maximum - the onset
    threshold's basis - becomes the beat itself, and the detector goes deaf to everything."""
    sim = simulate("ecg-contaminated", duration_s=60.0, seed=0, heart_rate_bpm=heart_rate_bpm,
                   twitch_rate_per_min=20.0)
    det, events = detect(sim.data, sim.fs_hz)
    s = score(sim, events)
    assert s.true_twitches >= 15
    assert s.recall >= 0.75 and s.false_positives <= 1, s.as_dict()
    assert det.quality()[0].ecg_present


# ---- sustained activity ----------------------------------------------------------------------------


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_every_cramp_is_found_once_near_its_onset(seed):
    sim = simulate("cramp", seed=seed)
    _, events = detect(sim.data, sim.fs_hz)
    s = score(sim, events)
    assert s.true_cramps == 2
    assert s.cramps_found == s.true_cramps, s.as_dict()
    assert s.max_cramp_onset_error_s <= 1.0, s.cramp_onset_errors_s
    assert s.split_cramps == 0 and s.false_cramps == 0 and s.cramps_called_contraction == 0


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_voluntary_contractions_are_contractions_not_cramps(seed):
    sim = simulate("voluntary", seed=seed)
    _, events = detect(sim.data, sim.fs_hz)
    s = score(sim, events)
    assert s.true_contractions == 3
    assert s.contractions_found == 3 and s.contractions_called_cramp == 0, s.as_dict()
    assert not [e for e in events if e.kind == "cramp"]


def test_voluntary_marker_turns_cramps_into_marked_contractions():
    sim = simulate("cramp", seed=0)
    cramps = [t for t in sim.truth if t.kind == "cramp"]
    fs = sim.fs_hz
    # marked from the start: both episodes are contractions the user declared
    det = Detector(fs, sim.n_channels)
    det.set_voluntary(True)
    events = det.process(sim.data) + det.finish()
    sustained = [e for e in events if e.kind in ("cramp", "contraction")]
    assert len(sustained) == len(cramps) == 2
    assert all(e.kind == "contraction" and "marked-voluntary" in e.flags for e in sustained)
    # marked between the two: the first stays a cramp, the second is a marked contraction
    split = int((cramps[0].end_s + cramps[1].onset_s) / 2 * fs)
    det = Detector(fs, sim.n_channels)
    events = det.process(sim.data[:split])
    det.set_voluntary(True)
    events += det.process(sim.data[split:]) + det.finish()
    sustained = [e for e in events if e.kind in ("cramp", "contraction")]
    assert [(e.kind, "marked-voluntary" in e.flags) for e in sustained] == [("cramp", False), ("contraction", True)]


# ---- mains, clipping, rate, envelope --------------------------------------------------------------


@pytest.mark.parametrize("scenario", ["rest-benign", "noisy-consumer-250hz"])
@pytest.mark.parametrize("mains_hz", [50.0, 60.0, None])
def test_mains_frequency_is_identified(scenario, mains_hz):
    sim = simulate(scenario, duration_s=10.0, seed=0, mains_hz=mains_hz)
    det, _ = detect(sim.data, sim.fs_hz)
    assert det.mains_hz == mains_hz
    for q in det.quality():
        assert q.mains_hz == mains_hz


def test_mains_amplitude_is_measured():
    fs = 1000.0
    n = int(5 * fs)
    x = sg.white_noise(n, 2, 3.0, seed=1) + sg.mains(n, 2, fs, 50.0, 40.0)  # gains 1.0, 0.5
    det, _ = detect(x, fs)
    q = det.quality()
    assert q[0].mains_uv == pytest.approx(40.0, rel=0.05)
    assert q[1].mains_uv == pytest.approx(20.0, rel=0.05)
    assert any("mains" in p for p in q[0].problems())


def _longest_rail_run(x: np.ndarray, clip_uv: float) -> int:
    rail = np.abs(x) >= clip_uv
    best = 0
    for ch in range(x.shape[1]):
        run = 0
        for v in rail[:, ch]:
            run = run + 1 if v else 0
            best = max(best, run)
    return best


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("clip_uv", [100.0, 150.0])
def test_clipping_is_measured_and_clipped_twitches_are_not_counted(clip_uv, seed):
    """Twitches that drive the amplifier to its rail for at least `clip_repeat_samples` (3)
    samples in a row are artefacts, never fasciculations. (A peak flattened on one or two
    samples is below what the detector can call clipping; those spans are not checked.)"""
    sim = simulate("rest-benign", duration_s=60.0, seed=seed, clip_uv=clip_uv, twitch_amplitude_uv=(50.0, 400.0))
    fs = sim.fs_hz
    det, events = detect(sim.data, fs)
    assert max(q.clipping_fraction for q in det.quality()) > 0
    checked = 0
    for span in (t for t in sim.truth if "clipping" in t.tags and t.onset_s > WARMUP_S):
        a, b = int(round(span.onset_s * fs)), int(round(span.end_s * fs)) + 1
        if _longest_rail_run(sim.data[a:b], clip_uv) < 3:
            continue
        checked += 1
        counted = [e for e in events if e.kind == "fasciculation"
                   and span.onset_s - 0.05 <= e.onset_sample / fs <= span.end_s + 0.05]
        assert not counted, f"fasciculation counted at the clipped span at {span.onset_s:.3f} s: {counted}"
    assert checked >= 3


@pytest.mark.parametrize("fs, warned", [(200.0, True), (250.0, True), (256.0, False), (500.0, False)])
def test_low_rate_warning(fs, warned):
    sim = simulate("rest-benign", duration_s=5.0, fs_hz=fs, seed=0)
    det, _ = detect(sim.data, fs)
    assert all(q.low_rate_warning == warned for q in det.quality())
    assert any("250 Hz" in p for p in det.quality()[0].problems()) == warned


def _envelope(x: np.ndarray, fs: float) -> np.ndarray:
    """What an 'ENV' output gives (MyoWare-style): full-wave rectified EMG, low-passed at 5 Hz."""
    return signal.sosfilt(signal.butter(2, 5.0, fs=fs, output="sos"), np.abs(x.astype(np.float64)), axis=0)


@pytest.mark.parametrize("scenario", ["voluntary", "rest-benign"])
def test_an_envelope_only_input_is_recognised(scenario):
    sim = simulate(scenario, duration_s=30.0, seed=0)
    env = _envelope(sim.data, sim.fs_hz)
    assert env.min() >= 0
    det, _ = detect(env, sim.fs_hz)
    assert all(q.envelope_only_warning for q in det.quality()), [
        (q.band_rms_uv, q.envelope_only_warning) for q in det.quality()]


@pytest.mark.parametrize("scenario", ["voluntary", "rest-benign", "noisy-consumer-250hz"])
def test_raw_emg_is_not_taken_for_an_envelope(scenario):
    sim = simulate(scenario, duration_s=20.0, seed=0)
    det, _ = detect(sim.data, sim.fs_hz)
    assert not any(q.envelope_only_warning for q in det.quality())


# ---- positions ---------------------------------------------------------------------------------


def test_events_carry_absolute_sample_indices():
    """Prepending N samples (of the same kind of noise) shifts every event by N samples."""
    sim = simulate("rest-benign", duration_s=40.0, seed=3)
    fs = sim.fs_hz
    prefix = simulate("rest-benign", duration_s=5.0, seed=9, twitch_rate_per_min=0.0).data
    n = prefix.shape[0] + 1234  # not a multiple of any block length
    prefix = np.concatenate([prefix, prefix[:1234]])
    _, plain = detect(sim.data, fs)
    _, shifted = detect(np.concatenate([prefix, sim.data]), fs)
    plain = [e for e in plain if e.onset_sample > 5 * fs]
    assert len(plain) >= 8
    exact = 0
    for e in plain:
        # Block boundaries (noise floor, mains) fall elsewhere relative to the signal, so the
        # threshold differs a little: a weak potential's onset may move by a few samples.
        match = [s for s in shifted if abs(s.onset_sample - n - e.onset_sample) <= 0.005 * fs and s.kind == e.kind]
        assert match, f"event at {e.onset_sample} not found shifted by {n}"
        exact += match[0].onset_sample == e.onset_sample + n
        assert match[0].decided_at_sample > n + e.onset_sample
    assert exact >= 0.5 * len(plain)  # most onsets to the sample; the rest within 5 ms
