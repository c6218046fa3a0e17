"""How findings combine into a status, and how the status is worded."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assess_helpers import channels, evidence
from twitchwatch import NOT_A_DIAGNOSTIC_DEVICE
from twitchwatch.assess import (
    BENIGN, CONCERNING, POOR_SIGNAL, RULES_VERSION, STATUSES, WARMING_UP, assess, format_assessment,
)
from twitchwatch.assess.vocab import BENIGN_TRIGGERS

NOISY = channels(4, noise_floor_uv_rms=9.0)


@settings(max_examples=60, deadline=None)
@given(twitches=st.integers(0, 10**6), observed_s=st.floats(120.0, 86400.0),
       complex_twitches=st.integers(0, 10**6), cramps=st.integers(0, 1))
def test_twitch_counts_alone_never_make_it_concerning(twitches, observed_s, complex_twitches, cramps):
    """Any number of twitches at any rate, without company, is benign (complex shapes only
    count from 20 % up, a single cramp is not recurrent)."""
    complex_twitches = min(complex_twitches, twitches // 5 - (1 if twitches % 5 == 0 else 0))
    a = assess(evidence(twitches=twitches, observed_s=observed_s,
                        complex_twitches=max(0, complex_twitches), cramps=cramps, cramp_s=10.0 * cramps))
    assert a.status == BENIGN, a.reasons


def test_benign_reasons_say_the_counts_and_the_advice_names_the_triggers():
    a = assess(evidence(twitches=14, observed_s=360.0))
    assert a.status == BENIGN
    assert a.reasons[0] == ("14 isolated twitches in 6 min (2.3/min), no cramps, no reported "
                            "weakness or other red-flag symptom")
    assert "counts alone do not make it concerning" in a.reasons[1]
    advice = " ".join(a.advice)
    for trigger in BENIGN_TRIGGERS:
        assert trigger in advice
    assert a.disclaimer == NOT_A_DIAGNOSTIC_DEVICE


def test_no_twitches_is_benign_and_says_so():
    a = assess(evidence(twitches=0, observed_s=180.0))
    assert a.status == BENIGN and a.reasons[0].startswith("no twitches in 3 min, no cramps")
    assert a.advice[0].startswith("No twitching was seen")


def test_concerning_says_why_and_to_see_a_clinician():
    a = assess(evidence(cramps=3, cramp_s=60.0, twitches=12, observed_s=1200.0, symptoms={"weakness"}))
    assert a.status == CONCERNING
    assert a.reasons[0] == "reported progressive weakness"
    assert a.reasons[1].startswith("3 cramps (60 s in all) in 20 min together with 12 twitches")
    assert a.reasons[2].startswith("this recording: 12 isolated twitches in 20 min")
    assert "Consult a clinician" in a.advice[0]
    assert set(a.rule_ids) == {"R1-red-flag-symptoms", "C1-cramps-with-twitching"}


def test_symptoms_count_even_when_the_recording_cannot_be_judged():
    for ev in (evidence(observed_s=30.0, symptoms={"swallowing"}),
               evidence(channels=NOISY, symptoms={"swallowing"})):
        a = assess(ev)
        assert a.status == CONCERNING
        assert any(r.startswith("this recording itself could not be judged") for r in a.reasons)


def test_cramps_need_a_usable_signal_but_not_two_minutes():
    assert assess(evidence(cramps=2, twitches=5, observed_s=60.0)).status == CONCERNING
    assert assess(evidence(cramps=2, twitches=5, channels=NOISY)).status == POOR_SIGNAL


def test_complex_shapes_need_a_usable_signal_and_two_minutes():
    assert assess(evidence(twitches=40, complex_twitches=20)).status == CONCERNING
    assert assess(evidence(twitches=40, complex_twitches=20, observed_s=100.0)).status == WARMING_UP
    assert assess(evidence(twitches=40, complex_twitches=20, channels=NOISY)).status == POOR_SIGNAL


def test_poor_signal_comes_before_warming_up():
    a = assess(evidence(observed_s=50.0, channels=NOISY))
    assert a.status == POOR_SIGNAL
    assert a.reasons[0].startswith("noise floor 9.0 µV RMS on 4 of 4 channels")
    assert "electrodes" in a.advice[0]


def test_warming_up_says_how_long_to_go_and_what_it_saw_so_far():
    a = assess(evidence(observed_s=30.0, twitches=8))
    assert a.status == WARMING_UP
    assert "(90 s to go)" in a.reasons[0]
    assert a.reasons[1] == "so far: 8 isolated twitches in 30 s (16.0/min), no cramps"
    assert "at least 2 minutes" in a.advice[0]


def test_post_exercise_twitching_is_benign_with_the_recovery_note():
    a = assess(evidence(twitches=120, observed_s=150.0, context={"exercise"}))
    assert a.status == BENIGN
    assert any("benign recovery kind" in r for r in a.reasons)
    assert a.advice[0].startswith("After intense exercise, twitching during the recovery is common")


def test_without_history_the_assessment_says_what_it_could_not_judge():
    a = assess(evidence(history=None))
    assert a.status == BENIGN
    assert a.reasons[-1].startswith("history not used")


def test_as_dict_and_the_printed_block():
    a = assess(evidence(twitches=14, observed_s=360.0, context={"caffeine"}))
    d = a.as_dict()
    assert d["status"] in STATUSES and d["rules_version"] == RULES_VERSION
    assert d["reasons"] == list(a.reasons) and d["advice"] == list(a.advice)
    assert d["rules_fired"] == ["N2-benign-triggers"]
    text = format_assessment(a)
    lines = text.splitlines()
    assert lines[0] == "status         benign"
    assert lines[1].startswith("reasons        - 14 isolated twitches in 6 min")
    assert any(x.startswith("what to do     - ") for x in lines)
