"""Ground truth: what the simulator put into the signal, and its CSV form.

CSV columns (header row, comma-separated, UTF-8)::

    onset_s,duration_s,kind,channel,amplitude_uv,detail,channels

``channels`` lists the 1-based channels reached, separated by spaces (e.g. ``2 3 4``);
``detail`` holds comma-separated tags, so it is quoted when it has more than one.
"""

from __future__ import annotations

import csv
import math
import os
from dataclasses import dataclass
from pathlib import Path

KINDS = ("fasciculation", "cramp", "contraction", "artifact")
CSV_COLUMNS = ("onset_s", "duration_s", "kind", "channel", "amplitude_uv", "detail", "channels")


@dataclass(frozen=True)
class TruthEvent:
    """One thing the simulator put into the signal.

    onset_s: seconds from the first sample. duration_s: how long it lasts.
    kind: "fasciculation" | "cramp" | "contraction" | "artifact".
    channel: 1-based channel where it is strongest; 0 = all channels (mains).
    amplitude_uv: for twitches, ECG beats, motion, pops and clipping, the peak-to-peak of the
        noise-free event on ``channel`` as sampled (clipping: 2 * clip_uv; mains: p-p of the
        fundamental); for cramps and contractions, the RMS of the noise-free interference
        pattern on ``channel`` over the full-activation plateau.
    detail: comma-separated tags: "doublet", "complex" (> 4 phases) for twitches; "ecg",
        "motion", "pop", "clipping", "mains" for artefacts.
    channels: 1-based channels it reached (amplitude >= 20 % of the strongest).

    Twitch onset/duration span the MUAP where |signal| >= 5 % of its peak (both discharges of a
    doublet); cramps and contractions span first to last discharge; ECG beats span the QRS.
    """

    onset_s: float
    duration_s: float
    kind: str
    channel: int
    amplitude_uv: float
    detail: str = ""
    channels: tuple[int, ...] = ()

    @property
    def end_s(self) -> float:
        return self.onset_s + self.duration_s

    @property
    def tags(self) -> tuple[str, ...]:
        return tuple(t for t in self.detail.split(",") if t)


def make_event(
    onset_s: float,
    duration_s: float,
    kind: str,
    channel: int,
    amplitude_uv: float,
    detail: str = "",
    channels=(),
) -> TruthEvent:
    """A TruthEvent with values rounded as stored (1 us, 0.001 uV) so CSV round-trips exactly."""
    return TruthEvent(
        round(float(onset_s), 6),
        round(float(duration_s), 6),
        kind,
        int(channel),
        round(float(amplitude_uv), 3),
        detail,
        tuple(int(c) for c in channels),
    )


def sort_events(events) -> list[TruthEvent]:
    return sorted(events, key=lambda e: (e.onset_s, KINDS.index(e.kind), e.channel, e.detail))


def write_truth_csv(path: str | os.PathLike, events) -> None:
    """Write events to ``path`` as CSV (see the module docstring for the columns)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(CSV_COLUMNS)
        for e in events:
            w.writerow(
                [
                    repr(float(e.onset_s)),
                    repr(float(e.duration_s)),
                    e.kind,
                    e.channel,
                    repr(float(e.amplitude_uv)),
                    e.detail,
                    " ".join(str(c) for c in e.channels),
                ]
            )


def read_truth_csv(path: str | os.PathLike) -> list[TruthEvent]:
    """Read a truth CSV written by ``write_truth_csv``. Raises ValueError naming the bad line."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or tuple(h.strip() for h in header) != CSV_COLUMNS:
            raise ValueError(
                f"{path}: not a truth CSV: header must be {','.join(CSV_COLUMNS)}, got {header}"
            )
        events = []
        for line_no, row in enumerate(reader, start=2):
            if not row or all(not cell.strip() for cell in row):
                continue
            if len(row) != len(CSV_COLUMNS):
                raise ValueError(
                    f"{path}:{line_no}: expected {len(CSV_COLUMNS)} columns, got {len(row)}"
                )
            try:
                onset, duration, amplitude = float(row[0]), float(row[1]), float(row[4])
                channel = int(row[3])
                channels = tuple(int(c) for c in row[6].split())
            except ValueError as exc:
                raise ValueError(f"{path}:{line_no}: {exc}") from None
            kind = row[2].strip()
            if kind not in KINDS:
                raise ValueError(
                    f"{path}:{line_no}: unknown kind {kind!r}; valid: {', '.join(KINDS)}"
                )
            if not all(math.isfinite(x) for x in (onset, duration, amplitude)) or duration < 0:
                raise ValueError(f"{path}:{line_no}: onset, duration and amplitude must be finite")
            events.append(
                TruthEvent(onset, duration, kind, channel, amplitude, row[5].strip(), channels)
            )
    return events
