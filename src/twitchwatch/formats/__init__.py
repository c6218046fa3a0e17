"""Recordings on disk: chunked readers (XDF, CSV/OpenBCI text) and writers (XDF, CSV).

    from twitchwatch.formats import open_recording, write_recording, RecordingError, XdfWriter

    with open_recording(path, fs_hz=None, stream=None) as rec:
        for chunk in rec.iter_chunks(4096):   # float32 (n, n_channels) microvolts, C-contiguous
            ...

Imports nothing from the rest of twitchwatch except its logger.
"""

from twitchwatch.formats.recording import (
    Marker,
    Recording,
    RecordingError,
    RecordingInfo,
)
from twitchwatch.formats.registry import READERS, open_recording, supported_text
from twitchwatch.formats.writing import write_recording
from twitchwatch.formats.xdf_writer import XdfWriter

__all__ = [
    "open_recording",
    "write_recording",
    "RecordingError",
    "XdfWriter",
    "Recording",
    "RecordingInfo",
    "Marker",
    "READERS",
    "supported_text",
]
