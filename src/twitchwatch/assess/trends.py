"""Trends over the history: twitch rate by context tag, strength per label.

Only judged sessions count toward rates (the recording itself could be judged: enough
observation and a usable signal); a rate from a short or noisy recording means little.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from twitchwatch.assess.strength import StrengthCheck, StrengthTrend, strength_trend
from twitchwatch.assess.vocab import CONTEXT_TAGS


@dataclass(frozen=True)
class ContextRate:
    """Twitch rate in judged sessions with a tag vs without it (per minute observed)."""

    tag: str
    rate_with: float | None
    rate_without: float | None
    sessions_with: int
    sessions_without: int

    def text(self) -> str:
        def r(x):
            return "-" if x is None else f"{x:.1f}/min"
        return (f"twitching after {self.tag}: {r(self.rate_with)} vs {r(self.rate_without)} otherwise "
                f"({self.sessions_with} vs {self.sessions_without} sessions)")


def _rate(sessions) -> float | None:
    observed = sum(s.observed_s for s in sessions)
    return 60.0 * sum(s.twitches for s in sessions) / observed if observed > 0 else None


def judged(sessions: Sequence) -> list:
    return [s for s in sessions if s.recording_judged]


def context_rates(sessions: Sequence) -> list[ContextRate]:
    """For every context tag used in a judged session: the rate with it and without it.

    ``sessions``: anything with ``recording_judged``, ``context``, ``twitches`` and ``observed_s``
    (`StoredSession`).
    """
    good = judged(sessions)
    out = []
    for tag in CONTEXT_TAGS:
        with_tag = [s for s in good if tag in s.context]
        if not with_tag:
            continue
        without = [s for s in good if tag not in s.context]
        out.append(ContextRate(tag, _rate(with_tag), _rate(without), len(with_tag), len(without)))
    return out


def strength_trends(checks: Sequence[StrengthCheck], **kwargs) -> dict[str, StrengthTrend | None]:
    """The decline statistic per label (None where there are too few checks)."""
    by_label: dict[str, list[StrengthCheck]] = {}
    for c in checks:
        by_label.setdefault(c.label, []).append(c)
    return {label: strength_trend(cs, **kwargs) for label, cs in sorted(by_label.items())}
