"""`FileSource`: a recording on disk, replayed as fast as it is read.

Wraps `twitchwatch.formats.open_recording`: any format it reads (XDF, CSV, OpenBCI text), with
its errors (`RecordingError`, a ValueError whose message names the file and what to do).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from twitchwatch.formats import Marker, RecordingError, open_recording
from twitchwatch.sources.base import Source, check_max_samples

#: samples the reader decodes at a time; ``read`` hands out slices of these blocks
DEFAULT_BLOCK_SAMPLES = 4096


class FileSource(Source):
    """Replay a recording as fast as possible; ``progress`` is known when the file's length is.

    ``fs_hz``: the sampling rate where the file has none (CSV without a time column), checked
    against the file's otherwise. ``stream``: an XDF stream's name or type. ``name`` defaults to
    the path as given. ``unit``: take the values in this unit whatever the file declares. Raises `RecordingError` when the file cannot be opened as asked.
    """

    realtime = False

    def __init__(self, path: str | os.PathLike, fs_hz: float | None = None,
                 stream: str | None = None, *, block_samples: int = DEFAULT_BLOCK_SAMPLES,
                 name: str | None = None, unit: str | None = None) -> None:
        self.path = Path(path)
        self._block_samples = check_max_samples(block_samples)
        self._recording = open_recording(path, fs_hz=fs_hz, stream=stream)
        rec = self._recording
        try:
            rec.override_unit(unit)
        except RecordingError:
            rec.close()
            raise
        self.fs_hz = float(rec.fs_hz)
        self.n_channels = int(rec.n_channels)
        self.channel_labels = list(rec.channel_labels)
        self.name = str(path) if name is None else name
        self._n_samples = rec.n_samples
        self._iter: Iterator[np.ndarray] | None = None
        self._block: np.ndarray | None = None
        self._pos_in_block = 0
        self._samples_read = 0
        self._ended = False

    @property
    def n_samples(self) -> int | None:
        return self._n_samples

    @property
    def warnings(self) -> list[str]:
        return list(self._recording.warnings)

    @property
    def wrap_periods_uv(self) -> list[float | None] | None:
        return self._recording.wrap_periods_uv

    @property
    def markers(self) -> list[Marker]:
        """(onset in seconds from the first sample, text) markers stored in the file."""
        return list(self._recording.markers)

    def read(self, max_samples: int, timeout_s: float = 0.0) -> np.ndarray | None:
        """The next ``max_samples`` (or fewer) samples; None at the end. ``timeout_s`` is unused:
        a file never makes the caller wait."""
        max_samples = check_max_samples(max_samples)
        if self._ended:
            return None
        if self._recording.closed:
            raise RecordingError(f"{self.name}: source is closed; open it again to read it")
        while self._block is None or self._pos_in_block >= self._block.shape[0]:
            if self._iter is None:
                self._iter = self._recording.iter_chunks(self._block_samples)
            block = next(self._iter, None)
            if block is None:
                self._ended = True
                self._block = None
                if self._n_samples is None:
                    self._n_samples = self._samples_read  # now it is known
                return None
            self._block, self._pos_in_block = block, 0
        start = self._pos_in_block
        stop = min(start + max_samples, self._block.shape[0])
        self._pos_in_block = stop
        self._samples_read += stop - start
        if start == 0 and stop == self._block.shape[0]:
            return self._block
        return self._block[start:stop]

    def close(self) -> None:
        self._iter = None
        self._block = None
        self._recording.close()
