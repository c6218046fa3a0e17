"""Recording what the window watches to XDF, from the worker thread (no Qt here).

`WatchRecording` wraps the crash-safe `twitchwatch.sinks.recorder.Recorder` (which writes the
file from a thread of its own) for the window's worker: the raw signal as the source gave it,
the event markers and the status stream, the same three streams as ``twitchwatch live
--record``. The worker calls it from its own thread only:

- ``write_chunk(chunk, first)`` after each read (non-LSL sources; an `LslSource` hands its raw
  samples with their own stamps to a listener, as in `twitchwatch.live`);
- ``write_event(event)`` for each event, ``tick(session, health)`` now and then (status and
  clock offsets, at most once a second);
- ``new_segment()`` when a seek starts the detector again from sample 0: stamps go on from where
  they were, so the file stays one continuous stream of what was watched;
- ``close()`` returns the final `RecordingInfo`.

Sources without stamps (simulator, replay) are stamped on our clock (pylsl.local_clock): the
first recorded sample is stamped at the moment the recording starts.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pylsl

from twitchwatch._logging import logger
from twitchwatch.engine import Event
from twitchwatch.sinks.lsl_events import STATUS_INTERVAL_S, NominalTiming, status_payload
from twitchwatch.sinks.recorder import Recorder, SignalStream
from twitchwatch.sources.base import Source

ENV_RECORDINGS_DIR = "TWITCHWATCH_RECORDINGS_DIR"
RECORDING = "recording"
STOPPED = "stopped"
FAILED = "failed"


@dataclass(frozen=True)
class RecordingInfo:
    """What the window shows about a recording: where, how long (wall clock), how big."""

    path: str
    state: str               # RECORDING, STOPPED or FAILED
    elapsed_s: float = 0.0
    bytes_written: int = 0
    samples: int = 0         # raw samples written (non-LSL sources; LSL: as received)
    events: int = 0          # event markers written
    message: str = ""        # why it stopped (the stream ended, an error...)


def default_recordings_dir(env: Mapping[str, str] | None = None, home: Path | None = None) -> Path:
    """``$TWITCHWATCH_RECORDINGS_DIR``, else ``$XDG_DATA_HOME/twitchwatch/recordings``, else
    ``~/.local/share/twitchwatch/recordings`` (next to the history database)."""
    env = os.environ if env is None else env
    if env.get(ENV_RECORDINGS_DIR):
        return Path(env[ENV_RECORDINGS_DIR]).expanduser()
    xdg = env.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg and Path(xdg).is_absolute() else (home or Path.home()) / ".local" / "share"
    return base / "twitchwatch" / "recordings"


def new_recording_path(folder: str | os.PathLike, now: datetime | None = None) -> Path:
    """``folder/twitchwatch-YYYYMMDD-HHMMSS.xdf``, with ``-2``, ``-3``... if that file exists."""
    stem = f"twitchwatch-{(now or datetime.now()):%Y%m%d-%H%M%S}"
    path = Path(folder) / f"{stem}.xdf"
    k = 2
    while path.exists():
        path = Path(folder) / f"{stem}-{k}.xdf"
        k += 1
    return path


def _is_lsl(source) -> bool:
    return hasattr(source, "add_listener") and hasattr(source, "timeline_sample")


class _RawListener:
    """An `LslSource` listener: raw chunks and clock offsets into the recorder (reading thread)."""

    def __init__(self, recording: WatchRecording):
        self.r = recording

    def on_raw(self, samples, stamps):
        self.r.recorder.write_signal(samples, stamps)
        self.r.samples += len(stamps)

    def on_gap(self, gap):
        self.r.recorder.write_gap(gap)

    def on_clock_offset(self, collection_time, offset_s):
        self.r.recorder.write_signal_clock_offset(collection_time, offset_s)

    def on_state(self, old, new, health):
        pass


class WatchRecording:
    """Record ``source`` to ``path`` from now on; ``samples_done``: samples the current detector
    has already processed (the first recorded sample's index). Raises OSError when the file
    cannot be created (the message names it)."""

    def __init__(self, path: str | os.PathLike, source: Source, samples_done: int = 0, *,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.path = str(path)
        self.source = source
        self.fs_hz = float(source.fs_hz)
        self._clock = clock
        self.started = clock()
        self.samples = 0
        self._seq = 0
        self._next_status = 0.0
        self.lsl = _is_lsl(source)
        labels = list(source.channel_labels)
        n = int(source.n_channels)
        desc = getattr(source, "description", None)
        if desc is not None:
            signal = desc
        else:
            signal = SignalStream(name=source.name, type="EMG", channel_count=n,
                                  nominal_srate=self.fs_hz, format="float32", labels=labels,
                                  units=["microvolts"] * n, types=["EMG"] * n)
        if self.lsl:
            self.timing = source
        else:
            self.timing = NominalTiming(self.fs_hz, pylsl.local_clock() - samples_done / self.fs_hz)
        self._next_stamp: float | None = None
        folder = Path(self.path).parent
        if not folder.is_dir():
            raise OSError(f"cannot record to {self.path}: folder {folder} does not exist")
        self.recorder = Recorder(self.path, signal, self.timing, labels)
        self._listener = None
        if self.lsl:
            self._listener = _RawListener(self)
            source.add_listener(self._listener)
        logger.info("recording the window's source to %s", self.path)

    # ---- from the worker ---------------------------------------------------------------------
    def new_segment(self) -> None:
        """The detector starts again at sample 0 (a seek): its samples follow the recorded ones."""
        if not self.lsl:
            t0 = self._next_stamp if self._next_stamp is not None else pylsl.local_clock()
            self.timing = NominalTiming(self.fs_hz, t0)
            self.recorder.timing = self.timing

    def write_chunk(self, chunk: np.ndarray, first: int) -> None:
        """Raw samples ``first .. first + len(chunk) - 1`` of the current detector."""
        if self.lsl or not len(chunk):
            return  # an LslSource gave them to the listener, with its stamps
        stamps = self.timing.t0 + np.arange(first, first + len(chunk)) / self.fs_hz
        self.recorder.write_signal(chunk, stamps)
        self._next_stamp = float(stamps[-1]) + 1.0 / self.fs_hz
        self.samples += len(chunk)

    def write_event(self, event: Event) -> None:
        self.recorder.write(event)

    def tick(self, session, health=None, *, force: bool = False) -> None:
        now = self._clock()
        if force or now >= self._next_status:
            self._next_status = now + STATUS_INTERVAL_S
            self.recorder.write_status(status_payload(session, health, self._seq))
            self._seq += 1
            self.recorder.tick()

    def info(self, state: str = RECORDING, message: str = "") -> RecordingInfo:
        return RecordingInfo(self.path, state, self._clock() - self.started, self.recorder.bytes_written,
                             self.samples, self.recorder.events_written, message)

    def close(self, message: str = "") -> RecordingInfo:
        """Footers, fsync, close (safe to call twice); the final info. Raises `RecorderError`
        when the writer failed."""
        if self._listener is not None:
            self.source.remove_listener(self._listener)
            self._listener = None
        self.recorder.close()
        logger.info("recording %s closed", self.path)
        return self.info(STOPPED, message)
