"""DetectorConfig: the physiology defaults, and rejection of values no detector can use."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from oracles import signals as sg
from twitchwatch.engine import Detector, DetectorConfig

NUMERIC_FIELDS = [f.name for f in dataclasses.fields(DetectorConfig)
                  if isinstance(getattr(DetectorConfig(), f.name), (int, float))]


def test_defaults_follow_the_design_notes():
    c = DetectorConfig()
    assert (c.highpass_hz, c.lowpass_hz) == (20.0, 450.0)  # SENIAM surface-EMG band
    assert c.isolation_ms == 250.0  # Sleutjes 2016
    assert (c.doublet_min_ms, c.doublet_max_ms) == (10.0, 110.0)  # Kleine 2012
    assert c.complex_min_phases == 5  # more than 4 phases, Shimizu 2014
    assert c.mains_candidates_hz == (50.0, 60.0)
    assert c.cramp_min_s == 2.0 and c.warmup_s == 3.0


def test_as_dict_round_trips_and_config_is_frozen():
    c = DetectorConfig(noise_block_ms=200.0, mains_candidates_hz=(60.0, 50.0))
    assert DetectorConfig(**c.as_dict()) == c
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.highpass_hz = 10.0


def test_every_numeric_field_is_checked():
    assert len(NUMERIC_FIELDS) > 40


@pytest.mark.parametrize("name", NUMERIC_FIELDS)
@pytest.mark.parametrize("value", [-1.0, math.nan, math.inf, -math.inf])
def test_negative_or_non_finite_values_are_rejected_by_name(name, value):
    with pytest.raises(ValueError, match=rf"DetectorConfig\.{name} must be a finite number >= 0, got"):
        DetectorConfig(**{name: value})


@pytest.mark.parametrize("pair", [(50.0, -60.0), (50.0, math.nan), (math.inf, 60.0)])
def test_bad_mains_candidates_are_rejected(pair):
    with pytest.raises(ValueError, match="mains_candidates_hz"):
        DetectorConfig(mains_candidates_hz=pair)


@pytest.mark.parametrize("band", [(150.0, 50.0), (50.0, 50.0), (0.0, 150.0), (50.0, math.inf), (50.0,), (math.nan, 150.0)])
def test_bad_onset_bands_are_rejected(band):
    with pytest.raises(ValueError, match=r"onset_band_hz must be two increasing positive frequencies"):
        DetectorConfig(onset_band_hz=band)


@pytest.mark.parametrize("kwargs, match", [
    (dict(highpass_hz=0.0), "highpass_hz must be > 0"),
    (dict(doublet_min_ms=110.0), "doublet_min_ms must be below doublet_max_ms"),
    (dict(doublet_min_ms=50.0, doublet_max_ms=40.0), "doublet_min_ms must be below doublet_max_ms"),
    (dict(noise_history_blocks=0), "noise_history_blocks must be >= 1"),
    (dict(train_min_potentials=1), "train_min_potentials >= 2"),
])
def test_inconsistent_values_are_rejected(kwargs, match):
    with pytest.raises(ValueError, match=match):
        DetectorConfig(**kwargs)


def test_zero_is_a_valid_setting_where_it_means_off():
    config = DetectorConfig(warmup_s=0.0)
    fs = 1000.0
    x = sg.white_noise(int(4 * fs), 1, 3.0, seed=0)
    sg.add_at(x, int(1.5 * fs), 0, sg.biphasic(fs, 3.0, 200.0))
    det = Detector(fs, 1, config)
    events = det.process(x) + det.finish()
    # with no warm-up, a twitch once the noise floor is known (1 s) is reported
    assert [e.kind for e in events] == ["fasciculation"]
    assert events[0].onset_sample < 2 * fs


def test_a_band_that_closes_is_rejected_when_the_detector_is_made():
    with pytest.raises(ValueError):
        Detector(1000.0, 2, DetectorConfig(lowpass_hz=10.0))


def test_the_config_changes_the_detector():
    """A config is not decoration: a longer isolation interval turns separate twitches into a run."""
    fs = 1000.0
    x = sg.white_noise(int(8 * fs), 1, 3.0, seed=1)
    for t in (4.0, 4.4):
        sg.add_at(x, int(t * fs), 0, sg.biphasic(fs, 3.0, 200.0))
    default = Detector(fs, 1)
    wide = Detector(fs, 1, DetectorConfig(isolation_ms=500.0))
    ev_default = default.process(x) + default.finish()
    ev_wide = wide.process(x) + wide.finish()
    assert len(ev_default) == 2
    assert [e.decided_at_sample for e in ev_wide] != [e.decided_at_sample for e in ev_default]
    assert np.all(np.diff([e.onset_sample for e in ev_default]) > 0)
