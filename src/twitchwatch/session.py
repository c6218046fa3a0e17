"""`Session`: one source wired to the detector and the sinks — the only place that knows all three.

    from twitchwatch.session import Session
    from twitchwatch.sources import FileSource
    from twitchwatch.sinks import EventCsvWriter

    with FileSource("rest.xdf") as src, EventCsvWriter("events.csv", src.fs_hz, src.channel_labels) as log:
        summary = Session(src, sinks=[log]).run()
    print(summary.twitch_rate_per_min, summary.as_dict())

`analyze`, `demo` and (later) the live monitor and the GUI all run their signal through this
class, so a replay takes exactly the path a live stream takes. ``run`` pulls chunks until the
source ends or ``stop_event`` is set, hands each decided event to the sinks (anything with
``write(event)``) and to ``on_event``, and ends with ``finish()`` (the detector decides what is
pending). Errors in the source, the detector or a sink propagate: nothing is swallowed.

Memory stays bounded for any length of signal: the summary keeps counts, not events, plus the
last ``keep_events`` events for display (``keep_events=None`` keeps all: only for short runs).
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from twitchwatch.checks import ScaleCheck, WrapUnwrapper, check_layout
from twitchwatch.engine import EVENT_KINDS, ChannelQuality, Detector, DetectorConfig, Event
from twitchwatch.sinks.event_log import event_record
from twitchwatch.sources.base import Source

DEFAULT_CHUNK_SAMPLES = 4096
DEFAULT_KEEP_EVENTS = 50
#: how long ``run`` lets a live or paced source wait for data before looking at the stop flag
DEFAULT_READ_TIMEOUT_S = 0.1
#: below this much observed signal, rates per minute are rough (DESIGN.md: ~70 s for one twitch
#: on an array; 2 min gives P(>= 5) ~ 0.95 when twitching is present)
SHORT_OBSERVATION_S = 120.0
#: what the unit warning tells people to do ({unit}: the unit the values look like)
UNIT_ADVICE = ("Declare the unit: --unit {unit} (analyze, replay, live), or in the file itself "
               "(a CSV column named like 'EMG1 [{unit}]', the channel unit in XDF/EDF/WFDB)")
SUSTAINED_KINDS = ("cramp", "contraction")
TWITCH_KIND = "fasciculation"
ARTIFACT_KIND = "artifact"


class EventSink(Protocol):
    """Anything that takes events one at a time (e.g. `twitchwatch.sinks.EventCsvWriter`)."""

    def write(self, event: Event) -> None: ...


def _per_min(count: int, seconds: float) -> float | None:
    return 60.0 * count / seconds if seconds > 0 else None


def quality_record(q: ChannelQuality, label: str) -> dict:
    """One channel's signal quality as plain values (1-based channel)."""
    return {
        "channel": q.channel + 1,
        "label": label,
        "warming_up": q.warming_up,
        "noise_floor_uv_rms": round(q.noise_floor_uv_rms, 3),
        "band_rms_uv": round(q.band_rms_uv, 3),
        "mains_hz": q.mains_hz,
        "mains_uv": round(q.mains_uv, 3),
        "clipped_samples": q.clipped_samples,
        "clipping_percent": round(100.0 * q.clipping_fraction, 4),
        "ecg_present": q.ecg_present,
        "ecg_bpm": None if q.ecg_bpm is None else round(q.ecg_bpm, 1),
        "low_rate_warning": q.low_rate_warning,
        "envelope_only_warning": q.envelope_only_warning,
        "motion_s": round(q.motion_s, 3),
        "problems": q.problems(),
    }


def _who(labels: Sequence[str], all_labels: Sequence[str]) -> str:
    if len(all_labels) > 1 and len(labels) == len(all_labels):
        return "all channels"
    return ", ".join(labels)


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def merge_channel_notes(notes: Iterable[tuple[str, str]], all_labels: Sequence[str]) -> list[str]:
    """("EMG1", "strong mains hum (40 µV at 60 Hz)"), ("EMG2", "... (33 µV ...)") ->
    ["all channels: strong mains hum (33-40 µV at 60 Hz)"]: notes that differ only in their
    numbers are merged, the numbers shown as ranges."""
    groups: dict[tuple[str, ...], list[tuple[str, list[float], list[str]]]] = {}
    for label, note in notes:
        key = tuple(_NUMBER.split(note))
        groups.setdefault(key, []).append((label, [float(x) for x in _NUMBER.findall(note)],
                                           _NUMBER.findall(note)))
    out = []
    for key, members in groups.items():
        labels = [m[0] for m in members]
        parts = [key[0]]
        for i, text in enumerate(key[1:]):
            values = [m[1][i] for m in members]
            lo = min(range(len(values)), key=values.__getitem__)
            hi = max(range(len(values)), key=values.__getitem__)
            low, high = members[lo][2][i], members[hi][2][i]
            parts.append(low if low == high else f"{low}-{high}")
            parts.append(text)
        out.append(f"{_who(labels, all_labels)}: {''.join(parts)}")
    return out


@dataclass
class SessionSummary:
    """What a session saw, in counts and rates; updated as events come, JSON-ready via `as_dict`.

    ``samples``/``duration_s``: signal processed. ``observed_s``: the part after the detector's
    warm-up, when events can be detected; rates per minute use it. ``counts``: events per kind
    (every kind present, 0 included). ``flag_counts``: events per flag. ``twitches_per_channel``:
    fasciculations by primary channel (0-based list index). ``sustained_s``: seconds of cramp and
    contraction. ``events``: the last ``keep_events`` events (a deque). ``quality``: the latest
    per-channel quality snapshot. ``artifact_s``: seconds covered by artefact events, and
    ``heartbeat_s`` the part of them flagged as heart beats ('ecg') (the assessment's
    "mostly artefact" rule). ``warnings``: plain-language notes about the input.
    ``stopped_early``: the run was stopped before the source ended. ``wall_s``: processing time.
    """

    source: str
    fs_hz: float
    channel_labels: list[str]
    warmup_s: float
    samples: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    flag_counts: Counter = field(default_factory=Counter)
    twitches_per_channel: list[int] = field(default_factory=list)
    sustained_s: dict[str, float] = field(default_factory=dict)
    artifact_s: float = 0.0
    heartbeat_s: float = 0.0
    events: deque = field(default_factory=deque)
    quality: list[ChannelQuality] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    finished: bool = False
    stopped_early: bool = False
    wall_s: float = 0.0

    @classmethod
    def start(cls, source: str, fs_hz: float, channel_labels: Sequence[str], warmup_s: float,
              keep_events: int | None = DEFAULT_KEEP_EVENTS) -> SessionSummary:
        if keep_events is not None and keep_events < 0:
            raise ValueError(f"keep_events must be >= 0 or None, got {keep_events!r}")
        return cls(
            source=source, fs_hz=float(fs_hz), channel_labels=list(channel_labels),
            warmup_s=float(warmup_s), counts={k: 0 for k in EVENT_KINDS},
            twitches_per_channel=[0] * len(channel_labels),
            sustained_s={k: 0.0 for k in SUSTAINED_KINDS}, events=deque(maxlen=keep_events),
        )

    # ---- updates ---------------------------------------------------------------------------
    def add(self, event: Event) -> None:
        self.counts[event.kind] = self.counts.get(event.kind, 0) + 1
        self.flag_counts.update(event.flags)
        if event.kind == TWITCH_KIND and 0 <= event.channel < len(self.twitches_per_channel):
            self.twitches_per_channel[event.channel] += 1
        if event.kind in self.sustained_s:
            self.sustained_s[event.kind] += event.duration_samples / self.fs_hz
        elif event.kind == ARTIFACT_KIND:
            self.artifact_s += event.duration_samples / self.fs_hz
            if "ecg" in event.flags:
                self.heartbeat_s += event.duration_samples / self.fs_hz
        if self.events.maxlen != 0:
            self.events.append(event)

    # ---- derived ---------------------------------------------------------------------------
    @property
    def n_channels(self) -> int:
        return len(self.channel_labels)

    @property
    def duration_s(self) -> float:
        return self.samples / self.fs_hz

    @property
    def observed_s(self) -> float:
        return max(0.0, self.duration_s - self.warmup_s)

    @property
    def twitch_count(self) -> int:
        return self.counts.get(TWITCH_KIND, 0)

    @property
    def twitch_rate_per_min(self) -> float | None:
        """Twitches per minute of observed signal (None before anything could be observed)."""
        return _per_min(self.twitch_count, self.observed_s)

    @property
    def twitch_rate_per_min_by_channel(self) -> list[float | None]:
        return [_per_min(n, self.observed_s) for n in self.twitches_per_channel]

    @property
    def realtime_factor(self) -> float | None:
        """Seconds of signal processed per second of wall time."""
        return self.duration_s / self.wall_s if self.wall_s > 0 else None

    def as_dict(self, include_events: bool = True) -> dict:
        """Everything as JSON-ready values (channels 1-based, times in seconds)."""
        labels = self.channel_labels
        d = {
            "source": self.source,
            "fs_hz": self.fs_hz,
            "n_channels": self.n_channels,
            "channel_labels": list(labels),
            "samples": self.samples,
            "duration_s": round(self.duration_s, 6),
            "warmup_s": self.warmup_s,
            "observed_s": round(self.observed_s, 6),
            "counts": dict(self.counts),
            "flag_counts": dict(sorted(self.flag_counts.items())),
            "twitches": {
                "count": self.twitch_count,
                "per_min": self.twitch_rate_per_min,
                "per_channel": [
                    {"channel": c + 1, "label": labels[c], "count": n, "per_min": r}
                    for c, (n, r) in enumerate(zip(self.twitches_per_channel,
                                                   self.twitch_rate_per_min_by_channel))
                ],
            },
            "sustained_s": {k: round(v, 3) for k, v in self.sustained_s.items()},
            "artifact_s": {"all": round(self.artifact_s, 3), "heartbeat": round(self.heartbeat_s, 3)},
            "quality": [quality_record(q, labels[q.channel]) for q in self.quality],
            "warnings": list(self.warnings),
            "finished": self.finished,
            "stopped_early": self.stopped_early,
            "wall_s": round(self.wall_s, 3),
        }
        if include_events:
            d["recent_events"] = [event_record(e, self.fs_hz, labels) for e in self.events]
        return d


class Session:
    """Run one `Source` through a `Detector` into sinks and callbacks; keep a `SessionSummary`.

    Parameters
    ----------
    source : where the signal comes from (file, simulator, live).
    config : detector settings (default `DetectorConfig()`).
    on_event : called with each event as it is decided (after the sinks).
    sinks : objects with ``write(event)``, called in order for each event. The session does not
        close them: whoever opened them does.
    chunk_samples : the most samples asked of the source at a time.
    keep_events : how many recent events the summary keeps (None: all).
    read_timeout_s : how long a live/paced source may wait for data per read.
    clock : wall clock for ``wall_s`` (default `time.perf_counter`).
    """

    def __init__(
        self,
        source: Source,
        config: DetectorConfig | None = None,
        on_event: Callable[[Event], None] | None = None,
        sinks: Iterable[EventSink] = (),
        *,
        chunk_samples: int = DEFAULT_CHUNK_SAMPLES,
        keep_events: int | None = DEFAULT_KEEP_EVENTS,
        read_timeout_s: float = DEFAULT_READ_TIMEOUT_S,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        if isinstance(chunk_samples, bool) or not isinstance(chunk_samples, (int, np.integer)) \
                or chunk_samples < 1:
            raise ValueError(f"chunk_samples must be an integer >= 1, got {chunk_samples!r}")
        if not (math.isfinite(read_timeout_s) and read_timeout_s >= 0):
            raise ValueError(f"read_timeout_s must be >= 0 seconds, got {read_timeout_s!r}")
        self.source = source
        self.detector = Detector(source.fs_hz, source.n_channels, config)
        self.config = self.detector.config
        self.on_event = on_event
        self.sinks = list(sinks)
        self.chunk_samples = int(chunk_samples)
        self.read_timeout_s = float(read_timeout_s)
        self._clock = clock
        self._t_start: float | None = None
        self.summary = SessionSummary.start(
            source.name, source.fs_hz, source.channel_labels, self.config.warmup_s, keep_events
        )
        self.summary.warnings.extend(source.warnings)
        # Checks on the input before the detector (see `twitchwatch.checks`).
        periods = getattr(source, "wrap_periods_uv", None)
        self._wrap = WrapUnwrapper(periods, source.channel_labels) if periods else None
        self._scale = ScaleCheck(source.fs_hz, source.channel_labels, UNIT_ADVICE)

    # ---- running ---------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Compile the detector's kernels now (a zero-length chunk), not at the first real one:
        the first run after installation takes a while, and a paced source starts its clock at
        its first read."""
        self.detector.process(np.zeros((0, self.source.n_channels), np.float32))

    def run(self, stop_event: threading.Event | None = None,
            progress: Callable[[Session], None] | None = None) -> SessionSummary:
        """Pull chunks until the source ends or ``stop_event`` is set, then ``finish()``.

        ``progress(session)`` is called after every read (also an empty one, so a display can
        refresh while a live source is quiet); it should be quick and throttle itself.
        Returns the summary. Exceptions from the source, the detector, sinks or callbacks
        propagate; the caller may still call ``finish()`` afterwards.
        """
        self.warm_up()
        if self._t_start is None:
            self._t_start = self._clock()
        ended = False
        while stop_event is None or not stop_event.is_set():
            chunk = self.source.read(self.chunk_samples, self.read_timeout_s)
            if chunk is None:  # the end, or a source that shares the stop event was stopped
                stopped = stop_event is not None and stop_event.is_set()
                ended = not stopped or self.source.progress == 1.0
                break
            if chunk.shape[0]:
                self.feed(chunk)
            if progress is not None:
                progress(self)
        self.finish(stopped_early=not ended)
        return self.summary

    def feed(self, chunk: np.ndarray) -> list[Event]:
        """Process one chunk (samples, channels) in µV; return and dispatch its events."""
        if self.summary.finished:
            raise RuntimeError("this session has finished; start a new one")
        if self._t_start is None:
            self._t_start = self._clock()
        first = self.detector.samples_processed
        check_layout(chunk, self.detector.n_channels, self.source.name, first)
        if self._wrap is not None:
            chunk = self._wrap.process(chunk, first)
        if not self._scale.done:
            self._scale.process(chunk)
            if self._scale.done:
                self._add_warnings(self._scale.warnings())
        events = self.detector.process(chunk)
        self.summary.samples = self.detector.samples_processed
        self._dispatch(events)
        self.summary.wall_s = self._clock() - self._t_start
        return events

    def finish(self, *, stopped_early: bool = False) -> list[Event]:
        """End of stream: the detector decides what is pending; the summary gets its final
        quality and warnings. Safe to call twice (the second call does nothing)."""
        if self.summary.finished:
            return []
        events = self.detector.finish()
        self._dispatch(events)
        self._scale.finish()
        s = self.summary
        s.samples = self.detector.samples_processed
        if self._t_start is not None:
            s.wall_s = self._clock() - self._t_start
        s.quality = self.detector.quality() if s.samples else []
        s.stopped_early = stopped_early
        s.finished = True
        self._add_warnings(self._final_warnings())
        return events

    def _add_warnings(self, warnings: Iterable[str]) -> None:
        s = self.summary
        s.warnings.extend(w for w in warnings if w not in s.warnings)

    @property
    def wrap_count(self) -> int:
        """Integer overflow wraps found (and undone) in the input so far."""
        return 0 if self._wrap is None else self._wrap.total_wraps

    def _dispatch(self, events: list[Event]) -> None:
        for event in events:
            self.summary.add(event)
            for sink in self.sinks:
                sink.write(event)
            if self.on_event is not None:
                self.on_event(event)

    def _final_warnings(self) -> list[str]:
        s = self.summary
        out = list(self.source.warnings)  # readers may learn things while reading (a cut end)
        if s.samples == 0:
            return out + ["no samples: the recording is empty"]
        if s.duration_s <= s.warmup_s:
            out.append(f"only {s.duration_s:.1f} s of signal: the detector needs {s.warmup_s:g} s "
                       "to learn the noise before it reports events; record longer")
        elif s.observed_s < SHORT_OBSERVATION_S:
            out.append(f"{s.observed_s:.0f} s observed after the warm-up: twitch rates from less "
                       f"than {SHORT_OBSERVATION_S / 60:g} min are rough")
        if self._wrap is not None:
            out.extend(self._wrap.warnings())
        out.extend(self._scale.warnings())
        if self.detector.nonfinite_samples:
            out.append(f"{self.detector.nonfinite_samples} non-finite samples (NaN/Inf) were "
                       "replaced by 0 µV")
        notes = [(s.channel_labels[q.channel], p) for q in s.quality for p in q.problems()]
        out.extend(merge_channel_notes(notes, s.channel_labels))
        return out

    # ---- live view -------------------------------------------------------------------------
    def quality(self) -> list[ChannelQuality]:
        """The detector's current per-channel quality (cheap; fine ~1/s for a display)."""
        return self.detector.quality()

    @property
    def in_sustained_activity(self) -> bool:
        return self.detector.in_sustained_activity

    @property
    def warming_up(self) -> bool:
        return self.summary.duration_s < self.summary.warmup_s
