"""What crosses from the worker thread to the window: plain values, no Qt.

- `SegmentInfo`: the source just opened (or restarted by a seek): rate, channels, the ring.
- `EventItem`: one detected event with its display time and its waveform close up.
- `Capture`: the band-passed signal of a strength check, kept by the worker on request.
- `Snapshot`: the latest state (counts, quality, health, status...), handed over through a
  `LatestSlot` (a one-slot queue: the worker replaces, the window takes; nobody waits).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np

from twitchwatch.engine import ChannelQuality, Event
from twitchwatch.gui.ring import DisplayRing
from twitchwatch.gui.status_logic import StatusInfo

# stream states shown by the window
STARTING = "starting"
RUNNING = "running"
PAUSED = "paused"
STALLED = "stalled"
LOST = "lost"
ENDED = "ended"
STOPPED = "stopped"
FAILED = "failed"


@dataclass(frozen=True)
class SegmentInfo:
    """One run of the detector over a source: from opening (or a seek) to the end.

    ``generation`` increases with every restart; events and snapshots carry it so that the
    window drops what belongs to an earlier one. ``start_s``: display time of detector sample
    0 (seconds from the start of the file or simulation). ``total_s``: the signal's length
    when known. ``playable``: pause/speed apply; ``seekable``: seek applies.
    """

    generation: int
    source_name: str
    fs_hz: float
    channel_labels: tuple[str, ...]
    start_s: float
    total_s: float | None
    playable: bool
    seekable: bool
    speed: float
    warmup_s: float
    ring: DisplayRing
    warnings: tuple[str, ...] = ()

    @property
    def n_channels(self) -> int:
        return len(self.channel_labels)


@dataclass(frozen=True)
class EventItem:
    """An event as the window shows it. ``t_s``: display time of its onset; ``waveform``: the
    filtered signal around it (all channels, µV), starting at ``waveform_t0_s``; it may be
    shortened for long events (``waveform_note`` says so)."""

    event: Event
    generation: int
    t_s: float
    end_s: float
    fs_hz: float
    label: str
    waveform: np.ndarray | None = field(default=None, compare=False, repr=False)
    waveform_t0_s: float = 0.0
    waveform_note: str = ""

    @property
    def kind(self) -> str:
        return self.event.kind

    @property
    def duration_ms(self) -> float:
        return 1000.0 * self.event.duration_samples / self.fs_hz


@dataclass(frozen=True)
class Snapshot:
    """The worker's latest view of things (cheap to make; taken ~10 times a second)."""

    generation: int
    state: str
    samples: int
    t_end_s: float
    duration_s: float
    observed_s: float
    counts: dict
    twitch_rate_per_min: float | None
    warming_up: bool
    in_sustained_activity: bool
    voluntary: bool
    quality: tuple[ChannelQuality, ...] = ()
    health: object = None
    status: StatusInfo | None = None
    position_s: float | None = None
    total_s: float | None = None
    speed: float = 1.0
    paused: bool = False
    since_data_s: float | None = None
    behind_s: float = 0.0
    note: str = ""
    recording: object = None  # a gui.recording.RecordingInfo while recording
    captured_s: float | None = None  # seconds of signal kept so far for a strength check


@dataclass(frozen=True)
class Capture:
    """The band-passed signal kept for a strength check (``data`` (samples, channels) µV), or
    None with ``message`` saying why there is none."""

    generation: int
    fs_hz: float
    channel_labels: tuple[str, ...]
    data: np.ndarray | None = field(compare=False, repr=False)
    source_name: str = ""
    message: str = ""


class LatestSlot:
    """A one-slot queue: ``put`` replaces what is there (never blocks), ``take`` empties it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._value = None

    def put(self, value) -> None:
        with self._lock:
            self._value = value

    def take(self):
        with self._lock:
            value, self._value = self._value, None
            return value
