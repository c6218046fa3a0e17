"""Every rule of the table, one by one: fires at its threshold, not below it, says its numbers."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import timedelta

import pytest

from assess_helpers import T0, channels, checks, evidence, past
from twitchwatch.assess import RULES, RULES_BY_ID, RULES_VERSION, HistoryView
from twitchwatch.assess.rules import EFFECTS, NEEDS, NOTE, Rule
from twitchwatch.assess.vocab import CONCERNING, POOR_SIGNAL, RED_FLAG_SYMPTOMS, WARMING_UP

TESTED = set()


def fire(rule_id: str, ev):
    TESTED.add(rule_id)
    rule = RULES_BY_ID[rule_id]
    return rule.check(ev, rule)


# ---- the table itself ------------------------------------------------------------------------
def test_the_table_is_versioned_and_every_row_is_complete():
    assert isinstance(RULES_VERSION, int) and RULES_VERSION >= 1
    assert len(RULES_BY_ID) == len(RULES)  # unique ids
    for r in RULES:
        assert isinstance(r, Rule)
        assert re.fullmatch(r"[A-Z]\d-[a-z0-9-]+", r.id), r.id
        assert r.evidence and r.threshold and r.source and r.limits
        assert r.effect in EFFECTS and r.needs in NEEDS
        with pytest.raises(TypeError):
            r.limits["x"] = 1.0  # read-only: the numbers live in the table only


@pytest.mark.parametrize("rule_id, number", [
    ("W1-observation", "120 s"), ("Q1-noise-floor", "4 µV RMS"), ("Q2-clipping", "1 %"),
    ("Q4-mostly-artefact", "10 %"), ("Q5-low-sampling-rate", "250 Hz"),
    ("S1-strength-decline", "39 %"), ("C1-cramps-with-twitching", "2 cramps"),
    ("X1-complex-common", "20 %"), ("H1-widespread-sustained", "28 days"),
])
def test_thresholds_state_their_numbers_with_units(rule_id, number):
    assert number in RULES_BY_ID[rule_id].threshold


def test_counts_are_never_a_concerning_rule_on_their_own():
    """No concerning rule looks only at twitch counts: each needs company."""
    ev = evidence(twitches=100_000, observed_s=600.0)
    assert [r.id for r in RULES if r.effect == CONCERNING and r.check(ev, r)] == []


# ---- W1: observation time --------------------------------------------------------------------
def test_w1_fires_below_two_minutes_only():
    f = fire("W1-observation", evidence(observed_s=119.9))
    assert f.effect == WARMING_UP and "2 min" in f.text and "s to go" in f.text
    assert fire("W1-observation", evidence(observed_s=120.0)) is None


def test_w1_says_when_nothing_was_observed():
    f = fire("W1-observation", evidence(observed_s=0.0, duration_s=2.0, twitches=0))
    assert "nothing observed yet" in f.text


# ---- Q1: noise floor --------------------------------------------------------------------------
def test_q1_fires_when_most_channels_are_too_noisy():
    chans = channels(1, noise_floor_uv_rms=2.0) + tuple(
        replace(c, label=f"N{i}") for i, c in enumerate(channels(3, noise_floor_uv_rms=4.1)))
    f = fire("Q1-noise-floor", evidence(channels=chans))
    assert f.effect == POOR_SIGNAL
    assert "4.1 µV RMS on 3 of 4 channels (N0, N1, N2)" in f.text and "30 µV" in f.text


def test_q1_quiet_at_the_limit_or_with_half_the_channels_noisy():
    assert fire("Q1-noise-floor", evidence(channels=channels(4, noise_floor_uv_rms=4.0))) is None
    half = channels(2, noise_floor_uv_rms=9.0) + channels(2, noise_floor_uv_rms=2.0)
    assert fire("Q1-noise-floor", evidence(channels=half)) is None


def test_q1_ignores_channels_still_warming_up():
    chans = channels(4, noise_floor_uv_rms=50.0, warming_up=True)
    assert fire("Q1-noise-floor", evidence(channels=chans)) is None
    one = channels(1, noise_floor_uv_rms=6.0)
    assert "6.0 µV RMS on EMG1" in fire("Q1-noise-floor", evidence(channels=one)).text


# ---- Q2: clipping -----------------------------------------------------------------------------
def test_q2_fires_above_one_percent_clipped():
    f = fire("Q2-clipping", evidence(channels=channels(4, noise_floor_uv_rms=2.0, clipping_fraction=0.0101)))
    assert f.effect == POOR_SIGNAL and "1.0 % of samples" in f.text and "4 of 4 channels" in f.text
    assert fire("Q2-clipping", evidence(channels=channels(4, clipping_fraction=0.01))) is None


# ---- Q3: envelope-only ------------------------------------------------------------------------
def test_q3_fires_on_envelope_input():
    f = fire("Q3-envelope-only", evidence(channels=channels(2, envelope_only=True)))
    assert f.effect == POOR_SIGNAL and "envelope" in f.text and "2 of 2 channels" in f.text
    mixed = channels(1, envelope_only=True) + channels(1)
    assert fire("Q3-envelope-only", evidence(channels=mixed)) is None


# ---- Q4: mostly artefact ----------------------------------------------------------------------
def test_q4_fires_when_artefacts_cover_more_than_a_tenth_of_the_time():
    f = fire("Q4-mostly-artefact", evidence(observed_s=200.0, artifact_s=20.2))
    assert f.effect == POOR_SIGNAL and "cover 10 % of the time observed: more than 10 %" in f.text
    assert fire("Q4-mostly-artefact", evidence(observed_s=200.0, artifact_s=20.0)) is None


def test_q4_does_not_count_recognised_heart_beats():
    assert fire("Q4-mostly-artefact", evidence(observed_s=200.0, artifact_s=60.0, heartbeat_s=50.0)) is None
    assert fire("Q4-mostly-artefact", evidence(observed_s=200.0, artifact_s=80.0, heartbeat_s=50.0))


def test_q4_counts_motion_swings_that_outlast_their_events():
    f = fire("Q4-mostly-artefact", evidence(observed_s=200.0, artifact_s=5.0, motion_s=30.0))
    assert f.effect == POOR_SIGNAL and "cover 15 % of the time observed" in f.text
    assert fire("Q4-mostly-artefact", evidence(observed_s=200.0, artifact_s=5.0, motion_s=19.0)) is None


# ---- Q5: low sampling rate (note) -------------------------------------------------------------
def test_q5_notes_low_sampling_rates():
    f = fire("Q5-low-sampling-rate", evidence(fs_hz=250.0))
    assert f.effect == NOTE and "250 Hz" in f.text
    assert fire("Q5-low-sampling-rate", evidence(fs_hz=500.0)) is None


# ---- R1: red-flag symptoms --------------------------------------------------------------------
@pytest.mark.parametrize("name", list(RED_FLAG_SYMPTOMS))
def test_r1_fires_on_each_red_flag_symptom(name):
    f = fire("R1-red-flag-symptoms", evidence(symptoms={name}))
    assert f.effect == CONCERNING and RED_FLAG_SYMPTOMS[name] in f.text


def test_r1_quiet_without_symptoms_and_names_several():
    assert fire("R1-red-flag-symptoms", evidence()) is None
    f = fire("R1-red-flag-symptoms", evidence(symptoms={"speech", "weakness"}))
    assert f.text == "reported progressive weakness, trouble speaking (slurred or slow speech)"


def test_unknown_symptoms_and_tags_are_refused_with_the_accepted_names():
    with pytest.raises(ValueError, match="unknown symptom 'tired'; accepted: weakness, wasting, "
                                         "fine-motor, swallowing, speech"):
        evidence(symptoms={"tired"})
    with pytest.raises(ValueError, match="unknown context tag 'beer'; accepted: exercise, caffeine"):
        evidence(context={"beer"})


# ---- S1: strength decline ---------------------------------------------------------------------
def strength_ev(scores, **kw):
    return evidence(history=HistoryView(strength={"left biceps": checks(scores, **kw)}))


def test_s1_fires_on_a_large_repeated_decline():
    f = fire("S1-strength-decline", strength_ev([500, 480, 510, 250, 240]))
    assert f.effect == CONCERNING
    assert "left biceps" in f.text and "250, 240 µV" in f.text and "baseline of 500 µV" in f.text
    assert "39 %" in f.text


@pytest.mark.parametrize("scores, why", [
    ([500, 480, 510, 250, 505], "one low check is not a decline"),
    ([500, 480, 510, 360, 350], "a 30 % drop is within the measurement's variability"),
    ([500, 250, 240], "too few checks: 2 baseline and 2 recent ones are needed"),
])
def test_s1_quiet_for_small_single_or_unsupported_drops(scores, why):
    assert fire("S1-strength-decline", strength_ev(scores)) is None, why


def test_s1_two_baseline_and_two_recent_checks_are_enough():
    assert fire("S1-strength-decline", strength_ev([500, 480, 250, 240])) is not None


def test_s1_limit_grows_with_the_checks_own_variability():
    # trials within each check vary a lot (+-60 %): a 50 % drop is inside that noise
    assert fire("S1-strength-decline", strength_ev([500, 480, 510, 250, 240], spread=0.6)) is None
    # baseline checks that disagree a lot raise the limit too
    assert fire("S1-strength-decline", strength_ev([900, 300, 600, 250, 240])) is None


def test_s1_ignores_checks_after_the_session():
    # weak on days 14 and 21, recovered on days 28 and 35: judged on day 22 it was a decline
    h = HistoryView(strength={"left biceps": checks([500, 480, 250, 240, 500, 510], every_days=7.0)})
    assert fire("S1-strength-decline", evidence(history=h, started_at=T0 + timedelta(days=22)))
    assert fire("S1-strength-decline", evidence(history=h, started_at=T0 + timedelta(days=36))) is None


def test_s1_needs_the_history():
    assert fire("S1-strength-decline", evidence(history=None)) is None


# ---- C1: recurrent cramps with twitching ------------------------------------------------------
def test_c1_fires_on_two_cramps_with_twitching():
    f = fire("C1-cramps-with-twitching", evidence(cramps=2, cramp_s=35.0, twitches=3))
    assert f.effect == CONCERNING and f.needs == "usable signal"
    assert "2 cramps (35 s in all)" in f.text and "3 twitches" in f.text


@pytest.mark.parametrize("kw", [dict(cramps=1, twitches=10), dict(cramps=2, twitches=2),
                                dict(cramps=0, twitches=50)])
def test_c1_quiet_without_recurrence_or_twitching(kw):
    assert fire("C1-cramps-with-twitching", evidence(**kw)) is None


def test_c1_counts_cramps_of_recent_judged_sessions():
    now = T0 + timedelta(days=60)
    recent = HistoryView(sessions=(past(45, cramps=1),))
    f = fire("C1-cramps-with-twitching", evidence(cramps=1, twitches=5, started_at=now, history=recent))
    assert f is not None and "1 cramp in earlier sessions of the last 30 days" in f.text
    old = HistoryView(sessions=(past(29, cramps=3),))  # 31 days before
    assert fire("C1-cramps-with-twitching", evidence(cramps=1, twitches=5, history=old)) is None
    noisy = HistoryView(sessions=(past(45, cramps=3, judged=False),))
    assert fire("C1-cramps-with-twitching", evidence(cramps=1, twitches=5, history=noisy)) is None
    none_now = HistoryView(sessions=(past(45, cramps=3),))
    assert fire("C1-cramps-with-twitching", evidence(cramps=0, twitches=5, history=none_now)) is None


# ---- X1: complex shapes common ----------------------------------------------------------------
def test_x1_fires_when_a_fifth_of_enough_twitches_are_complex():
    f = fire("X1-complex-common", evidence(twitches=10, complex_twitches=2))
    assert f.effect == CONCERNING and f.needs == "observation"
    assert "2 of 10 twitches (20 %)" in f.text and "more than 4 phases" in f.text
    assert fire("X1-complex-common", evidence(twitches=10, complex_twitches=1)) is None
    assert fire("X1-complex-common", evidence(twitches=9, complex_twitches=9)) is None


# ---- H1: widespread and sustained over sessions -----------------------------------------------
def spread_history(*sessions):
    return HistoryView(sessions=tuple(sessions))


def test_h1_fires_on_three_sites_over_four_weeks():
    h = spread_history(past(0, "left calf"), past(10, "right thigh"), past(28, "left forearm"))
    f = fire("H1-widespread-sustained", evidence(history=h, muscle=None))
    assert f.effect == CONCERNING
    assert "3 sites (left calf, left forearm, right thigh)" in f.text and "over 28 days" in f.text


def test_h1_quiet_when_not_widespread_or_not_sustained():
    assert fire("H1-widespread-sustained", evidence(history=spread_history(
        past(0, "left calf"), past(10, "right thigh"), past(27.9, "left forearm")))) is None
    assert fire("H1-widespread-sustained", evidence(history=spread_history(
        past(0, "left calf"), past(40, "right thigh"), past(50, "left calf")))) is None


def test_h1_leaves_out_unjudged_exercise_and_quiet_sessions():
    for bad in (past(28, "left forearm", judged=False), past(28, "left forearm", context={"exercise"}),
                past(28, "left forearm", twitches=4),
                past(28, None)):
        h = spread_history(past(0, "left calf"), past(10, "right thigh"), bad)
        assert fire("H1-widespread-sustained", evidence(history=h)) is None, bad


def test_h1_ignores_sessions_after_this_one():
    h = spread_history(past(0, "left calf"), past(10, "right thigh"), past(70, "left forearm"))
    assert fire("H1-widespread-sustained", evidence(history=h, started_at=T0 + timedelta(days=60))) is None


def test_h1_counts_this_session_only_when_it_can_be_judged():
    h = spread_history(past(0, "left calf"), past(10, "right thigh"))
    assert fire("H1-widespread-sustained", evidence(history=h, muscle="left forearm"))  # day 60
    noisy = channels(4, noise_floor_uv_rms=9.0)
    assert fire("H1-widespread-sustained", evidence(history=h, muscle="left forearm", channels=noisy)) is None
    assert fire("H1-widespread-sustained", evidence(history=h, muscle="left forearm", observed_s=60.0)) is None
    assert fire("H1-widespread-sustained", evidence(history=None, muscle="left forearm")) is None


# ---- N1, N2: notes ----------------------------------------------------------------------------
def test_n1_notes_post_exercise_recovery_twitching():
    f = fire("N1-post-exercise", evidence(context={"exercise"}, twitches=50))
    assert f.effect == NOTE and "benign recovery" in f.text
    assert fire("N1-post-exercise", evidence(context={"exercise"}, twitches=0)) is None
    assert fire("N1-post-exercise", evidence(context={"caffeine"}, twitches=50)) is None


def test_n2_notes_the_tagged_triggers():
    f = fire("N2-benign-triggers", evidence(context={"caffeine", "poor-sleep", "exercise"}))
    assert f.effect == NOTE
    assert f.text.startswith("tagged caffeine or other stimulants, poor or short sleep:")
    assert fire("N2-benign-triggers", evidence(context={"exercise"})) is None


def test_zz_every_rule_has_its_own_test():
    """Runs last in this module (pytest keeps file order)."""
    assert TESTED == set(RULES_BY_ID), set(RULES_BY_ID) - TESTED
