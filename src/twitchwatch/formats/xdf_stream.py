"""Read a large XDF file chunk by chunk, in memory that does not grow with the file.

`open_xdf` hands files of `XDF_STREAM_MIN_FILE_BYTES` or more here; smaller ones are loaded whole
by pyxdf (`xdf_reader`), which stays the reference. For an undamaged file whose streams have no
clock resets this path gives the same samples (bit for bit), labels, units, scales, rate, markers
and warnings. Three passes, each holding one chunk at a time:

1. survey (at open): the chunk framing, walked as `xdf_scan` walks it but reading only chunk
   headers. Numeric Samples chunks are read up to their sample count and their payload is skipped;
   StreamHeader, ClockOffset, StreamFooter and Boundary chunks and the (small) string marker
   streams are read and judged by `xdf_scan.ChunkChecker`, so damage gets the same messages. The
   signal stream is chosen by `xdf_reader._pick_signal`, as for small files.
2. timing (at open): the chosen stream's Samples chunks are decoded and checked sample by sample
   as `xdf_scan` checks them; the first sample's time and the measured rate are accumulated the
   way `xdf_reader.signal_timing` computes them, in constant memory.
3. data (each `iter_chunks`): the same chunks again, their values handed out in blocks.

Simplified against the pyxdf path (also in docs/robustness.md):

* Clock synchronisation assumes no clock resets: a stream's stamps are mapped by one line fitted
  to all its clock offsets (pyxdf's own robust fit, as pyxdf fits a stream without resets). When
  the offsets suggest resets, a warning says that marker times may be off.
* pyxdf's repair of the pylsl#67 glitch (an extra sample and clock offset after the footer) is
  not done.
* Numeric Samples chunks of streams other than the chosen one are checked for their framing and
  sample count only, not sample by sample (nothing is read from them).
* One chunk must fit in `XDF_STREAM_MAX_CHUNK_BYTES`; a bigger one is dropped as damaged.
* gzip-compressed files (.xdfz) cannot be seeked cheaply: they always take the pyxdf path.
"""

from __future__ import annotations

import math
import struct
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from twitchwatch._logging import logger
from twitchwatch.formats.constants import (
    XDF_JITTER_BREAK_S,
    XDF_JITTER_BREAK_SAMPLES,
    XDF_STREAM_MAX_CHUNK_BYTES,
    XDF_STREAM_READ_BLOCK_BYTES,
)
from twitchwatch.formats.recording import Recording, RecordingError, RecordingInfo, channel_scales
from twitchwatch.formats.xdf_reader import (
    _channel_meta,
    _markers,
    _pick_signal,
    _rate,
    _wrap_periods,
    clock_reset_bound,
    load_budget_s,
    timeout_error,
)
from twitchwatch.formats.xdf_scan import (
    ChunkChecker,
    ScanTimeout,
    XdfStream,
    check_magic,
    dropped_text,
    invalid_length_text,
    no_boundary_text,
    past_end_text,
    samples_do_not_fit_text,
    too_short_text,
    truncated_text,
)
from twitchwatch.formats.xdf_spec import (
    BOUNDARY_UUID,
    MAGIC,
    NUMERIC_FORMATS,
    TAG_SAMPLES,
    TAG_STREAM_HEADER,
    decode_varlen,
)

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_F64 = struct.Struct("<d")
_HEAD_BYTES = 9 + 2  # the longest varlen chunk length, then the tag
_COUNT_HEAD_BYTES = 4 + 9  # stream id, then the longest varlen sample count
_DEADLINE_CHECK_EVERY = 1 << 14
_PYXDF_WINSOR_THRESHOLD = 0.0001  # pyxdf's default scaling of clock offsets for its robust fit


def _too_big_text(content_bytes: int) -> str:
    return (
        f"{content_bytes} bytes, more than the {XDF_STREAM_MAX_CHUNK_BYTES / 2**20:g} MB one chunk may "
        "hold when a large file is streamed"
    )


# --- walking the chunk framing -------------------------------------------------------------------
class _Quiet:
    """Problem sink for the passes after the survey: the survey has said it all already."""

    truncated_at: int | None = None

    def __init__(self, deadline: float):
        self.deadline = deadline

    def problem(self, text: str) -> None:
        pass

    def check_deadline(self) -> None:
        if time.monotonic() > self.deadline:
            raise ScanTimeout


def _find(f: BinaryIO, needle: bytes, from_pos: int, size: int, sink) -> int:
    """Byte offset of the first `needle` at or after `from_pos`, or -1; reads block by block."""
    pos, carry = from_pos, b""
    while pos < size:
        sink.check_deadline()
        f.seek(pos)
        data = f.read(XDF_STREAM_READ_BLOCK_BYTES)
        if not data:
            break
        buf = carry + data
        idx = buf.find(needle)
        if idx != -1:
            return pos - len(carry) + idx
        carry = buf[-(len(needle) - 1) :]  # a needle may straddle two blocks
        pos += len(data)
    return -1


def _walk(f: BinaryIO, size: int, sink) -> Iterator[tuple[int, int, int, int]]:
    """(start, tag, content position, end) of every well-framed chunk, as `xdf_scan` walks a buffer.

    Reads only each chunk's first bytes; framing problems go to ``sink.problem`` in the scanner's
    words: a bad length resyncs after the next Boundary, a chunk cut off by the end of the file
    ends the walk.
    """

    def resync(from_pos: int) -> int:
        idx = _find(f, BOUNDARY_UUID, from_pos, size, sink)
        if idx == -1:
            sink.problem(no_boundary_text(from_pos, size))
            return size
        return idx + len(BOUNDARY_UUID)

    def truncated(start: int) -> None:
        sink.truncated_at = start
        sink.problem(truncated_text(start, size))

    pos = len(MAGIC)
    n_chunks = 0
    while pos < size:
        n_chunks += 1
        if n_chunks % 256 == 0:
            sink.check_deadline()
        start = pos
        f.seek(start)
        head = f.read(_HEAD_BYTES)
        try:
            decoded = decode_varlen(head, 0)
        except ValueError as exc:
            sink.problem(invalid_length_text(start, exc))
            pos = resync(start + 1)
            continue
        if decoded is None:
            truncated(start)
            return
        length, after = decoded
        body = start + after
        end = body + length
        if length < 2:
            sink.problem(too_short_text(start, length))
            pos = resync(start + 1)
            continue
        if end > size:
            if _find(f, BOUNDARY_UUID, body, size, sink) == -1:
                truncated(start)
                return
            sink.problem(past_end_text(start, length))
            pos = resync(body)
            continue
        yield start, _U16.unpack_from(head, after)[0], body + 2, end
        pos = end


# --- decoding Samples chunks ---------------------------------------------------------------------
def _sample_count(stream: XdfStream, head: bytes, content_bytes: int) -> tuple[int, int] | str:
    """(number of samples, position of the first) from the start of a numeric Samples chunk's
    content after its stream id, or why the chunk is dropped: the scanner's checks that need no
    sample, with the bound that every sample takes between 1 and 9 bytes besides its values."""
    try:
        decoded = decode_varlen(head, 0)
    except ValueError as exc:
        return f"stream {stream.name!r}: invalid sample count ({exc})"
    if decoded is None or decoded[1] > content_bytes:
        return f"stream {stream.name!r}: no room for the sample count"
    n, first = decoded
    rest = content_bytes - first
    value_bytes = NUMERIC_FORMATS[stream.channel_format].itemsize * stream.channel_count
    fits = rest == 0 if n == 0 else n * (1 + value_bytes) <= rest <= n * (9 + value_bytes)
    return (n, first) if fits else samples_do_not_fit_text(stream, n, rest)


def _deduced(start: float, tdiff: float, n: int) -> np.ndarray:
    """Stamps start + tdiff, + tdiff again, ...: added one at a time as pyxdf adds them (cumsum is
    a sequential add, so the stamps are pyxdf's bit for bit)."""
    steps = np.full(n + 1, tdiff)
    steps[0] = start
    return np.cumsum(steps)[1:]


def _decode_numeric(
    buf: bytes, first: int, n: int, dtype: np.dtype, n_channels: int, tdiff: float, last_stamp: float, sink
) -> tuple[np.ndarray, np.ndarray] | None:
    """(raw stamps (n,), values (n, n_channels)) of a Samples chunk, or None when its samples do not
    fill it exactly. The three fixed layouts are decoded without a loop over samples."""
    if n == 0:
        return np.empty(0), np.empty((0, n_channels), dtype)
    stamped = np.dtype([("flag", "u1"), ("stamp", "<f8"), ("values", dtype, (n_channels,))])
    bare = np.dtype([("flag", "u1"), ("values", dtype, (n_channels,))])
    rest = len(buf) - first
    flags = np.frombuffer(buf, np.uint8, count=rest, offset=first)
    if rest == n * stamped.itemsize and np.all(flags[:: stamped.itemsize] != 0):  # LabRecorder
        rec = np.frombuffer(buf, stamped, count=n, offset=first)
        return rec["stamp"].copy(), rec["values"]
    if rest == n * bare.itemsize and np.all(flags[:: bare.itemsize] == 0):
        rec = np.frombuffer(buf, bare, count=n, offset=first)
        return _deduced(last_stamp, tdiff, n), rec["values"]
    if (
        rest == stamped.itemsize + (n - 1) * bare.itemsize
        and flags[0] != 0
        and np.all(flags[stamped.itemsize :: bare.itemsize] == 0)
    ):  # first stamped, the rest deduced (twitchwatch's XdfWriter)
        head = np.frombuffer(buf, stamped, count=1, offset=first)
        tail = np.frombuffer(buf, bare, count=n - 1, offset=first + stamped.itemsize)
        stamps = np.concatenate((head["stamp"], _deduced(float(head["stamp"][0]), tdiff, n - 1)))
        return stamps, np.concatenate((head["values"], tail["values"]))
    return _decode_mixed(buf, first, n, dtype, n_channels, tdiff, last_stamp, sink)


def _decode_mixed(buf, first, n, dtype, n_channels, tdiff, last_stamp, sink):
    """Any other layout, walked sample by sample (rare: hand-made or damaged files)."""
    value_bytes = dtype.itemsize * n_channels
    starts = np.empty(n, np.int64)
    stamps = np.empty(n)
    pos, end = first, len(buf)
    for k in range(n):
        if k % _DEADLINE_CHECK_EVERY == 0:
            sink.check_deadline()
        if pos >= end:
            return None
        if buf[pos]:
            last_stamp = _F64.unpack_from(buf, pos + 1)[0] if pos + 9 <= end else math.nan
            pos += 9
        else:
            last_stamp += tdiff
            pos += 1
        stamps[k] = last_stamp
        starts[k] = pos
        pos += value_bytes
    if pos != end:
        return None
    raw = np.frombuffer(buf, np.uint8)[starts[:, None] + np.arange(value_bytes)]
    return stamps, raw.view(dtype).reshape(n, n_channels)


def _decode_strings(buf: bytes, n_channels: int, tdiff: float, last_stamp: float):
    """(raw stamps, rows of str) of a string Samples chunk that `ChunkChecker` has accepted."""
    n, pos = decode_varlen(buf, 0)
    stamps: list[float] = []
    rows: list[list[str]] = []
    for _ in range(n):
        if buf[pos]:
            last_stamp = _F64.unpack_from(buf, pos + 1)[0]
            pos += 9
        else:
            last_stamp += tdiff
            pos += 1
        row = []
        for _ in range(n_channels):
            length, pos = decode_varlen(buf, pos)
            row.append(buf[pos : pos + length].decode(errors="replace"))  # as pyxdf decodes
            pos += length
        stamps.append(last_stamp)
        rows.append(row)
    return stamps, rows


def _tdiff(stream: XdfStream) -> float:
    """The step pyxdf adds for a sample without a stamp."""
    return 1.0 / stream.nominal_srate if stream.nominal_srate > 0 else 0.0


# --- clocks and timing ---------------------------------------------------------------------------
def clock_map(stream: XdfStream, warnings: list[str]) -> tuple[float, float] | None:
    """(intercept, slope) mapping the stream's stamps to the recorder's clock, or None without
    clock offsets: what pyxdf's `_clock_sync` computes for a stream without clock resets (one
    offset: its value; more: pyxdf's robust fit on the same scaled data), so stamps match it."""
    times, values = stream.clock_times, stream.clock_values
    if not times:
        return None
    if len(times) == 1:
        return values[0], 0.0
    design = np.column_stack([np.ones(len(times)), np.asarray(times) / _PYXDF_WINSOR_THRESHOLD])
    target = np.asarray(values) / _PYXDF_WINSOR_THRESHOLD
    try:
        from pyxdf.pyxdf import _robust_fit  # private, but the fit is what makes stamps agree
    except ImportError:  # a pyxdf without it: least squares, nearly the same for sane offsets
        def _robust_fit(a, y):
            return np.linalg.lstsq(a, y, rcond=None)[0]
    try:
        with np.errstate(all="ignore"):
            coef = _robust_fit(design, target)
        coef[0] *= _PYXDF_WINSOR_THRESHOLD
    except np.linalg.LinAlgError:
        warnings.append(f"stream {stream.name!r}: its clock offsets cannot be used for synchronisation")
        return 0.0, 0.0
    return coef[0], coef[1]


def synchronised(stamps: np.ndarray, mapping: tuple[float, float] | None) -> np.ndarray:
    if mapping is None:
        return stamps
    return stamps + (mapping[0] + (mapping[1] * stamps))  # pyxdf's expression, for equal bits


@dataclass
class StampTiming:
    """`xdf_reader.signal_timing`, fed the stamps chunk by chunk: O(1) memory.

    Segments split where consecutive stamps differ by more than max(1 s, 500 samples); the rate
    is the samples' steps over the segments' summed durations; the first sample's time is the
    intercept of a line fitted to the first segment, accumulated with pairwise-merged centred
    sums (Chan et al.) so that a long segment of large stamps keeps its precision.
    """

    nominal_srate: float
    n: int = 0
    first_finite: float | None = None
    all_finite: bool = True
    first: float = 0.0
    last: float = 0.0
    seg_start_stamp: float = 0.0
    seg_start_index: int = 0
    steps: int = 0
    duration: float = 0.0
    in_first_segment: bool = True
    fit_n: int = 0
    fit_mean_x: float = 0.0
    fit_mean_y: float = 0.0
    fit_cxx: float = 0.0
    fit_cxy: float = 0.0
    _gap: float = field(init=False, default=math.inf)

    def __post_init__(self) -> None:
        if self.nominal_srate > 0:
            self._gap = max(XDF_JITTER_BREAK_S, XDF_JITTER_BREAK_SAMPLES / self.nominal_srate)

    def add(self, stamps: np.ndarray) -> None:
        m = len(stamps)
        if m == 0:
            return
        finite = np.isfinite(stamps)
        if self.first_finite is None and finite.any():
            self.first_finite = float(stamps[np.argmax(finite)])
        if not finite.all():
            self.all_finite = False  # signal_timing gives no rate then; nothing more to track
        if self.all_finite:
            self._add_finite(stamps)
        self.n += m

    def _add_finite(self, stamps: np.ndarray) -> None:
        base = self.n  # index of stamps[0] in the stream
        if base == 0:
            self.first = self.seg_start_stamp = float(stamps[0])
        if self.nominal_srate > 0:
            joined = stamps if base == 0 else np.concatenate(([self.last], stamps))
            offset = base if base == 0 else base - 1  # index of joined[0]
            for i in (np.flatnonzero(np.abs(np.diff(joined)) > self._gap) + 1 + offset).tolist():
                # a break between samples i-1 and i: close the segment at i-1
                before = float(stamps[i - 1 - base]) if i - 1 >= base else self.last
                self.duration += before - self.seg_start_stamp
                self.steps += (i - 1) - self.seg_start_index
                if self.in_first_segment:
                    self._fit(stamps[: max(0, i - base)], base)
                    self.in_first_segment = False
                self.seg_start_stamp, self.seg_start_index = float(stamps[i - base]), i
            if self.in_first_segment:
                self._fit(stamps, base)
        self.last = float(stamps[-1])

    def _fit(self, y: np.ndarray, base: int) -> None:
        m = len(y)
        if m == 0:
            return
        x = np.arange(base, base + m, dtype=np.float64)
        y = y - self.first  # small numbers: a mean of stamps near 1e6 s would lose their last digits
        mx, my = float(x.mean()), float(y.mean())
        cxx = float(np.dot(x - mx, x - mx))
        cxy = float(np.dot(x - mx, y - my))
        n0 = self.fit_n
        n = n0 + m
        dx, dy = mx - self.fit_mean_x, my - self.fit_mean_y
        self.fit_cxx += cxx + dx * dx * n0 * m / n
        self.fit_cxy += cxy + dx * dy * n0 * m / n
        self.fit_mean_x += dx * m / n
        self.fit_mean_y += dy * m / n
        self.fit_n = n

    def result(self) -> tuple[float, float]:
        """(time of the first sample, measured rate in Hz or 0), as `signal_timing` returns."""
        n = self.n
        if n == 0:
            return 0.0, 0.0
        first = self.first_finite if self.first_finite is not None else 0.0
        if n < 2 or not self.all_finite:
            return first, 0.0
        if self.nominal_srate <= 0:
            span = self.last - self.first
            return first, (n - 1) / span if span > 0 else 0.0
        duration = self.duration + (self.last - self.seg_start_stamp)
        steps = self.steps + (n - 1) - self.seg_start_index
        rate = steps / duration if duration > 0 else 0.0
        if self.fit_n < 2:
            return first, rate
        slope = self.fit_cxy / self.fit_cxx
        t0 = self.first + (self.fit_mean_y - slope * self.fit_mean_x)
        return (t0 if math.isfinite(t0) else first), rate


# --- the passes ----------------------------------------------------------------------------------
@dataclass
class _Survey:
    checker: ChunkChecker
    data_from: dict[int, int]  # stream id -> end of its StreamHeader: earlier Samples are dropped
    strings: dict[int, tuple[list[float], list[list[str]]]]  # string streams: raw stamps, rows


def _open(path: Path) -> BinaryIO:
    return open(path, "rb", buffering=XDF_STREAM_READ_BLOCK_BYTES)  # noqa: SIM115 - callers close


def _survey(path: Path, size: int, where: str, deadline: float) -> _Survey:
    """Pass 1: streams, sample counts, clock offsets and marker samples, from the chunk headers."""
    checker = ChunkChecker(where, deadline)
    survey = _Survey(checker, {}, {})
    last_stamp: dict[int, float] = {}
    with _open(path) as f:
        check_magic(f.read(len(MAGIC)), where)
        for start, tag, pos, end in _walk(f, size, checker):
            content_bytes = end - pos
            f.seek(pos)
            if tag == TAG_SAMPLES:
                verdict = _survey_samples(f, survey, content_bytes, last_stamp)
            elif content_bytes > XDF_STREAM_MAX_CHUNK_BYTES:
                verdict = _too_big_text(content_bytes)
            else:
                content = f.read(content_bytes)
                verdict = checker.check(tag, content)
                if verdict is None and tag == TAG_STREAM_HEADER:
                    survey.data_from[_U32.unpack_from(content)[0]] = end
            if verdict:
                checker.problem(dropped_text(start, tag, verdict))
    return survey


def _survey_samples(f: BinaryIO, survey: _Survey, content_bytes: int, last_stamp: dict[int, float]):
    """Verdict on a Samples chunk (None: keep, a message: drop, False: drop silently); counts it."""
    checker = survey.checker
    if content_bytes < 4:
        return "too short for a stream id"
    head = f.read(min(content_bytes, _COUNT_HEAD_BYTES))
    sid = _U32.unpack_from(head)[0]
    stream = checker.streams.get(sid)
    if stream is None:  # the scanner's words for the same case
        return False if sid in checker.rejected_sids else f"stream id {sid} has no StreamHeader before it"
    if not stream.is_string:
        counted = _sample_count(stream, head[4:], content_bytes - 4)
        if isinstance(counted, str):
            return counted
        stream.n_samples += counted[0]
        return None
    if content_bytes > XDF_STREAM_MAX_CHUNK_BYTES:
        return _too_big_text(content_bytes)
    f.seek(f.tell() - len(head))
    content = f.read(content_bytes)
    verdict = checker.check(TAG_SAMPLES, content)
    if verdict is None:
        stamps, rows = _decode_strings(content[4:], stream.channel_count, _tdiff(stream),
                                       last_stamp.get(sid, 0.0))
        if stamps:
            last_stamp[sid] = stamps[-1]
        kept = survey.strings.setdefault(sid, ([], []))
        kept[0].extend(stamps)
        kept[1].extend(rows)
    return verdict


@dataclass
class _SignalSource:
    """Where the chosen stream's samples are, and how to read them again (passes 2 and 3)."""

    path: Path
    size: int
    stream: XdfStream
    data_from: int

    def chunks(self, deadline: float = math.inf, checker: ChunkChecker | None = None
               ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(raw stamps, values) of each intact Samples chunk of the stream, in file order. With a
        `checker`, chunks whose samples do not fill them are reported there (pass 2)."""
        stream, sink = self.stream, _Quiet(deadline)
        dtype = NUMERIC_FORMATS[stream.channel_format]
        tdiff = _tdiff(stream)
        last_stamp = 0.0
        with _open(self.path) as f:
            for start, tag, pos, end in _walk(f, self.size, sink):
                if tag != TAG_SAMPLES or start < self.data_from or end - pos < 4:
                    continue
                f.seek(pos)
                head = f.read(_COUNT_HEAD_BYTES)
                if _U32.unpack_from(head)[0] != stream.sid:
                    continue  # another stream's chunk: its payload is never read
                content_bytes = end - pos - 4
                counted = _sample_count(stream, head[4:], content_bytes)
                if isinstance(counted, str):
                    continue  # the survey reported it
                n, first = counted
                if content_bytes > XDF_STREAM_MAX_CHUNK_BYTES:
                    self._drop(checker, start, _too_big_text(content_bytes + 4), n)
                    continue
                f.seek(pos + 4)
                buf = f.read(content_bytes)
                decoded = _decode_numeric(buf, first, n, dtype, stream.channel_count, tdiff, last_stamp, sink)
                if decoded is None:
                    self._drop(checker, start, samples_do_not_fit_text(stream, n, content_bytes - first), n)
                    continue
                if n:
                    last_stamp = float(decoded[0][-1])
                yield decoded

    def _drop(self, checker: ChunkChecker | None, start: int, why: str, n: int) -> None:
        if checker is not None:
            checker.problem(dropped_text(start, TAG_SAMPLES, why))
            self.stream.n_samples -= n  # counted by the survey, which could not see inside


class XdfStreamingRecording(Recording):
    """An XDF recording read from disk chunk by chunk at every iteration (see the module doc)."""

    def __init__(self, info: RecordingInfo, scales: list[float], source: _SignalSource):
        super().__init__(info, scales)
        self._source = source

    def _iter_raw(self, chunk_samples: int) -> Iterator[np.ndarray]:
        pending: list[np.ndarray] = []
        held = 0
        for _stamps, values in self._source.chunks():
            pending.append(values)
            held += len(values)
            if held < chunk_samples:
                continue
            block = np.concatenate(pending) if len(pending) > 1 else pending[0]
            cut = held - held % chunk_samples
            for start in range(0, cut, chunk_samples):
                yield block[start : start + chunk_samples]
            pending = [block[cut:]]
            held -= cut
        if held:
            yield np.concatenate(pending)


def open_xdf_streaming(path: Path, fs_hz: float | None = None, stream: str | None = None
                       ) -> XdfStreamingRecording:
    """Open a large, uncompressed XDF file for streaming; the same rules as `open_xdf`."""
    where = str(path)
    t_start = time.monotonic()
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise RecordingError(f"{where}: cannot read the file ({exc})") from None
    budget_s = load_budget_s(size)
    deadline = t_start + budget_s
    warnings: list[str] = []
    try:
        survey = _survey(path, size, where, deadline)
        checker = survey.checker
        found = checker.result().summary()
        signal, note = _pick_signal(checker.streams, stream, where, found)
        source = _SignalSource(path, size, signal, survey.data_from[signal.sid])
        mapping = clock_map(signal, warnings)
        timing = StampTiming(signal.nominal_srate)
        n_samples = 0
        for stamps, _values in source.chunks(deadline, checker):
            timing.add(synchronised(stamps, mapping))
            n_samples += len(stamps)
    except ScanTimeout:
        raise timeout_error(where, budget_s) from None
    summary = checker.result().summary()
    if summary:
        logger.warning("%s: damaged XDF file: %s", where, summary)
    head = [f"damaged XDF file: {summary}"] if summary else []
    warnings[:0] = head + ([note] if note else [])
    marker_streams = [s for s in checker.streams.values() if s.is_string and s.n_samples > 0]
    resets = max((clock_reset_bound(s) for s in [signal, *marker_streams]), default=0)
    if resets:
        warnings.append(
            f"up to {resets} clock resets suspected: a file this large is streamed assuming none, "
            "so marker times may be off"
        )
    if n_samples == 0:
        raise RecordingError(f"{where}: stream {signal.name!r} yielded no samples after loading")
    t0, measured = timing.result()
    fs = _rate(signal, measured, fs_hz, warnings, where)
    labels, units = _channel_meta(signal, warnings)
    scales, unit_warnings = channel_scales(units, labels, f"{where}, stream {signal.name!r}")
    warnings.extend(unit_warnings)
    loaded_markers = []
    for s in marker_streams:
        stamps, rows = survey.strings.get(s.sid, ([], []))
        synced = synchronised(np.asarray(stamps, dtype=np.float64), clock_map(s, warnings))
        loaded_markers.append((s, {"time_stamps": synced, "time_series": rows}))
    markers = _markers(loaded_markers, t0)
    dtype = NUMERIC_FORMATS[signal.channel_format]
    info = RecordingInfo(
        path=path,
        fs_hz=fs,
        channel_labels=labels,
        units_in=units,
        n_samples=n_samples,
        stream_name=signal.name,
        stream_type=signal.type,
        markers=markers,
        warnings=warnings,
        wrap_periods_uv=_wrap_periods(dtype, scales),
    )
    logger.info(
        "%s: streaming stream %r, %d ch, %g Hz, %d samples, %d markers (opened in %.2f s)",
        where, signal.name, len(labels), fs, n_samples, len(markers), time.monotonic() - t_start,
    )
    return XdfStreamingRecording(info, scales, source)
