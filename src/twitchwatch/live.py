"""`LiveMonitor`: a live source wired to the session and every live output, for the CLI and GUI.

    from twitchwatch.live import LiveMonitor
    from twitchwatch.sources.lsl import LslSource

    with LslSource(source_id="obci-1") as src, \\
            LiveMonitor(src, events_out="events.csv", record="rec.xdf", lsl_events=True) as mon:
        summary = mon.run(stop_event)          # in a worker thread; Ctrl+C / stop_event ends it

Outputs (each optional):
- ``events_out``: the events CSV of `twitchwatch analyze` (same columns), ``onset_s`` counted
  from the first sample received on the stream's timeline (missing samples counted), plus one
  row per gap in the input: kind ``gap``, ``onset_s`` where the missing samples begin,
  ``duration_s`` how long they last, channel 0 (all), ``flags`` the cause ("dropout" or
  "reconnect"); the other cells empty. Rows are flushed as they are written.
- ``lsl_events``: the event and status outlets of `twitchwatch.sinks.lsl_events`.
- ``record``: an XDF file (`twitchwatch.sinks.recorder.Recorder`): the raw input as received,
  the event markers (gaps included) and the status, crash-safe.

The monitor works with any `Source`: an `LslSource` brings its stamps, gaps and health; other
sources (simulator, replay) get nominal times (sample i at t0 + i / fs on our clock).
``run`` belongs to one thread (a worker); ``health()``, ``status()`` and ``summary`` may be read
from others. Errors propagate: nothing is swallowed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import threading
import time
from collections.abc import Callable

import numpy as np

from twitchwatch._logging import logger
from twitchwatch.checks import InputLayoutError
from twitchwatch.engine import DetectorConfig, Event
from twitchwatch.session import DEFAULT_KEEP_EVENTS, Session, SessionSummary
from twitchwatch.sinks.event_log import EventCsvWriter
from twitchwatch.sinks.lsl_events import (
    DEFAULT_BASE_NAME,
    STATUS_INTERVAL_S,
    EventMarkerOutlet,
    NominalTiming,
    StatusOutlet,
    status_payload,
)
from twitchwatch.sinks.recorder import Recorder, SignalStream
from twitchwatch.sources.base import Source

GAP_KIND = "gap"
#: how long a live source may wait for data per read before the monitor looks at its flags
LIVE_READ_TIMEOUT_S = 0.05


class LiveEventCsvWriter(EventCsvWriter):
    """`EventCsvWriter` on a live stream's timeline, with gap rows (see the module docstring)."""

    def __init__(self, path: str | os.PathLike, timing, channel_labels, *, source: str = ""):
        super().__init__(path, timing.fs_hz, channel_labels, source=source)
        self.timing = timing

    def write(self, event: Event) -> None:
        t = self.timing.timeline_sample
        super().write(dataclasses.replace(
            event, onset_sample=t(event.onset_sample), end_sample=t(event.end_sample),
            decided_at_sample=t(event.decided_at_sample)))

    def write_gap(self, gap) -> None:
        if self.closed:
            raise ValueError(f"{self.path}: event log is closed")
        fs = self.timing.fs_hz
        onset = gap.timeline_sample / fs
        duration = gap.missing / fs
        row = [f"{onset:.6f}", f"{duration:.6f}", GAP_KIND, "0", "", f"{onset + duration - 1 / fs:.6f}",
               "", gap.cause, "", "", "", "", "all"]
        if self.source_column:
            row.insert(0, self._source)
        self._csv.writerow(row)
        self._file.flush()
        self.rows_written += 1


class _Tap(Source):
    """A source passed through, its chunks also sent to ``on_chunk(chunk, first_index)``."""

    def __init__(self, inner: Source, on_chunk: Callable[[np.ndarray, int], None]):
        self.inner = inner
        self.fs_hz = inner.fs_hz
        self.n_channels = inner.n_channels
        self.channel_labels = inner.channel_labels
        self.name = inner.name
        self.realtime = inner.realtime
        self._on_chunk = on_chunk

    def read(self, max_samples, timeout_s=0.0):
        first = self.inner.samples_read
        chunk = self.inner.read(max_samples, timeout_s)
        if chunk is not None and len(chunk):
            self._on_chunk(chunk, first)
        return chunk

    @property
    def samples_read(self):
        return self.inner.samples_read

    @property
    def n_samples(self):
        return self.inner.n_samples

    @property
    def warnings(self):
        return self.inner.warnings

    @property
    def wrap_periods_uv(self):
        return self.inner.wrap_periods_uv

    def close(self):
        pass  # the caller closes the inner source


class _Listener:
    """Forwards an `LslSource`'s callbacks to the monitor's outputs."""

    def __init__(self, monitor: LiveMonitor):
        self.m = monitor

    def on_raw(self, samples, stamps):
        if self.m.recorder is not None:
            self.m.recorder.write_signal(samples, stamps)

    def on_gap(self, gap):
        self.m._gap(gap)

    def on_clock_offset(self, collection_time, offset_s):
        if self.m.recorder is not None:
            self.m.recorder.write_signal_clock_offset(collection_time, offset_s)

    def on_state(self, old, new, health):
        self.m.state_changes.append((time.monotonic(), old, new))


class LiveMonitor:
    """A source, the detector (via `Session`) and the live outputs.

    Parameters
    ----------
    source : the live source (`LslSource`), or any `Source`.
    config : detector settings.
    events_out : path of the events CSV (see the module docstring), or None.
    record : path of the XDF recording, or None.
    lsl_events : open the event and status outlets on LSL.
    lsl_name : base name of our outlets ("<name>-events", "<name>-status") and recorded streams.
    keep_events : recent events the summary keeps for display.
    on_event : called with each event (detector sample indices) after the outputs.
    on_gap : called with each gap (`lsl_health.Gap`) after the outputs.
    status_interval_s : status on LSL and in the recording this often.
    """

    def __init__(self, source: Source, *, config: DetectorConfig | None = None,
                 events_out: str | os.PathLike | None = None, record: str | os.PathLike | None = None,
                 lsl_events: bool = False, lsl_name: str = DEFAULT_BASE_NAME,
                 keep_events: int | None = DEFAULT_KEEP_EVENTS,
                 on_event: Callable[[Event], None] | None = None,
                 on_gap: Callable[[object], None] | None = None,
                 status_interval_s: float = STATUS_INTERVAL_S,
                 read_timeout_s: float = LIVE_READ_TIMEOUT_S):
        self.source = source
        self.is_lsl = hasattr(source, "add_listener") and hasattr(source, "timeline_sample")
        self.timing = source if self.is_lsl else NominalTiming(source.fs_hz)
        self.status_interval_s = float(status_interval_s)
        self.on_gap = on_gap
        self.state_changes: list[tuple[float, str, str]] = []
        self.gaps_seen = 0
        self.events_csv: LiveEventCsvWriter | None = None
        self.event_outlet: EventMarkerOutlet | None = None
        self.status_outlet: StatusOutlet | None = None
        self.recorder: Recorder | None = None
        self._status_text = ""
        self._status_seq = 0
        self._next_status = 0.0
        self._closed = False
        labels = source.channel_labels
        desc = getattr(source, "description", None)
        input_name = desc.name if desc is not None else source.name
        input_sid = desc.source_id if desc is not None else ""
        try:
            if events_out is not None:
                self.events_csv = LiveEventCsvWriter(events_out, self.timing, labels)
            if lsl_events:
                self.event_outlet = EventMarkerOutlet(
                    self.timing, labels, name=f"{lsl_name}-events", input_name=input_name,
                    input_source_id=input_sid)
                self.status_outlet = StatusOutlet(name=f"{lsl_name}-status", input_name=input_name,
                                                  input_source_id=input_sid)
            if record is not None:
                signal = desc if desc is not None else SignalStream(
                    name=source.name, type="EMG", channel_count=source.n_channels,
                    nominal_srate=source.fs_hz, format="float32", source_id="",
                    labels=labels, units=["microvolts"] * source.n_channels,
                    types=["EMG"] * source.n_channels)
                self.recorder = Recorder(record, signal, self.timing, labels, base_name=lsl_name)
        except BaseException:
            self.close()
            raise
        sinks = [s for s in (self.events_csv, self.event_outlet, self.recorder) if s is not None]
        read_source = source
        if self.is_lsl:
            self._listener = _Listener(self)
            source.add_listener(self._listener)
        elif self.recorder is not None:
            read_source = _Tap(source, self._record_chunk)
        self.session = Session(read_source, config, on_event=on_event, sinks=sinks,
                               keep_events=keep_events, read_timeout_s=read_timeout_s)

    # ---- running --------------------------------------------------------------------------------
    def run(self, stop_event: threading.Event | None = None,
            progress: Callable[[Session], None] | None = None) -> SessionSummary:
        """Run until the source ends or ``stop_event`` is set; outputs get every event, including
        those decided at the end. Outputs stay open until `close`."""
        def tick(session: Session) -> None:
            self._tick()
            if progress is not None:
                progress(session)

        try:
            summary = self.session.run(stop_event=stop_event, progress=tick)
        except (KeyboardInterrupt, InputLayoutError):
            # the input ended in a way we cannot go on from: what is pending is still decided
            # and written, then the caller hears why
            self.session.finish(stopped_early=True)
            self._tick(force=True)
            raise
        self._tick(force=True)
        return summary

    def _tick(self, force: bool = False) -> None:
        now = time.monotonic()
        if not force and now < self._next_status:
            return
        self._next_status = now + self.status_interval_s
        text = status_payload(self.session, self.health(), self._status_seq)
        self._status_seq += 1
        self._status_text = text
        if self.status_outlet is not None:
            self.status_outlet.push_text(text)
        if self.recorder is not None:
            self.recorder.write_status(text)
            self.recorder.tick()

    def _gap(self, gap) -> None:
        self.gaps_seen += 1
        for out in (self.events_csv, self.event_outlet, self.recorder):
            if out is not None:
                out.write_gap(gap)
        if self.on_gap is not None:
            self.on_gap(gap)

    def _record_chunk(self, chunk: np.ndarray, first: int) -> None:
        t = self.timing
        stamps = t.t0 + np.arange(first, first + len(chunk)) / t.fs_hz
        self.recorder.write_signal(chunk, stamps)

    # ---- what others read -------------------------------------------------------------------------
    @property
    def summary(self) -> SessionSummary:
        return self.session.summary

    def health(self):
        """The input's `StreamHealth` (None for sources without one)."""
        return self.source.health() if hasattr(self.source, "health") else None

    def status(self) -> dict:
        """The latest status pushed (as a dict; empty before the first)."""
        return json.loads(self._status_text) if self._status_text else {}

    def timeline_s(self, sample: int) -> float:
        """Seconds from the first sample on the stream's timeline, for display."""
        return self.timing.timeline_sample(sample) / self.timing.fs_hz

    # ---- closing ------------------------------------------------------------------------------------
    def close(self) -> None:
        """Close every output (footers, flushes); the source is the caller's. Safe to call twice."""
        if self._closed:
            return
        self._closed = True
        if self.is_lsl and getattr(self, "_listener", None) is not None:
            self.source.remove_listener(self._listener)
        errors = []
        for out in (self.recorder, self.events_csv, self.event_outlet, self.status_outlet):
            if out is None:
                continue
            try:
                out.close()
            except Exception as exc:  # noqa: BLE001 - close the others, then raise the first
                logger.error("closing %r failed: %s", out, exc)
                errors.append(exc)
        if errors:
            raise errors[0]

    def __enter__(self) -> LiveMonitor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
