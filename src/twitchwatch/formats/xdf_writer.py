"""`XdfWriter`: a streaming, crash-safe XDF 1.0 writer that LabRecorder's readers accept.

There is no maintained Python XDF writer, so this is ours, modelled on LabRecorder's
``xdfwriter.cpp``: magic + FileHeader at open, a StreamHeader per stream as it is added, Samples
and ClockOffset chunks as they arrive, a Boundary chunk at least every
`XDF_BOUNDARY_INTERVAL_S`, and StreamFooters at close.

Crash safety: every chunk is handed to the operating system in one unbuffered write as soon as
it is built, so a process killed at any moment (kill -9) leaves a file whose chunks are all
complete except possibly the last; pyxdf and `open_recording` load everything before it. On top
of that the writer fsyncs (survives power loss) at most every `XDF_FSYNC_INTERVAL_S` while writing,
and on `flush()` and `close()`.

Time stamps: by default, when every stamp of a chunk after the first equals the previous one
+ 1/nominal_srate exactly in float64 (which is exactly how readers reconstruct an omitted stamp),
those stamps are left out (TimeStampBytes 0) and still round-trip bit for bit; otherwise every
sample carries its stamp. The first sample of every chunk always carries its stamp, so each chunk
stands on its own when a reader resyncs after damage, and a chunk has one of two fixed layouts
that a reader can check without walking it sample by sample.
"""

from __future__ import annotations

import datetime as _dt
import os
import socket
import struct
import threading
import time
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from twitchwatch import __version__
from twitchwatch._logging import logger
from twitchwatch.formats.constants import (
    XDF_BOUNDARY_INTERVAL_S,
    XDF_FSYNC_INTERVAL_S,
    XDF_MAX_CHUNK_S,
    XDF_MAX_CHUNK_SAMPLES_IRREGULAR,
)
from twitchwatch.formats.xdf_spec import (
    BOUNDARY_UUID,
    CHANNEL_FORMATS,
    MAGIC,
    NUMERIC_FORMATS,
    TAG_BOUNDARY,
    TAG_CLOCK_OFFSET,
    TAG_FILE_HEADER,
    TAG_SAMPLES,
    TAG_STREAM_FOOTER,
    TAG_STREAM_HEADER,
    chunk_header,
    encode_varlen,
)

_XML_DECL = '<?xml version="1.0"?>'
_TWO_F64 = struct.Struct("<dd")


@dataclass
class _Stream:
    sid: int
    name: str
    channel_count: int
    nominal_srate: float
    channel_format: str
    dtype: np.dtype | None  # None for string streams
    tdiff: float
    max_chunk_samples: int
    sample_count: int = 0
    first_timestamp: float = 0.0
    last_timestamp: float = 0.0
    clock_offsets: list[tuple[float, float]] = field(default_factory=list)
    footer_written: bool = False


def _fmt_float(value: float) -> str:
    """Shortest text that parses back to the same float64."""
    return repr(float(value))


def _xml_bytes(root: ET.Element) -> bytes:
    return (_XML_DECL + ET.tostring(root, encoding="unicode")).encode("utf-8")


def _sub(parent: ET.Element, tag: str, text: str | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag)
    if text is not None:
        el.text = text
    return el


class XdfWriter:
    """Write an XDF file chunk by chunk, as LabRecorder does.

    >>> with XdfWriter("rec.xdf") as w:                                   # doctest: +SKIP
    ...     sid = w.add_stream("EMG", "EMG", 8, 1000.0, "float32", channel_units=["microvolts"] * 8)
    ...     w.write_samples(sid, block, stamps)   # block (n, 8), stamps (n,) float64 seconds

    Thread-safe: one lock serialises chunk writes, so several acquisition threads may share it.
    """

    def __init__(self, path: str | os.PathLike, *, deduce_timestamps: bool = True):
        self.path = Path(path)
        self._deduce = bool(deduce_timestamps)
        self._lock = threading.Lock()
        self._streams: dict[int, _Stream] = {}
        self._next_sid = 1
        self._closed = False
        self._file = open(self.path, "wb", buffering=0)  # noqa: SIM115 - closed in close()
        now = time.monotonic()
        self._last_fsync = now
        self._last_boundary_wall = now
        self._data_s_since_boundary = 0.0
        info = ET.Element("info")
        _sub(info, "version", "1.0")
        _sub(info, "datetime", _dt.datetime.now(_dt.UTC).astimezone().isoformat())
        _sub(info, "writer", f"twitchwatch {__version__}")
        content = _xml_bytes(info)
        self._write(MAGIC + chunk_header(TAG_FILE_HEADER, len(content)) + content)
        logger.debug("XDF writer opened %s", self.path)

    # --- streams -------------------------------------------------------------------------------
    def add_stream(
        self,
        name: str,
        type: str,  # noqa: A002 - the XDF field is called type
        channel_count: int,
        nominal_srate: float,
        channel_format: str,
        source_id: str = "",
        channel_labels: Sequence[str] | None = None,
        channel_units: Sequence[str] | None = None,
        channel_types: Sequence[str] | None = None,
        *,
        created_at: float | None = None,
    ) -> int:
        """Write a StreamHeader now and return the new stream's id (1, 2, ...)."""
        if not isinstance(name, str) or not isinstance(type, str) or not isinstance(source_id, str):
            raise TypeError("name, type and source_id must be str")
        if isinstance(channel_count, bool) or not isinstance(channel_count, (int, np.integer)):
            raise TypeError(f"channel_count must be an int, got {channel_count!r}")
        if channel_count < 1:
            raise ValueError(f"channel_count must be >= 1, got {channel_count}")
        srate = float(nominal_srate)
        if not np.isfinite(srate) or srate < 0:
            raise ValueError(f"nominal_srate must be finite and >= 0 (0 = irregular), got {nominal_srate!r}")
        if channel_format not in CHANNEL_FORMATS:
            raise ValueError(
                f"channel_format {channel_format!r} is not an XDF format; use one of "
                f"{', '.join(sorted(CHANNEL_FORMATS))}"
            )
        per_channel = {
            "channel_labels": channel_labels,
            "channel_units": channel_units,
            "channel_types": channel_types,
        }
        for arg, values in per_channel.items():
            if values is not None and (isinstance(values, str) or len(values) != channel_count):
                raise ValueError(f"{arg} must be a sequence of {channel_count} strings, got {values!r}")

        info = ET.Element("info")
        _sub(info, "name", name)
        _sub(info, "type", type)
        _sub(info, "channel_count", str(int(channel_count)))
        _sub(info, "channel_format", channel_format)
        _sub(info, "source_id", source_id)
        _sub(info, "nominal_srate", _fmt_float(srate))
        _sub(info, "version", "1.1")
        _sub(info, "created_at", _fmt_float(time.monotonic() if created_at is None else created_at))
        _sub(info, "uid", str(uuid.uuid4()))
        _sub(info, "session_id", "default")
        _sub(info, "hostname", socket.gethostname())
        desc = _sub(info, "desc")
        if any(v is not None for v in per_channel.values()):
            channels = _sub(desc, "channels")
            for i in range(channel_count):
                ch = _sub(channels, "channel")
                if channel_labels is not None:
                    _sub(ch, "label", str(channel_labels[i]))
                if channel_units is not None:
                    _sub(ch, "unit", str(channel_units[i]))
                if channel_types is not None:
                    _sub(ch, "type", str(channel_types[i]))
        acquisition = _sub(desc, "acquisition")
        _sub(acquisition, "software", f"twitchwatch {__version__}")
        content = _xml_bytes(info)

        with self._lock:
            self._check_open()
            sid = self._next_sid
            self._next_sid += 1
            if srate > 0:
                max_chunk = max(1, int(round(srate * XDF_MAX_CHUNK_S)))
            else:
                max_chunk = XDF_MAX_CHUNK_SAMPLES_IRREGULAR
            self._streams[sid] = _Stream(
                sid=sid,
                name=name,
                channel_count=int(channel_count),
                nominal_srate=srate,
                channel_format=channel_format,
                dtype=NUMERIC_FORMATS.get(channel_format),
                tdiff=1.0 / srate if srate > 0 else 0.0,
                max_chunk_samples=max_chunk,
            )
            self._write(chunk_header(TAG_STREAM_HEADER, len(content), sid) + content)
        logger.debug(
            "XDF stream %d %r (%s, %d ch, %g Hz) added", sid, name, channel_format, channel_count, srate
        )
        return sid

    # --- data ----------------------------------------------------------------------------------
    def write_samples(self, sid: int, samples, timestamps) -> None:
        """Append samples (n, channel_count) — or a list of str / list of lists for string streams
        — with their time stamps (n,) in seconds. n == 0 writes nothing."""
        stream = self._stream(sid)
        stamps = np.asarray(timestamps, dtype=np.float64)
        if stamps.ndim != 1:
            raise ValueError(f"timestamps must be 1-D (n,), got shape {stamps.shape}")
        if not np.all(np.isfinite(stamps)):
            raise ValueError("timestamps must be finite")
        if stream.dtype is None:
            values = self._check_strings(stream, samples, len(stamps))
        else:
            values = self._check_numeric(stream, samples, len(stamps))
        n = len(stamps)
        step = stream.max_chunk_samples
        for start in range(0, n, step):
            stop = min(n, start + step)
            ts = stamps[start:stop]
            if stream.dtype is None:
                body = self._encode_strings(values[start:stop], ts)
            else:
                body = self._encode_numeric(stream, values[start:stop], ts)
            payload = encode_varlen(stop - start) + body
            chunk = chunk_header(TAG_SAMPLES, len(payload), sid) + payload
            with self._lock:
                self._check_open()
                self._check_stream_open(stream)
                self._write(chunk)
                if stream.sample_count == 0:
                    stream.first_timestamp = float(ts[0])
                stream.sample_count += stop - start
                stream.last_timestamp = float(ts[-1])
                if stream.nominal_srate > 0:
                    self._data_s_since_boundary += (stop - start) / stream.nominal_srate
                self._after_data_write()

    def write_clock_offset(self, sid: int, collection_time: float, offset_value: float) -> None:
        """Record one clock offset measurement (LSL ``time_correction``) for a stream."""
        stream = self._stream(sid)
        collection_time, offset_value = float(collection_time), float(offset_value)
        if not (np.isfinite(collection_time) and np.isfinite(offset_value)):
            raise ValueError("collection_time and offset_value must be finite")
        content = _TWO_F64.pack(collection_time, offset_value)
        with self._lock:
            self._check_open()
            self._check_stream_open(stream)
            self._write(chunk_header(TAG_CLOCK_OFFSET, len(content), sid) + content)
            stream.clock_offsets.append((collection_time, offset_value))
            self._after_data_write()

    def write_boundary(self) -> None:
        """Write a Boundary chunk now (the writer also does so by itself)."""
        with self._lock:
            self._check_open()
            self._write_boundary()

    def flush(self) -> None:
        """Make everything written so far durable (fsync). Chunks reach the OS on every write."""
        with self._lock:
            if not self._closed:
                self._fsync()

    def close(self) -> None:
        """Write the StreamFooters, fsync and close. Safe to call twice."""
        with self._lock:
            if self._closed:
                return
            try:
                for stream in self._streams.values():
                    if not stream.footer_written:
                        self._write_footer(stream)
                self._fsync()
            finally:
                self._closed = True
                self._file.close()
        logger.debug("XDF writer closed %s", self.path)

    def __enter__(self) -> XdfWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def sample_count(self, sid: int) -> int:
        return self._stream(sid).sample_count

    # --- internals -----------------------------------------------------------------------------
    def _stream(self, sid: int) -> _Stream:
        try:
            return self._streams[sid]
        except KeyError:
            raise ValueError(f"unknown stream id {sid!r}; add_stream() returns the ids") from None

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"XDF writer for {self.path} is closed")

    @staticmethod
    def _check_stream_open(stream: _Stream) -> None:
        if stream.footer_written:
            raise ValueError(f"stream {stream.name!r} already has its footer")

    def _write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            written = self._file.write(view)
            view = view[written:]

    def _fsync(self) -> None:
        os.fsync(self._file.fileno())
        self._last_fsync = time.monotonic()

    def _write_boundary(self) -> None:
        self._write(chunk_header(TAG_BOUNDARY, len(BOUNDARY_UUID)) + BOUNDARY_UUID)
        self._data_s_since_boundary = 0.0
        self._last_boundary_wall = time.monotonic()

    def _after_data_write(self) -> None:
        now = time.monotonic()
        if (
            self._data_s_since_boundary >= XDF_BOUNDARY_INTERVAL_S
            or now - self._last_boundary_wall >= XDF_BOUNDARY_INTERVAL_S
        ):
            self._write_boundary()
        if now - self._last_fsync >= XDF_FSYNC_INTERVAL_S:
            self._fsync()

    def _write_footer(self, stream: _Stream) -> None:
        info = ET.Element("info")
        _sub(info, "first_timestamp", _fmt_float(stream.first_timestamp))
        _sub(info, "last_timestamp", _fmt_float(stream.last_timestamp))
        _sub(info, "sample_count", str(stream.sample_count))
        offsets = _sub(info, "clock_offsets")
        for t, v in stream.clock_offsets:
            off = _sub(offsets, "offset")
            _sub(off, "time", _fmt_float(t))
            _sub(off, "value", _fmt_float(v))
        content = _xml_bytes(info)
        self._write(chunk_header(TAG_STREAM_FOOTER, len(content), stream.sid) + content)
        stream.footer_written = True

    @staticmethod
    def _check_numeric(stream: _Stream, samples, n: int) -> np.ndarray:
        arr = np.asarray(samples)
        if arr.ndim == 1 and stream.channel_count == 1:
            arr = arr.reshape(-1, 1)
        if arr.shape != (n, stream.channel_count):
            raise ValueError(
                f"stream {stream.name!r}: samples must have shape (n, {stream.channel_count}) with "
                f"n = len(timestamps) = {n}, got {arr.shape}"
            )
        target = stream.dtype
        if arr.dtype.kind not in "iufb" or not np.can_cast(arr.dtype, target, casting="same_kind"):
            raise ValueError(
                f"stream {stream.name!r}: cannot store {arr.dtype} samples as {stream.channel_format} "
                "without losing their meaning; convert them first"
            )
        if target.kind == "i" and arr.size and arr.dtype.kind in "iu":
            lim = np.iinfo(target)
            if arr.min() < lim.min or arr.max() > lim.max:
                raise ValueError(f"stream {stream.name!r}: values outside the {stream.channel_format} range")
        return np.ascontiguousarray(arr, dtype=target)

    @staticmethod
    def _check_strings(stream: _Stream, samples, n: int) -> list[list[str]]:
        if isinstance(samples, (str, bytes)):
            raise ValueError("string samples must be a sequence of strings (one per sample)")
        rows: list[list[str]] = []
        for s in samples:
            row = [s] if isinstance(s, str) else list(s)
            if len(row) != stream.channel_count or not all(isinstance(v, str) for v in row):
                raise ValueError(
                    f"stream {stream.name!r}: each string sample must be {stream.channel_count} str "
                    f"(a str for a 1-channel stream), got {s!r}"
                )
            rows.append(row)
        if len(rows) != n:
            raise ValueError(f"stream {stream.name!r}: {len(rows)} samples but {n} timestamps")
        return rows

    def _encode_numeric(self, stream: _Stream, values: np.ndarray, ts: np.ndarray) -> bytes:
        n = len(ts)
        record = np.dtype([("flag", "u1"), ("ts", "<f8"), ("values", stream.dtype, (stream.channel_count,))])
        rec = np.empty(n, dtype=record)
        explicit = self._explicit_mask(stream, ts)
        rec["flag"] = np.where(explicit, 8, 0)
        rec["ts"] = ts
        rec["values"] = values
        if explicit.all():
            return rec.tobytes()
        raw = rec.view(np.uint8).reshape(n, record.itemsize)
        keep = np.ones(raw.shape, dtype=bool)
        keep[:, 1:9] = explicit[:, None]
        return raw[keep].tobytes()  # boolean selection keeps C order: drops the omitted stamps

    def _explicit_mask(self, stream: _Stream, ts: np.ndarray) -> np.ndarray:
        explicit = np.ones(len(ts), dtype=bool)
        if self._deduce and stream.tdiff > 0 and len(ts) > 1 and np.all(ts[1:] == ts[:-1] + stream.tdiff):
            explicit[1:] = False
        return explicit

    def _encode_strings(self, rows: list[list[str]], ts: np.ndarray) -> bytes:
        parts: list[bytes] = []
        for row, t in zip(rows, ts.tolist()):
            parts.append(b"\x08" + struct.pack("<d", t))
            for value in row:
                raw = value.encode("utf-8")
                parts.append(encode_varlen(len(raw)))
                parts.append(raw)
        return b"".join(parts)


def write_xdf_recording(
    path: str | os.PathLike,
    data: np.ndarray,
    fs_hz: float,
    channel_labels: Sequence[str],
    unit: str,
    markers: Sequence[tuple[float, str]] | None,
    *,
    stream_name: str,
    stream_type: str,
) -> None:
    """One float32 signal stream (stamps k/fs from 0 s) and, if given, one string Markers stream.

    Marker chunks are interleaved with the signal in time order, as a live recording would be.
    """
    n, n_ch = data.shape
    stamps = np.arange(n, dtype=np.float64) / fs_hz
    marks = sorted(markers or [], key=lambda m: m[0])
    with XdfWriter(path) as w:
        sid = w.add_stream(
            stream_name,
            stream_type,
            n_ch,
            fs_hz,
            "float32",
            source_id="twitchwatch",
            channel_labels=list(channel_labels),
            channel_units=[unit] * n_ch,
            channel_types=[stream_type] * n_ch,
        )
        mid = (
            w.add_stream("Markers", "Markers", 1, 0.0, "string", source_id="twitchwatch-markers")
            if marks
            else None
        )
        for stream_id in (sid, mid):
            if stream_id is not None:  # one clock, no offset: said explicitly, as LabRecorder would
                w.write_clock_offset(stream_id, 0.0, 0.0)
        step = max(1, int(round(fs_hz * XDF_MAX_CHUNK_S)))
        m = 0
        for start in range(0, max(n, 1), step):
            stop = min(n, start + step)
            if stop > start:
                w.write_samples(sid, data[start:stop], stamps[start:stop])
            end_s = stop / fs_hz if stop < n else np.inf
            first = m
            while m < len(marks) and marks[m][0] < end_s:
                m += 1
            if mid is not None and m > first:
                w.write_samples(
                    mid, [str(t) for _, t in marks[first:m]], [float(o) for o, _ in marks[first:m]]
                )
