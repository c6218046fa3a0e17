"""Fasciculations: Poisson rate, amplitudes, durations, doublets, spread, and truth vs signal."""

from __future__ import annotations

import math

import numpy as np
import pytest

from twitchwatch.sim import simulate
from twitchwatch.sim.waveform import count_phases

QUIET = dict(mains_hz=None)  # twitches (and noise, where kept) only


@pytest.fixture(scope="module")
def long_run():
    """20 minutes at 30 twitches/min with 10 % doublets, noise-free."""
    return simulate("rest-benign", duration_s=1200.0, fs_hz=1000.0, n_channels=4, seed=11,
                    twitch_rate_per_min=30.0, doublet_fraction=0.1, noise_uv_rms=0.0, **QUIET)


@pytest.fixture(scope="module")
def pair():
    """The same twitches without and with 5 uV noise (each part has its own random stream)."""
    kw = dict(duration_s=120.0, fs_hz=2000.0, n_channels=4, seed=5, **QUIET)
    return simulate("post-exercise", noise_uv_rms=0.0, **kw), simulate("post-exercise", **kw)


def _window(e, fs):
    return int(math.ceil(e.onset_s * fs)), int(math.floor(e.end_s * fs)) + 1


def test_count_matches_poisson_rate(long_run):
    n = len(long_run.events("fasciculation"))
    expected = 30.0 * 1200.0 / 60.0
    assert abs(n - expected) < 4 * math.sqrt(expected)


def test_doublet_fraction_and_intervals(long_run):
    events = long_run.events("fasciculation")
    doublets = long_run.events("fasciculation", "doublet")
    p = len(doublets) / len(events)
    assert abs(p - 0.1) < 4 * math.sqrt(0.1 * 0.9 / len(events))
    intervals = []
    for tr in long_run.trains:
        for k in np.flatnonzero(tr.doublet):
            intervals.append(tr.times_s[k] - tr.times_s[k - 1])
    assert len(intervals) == len(doublets)
    assert 0.010 <= min(intervals) and max(intervals) <= 0.110
    # a doublet's truth spans both discharges: longer than any single MUAP can be
    assert min(e.duration_s for e in doublets) > 0.010 + 0.004


def test_amplitudes_in_requested_range_and_durations_5_to_25_ms(long_run):
    singles = [e for e in long_run.events("fasciculation") if "doublet" not in e.tags]
    amps = np.array([e.amplitude_uv for e in singles])
    assert amps.min() >= 30.0 - 1e-3 and amps.max() <= 200.0 + 1e-3
    assert amps.max() / amps.min() > 2.5  # spread over the range, not one value
    durs = np.array([e.duration_s for e in singles])
    assert durs.min() >= 0.005 and durs.max() <= 0.025


def test_amplitude_is_sampled_peak_to_peak_on_strongest_channel(pair):
    clean, _ = pair
    fs = clean.fs_hz
    for e in clean.events("fasciculation"):
        a, b = _window(e, fs)
        seg = clean.data[a:b]
        pp = np.ptp(seg, axis=0)
        assert pp[e.channel - 1] == pytest.approx(e.amplitude_uv, rel=1e-3, abs=0.01)
        # strongest channel, and `channels` = those at >= 20 % of it (isolated events only)
        others = [o for o in clean.truth if o is not e and o.kind == "fasciculation"
                  and o.onset_s < e.end_s + 0.03 and o.end_s > e.onset_s - 0.03]
        if not others:
            assert int(np.argmax(pp)) + 1 == e.channel
            reached = tuple(int(c) + 1 for c in np.flatnonzero(pp >= 0.2 * pp.max() - 1e-3))
            assert e.channels == reached


def test_truth_lines_up_with_energy(pair):
    clean, noisy = pair
    fs, noise = clean.fs_hz, noisy.params.noise_uv_rms
    inside = np.zeros(clean.n_samples, bool)
    pad = int(0.01 * fs)
    for e in clean.events("fasciculation"):
        a, b = _window(e, fs)
        inside[max(a - pad, 0) : b + pad] = True
        w = noisy.data[a:b, e.channel - 1]
        if e.amplitude_uv >= 100:
            assert np.sqrt(np.mean(w.astype(float) ** 2)) > 3 * noise
    assert 0.005 < inside.mean() < 0.2
    # outside the events: no twitch energy, only noise at the requested level
    assert np.max(np.abs(clean.data[~inside])) < 0.01
    rms_out = np.sqrt(np.mean(noisy.data[~inside].astype(float) ** 2, axis=0))
    np.testing.assert_allclose(rms_out, noise, rtol=0.05)


def test_twitches_spread_to_neighbours_and_weaken_with_distance():
    sim = simulate("rest-benign", duration_s=300.0, fs_hz=1000.0, n_channels=8, seed=3,
                   noise_uv_rms=0.0, **QUIET)
    events = sim.events("fasciculation")
    sizes = [len(e.channels) for e in events]
    assert all(e.channel in e.channels for e in events)
    assert 1.5 <= np.mean(sizes) <= 4.0 and max(sizes) < 8
    for e in events:
        assert max(e.channels) - min(e.channels) + 1 == len(e.channels)  # contiguous


def test_complex_flag_means_more_than_four_phases():
    sim = simulate("rest-benign", duration_s=300.0, fs_hz=4000.0, n_channels=2, seed=8,
                   complex_fraction=0.5, doublet_fraction=0.0, noise_uv_rms=0.0, **QUIET)
    events = sim.events("fasciculation")
    flagged = 0
    for e in events:
        isolated = not any(o is not e and o.onset_s < e.end_s + 0.02 and o.end_s > e.onset_s - 0.02
                           for o in events)
        if not isolated:
            continue
        a, b = _window(e, sim.fs_hz)
        phases = count_phases(sim.data[a:b, e.channel - 1].astype(float))
        if "complex" in e.tags:
            flagged += 1
            assert phases > 4
        else:
            assert phases <= 4
    assert flagged >= 5


def test_no_twitches_when_rate_is_zero():
    sim = simulate("rest-benign", duration_s=60.0, seed=1, twitch_rate_per_min=0.0,
                   noise_uv_rms=0.0, **QUIET)
    assert sim.events("fasciculation") == [] and not np.any(sim.data)


@pytest.mark.parametrize("fs", [200.0, 250.0])
def test_low_rates_keep_requested_amplitudes(fs):
    sim = simulate("rest-benign", duration_s=120.0, fs_hz=fs, seed=4, doublet_fraction=0.0,
                   noise_uv_rms=0.0, **QUIET)
    for e in sim.events("fasciculation"):
        a, b = _window(e, fs)
        assert 30.0 - 1e-3 <= e.amplitude_uv <= 200.0 + 1e-3
        assert np.ptp(sim.data[a:b, e.channel - 1]) == pytest.approx(e.amplitude_uv, rel=1e-3)
        assert 0.005 <= e.duration_s <= 0.040  # smoothed by the sensor's anti-alias filter
