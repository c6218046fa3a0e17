"""`PacedPlayback`: a recording or a simulation played like a live stream, with pause, speed and seek.

It wraps an unpaced source (as fast as read) made by ``open_at(start_s)`` and hands its samples
out at ``speed`` seconds of signal per second of clock. Pacing follows a moving anchor: the
samples due at clock time ``now`` are ``anchor_samples + (now - anchor_t) * fs * speed``,
rounded down to whole blocks; pausing or changing speed moves the anchor to the present, so
neither makes samples pile up or jump. A late reader gets everything due at once (up to
``max_samples``): the stream never drifts, whatever the reader's delays.

``seek(start_s)`` opens the inner source again at ``start_s``: the sample count starts again
from 0 there, so whoever reads must start a new detector too (`twitchwatch.gui.worker` does).
Not thread-safe: ``read``, ``pause``, ``set_speed`` and ``seek`` belong to the reading thread;
``stop`` (a `threading.Event`) may be set from anywhere.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

import numpy as np

from twitchwatch.sources.base import Source, check_max_samples

DEFAULT_BLOCK_S = 0.02
#: the most samples one read of the inner source is asked for while skipping to a position
SKIP_STEP_SAMPLES = 1 << 20
MIN_SPEED = 0.01
MAX_SPEED = 10000.0


def skip_samples(source: Source, n: int) -> int:
    """Read and drop ``n`` samples of an unpaced source; returns how many were dropped."""
    done = 0
    while done < n:
        chunk = source.read(min(SKIP_STEP_SAMPLES, n - done))
        if chunk is None:
            break
        done += len(chunk)
    return done


def check_speed(speed) -> float:
    x = float(speed)
    if not math.isfinite(x) or not MIN_SPEED <= x <= MAX_SPEED:
        raise ValueError(f"speed must be between {MIN_SPEED:g} and {MAX_SPEED:g}, got {speed!r}")
    return x


class PacedPlayback(Source):
    """Play ``open_at(start_s)`` (an unpaced `Source`) in real time x ``speed``.

    ``total_s``: length of the whole signal in seconds when known (for a seek bar), else None.
    ``position_s``: seconds from the signal's start of the next sample to be handed out.
    """

    realtime = True

    def __init__(self, open_at: Callable[[float], Source], *, speed: float = 1.0,
                 block_s: float = DEFAULT_BLOCK_S, stop: threading.Event | None = None,
                 clock: Callable[[], float] = time.monotonic, name: str | None = None) -> None:
        self._open_at = open_at
        self.speed = check_speed(speed)
        self.stop_event = stop if stop is not None else threading.Event()
        self._clock = clock
        self._inner = open_at(0.0)
        inner = self._inner
        self.fs_hz = float(inner.fs_hz)
        self.n_channels = int(inner.n_channels)
        self.channel_labels = list(inner.channel_labels)
        self.name = name or inner.name
        self.block_samples = max(1, int(round(float(block_s) * self.fs_hz)))
        n = inner.n_samples
        self.total_s: float | None = None if n is None else n / self.fs_hz
        self.start_s = 0.0
        self.paused = False
        self._samples_read = 0
        self._anchor_samples = 0.0
        self._anchor_t: float | None = None
        self._ended = False
        self._closed = False

    # ---- what others read ------------------------------------------------------------------
    @property
    def n_samples(self) -> int | None:
        """Samples from ``start_s`` to the end, when known."""
        if self.total_s is None:
            return self._inner.n_samples
        return max(0, int(round((self.total_s - self.start_s) * self.fs_hz)))

    @property
    def position_s(self) -> float:
        return self.start_s + self._samples_read / self.fs_hz

    @property
    def ended(self) -> bool:
        return self._ended

    @property
    def seekable(self) -> bool:
        return self.total_s is not None

    @property
    def warnings(self) -> list[str]:
        return list(self._inner.warnings)

    # ---- control (reading thread) ----------------------------------------------------------
    def _due_float(self, now: float) -> float:
        if self._anchor_t is None:
            return self._anchor_samples
        if self.paused:
            return self._anchor_samples
        return self._anchor_samples + (now - self._anchor_t) * self.fs_hz * self.speed

    def _reanchor(self) -> None:
        now = self._clock()
        if self._anchor_t is not None:
            self._anchor_samples = self._due_float(now)
            self._anchor_t = now

    def set_speed(self, speed: float) -> None:
        speed = check_speed(speed)
        self._reanchor()
        self.speed = speed

    def pause(self, paused: bool) -> None:
        paused = bool(paused)
        if paused == self.paused:
            return
        self._reanchor()
        self.paused = paused

    def seek(self, start_s: float) -> float:
        """Start again at ``start_s`` (clamped to the signal); returns where it starts."""
        x = max(0.0, float(start_s))
        if self.total_s is not None:
            x = min(x, max(0.0, self.total_s - 1.0 / self.fs_hz))
        old = self._inner
        self._inner = self._open_at(x)
        old.close()
        self.start_s = x
        self._samples_read = 0
        self._anchor_samples = 0.0
        self._anchor_t = self._clock() if self._anchor_t is not None else None
        self._ended = False
        return x

    # ---- reading ---------------------------------------------------------------------------
    def _due(self, now: float) -> int:
        due = self._due_float(now)
        n = self.n_samples
        if n is not None and due >= n - 1e-6:
            return n
        blocks = math.floor(due / self.block_samples + 1e-9)
        return max(0, blocks) * self.block_samples

    def read(self, max_samples: int, timeout_s: float = 0.0) -> np.ndarray | None:
        max_samples = check_max_samples(max_samples)
        if self._closed or self._ended or self.stop_event.is_set():
            return None
        n = self.n_samples
        if n is not None and self._samples_read >= n:
            return self._read_inner(max_samples)  # the end (or more than announced)
        now = self._clock()
        if self._anchor_t is None:
            self._anchor_t = now
        due = self._due(now)
        if due <= self._samples_read and timeout_s > 0:
            if self.paused:
                wait_s = timeout_s
            else:
                nxt = (self._samples_read // self.block_samples + 1) * self.block_samples
                wait_s = min(timeout_s, (nxt - self._due_float(now)) / (self.fs_hz * self.speed))
            if wait_s > 0 and self.stop_event.wait(wait_s):
                return None
            due = self._due(self._clock())
        if due <= self._samples_read:
            return self.empty()
        return self._read_inner(min(max_samples, due - self._samples_read))

    def _read_inner(self, n: int) -> np.ndarray | None:
        chunk = self._inner.read(n)
        if chunk is None:
            self._ended = True
            if self.total_s is None:  # now the length is known
                self.total_s = self.position_s
            return None
        self._samples_read += len(chunk)
        return chunk

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._inner.close()
