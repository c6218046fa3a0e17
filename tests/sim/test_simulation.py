"""``simulate``: the public API, determinism, every scenario at every rate and size, speed."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest

import twitchwatch.sim as sim_pkg
from twitchwatch.sim import SCENARIOS, Simulation, TruthEvent, simulate
from twitchwatch.sim.truth import KINDS


def test_public_api_names():
    for name in ("simulate", "SCENARIOS", "TruthEvent", "Simulation", "write_truth_csv",
                 "read_truth_csv"):
        assert hasattr(sim_pkg, name)


def test_result_shape_dtype_and_labels():
    sim = simulate("rest-benign", duration_s=3.0, fs_hz=1000.0, n_channels=5, seed=0)
    assert isinstance(sim, Simulation)
    assert sim.data.dtype == np.float32 and sim.data.shape == (3000, 5)
    assert sim.data.flags.c_contiguous
    assert sim.fs_hz == 1000.0 and isinstance(sim.fs_hz, float)
    assert sim.channel_labels == ["EMG1", "EMG2", "EMG3", "EMG4", "EMG5"]
    assert sim.scenario == "rest-benign" and sim.seed == 0
    assert sim.duration_s == 3.0 and sim.n_channels == 5
    assert sim.components is None


def test_defaults_come_from_the_scenario():
    sim = simulate("noisy-consumer-250hz", duration_s=2.0)
    assert sim.fs_hz == 250.0 and sim.n_channels == 8
    assert sim.params == dataclasses.replace(SCENARIOS["noisy-consumer-250hz"].params,
                                             duration_s=2.0)


def _fingerprint(sim):
    return sim.data.tobytes(), sim.truth


def test_same_seed_is_bit_identical_and_other_seeds_differ():
    a = simulate("mixed", duration_s=30.0, n_channels=4, seed=42)
    b = simulate("mixed", duration_s=30.0, n_channels=4, seed=42)
    c = simulate("mixed", duration_s=30.0, n_channels=4, seed=43)
    assert _fingerprint(a) == _fingerprint(b)
    assert a.data.tobytes() != c.data.tobytes()
    assert a.truth != c.truth


def test_parts_have_independent_random_streams():
    """Switching one part off leaves the others exactly as they were."""
    kw = dict(duration_s=30.0, n_channels=4, seed=7)
    full = simulate("mixed", return_components=True, **kw)
    quiet = simulate("mixed", noise_uv_rms=0.0, ecg_uv=0.0, return_components=True, **kw)
    for name in ("twitches", "cramps", "contractions", "motion", "pops", "mains"):
        if name in full.components:
            assert np.array_equal(full.components[name], quiet.components[name])
    assert [e for e in full.truth if e.detail != "ecg"] == quiet.truth


def test_components_add_up_to_the_data():
    sim = simulate("mixed", duration_s=30.0, n_channels=4, seed=8, return_components=True)
    total = sum(sim.components.values())
    np.testing.assert_allclose(sim.data, total, rtol=1e-6, atol=1e-3)


def test_truth_is_sorted_and_well_formed():
    sim = simulate("mixed", duration_s=60.0, seed=9, clip_uv=600.0)
    onsets = [e.onset_s for e in sim.truth]
    assert onsets == sorted(onsets)
    for e in sim.truth:
        assert isinstance(e, TruthEvent) and e.kind in KINDS
        assert 0.0 <= e.onset_s and e.end_s <= sim.duration_s + 1e-6
        assert e.duration_s > 0 and e.amplitude_uv > 0
        if e.channel == 0:
            assert e.channels == tuple(range(1, sim.n_channels + 1))
        else:
            assert 1 <= e.channel <= sim.n_channels and e.channel in e.channels
        assert all(1 <= c <= sim.n_channels for c in e.channels)
    assert {e.kind for e in sim.truth} == set(KINDS)


@pytest.mark.parametrize("scenario", list(SCENARIOS))
@pytest.mark.parametrize("fs", [200.0, 250.0, 1000.0, 4000.0])
@pytest.mark.parametrize("channels", [1, 8, 64])
def test_every_scenario_runs_at_every_rate_and_size(scenario, fs, channels):
    sim = simulate(scenario, duration_s=3.0, fs_hz=fs, n_channels=channels, seed=1)
    assert sim.data.shape == (int(round(3.0 * fs)), channels)
    assert np.all(np.isfinite(sim.data))
    assert all(1 <= c <= channels for e in sim.truth for c in e.channels)


@pytest.mark.parametrize("fs, channels", [(200.0, 64), (250.0, 1), (10000.0, 1), (10000.0, 64)])
def test_every_part_at_extreme_rates_and_sizes(fs, channels):
    sim = simulate("mixed", duration_s=12.0, fs_hz=fs, n_channels=channels, seed=2,
                   motion_per_min=30.0, pops_per_min=30.0, clip_uv=800.0,
                   mains_hz=60.0, return_components=True)
    assert set(sim.components) == {"twitches", "cramps", "contractions", "noise", "mains",
                                   "ecg", "motion", "pops"}
    assert {e.detail for e in sim.events("artifact")} >= {"ecg", "motion", "pop", "mains"}
    assert np.all(np.isfinite(sim.data)) and np.abs(sim.data).max() <= 800.0


def test_fast_enough():
    """120 s x 2 kHz x 8 channels of the busiest scenario in well under 2 s."""
    best = np.inf
    for _ in range(2):
        t0 = time.perf_counter()
        simulate("mixed", duration_s=120.0, fs_hz=2000.0, n_channels=8, seed=0)
        best = min(best, time.perf_counter() - t0)
    assert best < 2.0
