"""`ReplaySource`: a recording on disk replayed through the live path, paced or as fast as possible.

    with ReplaySource("rest.edf", realtime=True, speed=2.0, start_s=30, end_s=90, loop=True) as src:
        while (chunk := src.read(4096, timeout_s=0.1)) is not None:
            ...                      # float32 (n, src.n_channels), µV, as a live stream gives it

Any file `twitchwatch.formats.open_recording` reads (XDF, CSV, EDF/BDF, WFDB, PhysioNet text,
OpenSignals), read in chunks: a long file is never held in memory.

Pacing follows absolute deadlines, like `SimulatorSource` and `twitchwatch.sinks.push_paced`:
block k (replayed samples ``[k*B, (k+1)*B)``, B = ``block_s`` of signal) becomes available when
the clock reaches ``t0 + (k+1)*B / (fs*speed)``, with t0 the clock at the first ``read``. A
deadline depends only on t0 and the sample count, never on how long earlier reads or waits
took, so scheduling delays do not accumulate (drift correction): a late reader gets everything
that is due at once (up to ``max_samples``). Sample i of the replay is stamped
``sample_time(i) = t0 + i / (fs*speed)``; with the LSL clock as ``clock`` these are LSL time
stamps. The clock and the wait are injectable, so tests run without sleeping.

Trimming: ``start_s``/``end_s`` (seconds from the file's first sample) cut the replay; the
replay's sample 0 is the file's sample ``round(start_s * fs)``. ``loop=True`` starts again at
``start_s`` after ``end_s`` (or the end of the file), forever, with sample indices running on.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from twitchwatch.formats import Marker, Recording, RecordingError, open_recording
from twitchwatch.sources.pacing import BlockPacer
from twitchwatch.sources.base import Source, check_max_samples

DEFAULT_BLOCK_S = 0.02
#: samples the reader decodes at a time; ``read`` hands out slices of these blocks
DEFAULT_READ_BLOCK_SAMPLES = 4096

ChunkHook = Callable[[np.ndarray, int], None]
"""``on_chunk(chunk, first_index)``: called with every non-empty chunk ``read`` hands out and
the replay index of its first sample (e.g. to republish it with `sample_time` stamps)."""


def _seconds(value, what: str, allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a number of seconds, got {value!r}") from None
    if not math.isfinite(x) or x < 0:
        raise ValueError(f"{what} must be a finite number of seconds >= 0, got {value!r}")
    return x


class ReplaySource(Source):
    """Replay a recording file, paced by a clock (``realtime=True``) or as fast as it is read.

    Parameters
    ----------
    path, fs_hz, stream : as for `twitchwatch.formats.open_recording` (``stream``: an XDF
        stream, or the signals of an EDF/WFDB/OpenSignals file). Raises `RecordingError`.
    realtime : pace the samples by the clock (False: as fast as they are read).
    speed : with ``realtime``, seconds of signal per second of clock (> 0).
    start_s, end_s : replay only this part of the file (seconds from its first sample).
    loop : start again at ``start_s`` at the end, until stopped.
    block_s : with ``realtime``, the granularity of delivery in seconds of signal.
    stop : a `threading.Event`; once set, ``read`` returns None and any wait ends at once.
    clock : seconds, monotonic (default `time.monotonic`; pass ``pylsl.local_clock`` to get
        LSL time stamps from `sample_time`).
    wait : ``wait(seconds) -> bool``, True when stopped (default ``stop.wait``).
    on_chunk : see `ChunkHook`; also settable later as the ``on_chunk`` attribute.
    name : for people and logs (default: the path as given).
    unit : take the values in this unit (V, mV, uV) whatever the file declares.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        fs_hz: float | None = None,
        stream: str | None = None,
        *,
        realtime: bool = False,
        speed: float = 1.0,
        start_s: float = 0.0,
        end_s: float | None = None,
        loop: bool = False,
        block_s: float = DEFAULT_BLOCK_S,
        read_block_samples: int = DEFAULT_READ_BLOCK_SAMPLES,
        stop: threading.Event | None = None,
        clock: Callable[[], float] = time.monotonic,
        wait: Callable[[float], bool] | None = None,
        on_chunk: ChunkHook | None = None,
        name: str | None = None,
        unit: str | None = None,
    ) -> None:
        speed = float(speed)
        if not math.isfinite(speed) or speed <= 0:
            raise ValueError(f"speed must be a finite number > 0, got {speed!r}")
        block_s = float(block_s)
        if not math.isfinite(block_s) or block_s <= 0:
            raise ValueError(f"block_s must be > 0 seconds, got {block_s!r}")
        start_s = _seconds(start_s, "start_s")
        end_s = _seconds(end_s, "end_s", allow_none=True)
        if end_s is not None and end_s <= start_s:
            raise ValueError(f"end_s ({end_s:g} s) must be after start_s ({start_s:g} s)")
        self._read_block = check_max_samples(read_block_samples)
        self.path = Path(path)
        self._recording: Recording = open_recording(path, fs_hz=fs_hz, stream=stream)
        rec = self._recording
        try:
            rec.override_unit(unit)
            self.fs_hz = float(rec.fs_hz)
            self.n_channels = int(rec.n_channels)
            self.channel_labels = list(rec.channel_labels)
            self.name = str(path) if name is None else name
            self.stream_name = rec.stream_name
            self.stream_type = rec.stream_type
            self.realtime = bool(realtime)
            self.speed = speed
            self.loop = bool(loop)
            self.start_s = start_s
            self.end_s = end_s
            self.block_samples = max(1, int(round(block_s * self.fs_hz)))
            self._first = int(round(start_s * self.fs_hz))  # file sample of replay sample 0
            self._stop_at = None if end_s is None else int(round(end_s * self.fs_hz))
            file_n = rec.n_samples
            if file_n is not None:
                if self._first >= file_n:
                    raise RecordingError(
                        f"{self.name}: --start {start_s:g} s is at or past the end of the "
                        f"recording ({file_n / self.fs_hz:g} s)"
                    )
                self._stop_at = file_n if self._stop_at is None else min(self._stop_at, file_n)
            if self._stop_at is not None and self._stop_at <= self._first:
                raise RecordingError(f"{self.name}: nothing to replay between {start_s:g} s and "
                                     f"{end_s:g} s")
        except BaseException:
            rec.close()
            raise
        self.stop_event = stop if stop is not None else threading.Event()
        self._pacer = BlockPacer(self.fs_hz, self.speed, self.block_samples, clock,
                                 wait if wait is not None else self.stop_event.wait)
        self.on_chunk = on_chunk  # may be set after construction (it may need the source)
        self._samples_read = 0
        self._passes_done = 0
        self._iter: Iterator[np.ndarray] | None = None
        self._block: np.ndarray | None = None
        self._block_file_start = 0  # file sample of self._block[0]
        self._pos_in_block = 0
        self._pass_samples = 0  # samples handed out in the current pass
        self._pass_length: int | None = None if self._stop_at is None else self._stop_at - self._first
        self._ended = False
        self._closed = False

    # ---- metadata --------------------------------------------------------------------------
    @property
    def n_samples(self) -> int | None:
        """Samples in one pass (None while unknown, and when looping: the replay never ends)."""
        return None if self.loop else self._pass_length

    @property
    def pass_samples(self) -> int | None:
        """Samples in one pass over ``[start_s, end_s)``, when known."""
        return self._pass_length

    @property
    def passes_done(self) -> int:
        """Complete passes over the file so far (grows with ``loop``)."""
        return self._passes_done

    @property
    def position_s(self) -> float:
        """Where the replay is in the file: seconds from the file's first sample."""
        return (self._first + self._pass_samples) / self.fs_hz

    @property
    def warnings(self) -> list[str]:
        return list(self._recording.warnings)

    @property
    def wrap_periods_uv(self) -> list[float | None] | None:
        return self._recording.wrap_periods_uv

    @property
    def markers(self) -> list[Marker]:
        """The file's markers inside ``[start_s, end_s)``, in seconds from the replay's start."""
        lo = self._first / self.fs_hz
        hi = math.inf if self._stop_at is None else self._stop_at / self.fs_hz
        return [(t - lo, text) for t, text in self._recording.markers if lo <= t < hi]

    @property
    def started_at(self) -> float | None:
        """Clock time of the first ``read`` (when pacing began), or None before."""
        return self._pacer.t0

    def deadline(self, n_samples: int) -> float:
        """Clock time at which the first ``n_samples`` replayed samples are all available."""
        return self._pacer.deadline(n_samples)

    def sample_time(self, index) -> float | np.ndarray:
        """Clock time of replayed sample ``index`` (int or array): ``t0 + index / (fs*speed)``."""
        t0 = self._pacer.deadline(0)
        rate = self.fs_hz * self.speed
        if np.ndim(index):
            return t0 + np.asarray(index, dtype=np.float64) / rate
        return t0 + float(index) / rate

    # ---- reading ---------------------------------------------------------------------------
    def read(self, max_samples: int, timeout_s: float = 0.0) -> np.ndarray | None:
        """Up to ``max_samples`` replayed samples; empty when none is due yet (paced), None at
        the end or once stopped. A paced read waits up to ``timeout_s`` for the next block."""
        max_samples = check_max_samples(max_samples)
        if self._closed or self._ended or self.stop_event.is_set():
            return None
        total = self.n_samples
        if total is not None and self._samples_read >= total:
            chunk = self._pull(max_samples)  # None: the end (counted as a finished pass)
        elif not self.realtime:
            chunk = self._pull(max_samples)
        else:
            due = self._pacer.available(self._samples_read, total, timeout_s)
            if due is None or self.stop_event.is_set():
                return None
            if due <= self._samples_read:
                return self.empty()
            chunk = self._pull(min(max_samples, due - self._samples_read))
        if chunk is None:
            return None
        first = self._samples_read
        self._samples_read += len(chunk)
        if self.on_chunk is not None and len(chunk):
            self.on_chunk(chunk, first)
        return chunk

    def _pull(self, n: int) -> np.ndarray | None:
        """The next ``n`` (or fewer) samples of the trimmed file, looping if asked; None at the end."""
        parts: list[np.ndarray] = []
        got = 0
        while got < n:
            part = self._take(n - got)
            if part is None:  # the end of a pass
                if self._pass_samples == 0:
                    raise RecordingError(f"{self.name}: no samples to replay from {self.start_s:g} s "
                                         "(the recording is shorter)")
                self._passes_done += 1
                if self._pass_length is None:
                    self._pass_length = self._pass_samples
                if not self.loop:
                    self._ended = True
                    break
                self._restart()
                continue
            parts.append(part)
            got += len(part)
            self._pass_samples += len(part)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _restart(self) -> None:
        self._iter = None
        self._block = None
        self._pass_samples = 0

    def _take(self, n: int) -> np.ndarray | None:
        """Up to ``n`` samples from the current block (reading the next when it is used up)."""
        while True:
            if self._block is not None and self._pos_in_block < len(self._block):
                file_pos = self._block_file_start + self._pos_in_block
                if self._stop_at is not None and file_pos >= self._stop_at:
                    return None
                if file_pos < self._first:  # trimming the start: skip inside this block
                    self._pos_in_block = min(len(self._block), self._first - self._block_file_start)
                    continue
                stop = min(len(self._block), self._pos_in_block + n)
                if self._stop_at is not None:
                    stop = min(stop, self._stop_at - self._block_file_start)
                start = self._pos_in_block
                self._pos_in_block = stop
                if start == 0 and stop == len(self._block):
                    return self._block
                return self._block[start:stop]
            if self._iter is None:
                self._iter = self._recording.iter_chunks(self._read_block)
                self._block_file_start = 0
            elif self._block is not None:
                self._block_file_start += len(self._block)
            block = next(self._iter, None)
            if block is None:
                self._block = None
                self._iter = None
                return None
            self._block, self._pos_in_block = block, 0

    def close(self) -> None:
        self._closed = True
        self._iter = None
        self._block = None
        self._recording.close()
