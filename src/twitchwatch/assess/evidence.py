"""What the status rules look at: one recording's counts and quality, what the user reported,
and (optionally) what the history holds.

`Evidence.from_summary` takes the plain dict of a session summary
(`twitchwatch.session.SessionSummary.as_dict()`), so this package needs nothing from the
engine or the session layer: it sits on the ground floor with them.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from twitchwatch.assess.strength import StrengthCheck
from twitchwatch.assess.vocab import CONTEXT_TAGS, RED_FLAG_SYMPTOMS, check_names

MAX_MUSCLE_LABEL_CHARS = 64


def check_muscle(label: str | None) -> str | None:
    """A muscle/site label as given by the user (e.g. "left calf"), trimmed; None for none."""
    if label is None:
        return None
    text = " ".join(str(label).split())
    if not text:
        raise ValueError("the muscle label is empty; give a name such as 'left calf'")
    if len(text) > MAX_MUSCLE_LABEL_CHARS or not text.isprintable():
        raise ValueError(f"the muscle label must be printable text of at most "
                         f"{MAX_MUSCLE_LABEL_CHARS} characters, got {label!r}")
    return text


@dataclass(frozen=True)
class ChannelEvidence:
    """One channel's twitches and signal quality."""

    label: str
    twitches: int = 0
    warming_up: bool = False
    noise_floor_uv_rms: float = 0.0
    clipping_fraction: float = 0.0
    envelope_only: bool = False


@dataclass(frozen=True)
class PastSession:
    """A session from the history, as much as the rules need of it. ``judged``: the recording
    itself could be judged (enough observation, usable signal) when it was assessed."""

    started_at: datetime
    muscle: str | None
    observed_s: float
    twitches: int
    cramps: int
    judged: bool
    context: frozenset[str] = frozenset()
    id: int | None = None


@dataclass(frozen=True)
class HistoryView:
    """What the history holds for the rules: earlier sessions and strength checks by label."""

    sessions: tuple[PastSession, ...] = ()
    strength: Mapping[str, tuple[StrengthCheck, ...]] = field(default_factory=dict)


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


@dataclass(frozen=True)
class Evidence:
    """Everything the rules judge. Times in seconds; counts of detected events.

    ``history`` is None when the history is not used (``--no-history``): rules that need it
    say so instead of judging.
    """

    observed_s: float
    duration_s: float = 0.0
    fs_hz: float = 0.0
    twitches: int = 0
    cramps: int = 0
    cramp_s: float = 0.0
    contractions: int = 0
    artifacts: int = 0
    artifact_s: float = 0.0
    heartbeat_s: float = 0.0
    #: the most any channel spent under low-frequency swings (motion, pops), seconds
    motion_s: float = 0.0
    complex_twitches: int = 0
    channels: tuple[ChannelEvidence, ...] = ()
    symptoms: frozenset[str] = frozenset()
    context: frozenset[str] = frozenset()
    muscle: str | None = None
    started_at: datetime = field(default_factory=utc_now)
    history: HistoryView | None = None

    def __post_init__(self):
        object.__setattr__(self, "symptoms", check_names("symptom", self.symptoms, RED_FLAG_SYMPTOMS))
        object.__setattr__(self, "context", check_names("context tag", self.context, CONTEXT_TAGS))
        object.__setattr__(self, "muscle", check_muscle(self.muscle))
        object.__setattr__(self, "channels", tuple(self.channels))
        for name in ("observed_s", "duration_s", "cramp_s", "artifact_s", "heartbeat_s", "motion_s"):
            v = getattr(self, name)
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v >= 0):
                raise ValueError(f"{name} must be a finite number >= 0 s, got {v!r}")

    @property
    def twitch_rate_per_min(self) -> float | None:
        return 60.0 * self.twitches / self.observed_s if self.observed_s > 0 else None

    @property
    def artefact_s_not_heartbeats(self) -> float:
        """Seconds covered by artefacts other than recognised heart beats."""
        return max(0.0, self.artifact_s - self.heartbeat_s)

    @classmethod
    def from_summary(cls, summary: Mapping, *, symptoms: Iterable[str] = (),
                     context: Iterable[str] = (), muscle: str | None = None,
                     started_at: datetime | None = None,
                     history: HistoryView | None = None) -> Evidence:
        """From ``SessionSummary.as_dict()`` (or the same dict read back from JSON)."""
        counts = summary.get("counts", {})
        flags = summary.get("flag_counts", {})
        labels = list(summary.get("channel_labels", []))
        per_channel = {c["channel"]: c["count"] for c in summary.get("twitches", {}).get("per_channel", [])}
        quality = {q["channel"]: q for q in summary.get("quality", [])}
        channels = []
        for i, label in enumerate(labels, start=1):
            q = quality.get(i)
            channels.append(ChannelEvidence(
                label=label,
                twitches=int(per_channel.get(i, 0)),
                warming_up=True if q is None else bool(q["warming_up"]),
                noise_floor_uv_rms=0.0 if q is None or q["noise_floor_uv_rms"] is None
                else float(q["noise_floor_uv_rms"]),
                clipping_fraction=0.0 if q is None else float(q["clipping_percent"]) / 100.0,
                envelope_only=False if q is None else bool(q["envelope_only_warning"]),
            ))
        return cls(
            observed_s=float(summary.get("observed_s", 0.0)),
            duration_s=float(summary.get("duration_s", 0.0)),
            fs_hz=float(summary.get("fs_hz", 0.0)),
            twitches=int(counts.get("fasciculation", 0)),
            cramps=int(counts.get("cramp", 0)),
            cramp_s=float(summary.get("sustained_s", {}).get("cramp", 0.0)),
            contractions=int(counts.get("contraction", 0)),
            artifacts=int(counts.get("artifact", 0)),
            artifact_s=float(summary.get("artifact_s", {}).get("all", 0.0)),
            heartbeat_s=float(summary.get("artifact_s", {}).get("heartbeat", 0.0)),
            motion_s=max((float(q.get("motion_s", 0.0)) for q in quality.values()), default=0.0),
            # the engine sets "complex" only on twitches ("doublet" also marks artefacts)
            complex_twitches=int(flags.get("complex", 0)),
            channels=tuple(channels),
            symptoms=frozenset(symptoms),
            context=frozenset(context),
            muscle=muscle,
            started_at=started_at or utc_now(),
            history=history,
        )


def duration_text(seconds: float) -> str:
    """57 -> "57 s"; 150 -> "2.5 min"; 360 -> "6 min"; 5400 -> "1.5 h"."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        m = seconds / 60.0
        return f"{m:.0f} min" if abs(m - round(m)) < 0.05 else f"{m:.1f} min"
    h = seconds / 3600.0
    return f"{h:.0f} h" if abs(h - round(h)) < 0.05 else f"{h:.1f} h"


def plural(n: int, word: str, words: str | None = None) -> str:
    return f"{n} {word if n == 1 else (words or word + 's')}"


def channels_text(labels: Sequence[str], total: int) -> str:
    return f"{len(labels)} of {total} channels ({', '.join(labels)})" if total > 1 else labels[0]
