"""Check an XDF file's chunk structure before pyxdf sees it, and keep only well-formed chunks.

Why: pyxdf trusts the file. On damaged input it raises assorted exceptions from outside its own
error handling (struct.error, KeyError, ParseError, ValueError), and a Samples chunk that claims
more samples than it holds makes it allocate and loop over the claimed count (a hang or an
out-of-memory on a fuzzed file). `scan_xdf` walks the chunks once, in time linear in the file size,
and returns the file rebuilt from the chunks that pyxdf can parse exactly:

* a file cut off mid-chunk (a crashed recorder) keeps every complete chunk before the cut;
* a chunk whose framing or content is wrong is dropped; when its length cannot be trusted the
  scan resumes after the next Boundary chunk, as LabRecorder's readers do;
* a StreamHeader that pyxdf cannot use (no name, bad channel_count/nominal_srate/channel_format)
  drops the stream and all its chunks.

Every drop is reported in ``problems`` with its byte offset. The scan also counts samples and
clock offsets per stream, which is enough to choose streams without decoding any sample.
"""

from __future__ import annotations

import math
import struct
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import numpy as np

from twitchwatch.formats.constants import XDF_MAX_CHANNELS
from twitchwatch.formats.recording import RecordingError
from twitchwatch.formats.xdf_spec import (
    BOUNDARY_UUID,
    CHANNEL_FORMATS,
    CLOCK_OFFSET_CONTENT_BYTES,
    MAGIC,
    NUMERIC_FORMATS,
    STRING_FORMAT,
    TAG_BOUNDARY,
    TAG_CLOCK_OFFSET,
    TAG_FILE_HEADER,
    TAG_NAMES,
    TAG_SAMPLES,
    TAG_STREAM_HEADER,
    decode_varlen,
)

_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")
_TWO_F64 = struct.Struct("<dd")
_DEADLINE_CHECK_EVERY = 1 << 14
_MAX_PROBLEMS_KEPT = 20


class ScanTimeout(BaseException):
    """Raised when loading runs past its deadline.

    A BaseException on purpose: pyxdf catches ``Exception`` around chunk parsing, and this must get
    through it when raised from its ``on_chunk`` hook.
    """


@dataclass
class XdfStream:
    """One stream's header fields, plus what the scan counted."""

    sid: int
    name: str
    type: str
    channel_count: int
    nominal_srate: float
    channel_format: str
    labels: list[str]  # from desc/channels/channel/label, "" where absent; may be shorter/longer
    units: list[str]  # from desc/channels/channel/unit, "" where absent
    n_samples: int = 0
    clock_times: list[float] = field(default_factory=list)
    clock_values: list[float] = field(default_factory=list)
    has_footer: bool = False

    @property
    def is_string(self) -> bool:
        return self.channel_format == STRING_FORMAT

    def describe(self) -> str:
        if self.is_string:
            kind = "string"
        else:
            kind = f"{self.nominal_srate:g} Hz" if self.nominal_srate > 0 else "irregular rate"
        return f"{self.name!r} (type {self.type!r}, {self.channel_count} ch {kind}, {self.n_samples} samples)"


@dataclass
class ScanResult:
    streams: dict[int, XdfStream]  # valid streams, in order of appearance
    clean: bytes  # magic + the well-formed chunks, ready for pyxdf
    problems: list[str] = field(default_factory=list)
    n_problems: int = 0
    truncated_at: int | None = None  # byte offset of an incomplete final chunk

    def summary(self) -> str | None:
        """The first problems found, in one line, or None for a clean file."""
        if not self.n_problems:
            return None
        shown = "; ".join(self.problems[:3])
        more = f"; and {self.n_problems - 3} more" if self.n_problems > 3 else ""
        return f"{shown}{more}"


# Problem texts, shared with `xdf_stream` (which walks big files itself) so both say the same.
def invalid_length_text(start: int, exc: Exception) -> str:
    return f"byte {start}: invalid chunk length ({exc})"


def too_short_text(start: int, length: int) -> str:
    return f"byte {start}: chunk length {length} is too short"


def past_end_text(start: int, length: int) -> str:
    return f"byte {start}: chunk length {length} runs past the end of the file"


def dropped_text(start: int, tag: int, verdict: str) -> str:
    return f"byte {start}: {TAG_NAMES.get(tag, f'tag {tag}')} chunk dropped: {verdict}"


def truncated_text(start: int, file_bytes: int) -> str:
    return (
        f"the file ends inside the chunk starting at byte {start} "
        f"({file_bytes - start} bytes; recording cut off?): kept everything before it"
    )


def no_boundary_text(from_pos: int, file_bytes: int) -> str:
    return (
        f"no Boundary chunk after byte {from_pos}: "
        f"the remaining {file_bytes - from_pos} bytes were skipped"
    )


def samples_do_not_fit_text(stream: XdfStream, n: int, rest: int) -> str:
    return f"stream {stream.name!r}: {n} samples do not fit the chunk's {rest} bytes"


def _xml(content: bytes) -> ET.Element:
    return ET.fromstring(content.decode("utf-8", "replace"))


class _Scanner:
    def __init__(self, buf: bytes, where: str, deadline: float):
        self.buf = buf
        self.view = memoryview(buf)
        self.where = where
        self.deadline = deadline
        self.streams: dict[int, XdfStream] = {}
        self.rejected_sids: set[int] = set()
        self.keep: list[tuple[int, int]] = []
        self.problems: list[str] = []
        self.n_problems = 0
        self.truncated_at: int | None = None

    def problem(self, text: str) -> None:
        self.n_problems += 1
        if len(self.problems) < _MAX_PROBLEMS_KEPT:
            self.problems.append(text)

    def check_deadline(self) -> None:
        if time.monotonic() > self.deadline:
            raise ScanTimeout

    # --- walk ---------------------------------------------------------------------------------
    def run(self) -> ScanResult:
        buf = self.buf
        pos = len(MAGIC)
        n_chunks = 0
        while pos < len(buf):
            n_chunks += 1
            if n_chunks % 256 == 0:
                self.check_deadline()
            start = pos
            try:
                head = decode_varlen(buf, pos)
            except ValueError as exc:
                self.problem(invalid_length_text(start, exc))
                pos = self.resync(start + 1)
                continue
            if head is None:
                self.truncated(start)
                break
            length, body = head
            end = body + length
            if length < 2:
                self.problem(too_short_text(start, length))
                pos = self.resync(start + 1)
                continue
            if end > len(buf):
                if buf.find(BOUNDARY_UUID, body) == -1:
                    self.truncated(start)
                    break
                self.problem(past_end_text(start, length))
                pos = self.resync(body)
                continue
            tag = _U16.unpack_from(buf, body)[0]
            verdict = self.check_chunk(tag, body + 2, end)
            if verdict is None:
                self.keep.append((start, end))
            elif verdict:
                self.problem(dropped_text(start, tag, verdict))
            pos = end
        return ScanResult(
            streams=self.streams,
            clean=self.rebuild(),
            problems=self.problems,
            n_problems=self.n_problems,
            truncated_at=self.truncated_at,
        )

    def truncated(self, start: int) -> None:
        self.truncated_at = start
        self.problem(truncated_text(start, len(self.buf)))

    def resync(self, from_pos: int) -> int:
        """Position just after the next Boundary signature, or the end of the file."""
        idx = self.buf.find(BOUNDARY_UUID, from_pos)
        if idx == -1:
            self.problem(no_boundary_text(from_pos, len(self.buf)))
            return len(self.buf)
        return idx + len(BOUNDARY_UUID)

    def rebuild(self) -> bytes:
        total = sum(e - s for s, e in self.keep)
        if total == len(self.buf) - len(MAGIC):
            return self.buf
        return b"".join([MAGIC, *(self.view[s:e] for s, e in self.keep)])

    # --- chunks -------------------------------------------------------------------------------
    def check_chunk(self, tag: int, pos: int, end: int) -> str | None | bool:
        """None: keep. A message: drop and report. False: drop silently (already reported)."""
        if tag == TAG_BOUNDARY:
            return None
        if tag == TAG_FILE_HEADER:
            try:
                _xml(self.buf[pos:end])
            except (ET.ParseError, ValueError) as exc:
                return f"XML does not parse ({exc})"
            return None
        if tag not in TAG_NAMES:
            return f"unknown chunk tag {tag}"
        if end - pos < 4:
            return "too short for a stream id"
        sid = _U32.unpack_from(self.buf, pos)[0]
        pos += 4
        if tag == TAG_STREAM_HEADER:
            return self.check_stream_header(sid, pos, end)
        stream = self.streams.get(sid)
        if stream is None:
            if sid in self.rejected_sids:
                return False
            return f"stream id {sid} has no StreamHeader before it"
        if tag == TAG_SAMPLES:
            return self.check_samples(stream, pos, end)
        if tag == TAG_CLOCK_OFFSET:
            if end - pos != CLOCK_OFFSET_CONTENT_BYTES - 4:
                return f"{end - pos + 4} content bytes instead of {CLOCK_OFFSET_CONTENT_BYTES}"
            collection_time, offset = _TWO_F64.unpack_from(self.buf, pos)
            stream.clock_times.append(collection_time)
            stream.clock_values.append(offset)
            return None
        return self.check_footer(stream, pos, end)

    def check_stream_header(self, sid: int, pos: int, end: int) -> str | None:
        if sid in self.streams or sid in self.rejected_sids:
            return f"a second StreamHeader for stream id {sid}"
        try:
            root = _xml(self.buf[pos:end])
        except (ET.ParseError, ValueError) as exc:
            self.rejected_sids.add(sid)
            return f"stream id {sid}: XML does not parse ({exc}); its data are skipped"
        try:
            stream = _parse_stream_header(sid, root)
        except ValueError as exc:
            self.rejected_sids.add(sid)
            return f"stream id {sid}: {exc}; its data are skipped"
        self.streams[sid] = stream
        return None

    def check_samples(self, stream: XdfStream, pos: int, end: int) -> str | None:
        try:
            head = decode_varlen(self.buf, pos)
        except ValueError as exc:
            return f"stream {stream.name!r}: invalid sample count ({exc})"
        if head is None or head[1] > end:
            return f"stream {stream.name!r}: no room for the sample count"
        n, pos = head
        if stream.is_string:
            ok = self.walk_strings(stream.channel_count, n, pos, end)
        else:
            ok = self.check_numeric(
                NUMERIC_FORMATS[stream.channel_format].itemsize * stream.channel_count, n, pos, end
            )
        if not ok:
            return samples_do_not_fit_text(stream, n, end - pos)
        stream.n_samples += n
        return None

    def check_numeric(self, sample_bytes: int, n: int, pos: int, end: int) -> bool:
        rest = end - pos
        if n == 0:
            return rest == 0
        if n * (1 + sample_bytes) > rest:
            return False
        stamped, bare = 9 + sample_bytes, 1 + sample_bytes
        flags = np.frombuffer(self.buf, dtype=np.uint8, count=rest, offset=pos)
        if rest == n * stamped and np.all(flags[::stamped] != 0):
            return True  # every sample stamped (LabRecorder)
        if rest == n * bare and np.all(flags[::bare] == 0):
            return True  # every stamp deduced
        if rest == stamped + (n - 1) * bare and flags[0] != 0 and np.all(flags[stamped::bare] == 0):
            return True  # first stamped, the rest deduced (twitchwatch's XdfWriter)
        buf = self.buf
        for k in range(n):  # mixed layout: walk it
            if k % _DEADLINE_CHECK_EVERY == 0:
                self.check_deadline()
            if pos >= end:
                return False
            pos += (9 if buf[pos] else 1) + sample_bytes
        return pos == end

    def walk_strings(self, n_channels: int, n: int, pos: int, end: int) -> bool:
        if n * (1 + 2 * n_channels) > end - pos:
            return False
        buf = self.buf
        for k in range(n):
            if k % _DEADLINE_CHECK_EVERY == 0:
                self.check_deadline()
            if pos >= end:
                return False
            pos += 9 if buf[pos] else 1
            for _ in range(n_channels):
                try:
                    head = decode_varlen(buf, pos)
                except ValueError:
                    return False
                if head is None:
                    return False
                pos = head[1] + head[0]
                if pos > end:
                    return False
        return pos == end

    def check_footer(self, stream: XdfStream, pos: int, end: int) -> str | None:
        try:
            root = _xml(self.buf[pos:end])
        except (ET.ParseError, ValueError) as exc:
            return f"stream {stream.name!r}: XML does not parse ({exc})"
        count = root.find("sample_count") if root.tag == "info" else None
        if count is not None:
            try:
                int(count.text or "")
            except ValueError:
                return f"stream {stream.name!r}: sample_count {count.text!r} is not an integer"
            if len(count):
                return f"stream {stream.name!r}: sample_count has child elements"
        stream.has_footer = True
        return None


class ChunkChecker(_Scanner):
    """The scanner's per-chunk checks and bookkeeping (streams, clock offsets, problems), fed one
    chunk at a time by a reader that walks the file itself and never holds it whole
    (`xdf_stream`). Only the walk differs; what is kept, dropped and said is the scanner's."""

    def __init__(self, where: str, deadline: float):
        super().__init__(b"", where, deadline)

    def check(self, tag: int, content: bytes) -> str | None | bool:
        """Verdict on one chunk (`content`: its bytes after the tag), as `check_chunk` gives."""
        self.buf, self.view = content, memoryview(content)
        try:
            return self.check_chunk(tag, 0, len(content))
        finally:
            self.buf, self.view = b"", memoryview(b"")

    def result(self) -> ScanResult:
        return ScanResult(streams=self.streams, clean=b"", problems=self.problems,
                          n_problems=self.n_problems, truncated_at=self.truncated_at)


def _text(root: ET.Element, tag: str) -> str | None:
    el = root.find(tag)
    if el is None:
        return None
    if len(el):
        raise ValueError(f"<{tag}> has child elements")
    return el.text


def _parse_stream_header(sid: int, root: ET.Element) -> XdfStream:
    """The fields pyxdf relies on, checked as pyxdf would use them."""
    if root.tag != "info":
        raise ValueError(f"root element is <{root.tag}>, not <info>")
    name = _text(root, "name")
    if not name:
        raise ValueError("no <name>")
    try:
        channel_count = int(_text(root, "channel_count") or "")
    except ValueError:
        raise ValueError(f"channel_count {root.findtext('channel_count')!r} is not an integer") from None
    if not 1 <= channel_count <= XDF_MAX_CHANNELS:
        raise ValueError(f"channel_count {channel_count} is outside 1..{XDF_MAX_CHANNELS}")
    try:
        srate = float(_text(root, "nominal_srate") or "")
    except ValueError:
        raise ValueError(f"nominal_srate {root.findtext('nominal_srate')!r} is not a number") from None
    if not math.isfinite(srate) or srate < 0:
        raise ValueError(f"nominal_srate {srate} is not a finite rate >= 0")
    fmt = _text(root, "channel_format")
    if fmt not in CHANNEL_FORMATS:
        raise ValueError(f"channel_format {fmt!r} is not one of {', '.join(sorted(CHANNEL_FORMATS))}")
    labels: list[str] = []
    units: list[str] = []
    channels = root.find("desc/channels")
    if channels is not None:
        for ch in channels.findall("channel"):
            labels.append((ch.findtext("label") or "").strip())
            units.append((ch.findtext("unit") or "").strip())
    return XdfStream(
        sid=sid,
        name=name,
        type=(root.findtext("type") or "").strip(),
        channel_count=channel_count,
        nominal_srate=srate,
        channel_format=fmt,
        labels=labels,
        units=units,
    )


def scan_xdf(buf: bytes, where: str, deadline: float) -> ScanResult:
    """Walk `buf` (a whole XDF file); raise RecordingError if it is not XDF at all.

    Raises `ScanTimeout` past `deadline` (a `time.monotonic()` value).
    """
    check_magic(buf, where)
    return _Scanner(buf, where, deadline).run()


def check_magic(head: bytes, where: str) -> None:
    """Raise RecordingError unless `head` (the file's first bytes) starts like an XDF file."""
    if not head.startswith(MAGIC):
        raise RecordingError(
            f"{where}: not an XDF file (it starts with {bytes(head[:4])!r}, not {MAGIC!r}); "
            "check the file name, or export the recording again"
        )
