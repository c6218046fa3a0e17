"""`EventCsvWriter`: detected events to a CSV file, one row per event, flushed as it is written.

Columns (header row, comma-separated, UTF-8)::

    [source,]onset_s,duration_s,kind,channel,peak_uv,end_s,channels,flags,n_phases,snr,rms_uv,
        mean_freq_hz,label   (one line in the file)

``onset_s``/``end_s``: seconds from the first sample of the recording (6 decimals); ``end_s`` is
the time of the event's last sample. ``channel``: 1-based primary (strongest) channel.
``peak_uv``: peak-to-peak on the filtered signal, µV. ``channels``: 1-based channels the event
reached, space-separated. ``flags``: ';'-joined (doublet, complex, ecg, motion, pop, clipping,
burst, marked-voluntary, too-large). ``label``: the primary channel's label. ``source`` comes
first when several recordings share one file.

Rows appear in the order the detector decides events (a twitch ~250 ms after its onset, a cramp
when it ends), so onsets are not strictly increasing. Each row is flushed to the operating
system as it is written: after a crash, every row written so far is in the file.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path

from twitchwatch.engine import Event

COLUMNS = ("onset_s", "duration_s", "kind", "channel", "peak_uv", "end_s", "channels", "flags",
           "n_phases", "snr", "rms_uv", "mean_freq_hz", "label")
SOURCE_COLUMN = "source"


def _label(labels: Sequence[str], channel: int) -> str:
    return labels[channel] if 0 <= channel < len(labels) else f"ch{channel + 1}"


def event_record(event: Event, fs_hz: float, channel_labels: Sequence[str]) -> dict:
    """One event as the plain values shown to people and written to files (1-based channels,
    seconds, rounded as in the CSV)."""
    return {
        "onset_s": round(event.onset_sample / fs_hz, 6),
        "duration_s": round(event.duration_samples / fs_hz, 6),
        "kind": event.kind,
        "channel": event.channel + 1,
        "peak_uv": round(float(event.peak_to_peak_uv), 2),
        "end_s": round(event.end_sample / fs_hz, 6),
        "channels": [c + 1 for c in event.channels],
        "flags": list(event.flags),
        "n_phases": int(event.n_phases),
        "snr": round(float(event.snr), 2),
        "rms_uv": round(float(event.rms_uv), 2),
        "mean_freq_hz": round(float(event.mean_freq_hz), 1),
        "label": _label(channel_labels, event.channel),
    }


def event_row(event: Event, fs_hz: float, channel_labels: Sequence[str]) -> list[str]:
    """The CSV cells of one event, in `COLUMNS` order."""
    r = event_record(event, fs_hz, channel_labels)
    return [
        f"{r['onset_s']:.6f}",
        f"{r['duration_s']:.6f}",
        r["kind"],
        str(r["channel"]),
        f"{r['peak_uv']:.2f}",
        f"{r['end_s']:.6f}",
        " ".join(map(str, r["channels"])),
        ";".join(r["flags"]),
        str(r["n_phases"]),
        f"{r['snr']:.2f}",
        f"{r['rms_uv']:.2f}",
        f"{r['mean_freq_hz']:.1f}",
        r["label"],
    ]


class EventCsvWriter:
    """Write events to ``path`` as they come (header at open, one flushed row per event).

    ``fs_hz`` and ``channel_labels`` describe the recording the events come from. With
    ``source_column=True`` a ``source`` column comes first, for several recordings in one file:
    call ``set_source(name, fs_hz, channel_labels)`` before each one's events (``fs_hz`` and
    ``channel_labels`` may then be None at open). Use as a context manager, or call ``close()``.
    Raises OSError when the file cannot be created.
    """

    def __init__(self, path: str | os.PathLike, fs_hz: float | None,
                 channel_labels: Sequence[str] | None, *, source_column: bool = False,
                 source: str = "") -> None:
        self.path = Path(path)
        self.source_column = bool(source_column)
        self.rows_written = 0
        self._fs_hz: float | None = None
        self._labels: list[str] = []
        self._source = ""
        if fs_hz is not None or channel_labels is not None or source:
            self.set_source(source, fs_hz, channel_labels)
        self._file = open(self.path, "w", newline="", encoding="utf-8")
        self._csv = csv.writer(self._file, lineterminator="\n")
        self._csv.writerow(((SOURCE_COLUMN,) if self.source_column else ()) + COLUMNS)
        self._file.flush()

    def set_source(self, source: str, fs_hz: float | None, channel_labels: Sequence[str] | None) -> None:
        """Describe the recording whose events come next."""
        if fs_hz is None or not float(fs_hz) > 0:
            raise ValueError(f"fs_hz must be > 0, got {fs_hz!r}")
        self._fs_hz = float(fs_hz)
        self._labels = list(channel_labels or [])
        self._source = str(source)

    def write(self, event: Event) -> None:
        """Append one event and flush it to the operating system."""
        if self._file is None or self._file.closed:
            raise ValueError(f"{self.path}: event log is closed")
        if self._fs_hz is None:
            raise ValueError("call set_source(name, fs_hz, channel_labels) before writing events")
        row = event_row(event, self._fs_hz, self._labels)
        if self.source_column:
            row.insert(0, self._source)
        self._csv.writerow(row)
        self._file.flush()
        self.rows_written += 1

    def write_all(self, events) -> None:
        for event in events:
            self.write(event)

    @property
    def closed(self) -> bool:
        return self._file is None or self._file.closed

    def close(self) -> None:
        if self._file is not None and not self._file.closed:
            self._file.close()

    def __enter__(self) -> EventCsvWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
