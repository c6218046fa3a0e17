"""`write_recording`: one array of samples to an .xdf or .csv file, chosen by extension."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from twitchwatch.formats.csv_io import write_csv
from twitchwatch.formats.recording import unit_scale_to_uv
from twitchwatch.formats.xdf_writer import write_xdf_recording

WRITABLE_EXTENSIONS = (".xdf", ".csv")


def write_recording(
    path: str | os.PathLike,
    data,
    fs_hz: float,
    channel_labels: Sequence[str],
    unit: str = "microvolts",
    markers: Sequence[tuple[float, str]] | None = None,
    *,
    stream_name: str = "twitchwatch",
    stream_type: str = "EMG",
) -> None:
    """Write `data` (n, channels), in `unit` (stored as float32, declared as `unit`), sampled at
    `fs_hz`, with optional markers ``[(onset_s from the first sample, text)]``.

    .xdf: one float32 stream (stamps k/fs from 0 s, channel label/unit/type in desc) plus a string
    "Markers" stream. .csv: see `write_csv`. Raises ValueError on bad arguments.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in WRITABLE_EXTENSIONS:
        raise ValueError(
            f"{path}: cannot write {ext or 'files without an extension'}; "
            f"use one of {', '.join(WRITABLE_EXTENSIONS)}"
        )
    arr = np.asarray(data)
    labels = [channel_labels] if isinstance(channel_labels, str) else list(channel_labels)
    if arr.ndim == 1 and len(labels) == 1:
        arr = arr.reshape(-1, 1)
    if arr.ndim != 2 or arr.shape[1] != len(labels):
        raise ValueError(f"data must have shape (n, {len(labels)}) to match channel_labels, got {arr.shape}")
    if arr.dtype.kind not in "iuf":
        raise ValueError(f"data must be numeric, got {arr.dtype}")
    if not all(isinstance(label, str) and label for label in labels):
        raise ValueError(f"channel labels must be non-empty strings, got {labels!r}")
    fs = float(fs_hz)
    if not np.isfinite(fs) or fs <= 0:
        raise ValueError(f"fs_hz must be > 0, got {fs_hz!r}")
    try:
        unit_scale_to_uv(unit, str(path))
    except ValueError as exc:  # RecordingError is a ValueError; the message lists the units
        raise ValueError(str(exc)) from None
    checked_markers = None
    if markers is not None:
        checked_markers = []
        for m in markers:
            onset, text = m
            if not isinstance(text, str) or not np.isfinite(float(onset)):
                raise ValueError(f"markers must be (finite onset_s, str) pairs, got {m!r}")
            checked_markers.append((float(onset), text))
    values = np.ascontiguousarray(arr, dtype=np.float32)
    if ext == ".xdf":
        write_xdf_recording(
            path, values, fs, labels, unit, checked_markers, stream_name=stream_name, stream_type=stream_type
        )
    else:
        write_csv(path, values, fs, labels, unit, checked_markers)
