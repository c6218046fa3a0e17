"""Stream health: gaps from time stamps, duplicates, drift, states, rates (no network)."""

from __future__ import annotations

import numpy as np
import pytest

from twitchwatch.sources.lsl_health import RateMeter, StampTracker, StreamState, stream_state


def feed(tracker: StampTracker, stamps: np.ndarray, chunk: int) -> list[tuple[int, int]]:
    """All gaps as (index into ``stamps``, missing)."""
    gaps = []
    for k in range(0, len(stamps), chunk):
        gaps += [(k + i, m) for i, m in tracker.update(stamps[k:k + chunk])]
    return gaps


@pytest.mark.parametrize("chunk", [3, 40, 5000])
def test_exact_stamps_with_dropped_samples_give_exact_gaps(chunk):
    fs = 2000.0
    stamps = 1000.0 + np.arange(20000) / fs
    kept = np.delete(stamps, np.r_[6000:6010, 12000, 15000:15400])
    tracker = StampTracker(fs)
    gaps = feed(tracker, kept, chunk)
    assert gaps == [(6000, 10), (11990, 1), (14989, 400)]
    assert tracker.timeline == 20000 and tracker.received == len(kept)
    assert tracker.duplicates == tracker.backwards == 0


def test_no_gaps_in_a_clean_stream():
    fs = 250.0
    tracker = StampTracker(fs)
    assert feed(tracker, 5.0 + np.arange(20000) / fs, 13) == []
    assert tracker.jitter_s == 0.0


def test_bursty_stamps_are_not_gaps_but_a_real_dropout_is():
    """OpenBCI GUI style: each 10-sample chunk carries one stamp (duplicates), with network
    jitter; a 0.4 s dropout in the middle must still be found, and only it."""
    fs, n = 250.0, 25000
    rng = np.random.default_rng(1)
    true = 10.0 + np.arange(n) / fs
    stamps = np.repeat(true[9::10], 10) + np.repeat(rng.uniform(0, 0.004, n // 10), 10)
    kept = np.delete(stamps, np.r_[12000:12100])
    tracker = StampTracker(fs)
    gaps = feed(tracker, kept, 17)
    assert len(gaps) == 1
    i, missing = gaps[0]
    assert i == 12000
    assert abs(missing - 100) <= 12  # within the stamps' burst jitter (10 samples)
    assert tracker.duplicates > 0.8 * n


@pytest.mark.parametrize("actual_over_nominal", [0.995, 1.005])
def test_a_drifting_sensor_clock_is_not_a_gap(actual_over_nominal):
    fs_nominal = 500.0
    stamps = np.arange(50000) / (fs_nominal * actual_over_nominal)  # 100 s
    assert feed(StampTracker(fs_nominal), stamps, 50) == []


def test_duplicates_and_backwards_stamps_are_counted_not_repaired():
    fs = 100.0
    stamps = np.arange(400) / fs
    stamps[100] = stamps[99]  # duplicate
    stamps[200] = stamps[199] - 0.5  # backwards
    tracker = StampTracker(fs)
    feed(tracker, stamps, 30)
    assert tracker.duplicates == 1 and tracker.backwards == 1


def test_gaps_during_the_learning_period_need_to_be_large():
    fs = 1000.0
    stamps = np.delete(np.arange(5000) / fs, np.r_[500:550, 3000:3050])
    assert feed(StampTracker(fs), stamps, 20) == [(2950, 50)]  # the first is within 2 s


def test_bridge_adds_the_missing_slots():
    fs = 100.0
    tracker = StampTracker(fs)
    tracker.update(np.arange(300) / fs)
    tracker.bridge(np.array([1000.0]), 42)
    assert tracker.update(1000.0 + np.arange(10) / fs) == []
    assert tracker.timeline == 352


def test_tracker_needs_a_rate():
    with pytest.raises(ValueError, match="sampling rate"):
        StampTracker(0.0)


@pytest.mark.parametrize("received, silence, stopped, state", [
    (False, 0.1, False, StreamState.CONNECTING),
    (False, 3.0, False, StreamState.RECONNECTING),
    (True, 0.1, False, StreamState.CONNECTED),
    (True, 0.6, False, StreamState.STALLED),
    (True, 2.5, False, StreamState.RECONNECTING),
    (True, 9.0, False, StreamState.LOST),
    (True, 0.0, True, StreamState.STOPPED),
])
def test_states_follow_the_silence(received, silence, stopped, state):
    assert stream_state(received_any=received, silence_s=silence, stopped=stopped,
                        stall_after_s=0.5, reconnect_after_s=2.0, lost_after_s=5.0) == state


def test_rate_meter_measures_by_stamps_and_by_arrival():
    meter = RateMeter(window_s=2.0)
    assert meter.rates() == (None, None)
    for k in range(1, 101):  # 100 chunks of 20 samples, 0.1 s apart on both clocks... stamps at 199 Hz
        meter.add(wall=k * 0.1, last_stamp=k * 20 / 199.0, n=20)
    by_stamp, by_wall = meter.rates()
    assert by_stamp == pytest.approx(199.0, rel=1e-6) and by_wall == pytest.approx(200.0, rel=1e-6)
