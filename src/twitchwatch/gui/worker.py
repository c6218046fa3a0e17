"""`MonitorWorker`: acquisition and detection in a QThread; the window only renders.

    worker = MonitorWorker(SourceSpec.parse("sim:rest-benign"), speed=1.0)
    thread = start_worker(worker)            # worker.run() in its own QThread
    worker.opened.connect(...)               # SegmentInfo: channels, rate, the display ring
    worker.events_ready.connect(...)         # (generation, [EventItem, ...]), queued to the GUI
    snapshot = worker.latest.take()          # the newest Snapshot, or None (one-slot queue)
    worker.set_voluntary(True)               # commands: queued, applied between chunks
    stop_worker(worker, thread)

The loop (after python-sounddevice's callback -> queue and pyqtgraph's scrolling examples):
``source.read`` -> `Session.feed` -> the detector writes the band-passed signal into the
preallocated `DisplayRing` -> events (with their waveform) are sent in batches by a queued
signal at most every `EVENT_FLUSH_S` -> a `Snapshot` goes into a one-slot queue every
`SNAPSHOT_S`. The worker never waits for the window: every sample is processed however far
behind rendering falls. Commands from the window (voluntary marker, pause, speed, seek,
symptom/context tags, recording, strength-check capture) go through a queue and are applied
between reads, in this thread.

Recording (``start_recording(path)``): the raw chunks, the events and the status go to a
`twitchwatch.gui.recording.WatchRecording` from this thread (its file is written by the
recorder's own thread); ``recording_changed`` tells the window when it started, stopped or
failed, and snapshots carry its elapsed time and size. A failing recording stops itself and
says why; it never stops the monitoring. Strength checks (``start_capture``/``stop_capture``):
the band-passed signal is kept from the first command to the second and sent (``captured``).

Errors are never swallowed: any exception in the worker is sent to the window (``failed``:
message and traceback, shown as a banner) and logged; with ``raise_errors`` (or the
environment variable `RAISE_ERRORS_ENV` set to 1, for tests) it is raised again as well.
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
import time
import traceback
from collections.abc import Callable

import numpy as np
from twitchwatch.gui.qt import QObject, QThread, Signal

from twitchwatch._logging import logger
from twitchwatch.engine import Event
from twitchwatch.gui.model import (
    ENDED, FAILED, LOST, PAUSED, RUNNING, STALLED, STARTING, Capture, EventItem, LatestSlot,
    SegmentInfo, Snapshot,
)
from twitchwatch.gui.playback import PacedPlayback
from twitchwatch.gui.recording import FAILED as REC_FAILED, RecordingInfo, WatchRecording
from twitchwatch.gui.ring import DisplayRing
from twitchwatch.gui.source_spec import DEFAULT_SIM_DURATION_S, SourceSpec, open_source
from twitchwatch.gui.status_logic import compute_status
from twitchwatch.session import Session, quality_record
from twitchwatch.sources.base import Source

RAISE_ERRORS_ENV = "TWITCHWATCH_GUI_RAISE_ERRORS"
DEFAULT_CHUNK_SAMPLES = 4096
#: a paced or live read waits at most this long, so commands and stop are seen quickly
READ_TIMEOUT_S = 0.05
#: the display ring holds this much signal (the longest time window is 60 s)
RING_S = 65.0
EVENT_FLUSH_S = 0.05
SNAPSHOT_S = 0.1
QUALITY_S = 0.5
STATUS_S = 1.0
#: quality and status are computed again at the latest after this much signal
STALE_SIGNAL_S = 5.0
#: a real-time source silent this long (wall clock) is shown as stalled, then as lost
STALL_AFTER_S = 1.0
LOST_AFTER_S = 5.0
#: the close-up of an event: this much before and after it, at most this long in all
TWITCH_MARGIN_S = (0.05, 0.1)
SUSTAINED_MARGIN_S = (0.5, 0.5)
MAX_WAVEFORM_S = 30.0
SUSTAINED_KINDS = ("cramp", "contraction")

#: generations are unique across workers, so that nothing from an old worker passes for new
_GENERATIONS = itertools.count(1)

_HEALTH_STATES = {"connecting": STARTING, "connected": RUNNING, "stalled": STALLED,
                  "reconnecting": LOST, "lost": LOST, "stopped": ENDED}


class _FilteredTap:
    """Stands in for the session's detector: runs it with ``filtered_out`` and writes the
    band-passed signal into the display ring; everything else goes to the detector."""

    def __init__(self, detector, ring: DisplayRing, rows: int) -> None:
        self._detector = detector
        self._ring = ring
        self._buf = np.zeros((rows, detector.n_channels), np.float64)
        #: while a strength check captures: copies of the band-passed chunks (float32 µV)
        self.capture: list[np.ndarray] | None = None

    def process(self, chunk, **kwargs) -> list[Event]:
        n = len(chunk)
        if n > self._buf.shape[0]:
            self._buf = np.zeros((n, self._buf.shape[1]), np.float64)
        y = self._buf[:n]
        events = self._detector.process(chunk, filtered_out=y)
        self._ring.write(y)
        if self.capture is not None:
            self.capture.append(y.astype(np.float32))
        return events

    def __getattr__(self, name):
        return getattr(self._detector, name)


SourceOpener = Callable[[threading.Event], Source]


class MonitorWorker(QObject):
    """Runs a source through the detector (see the module docstring).

    ``spec``: a `SourceSpec`, or a callable ``opener(stop_event) -> Source`` (tests, tools).
    """

    opened = Signal(object)             # SegmentInfo
    events_ready = Signal(int, object)  # generation, list[EventItem]
    failed = Signal(str, str)           # message for people, traceback
    recording_changed = Signal(object)  # RecordingInfo: started, stopped or failed
    captured = Signal(object)           # Capture: the band-passed signal of a strength check
    finished = Signal()

    def __init__(self, spec: SourceSpec | SourceOpener, *, speed: float = 1.0,
                 sim_duration_s: float | None = DEFAULT_SIM_DURATION_S, seed: int = 0,
                 chunk_samples: int = DEFAULT_CHUNK_SAMPLES, raise_errors: bool | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.spec = spec
        self.speed = float(speed)
        self.sim_duration_s = sim_duration_s
        self.seed = int(seed)
        self.chunk_samples = int(chunk_samples)
        self.raise_errors = (os.environ.get(RAISE_ERRORS_ENV, "") == "1") if raise_errors is None \
            else bool(raise_errors)
        self.latest = LatestSlot()
        self._clock = clock
        self._stop = threading.Event()
        self._commands: queue.SimpleQueue = queue.SimpleQueue()
        self.source: Source | None = None
        self.session: Session | None = None
        self.segment: SegmentInfo | None = None
        self.generation = 0
        self._voluntary = False
        self._symptoms: frozenset[str] = frozenset()
        self._context: frozenset[str] = frozenset()
        self._pending: list[EventItem] = []
        self._ended = False
        self._quality = ()
        self._status = None
        self._status_due = True
        self._last_data: float | None = None
        self._segment_t0 = 0.0
        self._next = {"flush": 0.0, "snapshot": 0.0, "quality": 0.0, "status": 0.0}
        self.samples_total = 0
        self._segment_samples = 0
        self._assessed_at = 0  # segment samples when quality and status were last computed
        self.recording: WatchRecording | None = None

    # ---- commands (any thread) ---------------------------------------------------------------
    def stop(self) -> None:
        self._stop.set()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def set_voluntary(self, moving: bool) -> None:
        """The "I am moving" marker (`Detector.set_voluntary`), applied in the worker thread."""
        self._commands.put(("voluntary", bool(moving)))

    def set_paused(self, paused: bool) -> None:
        self._commands.put(("pause", bool(paused)))

    def set_speed(self, speed: float) -> None:
        self._commands.put(("speed", float(speed)))

    def seek(self, position_s: float) -> None:
        """Restart at ``position_s``: a new detector from there (counts start again)."""
        self._commands.put(("seek", float(position_s)))

    def set_tags(self, symptoms, context) -> None:
        self._commands.put(("tags", frozenset(symptoms), frozenset(context)))

    def start_recording(self, path: str) -> None:
        """Record the source to ``path`` (XDF) from now on (`recording_changed` says how it went)."""
        self._commands.put(("record", str(path)))

    def stop_recording(self) -> None:
        self._commands.put(("record_stop",))

    def start_capture(self) -> None:
        """Keep the band-passed signal from now on (a strength check), until `stop_capture`,
        which sends it (`captured`). A restart of the detector (seek) cancels it."""
        self._commands.put(("capture", True))

    def stop_capture(self) -> None:
        self._commands.put(("capture", False))

    # ---- the loop (worker thread) ------------------------------------------------------------
    def run(self) -> None:
        try:
            self._run()
        except Exception as exc:
            tb = traceback.format_exc()
            message = f"{type(exc).__name__}: {exc}"
            logger.error("the acquisition worker stopped: %s", message, exc_info=True)
            try:
                self._update_status()  # the status as of the last sample processed
            except Exception:  # noqa: BLE001 - the first error is the one to report
                logger.debug("no status after the error", exc_info=True)
            self._publish(self._clock(), state=FAILED, note=message)
            self.failed.emit(message, tb)
            if self.raise_errors:
                raise
        finally:
            self._stop_recording("the window closed the source")
            if self.source is not None:
                try:
                    self.source.close()
                except Exception:  # noqa: BLE001 - closing after an error: keep the first
                    logger.debug("closing the source failed", exc_info=True)
            self.finished.emit()

    def _open(self) -> Source:
        if isinstance(self.spec, SourceSpec):
            return open_source(self.spec, speed=self.speed, stop=self._stop,
                               sim_duration_s=self.sim_duration_s, seed=self.seed)
        return self.spec(self._stop)

    def _run(self) -> None:
        self._publish(self._clock(), state=STARTING, note="opening the source...")
        self.source = self._open()
        self._start_segment()
        while not self._stop.is_set():
            self._apply_commands()
            if self._ended:
                self._wait_for_command()
                continue
            chunk = self.source.read(self.chunk_samples, READ_TIMEOUT_S)
            now = self._clock()
            if chunk is None:
                if self._stop.is_set():
                    break
                self._end_segment(now)
                continue
            if len(chunk):
                if self.recording is not None:
                    self._record(self.recording.write_chunk, chunk, self._segment_samples)
                self.session.feed(chunk)
                self.samples_total += len(chunk)
                self._segment_samples += len(chunk)
                self._last_data = now
            self._tick(now)
        self._flush()

    def _wait_for_command(self) -> None:
        try:
            cmd = self._commands.get(timeout=READ_TIMEOUT_S)
        except queue.Empty:
            return
        self._apply(cmd)

    def _apply_commands(self) -> None:
        while True:
            try:
                cmd = self._commands.get_nowait()
            except queue.Empty:
                return
            self._apply(cmd)

    def _apply(self, cmd: tuple) -> None:
        what = cmd[0]
        src = self.source
        playable = isinstance(src, PacedPlayback)
        if what == "voluntary":
            self._voluntary = cmd[1]
            if self.session is not None and not self._ended:
                self.session.detector.set_voluntary(cmd[1])
        elif what == "pause" and playable:
            src.pause(cmd[1])
            self._next["quality"] = 0.0  # a paused view shows the status as of its last sample
            self._status_due = True
            # silence while paused is no stall: the watch on silence starts again from now
            self._segment_t0 = self._clock()
            if self._last_data is not None:
                self._last_data = self._segment_t0
        elif what == "speed" and playable:
            src.set_speed(cmd[1])
        elif what == "seek" and playable and src.seekable:
            src.seek(cmd[1])
            self._start_segment()
        elif what == "tags":
            self._symptoms, self._context = cmd[1], cmd[2]
            self._update_status()  # at once: also after the end, when no tick comes
        elif what == "record":
            self._start_recording(cmd[1])
        elif what == "record_stop":
            self._stop_recording()
        elif what == "capture":
            self._capture(cmd[1])
        self._publish(self._clock())

    def _start_segment(self) -> None:
        src = self.source
        self.generation = next(_GENERATIONS)
        self._pending = []
        self._ended = False
        self._quality = ()
        self._status = None
        self._status_due = True
        ring = DisplayRing(max(1, int(RING_S * src.fs_hz)), src.n_channels)
        session = Session(src, on_event=self._on_event, keep_events=0,
                          chunk_samples=self.chunk_samples, read_timeout_s=READ_TIMEOUT_S)
        session.detector = _FilteredTap(session.detector, ring, self.chunk_samples)
        if self.session is not None and self.session.detector.capture is not None:
            self.captured.emit(Capture(self.generation, src.fs_hz, tuple(src.channel_labels), None,
                                       src.name, "the signal was restarted at another position"))
        self.session = session
        self._segment_samples = 0
        self._assessed_at = 0
        if self.recording is not None:
            self.recording.new_segment()
        playable = isinstance(src, PacedPlayback)
        self.segment = SegmentInfo(
            generation=self.generation, source_name=src.name, fs_hz=src.fs_hz,
            channel_labels=tuple(src.channel_labels),
            start_s=src.start_s if playable else 0.0,
            total_s=src.total_s if playable else None, playable=playable,
            seekable=playable and src.seekable, speed=src.speed if playable else 1.0,
            warmup_s=session.config.warmup_s, ring=ring, warnings=tuple(src.warnings))
        self.opened.emit(self.segment)
        now = self._clock()
        self._publish(now, state=STARTING,
                      note="preparing the detector (the first start after installing compiles it)...")
        session.warm_up()
        if self._voluntary:
            session.detector.set_voluntary(True)
        self._segment_t0 = self._clock()
        self._last_data = None
        self._next = dict.fromkeys(self._next, 0.0)

    def _end_segment(self, now: float) -> None:
        self.session.finish()
        self._ended = True
        self._quality = tuple(self.session.summary.quality)
        self._status_due = True
        # nothing more is coming: the events decided at the end are in, the file can be closed
        self._stop_recording("the stream ended")
        self._flush()
        self._update_status()
        self._publish(now)

    # ---- events ------------------------------------------------------------------------------
    def _on_event(self, event: Event) -> None:
        if self.recording is not None:
            self._record(self.recording.write_event, event)
        seg = self.segment
        fs = seg.fs_hz
        before, after = SUSTAINED_MARGIN_S if event.kind in SUSTAINED_KINDS else TWITCH_MARGIN_S
        lo = event.onset_sample - int(before * fs)
        hi = min(event.end_sample + 1 + int(after * fs), lo + int(MAX_WAVEFORM_S * fs))
        first, wave = seg.ring.span(lo, hi)
        note = ""
        if first > max(lo, 0):
            note = f"only the last {len(wave) / fs:.0f} s of it were still on screen"
        elif hi < event.end_sample:
            note = f"the first {MAX_WAVEFORM_S:.0f} s are shown"
        label = seg.channel_labels[event.channel] if 0 <= event.channel < seg.n_channels \
            else f"ch{event.channel + 1}"
        self._pending.append(EventItem(
            event=event, generation=self.generation, t_s=seg.start_s + event.onset_sample / fs,
            end_s=seg.start_s + (event.end_sample + 1) / fs, fs_hz=fs, label=label,
            waveform=wave, waveform_t0_s=seg.start_s + first / fs, waveform_note=note))

    def _flush(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            self.events_ready.emit(batch[0].generation, batch)

    # ---- snapshots ---------------------------------------------------------------------------
    def _tick(self, now: float) -> None:
        nxt = self._next
        if now >= nxt["flush"]:
            nxt["flush"] = now + EVENT_FLUSH_S
            self._flush()
        # wall-clock paced, and also after STALE_SIGNAL_S of signal: a worker that was held up
        # catches up in a burst (a paced source hands out all that is due), and the status must
        # not stay seconds of signal behind the counts it is shown with
        if self._segment_samples - self._assessed_at >= STALE_SIGNAL_S * self.segment.fs_hz:
            nxt["quality"] = 0.0
            self._status_due = True
        if now >= nxt["quality"]:
            nxt["quality"] = now + QUALITY_S
            self._assessed_at = self._segment_samples
            self._quality = tuple(self.session.quality())
        if now >= nxt["status"] or self._status_due:
            nxt["status"] = now + STATUS_S
            self._update_status()
        if self.recording is not None:
            src = self.source
            self._record(self.recording.tick, self.session, src.health() if hasattr(src, "health") else None)
        if now >= nxt["snapshot"]:
            nxt["snapshot"] = now + SNAPSHOT_S
            self._publish(now)

    # ---- strength checks --------------------------------------------------------------------------
    def _capture(self, on: bool) -> None:
        tap = self.session.detector if self.session is not None else None
        if tap is None:
            if not on:
                self.captured.emit(Capture(self.generation, 0.0, (), None, "", "no source is running"))
            return
        if on:
            tap.capture = []
            return
        blocks, tap.capture = tap.capture, None
        seg = self.segment
        data = np.concatenate(blocks) if blocks else np.zeros((0, seg.n_channels), np.float32)
        self.captured.emit(Capture(self.generation, seg.fs_hz, seg.channel_labels, data, seg.source_name))

    # ---- recording -----------------------------------------------------------------------------
    def _start_recording(self, path: str) -> None:
        if self.recording is not None:
            self._stop_recording()
        if self.session is None or self._ended:
            self.recording_changed.emit(RecordingInfo(path, REC_FAILED, message=(
                "the stream has ended: there is nothing left to record")))
            return
        try:
            self.recording = WatchRecording(path, self.source, self._segment_samples, clock=self._clock)
        except (OSError, ValueError) as exc:
            logger.warning("cannot record to %s: %s", path, exc)
            self.recording_changed.emit(RecordingInfo(path, REC_FAILED, message=_reason(exc)))
            return
        self.recording_changed.emit(self.recording.info())

    def _stop_recording(self, message: str = "") -> None:
        rec, self.recording = self.recording, None
        if rec is None:
            return
        try:
            if self.session is not None:
                rec.tick(self.session, force=True)  # the status as it was at the end
            info = rec.close(message)
        except Exception as exc:  # noqa: BLE001 - a failed file must not stop the monitoring
            logger.warning("recording %s failed: %s", rec.path, exc)
            info = rec.info(REC_FAILED, _reason(exc))
        self.recording_changed.emit(info)

    def _record(self, write, *args) -> None:
        """One write to the recording; an error stops the recording (said to the window), never
        the monitoring."""
        try:
            write(*args)
        except Exception as exc:  # noqa: BLE001 - disk full, unplugged drive...: reported
            rec, self.recording = self.recording, None
            logger.warning("recording %s failed: %s", rec.path, exc)
            try:
                rec.close()
            except Exception:  # noqa: BLE001 - the first error is the one to report
                logger.debug("closing the failed recording", exc_info=True)
            self.recording_changed.emit(rec.info(REC_FAILED, _reason(exc)))

    def _summary_dict(self) -> dict:
        s = self.session.summary
        d = s.as_dict(include_events=False)
        if self._quality and not s.finished:
            d["quality"] = [quality_record(q, s.channel_labels[q.channel]) for q in self._quality]
        return d

    def _update_status(self) -> None:
        if self.session is None:
            return
        self._status_due = False
        self._status = compute_status(self._summary_dict(), self._symptoms, self._context)

    def _state(self, now: float) -> str:
        if self._ended:
            return ENDED
        src = self.source
        health = src.health() if hasattr(src, "health") else None
        if health is not None:
            return _HEALTH_STATES.get(health.state, RUNNING)
        if isinstance(src, PacedPlayback) and src.paused:
            return PAUSED
        if getattr(src, "realtime", False):
            silent = now - (self._last_data if self._last_data is not None else self._segment_t0)
            if silent >= LOST_AFTER_S:
                return LOST
            if silent >= STALL_AFTER_S:
                return STALLED
        return RUNNING if self._last_data is not None else STARTING

    def _publish(self, now: float, state: str | None = None, note: str = "") -> None:
        session, src = self.session, self.source
        if session is None:
            self.latest.put(Snapshot(self.generation, state or STARTING, 0, 0.0, 0.0, 0.0, {},
                                     None, True, False, self._voluntary, note=note))
            return
        s = session.summary
        seg = self.segment
        playable = isinstance(src, PacedPlayback)
        health = src.health() if hasattr(src, "health") else None
        self.latest.put(Snapshot(
            generation=self.generation, state=state or self._state(now), samples=s.samples,
            t_end_s=seg.start_s + s.samples / seg.fs_hz, duration_s=s.duration_s,
            observed_s=s.observed_s, counts=dict(s.counts),
            twitch_rate_per_min=s.twitch_rate_per_min, warming_up=session.warming_up,
            in_sustained_activity=(not self._ended) and session.in_sustained_activity,
            voluntary=self._voluntary, quality=self._quality, health=health, status=self._status,
            position_s=src.position_s if playable else None,
            total_s=src.total_s if playable else None,
            speed=src.speed if playable else 1.0, paused=playable and src.paused,
            since_data_s=None if self._last_data is None else now - self._last_data, note=note,
            recording=None if self.recording is None else self.recording.info(),
            captured_s=None if session.detector.capture is None
            else sum(len(b) for b in session.detector.capture) / seg.fs_hz))


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


def start_worker(worker: MonitorWorker) -> QThread:
    """Run ``worker.run`` in a new QThread; the thread quits when the worker finishes."""
    thread = QThread()
    thread.setObjectName("twitchwatch-worker")
    worker.moveToThread(thread)
    thread.started.connect(worker.run)
    worker.finished.connect(thread.quit)
    thread.start()
    return thread


#: workers asked to stop that had not ended in time (the first run after an install spends ~30 s
#: compiling the engine, which cannot be interrupted). They stay referenced until they end:
#: Qt aborts the whole process when a QThread object is destroyed while its thread runs.
_still_stopping: list[tuple[MonitorWorker, QThread]] = []


def stop_worker(worker: MonitorWorker, thread: QThread, timeout_ms: int = 10000) -> bool:
    """Ask the worker to stop and wait for its thread; True when it ended in time.

    A worker that does not end in time finishes in the background (it stops as soon as the
    engine call it is in returns); `wait_for_stopping_workers` waits for it at exit.
    """
    worker.stop()
    thread.quit()
    if thread.wait(timeout_ms):
        return True
    logger.warning("the worker did not stop within %.0f s (the engine may still be compiling on its "
                   "first run); it will stop in the background", timeout_ms / 1000)
    _still_stopping[:] = [(w, t) for w, t in _still_stopping if t.isRunning()]
    _still_stopping.append((worker, thread))
    return False


def wait_for_stopping_workers() -> None:
    """Before the application exits: wait for workers still stopping, however long it takes."""
    while _still_stopping:
        _worker, thread = _still_stopping.pop()
        thread.wait()
