"""`Recorder`: a live session to XDF, as LabRecorder would record it, crash-safe.

Three streams in one file, written by `twitchwatch.formats.XdfWriter` as data arrive:

1. the raw signal exactly as the sensor sent it: its own value type and unit, its channel
   metadata (label, unit, type), its own time stamps (the input stream's clock), and its clock
   offsets (LSL time_correction values, as LabRecorder collects them every 5 s), so that pyxdf's
   synchronisation puts it on our clock;
2. our events (type "Markers") and 3. our status (type "Status"): the same JSON strings as on
   LSL (`twitchwatch.sinks.lsl_events`), stamped in our clock, with clock offsets of 0.

Boundary chunks come from the writer; stream footers are written by `close`. The file is written
by a thread of its own (see `Recorder`). Crash safety: every chunk is handed to the operating
system as soon as the writer thread has it (milliseconds after it arrived), and the file is
fsynced at least every `FLUSH_INTERVAL_S`. A process killed at any moment leaves a file that
pyxdf loads up to its last complete chunk.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pylsl

from twitchwatch._logging import logger
from twitchwatch.engine import Event
from twitchwatch.formats import XdfWriter
from twitchwatch.sinks.lsl_events import (
    DEFAULT_BASE_NAME,
    EVENTS_TYPE,
    STATUS_TYPE,
    Timing,
    event_payload,
    gap_payload,
    output_source_id,
)

#: LabRecorder measures clock offsets every 5 s
CLOCK_OFFSET_INTERVAL_S = 5.0
#: the file is made durable (fsync) at least this often
FLUSH_INTERVAL_S = 1.0
#: chunks handed to the writer thread and not yet written; beyond, the feeder waits ...
MAX_QUEUED = 4096
#: ... at most this long before the recording is declared failed
MAX_WAIT_S = 10.0


@dataclass(frozen=True)
class SignalStream:
    """What the recorded signal stream says about itself (an `lsl_meta.StreamDescription`
    has these fields too)."""

    name: str
    type: str
    channel_count: int
    nominal_srate: float
    format: str = "float32"
    source_id: str = ""
    labels: Sequence[str] = field(default_factory=tuple)
    units: Sequence[str] = field(default_factory=tuple)
    types: Sequence[str] = field(default_factory=tuple)


def _per_channel(values: Sequence[str], n: int) -> list[str] | None:
    return list(values) if values and len(values) == n else None


class RecorderError(RuntimeError):
    """The recording failed (disk full, too slow...); raised in the thread that feeds it."""


_STOP = object()


class Recorder:
    """Record a live session to ``path`` (XDF).

    ``signal``: the input stream (`SignalStream` or a `StreamDescription`). ``timing`` and
    ``channel_labels`` turn events into the marker payloads (``write(event)`` makes it an event
    sink). ``clock``: our clock (default `pylsl.local_clock`). Raises OSError if the file
    cannot be created.

    With ``background=True`` (the default) the file is written by a thread of its own: the
    acquisition thread only builds the payloads and hands them over (a bounded queue; it waits
    only when the disk has fallen `MAX_QUEUED` chunks behind), so a slow disk or an fsync never
    delays detection. An error in the writer is raised at the next call, never swallowed.
    """

    def __init__(self, path: str | os.PathLike, signal, timing: Timing, channel_labels: Sequence[str],
                 *, base_name: str = DEFAULT_BASE_NAME, clock: Callable[[], float] = pylsl.local_clock,
                 background: bool = True):
        self.path = path
        self.timing = timing
        self.labels = list(channel_labels)
        self._clock = clock
        self._writer = XdfWriter(path)
        n = int(signal.channel_count)
        self.signal_id = self._writer.add_stream(
            signal.name, signal.type, n, float(signal.nominal_srate), signal.format,
            source_id=signal.source_id, channel_labels=_per_channel(signal.labels, n),
            channel_units=_per_channel(signal.units, n), channel_types=_per_channel(signal.types, n),
            created_at=clock(),
        )
        self.events_id = self._writer.add_stream(
            f"{base_name}-events", EVENTS_TYPE, 1, 0.0, "string",
            source_id=output_source_id("events", signal.source_id, signal.name),
            channel_labels=["events"], channel_types=[EVENTS_TYPE], created_at=clock())
        self.status_id = self._writer.add_stream(
            f"{base_name}-status", STATUS_TYPE, 1, 0.0, "string",
            source_id=output_source_id("status", signal.source_id, signal.name),
            channel_labels=["status"], channel_types=[STATUS_TYPE], created_at=clock())
        self.events_written = 0
        self.status_written = 0
        self._next_own_offset = 0.0
        self._last_flush = time.monotonic()
        self._closing = False
        self._error: BaseException | None = None
        self._queue: queue.Queue | None = None
        self._thread: threading.Thread | None = None
        if background:
            self._queue = queue.Queue(maxsize=MAX_QUEUED)
            self._thread = threading.Thread(target=self._drain, name="twitchwatch-recorder",
                                            daemon=True)
            self._thread.start()
        self.tick()
        logger.info("recording to %s", path)

    # ---- the writer thread ------------------------------------------------------------------------
    def _drain(self) -> None:
        q = self._queue
        while True:
            try:
                item = q.get(timeout=FLUSH_INTERVAL_S)
            except queue.Empty:
                item = None
            try:
                if item is _STOP:
                    return
                if self._error is None:
                    if item is not None:
                        fn, args = item
                        fn(*args)
                    if time.monotonic() - self._last_flush >= FLUSH_INTERVAL_S:
                        self._fsync()
            except BaseException as exc:  # noqa: BLE001 - handed to the feeding thread
                logger.error("recording to %s failed: %s", self.path, exc)
                self._error = exc
            finally:
                if item is not None:
                    q.task_done()

    def _submit(self, fn, *args) -> None:
        if self._error is not None:
            raise RecorderError(f"recording to {self.path} failed: {self._error}") from self._error
        if self._closing or self._writer.closed:
            raise ValueError(f"recorder for {self.path} is closed")
        if self._queue is None:
            fn(*args)
            return
        try:
            self._queue.put((fn, args), timeout=MAX_WAIT_S)
        except queue.Full:
            raise RecorderError(f"recording to {self.path}: the disk has not kept up for "
                                f"{MAX_WAIT_S:g} s; recording stopped") from None

    def _fsync(self) -> None:
        self._writer.flush()
        self._last_flush = time.monotonic()

    # ---- data ---------------------------------------------------------------------------------
    def write_signal(self, samples: np.ndarray, stamps: np.ndarray) -> None:
        """Append raw samples (n, channels) with their stamps (n,) in the input's clock (copied:
        the caller may reuse its buffers)."""
        if len(stamps):
            self._submit(self._writer.write_samples, self.signal_id, np.array(samples),
                         np.array(stamps, dtype=np.float64))

    def write_signal_clock_offset(self, collection_time: float, offset_s: float) -> None:
        """One LSL time_correction measurement of the input stream."""
        self._submit(self._writer.write_clock_offset, self.signal_id, collection_time, offset_s)

    def write(self, event: Event) -> None:
        """An event (sink interface): the JSON marker, stamped at its onset in our clock."""
        text, stamp = event_payload(event, self.timing, self.labels, self.events_written)
        self._submit(self._writer.write_samples, self.events_id, [text], [stamp])
        self.events_written += 1

    def write_gap(self, gap) -> None:
        text, stamp = gap_payload(gap, self.timing, self.events_written)
        self._submit(self._writer.write_samples, self.events_id, [text], [stamp])
        self.events_written += 1

    def write_status(self, text: str, stamp: float | None = None) -> None:
        stamp = self._clock() if stamp is None else stamp
        self._submit(self._writer.write_samples, self.status_id, [text], [stamp])
        self.status_written += 1

    def tick(self) -> None:
        """Call now and then (the live monitor does, about once a second): clock offsets of our
        own streams every `CLOCK_OFFSET_INTERVAL_S`; without the writer thread, also an fsync
        every `FLUSH_INTERVAL_S` (the thread does that by itself)."""
        now = self._clock()
        if now >= self._next_own_offset:
            self._next_own_offset = now + CLOCK_OFFSET_INTERVAL_S
            for sid in (self.events_id, self.status_id):
                self._submit(self._writer.write_clock_offset, sid, now, 0.0)
        if self._queue is None and time.monotonic() - self._last_flush >= FLUSH_INTERVAL_S:
            self._fsync()

    def flush(self) -> None:
        """Wait until everything handed over is written, and make it durable (fsync)."""
        if self._queue is not None:
            self._queue.join()
        if self._error is not None:
            raise RecorderError(f"recording to {self.path} failed: {self._error}") from self._error
        self._fsync()

    @property
    def bytes_written(self) -> int:
        try:
            return os.path.getsize(self.path)
        except OSError:
            return 0

    @property
    def closed(self) -> bool:
        return self._writer.closed

    def close(self) -> None:
        """Write what is queued, the stream footers, fsync, close. Safe to call twice. Raises
        `RecorderError` if the writer failed."""
        if self._closing:
            return
        self._closing = True
        if self._thread is not None:
            self._queue.put(_STOP)
            self._thread.join()
        self._writer.close()
        if self._error is not None:
            raise RecorderError(f"recording to {self.path} failed: {self._error}") from self._error

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
