"""Real-time pacing shared by the sources that replay stored samples (simulator, file replay).

Samples are released in blocks against absolute deadlines measured from the first read: block k
is due at ``t0 + (k+1) * block / (fs * speed)``. A late reader gets everything that is due, so
pacing never drifts, whatever the waits oversleep.
"""

from __future__ import annotations

import math
from typing import Callable


class BlockPacer:
    def __init__(self, fs_hz: float, speed: float, block_samples: int,
                 clock: Callable[[], float], wait: Callable[[float], bool]) -> None:
        self.fs_hz = fs_hz
        self.speed = speed
        self.block_samples = block_samples
        self._clock = clock
        self._wait = wait  # returns True when stopped while waiting
        self.t0: float | None = None

    def deadline(self, n_samples: int) -> float:
        """Clock time at which the first ``n_samples`` samples are all available."""
        t0 = self.t0 if self.t0 is not None else self._clock()
        return t0 + n_samples / (self.fs_hz * self.speed)

    def due(self, now: float, total: int | None) -> int:
        """Samples available at ``now``: whole blocks, and all of them once the end is due."""
        elapsed = (now - self.t0) * self.fs_hz * self.speed
        if total is not None and elapsed >= total - 1e-6:
            return total
        # a small tolerance keeps floating-point rounding from holding back a block that is due
        due = max(0, math.floor(elapsed / self.block_samples + 1e-9)) * self.block_samples
        return due if total is None else min(due, total)

    def available(self, position: int, total: int | None, timeout_s: float) -> int | None:
        """Samples due now, waiting up to ``timeout_s`` for the next block when none is new.

        The first call starts the clock. Returns None when stopped while waiting.
        """
        now = self._clock()
        if self.t0 is None:
            self.t0 = now
        due = self.due(now, total)
        if due <= position and timeout_s > 0:
            nxt = (position // self.block_samples + 1) * self.block_samples
            wait_s = min(self.deadline(nxt if total is None else min(nxt, total)) - now, timeout_s)
            if wait_s > 0 and self._wait(wait_s):
                return None
            due = self.due(self._clock(), total)
        return due
