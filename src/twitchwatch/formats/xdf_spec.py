"""The XDF 1.0 container, as far as both the reader's checks and the writer need it.

Spec: https://github.com/sccn/xdf/wiki/Specifications. A file is ``b"XDF:"`` followed by chunks::

    [NumLengthBytes: 1|4|8][Length: uint of that size, LE][Tag: uint16 LE][Content: Length-2 bytes]

Tags: 1 FileHeader (XML), 2 StreamHeader ([StreamId u32][XML]), 3 Samples ([StreamId u32]
[NumSamples varlen] samples...), 4 ClockOffset ([StreamId u32][CollectionTime f64][Offset f64]),
5 Boundary (16-byte UUID), 6 StreamFooter ([StreamId u32][XML]). A sample is
``[TimeStampBytes: 0|8][TimeStamp f64 if 8][values]``; numeric values are little-endian, a string
value is ``[varlen length][UTF-8 bytes]``. A sample without a time stamp has the previous
sample's stamp + 1/nominal_srate (readers start from 0.0).
"""

from __future__ import annotations

import struct

import numpy as np

MAGIC = b"XDF:"

TAG_FILE_HEADER = 1
TAG_STREAM_HEADER = 2
TAG_SAMPLES = 3
TAG_CLOCK_OFFSET = 4
TAG_BOUNDARY = 5
TAG_STREAM_FOOTER = 6
TAGS_WITH_STREAM_ID = frozenset({TAG_STREAM_HEADER, TAG_SAMPLES, TAG_CLOCK_OFFSET, TAG_STREAM_FOOTER})
TAG_NAMES = {
    TAG_FILE_HEADER: "FileHeader",
    TAG_STREAM_HEADER: "StreamHeader",
    TAG_SAMPLES: "Samples",
    TAG_CLOCK_OFFSET: "ClockOffset",
    TAG_BOUNDARY: "Boundary",
    TAG_STREAM_FOOTER: "StreamFooter",
}

BOUNDARY_UUID = bytes(
    [0x43, 0xA5, 0x46, 0xDC, 0xCB, 0xF5, 0x41, 0x0F, 0xB3, 0x0E, 0xD5, 0x46, 0x73, 0x83, 0xCB, 0xE4]
)
"""The fixed signature LabRecorder writes in every Boundary chunk; readers resync on it."""

CLOCK_OFFSET_CONTENT_BYTES = 4 + 8 + 8

NUMERIC_FORMATS: dict[str, np.dtype] = {
    "float32": np.dtype("<f4"),
    "double64": np.dtype("<f8"),
    "int8": np.dtype("<i1"),
    "int16": np.dtype("<i2"),
    "int32": np.dtype("<i4"),
    "int64": np.dtype("<i8"),
}
STRING_FORMAT = "string"
CHANNEL_FORMATS = frozenset(NUMERIC_FORMATS) | {STRING_FORMAT}

_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")


def encode_varlen(value: int) -> bytes:
    """Variable-length unsigned int as LabRecorder writes it: 1, 4 or 8 value bytes."""
    if value < 0:
        raise ValueError(f"varlen ints are unsigned, got {value}")
    if value < 256:
        return bytes((1, value))
    if value <= 0xFFFFFFFF:
        return b"\x04" + _U32.pack(value)
    return b"\x08" + _U64.pack(value)


def decode_varlen(buf, pos: int) -> tuple[int, int] | None:
    """(value, position after it), or None when the bytes at `pos` are not a complete varlen int.

    Raises ValueError when the length byte is not 1, 4 or 8.
    """
    if pos >= len(buf):
        return None
    nbytes = buf[pos]
    if nbytes == 1:
        if pos + 2 > len(buf):
            return None
        return buf[pos + 1], pos + 2
    if nbytes == 4:
        if pos + 5 > len(buf):
            return None
        return _U32.unpack_from(buf, pos + 1)[0], pos + 5
    if nbytes == 8:
        if pos + 9 > len(buf):
            return None
        return _U64.unpack_from(buf, pos + 1)[0], pos + 9
    raise ValueError(f"length byte {nbytes} (must be 1, 4 or 8)")


def chunk_header(tag: int, content_len: int, stream_id: int | None = None) -> bytes:
    """[Length][Tag][StreamId?] for a chunk whose content after the stream id is `content_len`."""
    length = 2 + content_len + (4 if stream_id is not None else 0)
    head = encode_varlen(length) + struct.pack("<H", tag)
    if stream_id is not None:
        head += _U32.pack(stream_id)
    return head
