"""What every reader returns: a `Recording` (metadata + chunk iterator), its error, unit helpers.

A reader module subclasses `Recording`, fills a `RecordingInfo` at open time (cheap, may read a
little of the file) and implements ``_iter_raw(chunk_samples)``: blocks of rows in the file's own
unit. The base class converts them to float32 microvolts, C-contiguous, and owns the context
manager, so all readers behave the same at the boundary.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from twitchwatch.formats.constants import (
    ACCEPTED_UNITS_TEXT,
    DEFAULT_CHUNK_SAMPLES,
    FS_MISMATCH_REL_TOL,
    FS_ROUND_REL_TOL,
    MIN_EMG_FS_HZ,
    NO_UNIT_WARNING,
    UNIT_SCALE_TO_UV,
)

Marker = tuple[float, str]
"""(onset in seconds from the first signal sample, text)."""


class RecordingError(ValueError):
    """A recording cannot be read as asked: the message says what, where, and what to do."""


@dataclass
class RecordingInfo:
    """Everything known about a recording without iterating its samples."""

    path: Path
    fs_hz: float
    channel_labels: list[str]
    units_in: list[str]
    n_samples: int | None
    stream_name: str
    stream_type: str
    markers: list[Marker] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    #: per channel, the full range in µV of the integer the values are stored in (an overflow
    #: wraps by this much), or None where not known or stored as floats; None: all floats
    wrap_periods_uv: list[float | None] | None = None

    @property
    def n_channels(self) -> int:
        return len(self.channel_labels)


class Recording:
    """An open recording. Use as a context manager; iterate with `iter_chunks`.

    Attributes mirror `RecordingInfo`: ``path, fs_hz, n_channels, channel_labels, units_in,
    n_samples, stream_name, stream_type, markers, warnings``.
    """

    def __init__(self, info: RecordingInfo, scales_to_uv: Sequence[float]):
        if len(scales_to_uv) != info.n_channels or len(info.units_in) != info.n_channels:
            raise AssertionError("reader bug: one unit and one scale per channel expected")
        self._info = info
        self._scales = np.asarray(scales_to_uv, dtype=np.float64)
        self._identity = bool(np.all(self._scales == 1.0))
        self._closed = False

    # --- metadata ----------------------------------------------------------------------------
    path = property(lambda self: self._info.path)
    fs_hz = property(lambda self: self._info.fs_hz)
    n_channels = property(lambda self: self._info.n_channels)
    channel_labels = property(lambda self: list(self._info.channel_labels))
    units_in = property(lambda self: list(self._info.units_in))
    n_samples = property(lambda self: self._info.n_samples)
    stream_name = property(lambda self: self._info.stream_name)
    stream_type = property(lambda self: self._info.stream_type)
    markers = property(lambda self: list(self._info.markers))
    warnings = property(lambda self: list(self._info.warnings))
    wrap_periods_uv = property(lambda self: None if self._info.wrap_periods_uv is None
                               else list(self._info.wrap_periods_uv))
    closed = property(lambda self: self._closed)

    def __repr__(self) -> str:
        n = "?" if self.n_samples is None else self.n_samples
        return (
            f"<{type(self).__name__} {self.path.name!r} stream={self.stream_name!r} "
            f"fs={self.fs_hz:g} Hz {self.n_channels} ch {n} samples>"
        )

    # --- data --------------------------------------------------------------------------------
    def iter_chunks(self, chunk_samples: int = DEFAULT_CHUNK_SAMPLES) -> Iterator[np.ndarray]:
        """Yield float32 arrays (n <= chunk_samples, n_channels) in microvolts, C-contiguous.

        Each call starts again at the first sample. Arrays are fresh copies: callers may modify
        them in place.
        """
        if isinstance(chunk_samples, bool) or not isinstance(chunk_samples, (int, np.integer)):
            raise TypeError(f"chunk_samples must be an int, got {type(chunk_samples).__name__}")
        if chunk_samples < 1:
            raise ValueError(f"chunk_samples must be >= 1, got {chunk_samples}")
        self._check_open()
        for raw in self._iter_raw(int(chunk_samples)):
            self._check_open()
            yield self._to_microvolts(raw)

    def override_unit(self, unit: str | None) -> None:
        """Take every channel's values as ``unit`` (V, mV, uV...) instead of what the file
        declares: for files whose declared (or missing) unit is wrong. None changes nothing."""
        if unit is None:
            return
        scale = unit_scale_to_uv(unit, f"{self.path}: --unit")
        if not (unit or "").strip():
            raise RecordingError(f"{self.path}: --unit must name a unit; accepted: {ACCEPTED_UNITS_TEXT}")
        info = self._info
        if info.wrap_periods_uv is not None:
            info.wrap_periods_uv = [None if p is None else p / old * scale
                                    for p, old in zip(info.wrap_periods_uv, self._scales)]
        info.units_in = [unit] * info.n_channels
        info.warnings = [w for w in info.warnings if NO_UNIT_WARNING not in w]
        self._scales = np.full(info.n_channels, scale, np.float64)
        self._identity = scale == 1.0

    def _to_microvolts(self, raw: np.ndarray) -> np.ndarray:
        if self._identity:
            return np.array(raw, dtype=np.float32, order="C", copy=True)
        return np.ascontiguousarray((np.asarray(raw, dtype=np.float64) * self._scales).astype(np.float32))

    def _iter_raw(self, chunk_samples: int) -> Iterator[np.ndarray]:  # pragma: no cover
        raise NotImplementedError

    # --- lifetime ----------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self._closed:
            raise RecordingError(f"{self.path}: recording is closed; open it again to read it")

    def close(self) -> None:
        self._closed = True

    def __enter__(self) -> Recording:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# --- units ---------------------------------------------------------------------------------------
def unit_scale_to_uv(unit: str | None, where: str) -> float:
    """Factor that converts values in `unit` to microvolts; "" or None means microvolts.

    `where` names the place for the error message (file, stream, channel).
    """
    key = (unit or "").strip().lower()
    if not key:
        return 1.0
    try:
        return UNIT_SCALE_TO_UV[key]
    except KeyError:
        raise RecordingError(
            f"{where}: unknown unit {unit!r}; accepted units: {ACCEPTED_UNITS_TEXT}. "
            "Convert the channel to a voltage or drop it before loading."
        ) from None


def channel_scales(units: Sequence[str], labels: Sequence[str], where: str) -> tuple[list[float], list[str]]:
    """Scales to µV for each channel, and the warnings to report (the no-unit assumption)."""
    scales = [unit_scale_to_uv(u, f"{where}, channel {lab!r}") for u, lab in zip(units, labels)]
    missing = [lab for u, lab in zip(units, labels) if not (u or "").strip()]
    warnings: list[str] = []
    if missing:
        which = "all channels" if len(missing) == len(labels) else "channels " + ", ".join(missing)
        warnings.append(f"{NO_UNIT_WARNING} ({which})")
    return scales, warnings


# --- sampling rates ------------------------------------------------------------------------------
def round_rate(fs_hz: float) -> float:
    """Round an estimated rate to the nearest integer when it is within `FS_ROUND_REL_TOL`."""
    nearest = round(fs_hz)
    if nearest > 0 and abs(fs_hz - nearest) <= FS_ROUND_REL_TOL * fs_hz:
        return float(nearest)
    return float(fs_hz)


def check_rate_agrees(found_hz: float, given_hz: float | None, what: str, where: str) -> None:
    """Raise when the caller's rate and the file's rate disagree beyond `FS_MISMATCH_REL_TOL`."""
    if given_hz is None:
        return
    if abs(found_hz - given_hz) > FS_MISMATCH_REL_TOL * max(found_hz, given_hz):
        raise RecordingError(
            f"{where}: {what} gives {found_hz:g} Hz but {given_hz:g} Hz was passed; "
            "drop --fs to use the file's rate, or fix the file"
        )


def low_rate_warnings(fs_hz: float) -> list[str]:
    """The warning every reader gives for a rate too low for surface EMG (empty when fine)."""
    if fs_hz >= MIN_EMG_FS_HZ:
        return []
    return [f"sampling rate {fs_hz:g} Hz is below {MIN_EMG_FS_HZ:g} Hz: too low for surface EMG "
            "(20-450 Hz band); results will be poor"]


def validate_fs(fs_hz: float | None, where: str) -> float | None:
    """Check a caller-given rate: None, or a finite number > 0."""
    if fs_hz is None:
        return None
    try:
        value = float(fs_hz)
    except (TypeError, ValueError):
        raise RecordingError(f"{where}: fs_hz must be a number, got {fs_hz!r}") from None
    if not np.isfinite(value) or value <= 0:
        raise RecordingError(f"{where}: fs_hz must be > 0, got {fs_hz!r}")
    return value
