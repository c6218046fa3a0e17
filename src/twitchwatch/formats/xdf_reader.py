"""Read the signal stream (and the marker streams) of an XDF file, via pyxdf.

pyxdf loads a file whole, so files of `XDF_STREAM_MIN_FILE_BYTES` (256 MB) or more are read chunk
by chunk in constant memory by `xdf_stream` instead, with the same rules below (and a few
documented simplifications); this module stays the reference for them.

Before pyxdf runs, `scan_xdf` checks the chunk structure and hands pyxdf only chunks it can parse
exactly, so a damaged file gives either its
intact part (with a warning) or a `RecordingError`, and loading stays within a time budget
(`XDF_LOAD_TIMEOUT_S` + `XDF_LOAD_TIMEOUT_S_PER_MB` per MB): the scan and pyxdf's chunk loop check
a deadline. pyxdf's clock synchronisation (with clock-reset handling) is kept, so marker onsets
line up with the signal across clocks; its de-jittering is replaced by `signal_timing`, which
gives the first sample's time and the measured rate in O(n) whatever the stamps look like.
Samples are returned as stored; only their time stamps are synchronised.

Signal stream choice: ``stream=`` by name, else by type (case-insensitive); without it the first
non-empty numeric stream of type EMG, then ExG, then EEG (most samples wins within a type), then
the non-empty numeric stream with a nominal rate > 0 and the most samples. String streams are
markers: ``(onset_s from the first signal sample, text)``, channels joined by " | ", prefixed by
the stream name when the file has several marker streams. Onsets before the first signal sample
are kept (negative).
"""

from __future__ import annotations

import gzip
import io
import logging
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from twitchwatch._logging import logger
from twitchwatch.formats.constants import (
    EFFECTIVE_FS_WARN_REL,
    XDF_CLOCK_RESET_MIN_JUMP_S,
    XDF_CLOCK_RESET_MIN_OFFSET_CHANGE_S,
    XDF_JITTER_BREAK_S,
    XDF_JITTER_BREAK_SAMPLES,
    XDF_LOAD_TIMEOUT_S,
    XDF_LOAD_TIMEOUT_S_PER_MB,
    XDF_MAX_CLOCK_RESETS,
    XDF_SIGNAL_TYPE_PREFERENCE,
    XDF_STREAM_MIN_FILE_BYTES,
)
from twitchwatch.formats.recording import (
    low_rate_warnings,
    Marker,
    Recording,
    RecordingError,
    RecordingInfo,
    channel_scales,
    check_rate_agrees,
    round_rate,
)
from twitchwatch.formats.xdf_scan import ScanResult, ScanTimeout, XdfStream, scan_xdf

XDF_EXTENSIONS = (".xdf", ".xdfz", ".xdf.gz")
_MARKER_CHANNEL_JOIN = " | "


class XdfRecording(Recording):
    """An XDF recording held in memory (pyxdf loads whole files)."""

    def __init__(self, info: RecordingInfo, scales: list[float], data: np.ndarray):
        super().__init__(info, scales)
        self._data = data

    def _iter_raw(self, chunk_samples: int) -> Iterator[np.ndarray]:
        data = self._data
        for start in range(0, len(data), chunk_samples):
            yield data[start : start + chunk_samples]

    def close(self) -> None:
        super().close()
        self._data = np.empty((0, self.n_channels), dtype=np.float32)


def sniff_xdf(head: bytes) -> bool:
    return head.startswith(b"XDF:")


def _read_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
        if raw.startswith(b"\x1f\x8b"):
            raw = gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise RecordingError(f"{path}: cannot read the file ({exc})") from None
    return raw


def load_budget_s(file_bytes: int) -> float:
    """Time allowed for opening a file of this size before a clear error replaces a hang."""
    return XDF_LOAD_TIMEOUT_S + XDF_LOAD_TIMEOUT_S_PER_MB * file_bytes / 1e6


def timeout_error(where: str, budget_s: float) -> RecordingError:
    return RecordingError(
        f"{where}: gave up after {budget_s:.0f} s: the file's structure makes loading too slow "
        "(damaged or adversarial file?)"
    )


def _streamed_size(path: Path) -> int | None:
    """The file's size when it can be streamed (uncompressed), else None."""
    try:
        with open(path, "rb") as f:
            if f.read(2) == b"\x1f\x8b":
                return None  # gzip: no cheap seeking, so it is loaded whole
        return path.stat().st_size
    except OSError:
        return None  # the whole-file path says what is wrong with it


def _streams_text(streams: dict[int, XdfStream]) -> str:
    return ", ".join(s.describe() for s in streams.values()) or "none"


def _pick_signal(
    streams: dict[int, XdfStream], wanted: str | None, where: str, damage: str = ""
) -> tuple[XdfStream, str | None]:
    """The signal stream, and a warning to report about the choice (or None). When none fits
    and the scan found the file `damage`d, the error says so: the missing stream may be why."""
    try:
        return _choose_signal(streams, wanted, where)
    except RecordingError as exc:
        if damage:
            raise RecordingError(f"{exc}. The file is damaged: {damage}") from None
        raise


def _choose_signal(
    streams: dict[int, XdfStream], wanted: str | None, where: str
) -> tuple[XdfStream, str | None]:
    if wanted is not None:
        matches = [s for s in streams.values() if s.name == wanted]
        if not matches:
            matches = [s for s in streams.values() if s.type.lower() == wanted.lower()]
        if not matches:
            raise RecordingError(
                f"{where}: no stream named or typed {wanted!r}; streams found: {_streams_text(streams)}"
            )
        numeric = [s for s in matches if not s.is_string]
        if not numeric:
            raise RecordingError(
                f"{where}: stream {wanted!r} holds strings (markers), not a signal; "
                f"streams found: {_streams_text(streams)}"
            )
        chosen = max(numeric, key=lambda s: s.n_samples)
        if chosen.n_samples == 0:
            raise RecordingError(
                f"{where}: stream {chosen.name!r} has no samples (recording stopped before data "
                "arrived?); pick another stream or record again"
            )
        return chosen, None

    numeric = [s for s in streams.values() if not s.is_string and s.n_samples > 0]
    for tier in XDF_SIGNAL_TYPE_PREFERENCE:
        candidates = [s for s in numeric if s.type.lower() in tier]
        if candidates:
            chosen = max(candidates, key=lambda s: s.n_samples)
            note = None
            if tier != XDF_SIGNAL_TYPE_PREFERENCE[0]:
                note = (
                    f"no EMG stream: using the {chosen.type} stream {chosen.name!r} "
                    "(OpenBCI GUI and many amplifiers label ExG streams EEG)"
                )
            return chosen, note
    regular = [s for s in numeric if s.nominal_srate > 0]
    if regular:
        chosen = max(regular, key=lambda s: s.n_samples)
        return chosen, (
            f"no EMG/ExG/EEG stream: using {chosen.name!r} (type {chosen.type!r}), the numeric "
            "stream with the most samples; pass stream=NAME to choose another"
        )
    raise RecordingError(
        f"{where}: no EMG/ExG/EEG signal stream with samples; streams found: {_streams_text(streams)}. "
        "Pass stream=NAME to choose one, or check that the recorder captured the amplifier's stream"
    )


class _PyxdfLogCapture(logging.Filter):
    """Keeps pyxdf's log records out of the application's log while we call it.

    All are re-logged at DEBUG on our logger; warnings worth the user's attention are kept for
    ``rec.warnings``. Dropped as noise: the segment mismatch pyxdf reports for every stream whose
    clock was not synchronised (we do not use its segments), and rate notes we make ourselves.
    """

    _NOISE = ("Segments and clock-segments differ", "Calculated effective sampling rate")

    def __init__(self) -> None:
        super().__init__()
        self.warnings: list[str] = []

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        logger.debug("pyxdf: %s", message)
        if record.levelno >= logging.WARNING and not any(n in message for n in self._NOISE):
            self.warnings.append(f"pyxdf: {message}")
        return False


def clock_reset_bound(stream: XdfStream) -> int:
    """Upper bound on the clock resets pyxdf can detect in a stream: it splits at every backward
    step of the collection times and where both the time step and the offset step stray by more
    than its thresholds from their medians."""
    t = np.asarray(stream.clock_times, dtype=np.float64)
    v = np.asarray(stream.clock_values, dtype=np.float64)
    if len(t) < 3:
        return 0
    dt, dv = np.diff(t), np.diff(v)
    with np.errstate(invalid="ignore"):
        glitch = (np.abs(dt - np.median(dt)) > XDF_CLOCK_RESET_MIN_JUMP_S) & (
            np.abs(dv - np.median(dv)) > XDF_CLOCK_RESET_MIN_OFFSET_CHANGE_S
        )
        return int(np.count_nonzero((dt < 0) | glitch))


def _load_streams(
    scan: ScanResult, streams: list[XdfStream], deadline: float, where: str, warnings: list[str]
) -> dict[int, dict]:
    """pyxdf with clock synchronisation, without its de-jittering (one least-squares fit per data
    break: unbounded on a corrupt file; `signal_timing` does what we need in O(n))."""
    import pyxdf  # slow import; only XDF users pay for it

    def on_chunk(values, stamps, info, sid):
        if time.monotonic() > deadline:
            raise ScanTimeout
        return values, stamps, info

    resets = max((clock_reset_bound(s) for s in streams), default=0)
    handle_resets = resets <= XDF_MAX_CLOCK_RESETS
    if not handle_resets:
        warnings.append(
            f"{resets} clock resets suspected (corrupt clock offsets?): loaded assuming none, so "
            "marker times may be off"
        )
    capture = _PyxdfLogCapture()
    pyxdf_logger = logging.getLogger(pyxdf.load_xdf.__module__)
    pyxdf_logger.addFilter(capture)
    try:
        with np.errstate(all="ignore"):  # garbage stamps overflow in pyxdf's fits; not our news
            loaded, _header = pyxdf.load_xdf(
                io.BytesIO(scan.clean),
                select_streams=[s.sid for s in streams],
                on_chunk=on_chunk,
                dejitter_timestamps=False,
                # without any clock offsets syncing is a no-op that only makes pyxdf log noise
                synchronize_clocks=any(s.clock_times for s in streams),
                handle_clock_resets=handle_resets,
                clock_reset_threshold_seconds=XDF_CLOCK_RESET_MIN_JUMP_S,
                clock_reset_threshold_offset_seconds=XDF_CLOCK_RESET_MIN_OFFSET_CHANGE_S,
            )
    except ScanTimeout:
        raise
    except Exception as exc:  # pyxdf raises assorted types on odd input; all mean "unreadable"
        raise RecordingError(
            f"{where}: pyxdf could not read the file ({type(exc).__name__}: {exc}); "
            "it may be damaged — try LabRecorder's or another XDF reader to recover it"
        ) from exc
    finally:
        pyxdf_logger.removeFilter(capture)
    warnings.extend(capture.warnings)
    return {int(s["info"]["stream_id"]): s for s in loaded}


def _channel_meta(stream: XdfStream, warnings: list[str]) -> tuple[list[str], list[str]]:
    n = stream.channel_count
    if stream.labels and len(stream.labels) != n:
        warnings.append(
            f"stream {stream.name!r} describes {len(stream.labels)} channels but has {n}: "
            "labels/units matched by position, the rest named ch1.."
        )
    labels = [(stream.labels[i] if i < len(stream.labels) else "") or f"ch{i + 1}" for i in range(n)]
    units = [stream.units[i] if i < len(stream.units) else "" for i in range(n)]
    return labels, units


def signal_timing(stamps: np.ndarray, nominal_srate: float) -> tuple[float, float]:
    """(time of the first sample, measured rate in Hz or 0) from synchronised stamps.

    What pyxdf's de-jittering would give, in O(n): the stream is split where a gap exceeds
    max(1 s, 500 samples); the rate is (samples - 1) / duration summed over segments; the first
    sample's time is the intercept of a line fitted to the first segment (stamps of packet-wise
    streams such as OpenBCI's jitter by tens of ms around it).
    """
    n = len(stamps)
    if n == 0:
        return 0.0, 0.0
    finite = stamps[np.isfinite(stamps)]
    first = float(finite[0]) if len(finite) else 0.0
    if n < 2 or len(finite) < n:
        return first, 0.0
    if nominal_srate <= 0:
        span = stamps[-1] - stamps[0]
        return first, (n - 1) / span if span > 0 else 0.0
    gap = max(XDF_JITTER_BREAK_S, XDF_JITTER_BREAK_SAMPLES / nominal_srate)
    breaks = np.flatnonzero(np.abs(np.diff(stamps)) > gap)
    starts = np.concatenate(([0], breaks + 1))
    stops = np.concatenate((breaks, [n - 1]))
    duration = float(np.sum(stamps[stops] - stamps[starts]))
    rate = float(np.sum(stops - starts)) / duration if duration > 0 else 0.0
    seg = stamps[: stops[0] + 1]
    if len(seg) < 2:
        return first, rate
    idx = np.arange(len(seg), dtype=np.float64)
    idx_c = idx - idx.mean()
    slope = float(np.dot(idx_c, seg - seg.mean()) / np.dot(idx_c, idx_c))
    t0 = float(seg.mean() - slope * idx.mean())
    return (t0 if np.isfinite(t0) else first), rate


def _rate(stream: XdfStream, measured: float, fs_hz: float | None, warnings: list[str], where: str) -> float:
    if stream.nominal_srate > 0:
        fs = stream.nominal_srate
        check_rate_agrees(fs, fs_hz, f"stream {stream.name!r} (nominal_srate)", where)
        if measured > 0 and abs(measured - fs) > EFFECTIVE_FS_WARN_REL * fs:
            warnings.append(
                f"stream {stream.name!r}: measured rate {measured:.4g} Hz differs from the nominal "
                f"{fs:g} Hz (dropped samples, clock resets or an aborted recording?); using {fs:g} Hz"
            )
    elif fs_hz is not None:
        fs = fs_hz
        warnings.append(f"stream {stream.name!r} declares no nominal rate: using the given {fs:g} Hz")
    elif measured > 0:
        fs = round_rate(measured)
        warnings.append(
            f"stream {stream.name!r} declares no nominal rate (irregular): using its measured rate "
            f"{fs:.6g} Hz"
        )
    else:
        raise RecordingError(
            f"{where}: stream {stream.name!r} declares no nominal rate and its time stamps do not "
            "give one; pass --fs HZ"
        )
    warnings.extend(low_rate_warnings(fs))
    return float(fs)


def _markers(marker_streams: list[tuple[XdfStream, dict]], t0: float) -> list[Marker]:
    prefix = len(marker_streams) > 1
    out: list[Marker] = []
    for stream, loaded in marker_streams:
        for stamp, row in zip(np.asarray(loaded["time_stamps"], dtype=np.float64), loaded["time_series"]):
            if not np.isfinite(stamp):
                continue
            text = _MARKER_CHANNEL_JOIN.join(str(v) for v in row)
            out.append((float(stamp - t0), f"{stream.name}: {text}" if prefix else text))
    out.sort(key=lambda m: m[0])
    return out


def _wrap_periods(dtype: np.dtype, scales: list[float]) -> list[float | None] | None:
    """Small integer streams (int8, int16) can carry overflow wraps: their full range in µV."""
    if dtype not in (np.int8, np.int16):
        return None
    span = 2.0 ** (8 * np.dtype(dtype).itemsize)
    return [span * s for s in scales]


def open_xdf(
    path: Path, fs_hz: float | None = None, stream: str | None = None, *, stream_min_bytes: int | None = None
) -> Recording:
    """Open an XDF (or gzip-compressed .xdfz) file; see the module docstring for the rules.

    Uncompressed files of `stream_min_bytes` or more (default `XDF_STREAM_MIN_FILE_BYTES`) are
    streamed from disk (`xdf_stream`); smaller ones are loaded whole.
    """
    threshold = XDF_STREAM_MIN_FILE_BYTES if stream_min_bytes is None else stream_min_bytes
    size = _streamed_size(path)
    if size is not None and size >= threshold:
        from twitchwatch.formats.xdf_stream import open_xdf_streaming  # it imports this module

        return open_xdf_streaming(path, fs_hz, stream)
    where = str(path)
    t_start = time.monotonic()
    raw = _read_bytes(path)
    budget_s = load_budget_s(len(raw))
    deadline = t_start + budget_s
    try:
        scan = scan_xdf(raw, where, deadline)
        del raw
        warnings: list[str] = []
        summary = scan.summary()
        if summary:
            warnings.append(f"damaged XDF file: {summary}")
            logger.warning("%s: damaged XDF file: %s", where, summary)
        signal, note = _pick_signal(scan.streams, stream, where, summary)
        if note:
            warnings.append(note)
        marker_streams = [s for s in scan.streams.values() if s.is_string and s.n_samples > 0]
        loaded = _load_streams(scan, [signal, *marker_streams], deadline, where, warnings)
    except ScanTimeout:
        raise timeout_error(where, budget_s) from None

    sig = loaded.get(signal.sid)
    data = None if sig is None else np.asarray(sig["time_series"])
    if data is None or data.ndim != 2 or len(data) == 0:
        raise RecordingError(f"{where}: stream {signal.name!r} yielded no samples after loading")
    data = np.ascontiguousarray(data)
    t0, measured = signal_timing(np.asarray(sig["time_stamps"], dtype=np.float64), signal.nominal_srate)
    fs = _rate(signal, measured, fs_hz, warnings, where)
    labels, units = _channel_meta(signal, warnings)
    scales, unit_warnings = channel_scales(units, labels, f"{where}, stream {signal.name!r}")
    warnings.extend(unit_warnings)
    markers = _markers([(s, loaded[s.sid]) for s in marker_streams if s.sid in loaded], t0)
    info = RecordingInfo(
        path=path,
        fs_hz=fs,
        channel_labels=labels,
        units_in=units,
        n_samples=int(len(data)),
        stream_name=signal.name,
        stream_type=signal.type,
        markers=markers,
        warnings=warnings,
        wrap_periods_uv=_wrap_periods(data.dtype, scales),
    )
    logger.info(
        "%s: stream %r, %d ch, %g Hz, %d samples, %d markers (%.2f s)",
        where,
        signal.name,
        len(labels),
        fs,
        len(data),
        len(markers),
        time.monotonic() - t_start,
    )
    return XdfRecording(info, scales, data)
