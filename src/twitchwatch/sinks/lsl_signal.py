"""LSL outlet for a multichannel EMG signal, and a pusher that streams an array in real time.

The stream follows the XDF meta-data scheme for EMG: type "EMG", float32 samples, and in
``desc``: ``channels/channel/{label, unit, type}`` per channel and
``acquisition/manufacturer``.

``push_paced`` sends chunks (default 20 ms) as their time comes: sample i carries the time
stamp t0 + i / fs exactly (local_clock based, never accumulated), and each chunk is pushed once
the clock reaches the stamp of its last sample. Waiting is measured against those absolute
deadlines, not by sleeping a fixed time per chunk, so the stream never drifts; a
``threading.Event`` stops it between chunks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np
import pylsl

DEFAULT_CHUNK_S = 0.02
STREAM_TYPE = "EMG"
UNIT = "microvolts"
MANUFACTURER = "twitchwatch simulator"


def make_stream_info(
    name: str,
    channel_labels: Sequence[str],
    fs_hz: float,
    *,
    source_id: str = "",
    stream_type: str = STREAM_TYPE,
    unit: str = UNIT,
    manufacturer: str = MANUFACTURER,
) -> pylsl.StreamInfo:
    """StreamInfo for a float32 signal with per-channel label/unit/type and the manufacturer."""
    if not channel_labels:
        raise ValueError("need at least one channel label")
    if not fs_hz > 0:
        raise ValueError(f"fs_hz must be > 0, got {fs_hz!r}")
    info = pylsl.StreamInfo(
        name, stream_type, len(channel_labels), float(fs_hz), pylsl.cf_float32, source_id
    )
    channels = info.desc().append_child("channels")
    for label in channel_labels:
        ch = channels.append_child("channel")
        ch.append_child_value("label", str(label))
        ch.append_child_value("unit", unit)
        ch.append_child_value("type", stream_type)
    info.desc().append_child("acquisition").append_child_value("manufacturer", manufacturer)
    return info


class SignalOutlet:
    """An LSL outlet for an EMG signal. ``push_chunk(samples, timestamps)`` sends (n, C) floats
    with one time stamp per sample. Use as a context manager, or call ``close()``."""

    def __init__(
        self,
        name: str,
        channel_labels: Sequence[str],
        fs_hz: float,
        *,
        source_id: str = "",
        unit: str = UNIT,
        manufacturer: str = MANUFACTURER,
        max_buffered_s: int = 60,
    ):
        self.info = make_stream_info(
            name, channel_labels, fs_hz, source_id=source_id, unit=unit, manufacturer=manufacturer
        )
        self.n_channels = len(channel_labels)
        self.fs_hz = float(fs_hz)
        self._outlet: pylsl.StreamOutlet | None = pylsl.StreamOutlet(
            self.info, 0, max_buffered_s
        )

    def push_chunk(self, samples: np.ndarray, timestamps: Sequence[float]) -> None:
        if self._outlet is None:
            raise RuntimeError("outlet is closed")
        samples = np.ascontiguousarray(samples, dtype=np.float32)
        if samples.ndim != 2 or samples.shape[1] != self.n_channels:
            raise ValueError(
                f"samples must have shape (n, {self.n_channels}), got {samples.shape}"
            )
        if len(timestamps) != samples.shape[0]:
            raise ValueError(
                f"need one time stamp per sample: {samples.shape[0]} samples, "
                f"{len(timestamps)} stamps"
            )
        self._outlet.push_chunk(samples, list(map(float, timestamps)))

    def have_consumers(self) -> bool:
        return self._outlet is not None and self._outlet.have_consumers()

    def wait_for_consumers(self, timeout_s: float) -> bool:
        return self._outlet is not None and self._outlet.wait_for_consumers(timeout_s)

    def close(self) -> None:
        """Withdraw the stream (connected inlets stop receiving)."""
        self._outlet = None

    def __enter__(self) -> SignalOutlet:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def push_paced(
    outlet,
    data: np.ndarray,
    fs_hz: float,
    *,
    chunk_s: float = DEFAULT_CHUNK_S,
    stop: threading.Event | None = None,
    clock: Callable[[], float] = pylsl.local_clock,
    t0: float | None = None,
) -> int:
    """Push ``data`` (n, C) through ``outlet`` in real time; return the samples pushed.

    ``outlet`` is anything with ``push_chunk(samples, timestamps)`` taking one stamp per sample
    (a ``SignalOutlet`` or a ``pylsl.StreamOutlet``). Sample i is stamped ``t0 + i / fs_hz``
    (``t0`` defaults to ``clock()`` at the start). A chunk of ~``chunk_s`` is pushed when
    ``clock()`` reaches the stamp of its last sample. Setting ``stop`` ends the stream before
    the next chunk; waiting happens in ``stop.wait`` so it ends promptly.
    """
    data = np.asarray(data)
    if data.ndim != 2:
        raise ValueError(f"data must be 2-D (samples, channels), got shape {data.shape}")
    if not fs_hz > 0:
        raise ValueError(f"fs_hz must be > 0, got {fs_hz!r}")
    if not chunk_s > 0:
        raise ValueError(f"chunk_s must be > 0, got {chunk_s!r}")
    stop = stop if stop is not None else threading.Event()
    per_chunk = max(1, int(round(chunk_s * fs_hz)))
    n = data.shape[0]
    if t0 is None:
        t0 = clock()
    i = 0
    while i < n:
        j = min(i + per_chunk, n)
        due = t0 + (j - 1) / fs_hz
        while (now := clock()) < due:
            if stop.wait(due - now):
                return i
        if stop.is_set():
            return i
        outlet.push_chunk(data[i:j], (t0 + np.arange(i, j) / fs_hz).tolist())
        i = j
    return i
