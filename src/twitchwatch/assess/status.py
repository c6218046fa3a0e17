"""`assess(evidence) -> Assessment`: the status, its reasons in plain words, what to do.

The rules and how their findings combine are in `twitchwatch.assess.rules`; this module only
runs them and words the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from twitchwatch import NOT_A_DIAGNOSTIC_DEVICE
from twitchwatch.assess.evidence import Evidence, duration_text, plural
from twitchwatch.assess.rules import (
    NEEDS_NOTHING, NEEDS_OBSERVATION, NEEDS_SIGNAL, NOTE, RULES, RULES_VERSION, Finding, Rule,
)
from twitchwatch.assess.vocab import (
    ADVICE, BENIGN, CONCERNING, EXERCISE_ADVICE, NO_TWITCHES_ADVICE, POOR_SIGNAL, STATUSES, WARMING_UP,
)


@dataclass(frozen=True)
class Assessment:
    """The outcome: ``status`` (one of `STATUSES`), ``reasons`` and ``advice`` (plain
    sentences), the ``findings`` behind them and the ``rules_version`` that made them.
    ``recording_judged``: the recording itself could be judged (enough observation, usable
    signal); only such sessions count toward rates and the history rules later."""

    status: str
    reasons: tuple[str, ...]
    advice: tuple[str, ...]
    findings: tuple[Finding, ...]
    recording_judged: bool = True
    rules_version: int = RULES_VERSION
    disclaimer: str = NOT_A_DIAGNOSTIC_DEVICE

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, got {self.status!r}")

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(f.rule_id for f in self.findings)

    def as_dict(self) -> dict:
        return {"status": self.status, "reasons": list(self.reasons), "advice": list(self.advice),
                "rules_version": self.rules_version, "rules_fired": list(self.rule_ids),
                "recording_judged": self.recording_judged}


def activity_text(ev: Evidence) -> str:
    """"14 isolated twitches in 6 min (2.3/min), no cramps"."""
    if ev.observed_s <= 0:
        return "no signal observed yet"
    rate = ev.twitch_rate_per_min
    if ev.twitches:
        parts = [f"{plural(ev.twitches, 'isolated twitch', 'isolated twitches')} in "
                 f"{duration_text(ev.observed_s)} ({rate:.1f}/min)"]
    else:
        parts = [f"no twitches in {duration_text(ev.observed_s)}"]
    parts.append(f"{plural(ev.cramps, 'cramp')} ({ev.cramp_s:.0f} s)" if ev.cramps else "no cramps")
    return ", ".join(parts)


def _counts(f: Finding, signal_ok: bool, observed_ok: bool) -> bool:
    return (f.needs == NEEDS_NOTHING or (f.needs == NEEDS_SIGNAL and signal_ok)
            or (f.needs == NEEDS_OBSERVATION and signal_ok and observed_ok))


def assess(ev: Evidence, rules: Sequence[Rule] = RULES) -> Assessment:
    """Run every rule on the evidence and combine the findings (see `twitchwatch.assess.rules`)."""
    findings = tuple(f for r in rules if (f := r.check(ev, r)) is not None)
    poor = [f for f in findings if f.effect == POOR_SIGNAL]
    warming = [f for f in findings if f.effect == WARMING_UP]
    notes = [f.text for f in findings if f.effect == NOTE]
    concerning = [f for f in findings if f.effect == CONCERNING and _counts(f, not poor, not warming)]
    if ev.history is None:
        notes.append("history not used: strength trends and twitching over sessions were not judged")
    activity = activity_text(ev)
    if concerning:
        status = CONCERNING
        reasons = [f.text for f in concerning]
        if poor or warming:
            reasons += [f"this recording itself could not be judged: {f.text}" for f in poor + warming]
        elif ev.observed_s > 0:
            reasons.append(f"this recording: {activity}")
    elif poor:
        status, reasons = POOR_SIGNAL, [f.text for f in poor]
    elif warming:
        status = WARMING_UP
        reasons = [f.text for f in warming]
        if ev.observed_s > 0:
            reasons.append(f"so far: {activity}")
    else:
        status = BENIGN
        reasons = [f"{activity}, no reported weakness or other red-flag symptom"]
        if ev.twitches:
            reasons.append("twitching without weakness, wasting, recurrent cramps or complex shapes "
                           "is usually benign: counts alone do not make it concerning")
    advice = list(ADVICE[status])
    if status == BENIGN and not ev.twitches:
        advice[0] = NO_TWITCHES_ADVICE
    if "N1-post-exercise" in (f.rule_id for f in findings) and status in (BENIGN, WARMING_UP):
        advice.insert(0, EXERCISE_ADVICE)
    return Assessment(status, tuple(reasons + notes), tuple(advice), findings,
                      recording_judged=not (poor or warming))


def format_assessment(a: Assessment, *, width_label: int = 14) -> str:
    """The printed block: status, reasons, what to do (no disclaimer; callers print it once)."""
    lines = [f"{'status':<{width_label}} {a.status}"]
    for head, items in (("reasons", a.reasons), ("what to do", a.advice)):
        for i, text in enumerate(items):
            lines.append(f"{head if i == 0 else '':<{width_label}} - {text}")
    return "\n".join(lines)
