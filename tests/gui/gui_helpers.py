"""Helpers for the GUI tests: pacing constants and a scripted live-like source."""

from __future__ import annotations

import threading

import numpy as np

from twitchwatch.sources.base import Source

FAST = 100.0  # simulated seconds per second of clock
WAIT_MS = 20000


class ScriptedSource(Source):
    """A live-like source: ``blocks`` chunks of noise with a spike, then silence (empty reads)
    or an error, as the test asks."""

    realtime = True

    def __init__(self, stop: threading.Event, *, blocks: int = 50, then: str = "silence",
                 fs_hz: float = 1000.0, n_channels: int = 2) -> None:
        self.fs_hz, self.n_channels = fs_hz, n_channels
        self.channel_labels = [f"ch{i + 1}" for i in range(n_channels)]
        self.name = "scripted"
        self.stop = stop
        self.blocks, self.then = blocks, then
        self._rng = np.random.default_rng(0)
        self._samples_read = 0
        self.reads = 0

    def read(self, max_samples, timeout_s=0.0):
        self.reads += 1
        if self.stop.is_set():
            return None
        if self.blocks > 0:
            self.blocks -= 1
            n = min(max_samples, 100)
            x = (5 * self._rng.standard_normal((n, self.n_channels))).astype(np.float32)
            self._samples_read += n
            return x
        if self.then == "error":
            raise RuntimeError("the sensor fell off the table")
        if self.then == "end":
            return None
        self.stop.wait(min(timeout_s, 0.02))
        return self.empty()
