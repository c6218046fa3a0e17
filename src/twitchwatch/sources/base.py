"""`Source`: the one interface for everything that delivers signal (file, simulator, live LSL).

A source has a fixed sampling rate and channel set, and hands out float32 microvolt blocks::

    with source:
        while (chunk := source.read(4096, timeout_s=0.1)) is not None:
            if len(chunk):            # (n <= 4096, n_channels), float32, µV, C-contiguous
                ...

``read`` returns an empty (0, n_channels) array when nothing is ready yet (a live or paced source
waits at most ``timeout_s`` for data first) and None at the end of the stream. A replay goes
through exactly the path a live stream takes.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


class Source(ABC):
    """Signal in, float32 µV blocks out. Subclasses set the attributes in ``__init__``.

    Attributes
    ----------
    fs_hz : sampling rate in Hz.
    n_channels : number of channels.
    channel_labels : one label per channel ("EMG1", ...).
    name : what the source is, for people and logs (a file path, "simulator:mixed", a stream name).
    realtime : True when samples arrive at the pace of the clock (live or paced replay); False
        when they are delivered as fast as they are asked for.
    """

    fs_hz: float
    n_channels: int
    channel_labels: list[str]
    name: str
    realtime: bool = False

    @abstractmethod
    def read(self, max_samples: int, timeout_s: float = 0.0) -> np.ndarray | None:
        """Up to ``max_samples`` new samples, (n, n_channels) float32 µV.

        Returns an empty array when nothing is ready within ``timeout_s`` seconds and None once
        the stream has ended (or was stopped). Raises on a broken source; it never hides errors.
        """

    def close(self) -> None:
        """Release what the source holds (file, inlet). Safe to call twice."""

    @property
    def samples_read(self) -> int:
        """Samples handed out so far."""
        return getattr(self, "_samples_read", 0)

    @property
    def n_samples(self) -> int | None:
        """Total samples, when known in advance (files, simulator); None for live streams."""
        return None

    @property
    def progress(self) -> float | None:
        """Fraction 0..1 of the stream handed out, when the length is known; else None."""
        n = self.n_samples
        if not n:
            return None
        return min(1.0, self.samples_read / n)

    @property
    def wrap_periods_uv(self) -> list[float | None] | None:
        """Per channel, the full range (µV) of the integer the values were stored in, where an
        overflow could wrap them (16-bit files and streams); None when stored as floats."""
        return None

    @property
    def warnings(self) -> list[str]:
        """Things the user should know about the input (missing units, assumed rates...)."""
        return []

    def empty(self) -> np.ndarray:
        """The "nothing ready yet" answer of ``read``."""
        return np.zeros((0, self.n_channels), np.float32)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return (f"<{type(self).__name__} {self.name!r} {self.fs_hz:g} Hz "
                f"{self.n_channels} ch>")


def check_max_samples(max_samples) -> int:
    """Validate ``read``'s argument: an integer >= 1."""
    if isinstance(max_samples, bool) or not isinstance(max_samples, (int, np.integer)):
        raise TypeError(f"max_samples must be an int, got {type(max_samples).__name__}")
    if max_samples < 1:
        raise ValueError(f"max_samples must be >= 1, got {max_samples}")
    return int(max_samples)
