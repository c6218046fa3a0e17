"""Scenarios, their defaults and parameter validation."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from twitchwatch.sim import SCENARIOS, ScenarioParams, resolve_params, simulate

REQUIRED = {
    "rest-benign", "post-exercise", "cramp", "voluntary", "ecg-contaminated",
    "noisy-consumer-250hz", "mixed",
}
OVERRIDABLE = {
    "twitch_rate_per_min", "twitch_amplitude_uv", "noise_uv_rms", "mains_hz", "mains_uv",
    "ecg_uv", "doublet_fraction", "n_cramps", "n_contractions", "motion_per_min",
    "pops_per_min", "clip_uv",
}


def test_required_scenarios_exist_with_one_line_descriptions():
    assert REQUIRED <= set(SCENARIOS)
    for name, s in SCENARIOS.items():
        assert s.name == name
        assert s.description and "\n" not in s.description and len(s.description) <= 76
        assert s.doc
        assert isinstance(s.params, ScenarioParams)
        assert s.duration_s > 0 and 200 <= s.fs_hz <= 10000 and 1 <= s.n_channels <= 64


def test_scenario_defaults_match_their_purpose():
    s = {n: SCENARIOS[n].params for n in SCENARIOS}
    assert 15 <= s["rest-benign"].twitch_rate_per_min <= 30 and s["rest-benign"].n_cramps == 0
    assert s["rest-benign"].mains_hz == 50 and s["rest-benign"].fs_hz == 2000
    assert 40 <= s["post-exercise"].twitch_rate_per_min <= 60
    assert s["post-exercise"].doublet_fraction > s["rest-benign"].doublet_fraction
    assert s["cramp"].n_cramps in (1, 2) and s["cramp"].fs_hz == 1000
    assert s["cramp"].cramp_duration_s == (8.0, 30.0)
    assert 1 <= s["voluntary"].n_contractions <= 3 and s["voluntary"].n_cramps == 0
    assert s["ecg-contaminated"].twitch_rate_per_min == 0
    assert 100 <= s["ecg-contaminated"].ecg_uv <= 300
    noisy = s["noisy-consumer-250hz"]
    assert (noisy.fs_hz, noisy.n_channels, noisy.mains_hz) == (250, 8, 60)
    assert noisy.motion_per_min > 0 and noisy.twitch_rate_per_min > 0 and noisy.noise_uv_rms == 8
    mixed = s["mixed"]
    assert all(
        (mixed.twitch_rate_per_min, mixed.ecg_uv, mixed.n_cramps, mixed.n_contractions,
         mixed.motion_per_min, mixed.pops_per_min, mixed.mains_hz)
    )


def test_overridable_fields_exist():
    assert OVERRIDABLE <= set(ScenarioParams.field_names())


def test_resolve_applies_explicit_values_and_overrides():
    p = resolve_params("cramp", 30, 500, 3, twitch_amplitude_uv=[40, 90], mains_hz=None)
    assert (p.duration_s, p.fs_hz, p.n_channels) == (30.0, 500.0, 3)
    assert p.twitch_amplitude_uv == (40.0, 90.0) and p.mains_hz is None
    assert p.n_cramps == SCENARIOS["cramp"].params.n_cramps
    default = resolve_params("cramp")
    assert default == SCENARIOS["cramp"].params


def test_unknown_override_names_valid_fields():
    with pytest.raises(ValueError) as info:
        simulate("rest-benign", duration_s=1.0, twitch_rate=3)
    msg = str(info.value)
    assert "twitch_rate" in msg and "twitch_rate_per_min" in msg and "clip_uv" in msg


def test_unknown_scenario_lists_valid_names():
    with pytest.raises(ValueError, match="valid: rest-benign, post-exercise"):
        simulate("nope")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(fs_hz=199.0), "fs_hz must be between 200 and 10000 Hz"),
        (dict(fs_hz=10001.0), "fs_hz must be between 200 and 10000 Hz"),
        (dict(n_channels=0), "n_channels must be an integer from 1 to 64"),
        (dict(n_channels=65), "n_channels must be an integer from 1 to 64"),
        (dict(n_channels=2.5), "n_channels must be an integer"),
        (dict(duration_s=0.0), "duration_s must be > 0"),
        (dict(duration_s=-3.0), "duration_s must be > 0"),
        (dict(duration_s=float("nan")), "duration_s must be finite"),
        (dict(duration_s=1e6, fs_hz=10000.0, n_channels=64), "too large"),
        (dict(mains_hz=55.0), "mains_hz must be 50, 60 or None"),
        (dict(twitch_amplitude_uv=(200.0, 30.0)), "low <= high"),
        (dict(twitch_amplitude_uv=(0.0, 30.0)), "must be > 0"),
        (dict(twitch_amplitude_uv=50.0), r"\(low, high\) pair"),
        (dict(doublet_fraction=1.5), "between 0 and 1"),
        (dict(noise_uv_rms=-1.0), "noise_uv_rms must be >= 0"),
        (dict(clip_uv=0.0), "clip_uv must be > 0"),
        (dict(n_cramps=-1), "n_cramps must be an integer from 0"),
        (dict(twitch_rate_per_min="fast"), "must be a number"),
        (dict(seed=-1), "seed must be a non-negative integer"),
        (dict(seed=1.5), "seed must be a non-negative integer"),
    ],
)
def test_invalid_values_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        simulate("rest-benign", **{"duration_s": 1.0, **kwargs})


def test_numpy_scalars_are_accepted():
    sim = simulate("rest-benign", duration_s=np.float64(2.0), n_channels=np.int64(3),
                   seed=np.int64(4), twitch_rate_per_min=np.int32(30))
    assert sim.data.shape == (4000, 3) and type(sim.params.n_channels) is int


def test_params_are_frozen_and_recorded():
    sim = simulate("voluntary", duration_s=5.0, seed=2, noise_uv_rms=1.5)
    assert sim.params.noise_uv_rms == 1.5 and sim.params.duration_s == 5.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        sim.params.noise_uv_rms = 2.0  # type: ignore[misc]
