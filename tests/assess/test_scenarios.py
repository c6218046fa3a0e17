"""Acceptance: simulated recordings through the real session and detector, then assessed."""

from __future__ import annotations

from datetime import timedelta

import pytest

from assess_helpers import T0, checks
from twitchwatch.assess import (
    BENIGN, CONCERNING, POOR_SIGNAL, WARMING_UP, Evidence, HistoryView, assess,
)
from twitchwatch.session import Session
from twitchwatch.sim import simulate
from twitchwatch.sources import SimulatorSource


def run(scenario, duration_s=None, *, symptoms=(), context=(), history=None, seed=1, **overrides):
    sim = simulate(scenario, duration_s=duration_s, seed=seed, **overrides)
    summary = Session(SimulatorSource(simulation=sim)).run()
    ev = Evidence.from_summary(summary.as_dict(include_events=False), symptoms=symptoms,
                               context=context, history=history or HistoryView(),
                               started_at=T0 + timedelta(days=60))
    return assess(ev), summary


@pytest.mark.parametrize("seed", [1, 2])
def test_rest_benign_for_two_and_a_half_minutes_is_benign(seed):
    a, s = run("rest-benign", 150.0, seed=seed)
    assert a.status == BENIGN, a.reasons
    assert s.twitch_count >= 30
    assert a.reasons[0].startswith(f"{s.twitch_count} isolated twitches in 2.5 min (")


def test_post_exercise_tagged_exercise_is_benign_recovery():
    a, s = run("post-exercise", 150.0, context={"exercise"})
    assert a.status == BENIGN, a.reasons
    assert s.twitch_rate_per_min > 35  # far more than at rest, still benign
    assert any("benign recovery kind" in r for r in a.reasons)
    assert "recovery" in a.advice[0]


def test_cramp_with_reported_weakness_is_concerning():
    a, s = run("cramp", symptoms={"weakness"})
    assert s.counts["cramp"] == 2
    assert a.status == CONCERNING
    assert "reported progressive weakness" in a.reasons
    assert any(r.startswith("2 cramps") and "recurrent cramps with twitching" in r for r in a.reasons)


def test_a_falling_series_of_strength_checks_makes_a_benign_recording_concerning():
    falling = HistoryView(strength={"left biceps": checks([520, 500, 540, 240, 220])})
    a, _ = run("rest-benign", 150.0, history=falling)
    assert a.status == CONCERNING
    assert "S1-strength-decline" in a.rule_ids and "left biceps" in a.reasons[0]
    steady = HistoryView(strength={"left biceps": checks([520, 500, 540, 450, 480])})
    assert run("rest-benign", 150.0, history=steady)[0].status == BENIGN


def test_thirty_seconds_is_warming_up():
    a, s = run("rest-benign", 30.0)
    assert a.status == WARMING_UP
    assert a.reasons[0].startswith("27 s observed after the detector's warm-up")


def test_huge_noise_is_poor_signal():
    a, _ = run("rest-benign", 150.0, noise_uv_rms=20.0)
    assert a.status == POOR_SIGNAL and a.rule_ids == ("Q1-noise-floor",)


def test_a_clipping_sensor_is_poor_signal():
    a, s = run("rest-benign", 150.0, motion_per_min=20.0, motion_uv=(3000.0, 5000.0), clip_uv=800.0)
    assert min(q.clipping_fraction for q in s.quality) > 0.01
    assert a.status == POOR_SIGNAL and "Q2-clipping" in a.rule_ids


def test_a_recording_full_of_motion_is_poor_signal():
    a, _ = run("rest-benign", 150.0, motion_per_min=30.0, motion_uv=(500.0, 3000.0))
    assert a.status == POOR_SIGNAL and "Q4-mostly-artefact" in a.rule_ids


def test_heart_beats_alone_do_not_make_a_poor_signal():
    a, s = run("ecg-contaminated", 150.0)
    assert s.counts["artifact"] > 100 and 0 < s.heartbeat_s <= s.artifact_s  # the beats
    assert a.status == BENIGN and a.reasons[0].startswith("no twitches in 2.5 min")


def test_mostly_complex_twitches_are_concerning():
    a, _ = run("rest-benign", 150.0, complex_fraction=1.0)
    assert a.status == CONCERNING and a.rule_ids == ("X1-complex-common",)
