"""`DisplayRing`: the last few seconds of the filtered signal, for the window to draw.

Preallocated once (capacity x channels, float32) with a running write count: writing copies a
chunk in at ``written % capacity`` (two slices at the wrap, never ``np.roll``). The worker
writes, the window reads copies of recent spans; a lock keeps each copy whole. Indices are
absolute sample indices of the detector (0 = the first sample it saw).
"""

from __future__ import annotations

import threading

import numpy as np


class DisplayRing:
    def __init__(self, capacity: int, n_channels: int) -> None:
        if capacity < 1 or n_channels < 1:
            raise ValueError(f"capacity and n_channels must be >= 1, got {capacity}, {n_channels}")
        self.capacity = int(capacity)
        self.n_channels = int(n_channels)
        self._data = np.zeros((self.capacity, self.n_channels), np.float32)
        self._written = 0
        self._lock = threading.Lock()

    @property
    def written(self) -> int:
        """Samples written so far (the index one past the newest)."""
        return self._written

    @property
    def oldest(self) -> int:
        """Index of the oldest sample still held."""
        return max(0, self._written - self.capacity)

    def write(self, block: np.ndarray) -> None:
        """Append ``block`` (n, n_channels); only its last ``capacity`` samples are kept."""
        n = block.shape[0]
        if n == 0:
            return
        with self._lock:
            start = self._written
            if n > self.capacity:
                block = block[n - self.capacity:]
                start += n - self.capacity
            m = block.shape[0]
            i = start % self.capacity
            first = min(m, self.capacity - i)
            self._data[i:i + first] = block[:first]
            if first < m:
                self._data[:m - first] = block[first:]
            self._written += n

    def span(self, start: int, stop: int) -> tuple[int, np.ndarray]:
        """A copy of samples ``[start, stop)`` clipped to what is held: (first index, array)."""
        with self._lock:
            lo = max(int(start), self._written - self.capacity, 0)
            hi = min(int(stop), self._written)
            if hi <= lo:
                return lo, np.zeros((0, self.n_channels), np.float32)
            i, j = lo % self.capacity, hi % self.capacity
            if i < j or j == 0:
                out = self._data[i:j or self.capacity].copy()
            else:
                out = np.concatenate((self._data[i:], self._data[:j]))
            return lo, out

    def latest(self, n: int) -> tuple[int, np.ndarray]:
        """The newest ``n`` samples (fewer at the start): (first index, array)."""
        w = self._written
        return self.span(w - int(n), w)
