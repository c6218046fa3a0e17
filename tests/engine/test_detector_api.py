"""The Detector's public API: validation at the boundary, non-finite samples, units, life cycle."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from oracles import signals as sg
from twitchwatch.engine import EVENT_KINDS, ChannelQuality, Detector, DetectorConfig, Event
from twitchwatch.engine import layout as L
from twitchwatch.engine.state import DetectorState
from twitchwatch.scoring import score_events
from twitchwatch.sim import simulate


def twitchy(duration_s=20.0, seed=0, **overrides):
    return simulate("rest-benign", duration_s=duration_s, seed=seed, twitch_rate_per_min=40.0,
                    twitch_amplitude_uv=(80.0, 250.0), **overrides)


def all_events(det, x, **kwargs):
    return det.process(x, **kwargs) + det.finish()


def float_state_is_finite(det) -> dict[str, bool]:
    """Per float state array: finite everywhere, except where a fresh state holds a sentinel
    (e.g. a running minimum that starts at +inf)."""
    fresh = DetectorState.create(det.n_channels, det.design, det.config).arrays()
    return {k: bool(np.all(np.isfinite(v) | ~np.isfinite(fresh[k]))) for k, v in det.state.arrays().items()
            if v.dtype.kind == "f" and k != "out_f"}


# ---- constructor ------------------------------------------------------------------------------------


@pytest.mark.parametrize("fs", [0, -1.0, float("nan"), float("inf"), 50.0, 99.9, 20000.1, 1e6])
def test_bad_sampling_rate(fs):
    with pytest.raises(ValueError, match=r"fs_hz must be between 100 and 20000 Hz, got"):
        Detector(fs, 2)


@pytest.mark.parametrize("n", [0, -1, 2.5, "3"])
def test_bad_channel_count(n):
    with pytest.raises(ValueError, match=r"n_channels must be a whole number >= 1, got"):
        Detector(1000.0, n)


@pytest.mark.parametrize("scale", [0, 0.0, float("inf"), -float("inf"), float("nan")])
def test_bad_unit_scale(scale):
    with pytest.raises(ValueError, match=r"unit_scale must be a finite, non-zero factor"):
        Detector(1000.0, 2, unit_scale=scale)


@pytest.mark.parametrize("fs", [100.0, 200.0, 250.0, 20000.0])
def test_edge_rates_are_accepted(fs):
    det = Detector(fs, 1)
    assert det.fs_hz == fs and det.n_channels == 1
    assert det.process(np.zeros((int(fs), 1))) == []


def test_whole_float_channel_counts_are_accepted():
    assert Detector(1000.0, 3.0).n_channels == 3
    assert Detector(1000.0, np.int64(5)).n_channels == 5


# ---- chunks -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "chunk, match",
    [
        (np.zeros((10, 2)), r"chunk must have shape \(samples, 3\) for this detector, got \(10, 2\)"),
        (np.zeros((10, 4)), r"shape \(samples, 3\).*got \(10, 4\)"),
        (np.zeros((10, 3, 1)), r"shape \(samples, 3\).*got \(10, 3, 1\)"),
        (np.zeros(10), r"shape \(samples, 3\).*got \(10,\)"),
        (np.zeros((0,)), r"shape \(samples, 3\).*got \(0,\)"),
        (np.float64(1.0), r"shape \(samples, 3\).*got \(\)"),
        (np.zeros((10, 3), complex), r"dtype must be numeric.*got complex128"),
        (np.zeros((10, 3), object), r"dtype must be numeric.*got object"),
        (np.zeros((10, 3), bool), r"dtype must be numeric.*got bool"),
        (np.zeros((10, 3), "U1"), r"dtype must be numeric.*got <U1"),
    ],
)
def test_bad_chunks_are_rejected_and_leave_the_detector_untouched(chunk, match):
    det = Detector(1000.0, 3)
    x = sg.white_noise(1500, 3, 5.0, seed=0)
    det.process(x[:700])
    before = det.state.copy()
    with pytest.raises(ValueError, match=match):
        det.process(chunk)
    assert det.state.equals(before) and det.samples_processed == 700
    det.process(x[700:])
    clean = Detector(1000.0, 3)
    clean.process(x)
    assert det.state.equals(clean.state)


@pytest.mark.parametrize("out, match", [
    (np.zeros((10, 3), np.float32), r"filtered_out must be float64 of shape \(10, 3\), got float32 \(10, 3\)"),
    (np.zeros((9, 3)), r"filtered_out must be float64 of shape \(10, 3\), got float64 \(9, 3\)"),
    (np.zeros((10, 2)), r"got float64 \(10, 2\)"),
])
def test_bad_filtered_out_buffer(out, match):
    with pytest.raises(ValueError, match=match):
        Detector(1000.0, 3).process(np.zeros((10, 3)), filtered_out=out)


def test_filtered_out_may_be_any_writable_float64_view():
    x = sg.white_noise(3000, 3, 5.0, seed=1) + sg.mains(3000, 3, 1000.0, 50.0, 10.0)
    expected = np.empty(x.shape)
    Detector(1000.0, 3).process(x, filtered_out=expected)
    for buffer in (np.zeros((x.shape[0], 6))[:, ::2],):  # a strided view
        Detector(1000.0, 3).process(x, filtered_out=buffer)
        assert np.array_equal(buffer, expected)


def test_one_channel_accepts_a_flat_chunk():
    x = twitchy(seed=2).data[:, 1]
    a = Detector(2000.0, 1)
    b = Detector(2000.0, 1)
    assert all_events(a, x) == all_events(b, x.reshape(-1, 1))
    assert a.state.equals(b.state)


def test_empty_chunks_change_nothing():
    det = Detector(1000.0, 2)
    before = det.state.copy()
    assert det.process(np.zeros((0, 2))) == []
    assert det.process(np.zeros((0, 2), np.int16)) == []
    assert det.state.equals(before) and det.samples_processed == 0


@pytest.mark.parametrize("dtype", [np.float16, np.uint16, np.int8, np.int64, np.uint8])
def test_other_numeric_dtypes_are_read_as_their_values(dtype):
    sim = twitchy(duration_s=12.0, seed=3)
    x = np.clip(np.round(sim.data / 4.0), np.iinfo(np.int8).min, np.iinfo(np.int8).max)
    if np.issubdtype(dtype, np.unsignedinteger):
        x = x - x.min()
    typed = x.astype(dtype)
    a = all_events(Detector(2000.0, 4, unit_scale=4.0), typed)
    b = all_events(Detector(2000.0, 4, unit_scale=4.0), typed.astype(np.float64))
    assert a == b


# ---- units --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [0.195, 0.5, 2.0])
def test_int16_with_unit_scale_equals_the_float_microvolts(scale):
    sim = twitchy(seed=4)
    counts = np.clip(np.round(sim.data / scale), -32768, 32767).astype(np.int16)
    microvolts = counts.astype(np.float64) * scale
    det_counts = Detector(2000.0, 4, unit_scale=scale)
    det_uv = Detector(2000.0, 4)
    out_counts, out_uv = np.empty(counts.shape), np.empty(counts.shape)
    ev_counts = all_events(det_counts, counts, filtered_out=out_counts)
    ev_uv = all_events(det_uv, microvolts, filtered_out=out_uv)
    assert ev_counts and ev_counts == ev_uv
    assert np.array_equal(out_counts, out_uv)
    assert det_counts.state.equals(det_uv.state)


def test_volts_with_unit_scale_find_the_same_twitches():
    sim = twitchy(seed=5)
    ev_uv = all_events(Detector(2000.0, 4), sim.data.astype(np.float64))
    ev_v = all_events(Detector(2000.0, 4, unit_scale=1e6), sim.data.astype(np.float64) * 1e-6)
    assert [(e.kind, e.onset_sample, e.channels) for e in ev_v] == [(e.kind, e.onset_sample, e.channels) for e in ev_uv]
    for a, b in zip(ev_v, ev_uv):
        assert a.peak_to_peak_uv == pytest.approx(b.peak_to_peak_uv, rel=1e-9)


# ---- non-finite and absurd samples ---------------------------------------------------------------------


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_do_not_poison_the_state(bad):
    sim = twitchy(duration_s=40.0, seed=6)
    fs = sim.fs_hz
    x = sim.data.astype(np.float64).copy()
    burst = slice(int(15 * fs), int(15.5 * fs))
    x[burst, :] = bad
    x[int(20 * fs), 2] = bad
    det = Detector(fs, 4)
    events = det.process(x[: int(17 * fs)])
    assert all(float_state_is_finite(det).values()), float_state_is_finite(det)
    events += all_events(det, x[int(17 * fs):])
    assert all(float_state_is_finite(det).values()), float_state_is_finite(det)
    assert det.nonfinite_samples == int(0.5 * fs) * 4 + 1
    # twitches after the burst (from 17 s on) are still found
    after = [t for t in sim.truth if t.onset_s >= 17.0]
    s = score_events([e for e in events if e.onset_sample >= 17 * fs], after, fs, 40.0, ignore_before_s=17.0)
    assert s.true_twitches >= 5 and s.recall >= 0.9, s.as_dict()


def test_non_finite_samples_in_float32_chunks():
    x = sg.white_noise(3000, 2, 5.0, seed=7).astype(np.float32)
    x[100:110, 0] = np.nan
    det = Detector(1000.0, 2)
    det.process(x)
    assert det.nonfinite_samples == 10
    assert all(float_state_is_finite(det).values())


def test_a_burst_of_absurd_finite_values_does_not_disable_detection():
    """A corrupt read (values like 1e300 uV) squares to infinity in the envelope; afterwards
    the detector must still find twitches, with a finite state."""
    sim = twitchy(duration_s=40.0, seed=8)
    fs = sim.fs_hz
    x = sim.data.astype(np.float64).copy()
    x[int(15 * fs):int(15 * fs) + 20, :] = 1e300
    det = Detector(fs, 4)
    events = all_events(det, x)
    after = [t for t in sim.truth if t.onset_s >= 20.0]
    s = score_events([e for e in events if e.onset_sample >= 20 * fs], after, fs, 40.0, ignore_before_s=20.0)
    assert s.true_twitches >= 5 and s.recall >= 0.9, s.as_dict()
    assert all(float_state_is_finite(det).values()), float_state_is_finite(det)


# ---- life cycle -------------------------------------------------------------------------------------------


def test_finish_twice_is_harmless_and_process_after_finish_raises():
    sim = twitchy(duration_s=12.0, seed=9)
    det = Detector(2000.0, 4)
    det.process(sim.data)
    first = det.finish()
    state = det.state.copy()
    assert det.finish() == []
    assert det.state.equals(state)
    with pytest.raises(RuntimeError, match="finished"):
        det.process(sim.data[:10])
    with pytest.raises(RuntimeError, match="finished"):
        det.process(np.zeros((0, 4)))
    assert isinstance(first, list)


def test_finish_without_samples():
    det = Detector(1000.0, 2)
    assert det.finish() == []
    with pytest.raises(RuntimeError):
        det.process(np.zeros((1, 2)))


def test_finish_reports_what_is_pending():
    """A twitch close to the end is decided by finish() (the isolation interval never passes)."""
    fs = 1000.0
    x = sg.white_noise(int(6 * fs), 2, 3.0, seed=10)
    sg.add_at(x, int(5.9 * fs), 0, sg.biphasic(fs, 3.0, 200.0))
    det = Detector(fs, 2)
    assert det.process(x) == []
    events = det.finish()
    assert [e.kind for e in events] == ["fasciculation"]
    assert events[0].decided_at_sample >= x.shape[0] - 1


def test_samples_processed_and_voluntary_marker():
    det = Detector(1000.0, 2)
    det.process(np.zeros((123, 2)))
    det.process(np.zeros((0, 2)))
    det.process(np.zeros((7, 2), np.int16))
    assert det.samples_processed == 130
    assert not det.in_sustained_activity
    det.set_voluntary(True)
    assert det.state.gi[L.G_VOLUNTARY] == 1
    det.set_voluntary(False)
    assert det.state.gi[L.G_VOLUNTARY] == 0


# ---- what comes out ------------------------------------------------------------------------------------


def test_events_are_well_formed():
    sim = simulate("mixed", duration_s=60.0, seed=0)
    det = Detector(sim.fs_hz, sim.n_channels)
    events = all_events(det, sim.data)
    assert len({e.kind for e in events}) >= 3
    decided = [e.decided_at_sample for e in events]
    assert decided == sorted(decided)
    for e in events:
        assert isinstance(e, Event)
        assert e.kind in EVENT_KINDS
        assert set(e.flags) <= set(L.FLAG_NAMES.values())
        assert 0 <= e.channel < sim.n_channels and e.channel in e.channels
        assert list(e.channels) == sorted(set(e.channels))
        assert 0 <= e.onset_sample <= e.end_sample <= e.decided_at_sample
        assert e.end_sample < sim.n_samples
        assert e.onset_sample >= DetectorConfig().warmup_s * sim.fs_hz
        assert e.duration_samples == e.end_sample - e.onset_sample + 1
        assert e.onset_s(sim.fs_hz) == e.onset_sample / sim.fs_hz
        assert all(np.isfinite(v) for v in (e.peak_to_peak_uv, e.energy_uv2_s, e.snr, e.rms_uv,
                                            e.mean_freq_hz, e.breadth))
        assert e.peak_to_peak_uv > 0 and 0 < e.breadth <= 1
        with pytest.raises(dataclasses.FrozenInstanceError):
            e.kind = "cramp"


def test_motion_time_is_the_time_under_low_frequency_swings():
    """motion_s counts, after the warm-up, the samples whose 0.5-10 Hz signal strays beyond
    motion_lf_uv: a quarter of the time under 0.5-3 mV motion 30 times a minute, none at rest
    or under heart beats of 200 µV."""
    def motion_s(scenario, **overrides):
        sim = simulate(scenario, duration_s=60.0, seed=1, **overrides)
        det = Detector(sim.fs_hz, sim.n_channels)
        det.process(sim.data)
        return sim, [q.motion_s for q in det.quality()]

    sim, moving = motion_s("rest-benign", motion_per_min=30.0, motion_uv=(500.0, 3000.0))
    truth_s = sum(t.duration_s for t in sim.truth if "motion" in t.detail)
    # about the artefacts' own time (the 0.5-10 Hz filter stretches each a little)
    assert 0.1 * 57.0 < max(moving) < 1.5 * truth_s
    assert motion_s("rest-benign")[1] == [0.0] * 4
    assert motion_s("ecg-contaminated")[1] == [0.0] * 4


def test_quality_reports_every_channel():
    sim = simulate("noisy-consumer-250hz", duration_s=10.0, seed=0)
    det = Detector(sim.fs_hz, sim.n_channels)
    q0 = det.quality()
    assert all(q.warming_up for q in q0)
    det.process(sim.data)
    quality = det.quality()
    assert [q.channel for q in quality] == list(range(sim.n_channels))
    for q in quality:
        assert isinstance(q, ChannelQuality)
        assert not q.warming_up
        assert 0 < q.noise_floor_uv_rms < 20 and np.isfinite(q.band_rms_uv)
        assert q.clipped_samples == 0 and q.clipping_fraction == 0.0
        assert all(isinstance(p, str) for p in q.problems())
