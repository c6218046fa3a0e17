"""`open_recording`: pick a reader by file extension, then by sniffing the first bytes.

Adding a format is one module with ``open_X(path, fs_hz, stream) -> Recording`` and
``sniff_X(head) -> bool``, plus one line in `READERS`. Formats we recognise but cannot read yet
have ``open=None`` so the user gets a specific message instead of a parse error.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from twitchwatch.formats.csv_io import CSV_EXTENSIONS, open_csv, sniff_csv
from twitchwatch.formats.edf import EDF_EXTENSIONS, open_edf, sniff_edf
from twitchwatch.formats.opensignals import OPENSIGNALS_EXTENSIONS, open_opensignals, sniff_opensignals
from twitchwatch.formats.recording import Recording, RecordingError, validate_fs
from twitchwatch.formats.wfdb_io import (
    PHYSIONET_TEXT_EXTENSIONS,
    WFDB_EXTENSIONS,
    open_physionet_text,
    open_wfdb,
    sniff_physionet_text,
    sniff_wfdb,
)
from twitchwatch.formats.xdf_reader import XDF_EXTENSIONS, open_xdf, sniff_xdf

SNIFF_BYTES = 4096

Opener = Callable[[Path, "float | None", "str | None"], Recording]


@dataclass(frozen=True)
class ReaderEntry:
    name: str
    extensions: tuple[str, ...]  # lower case, with the dot; longest match wins (".xdf.gz")
    sniff: Callable[[bytes], bool]  # does the file start like this format?
    open: Opener | None  # None: recognised, not supported yet
    conclusive: bool = True  # may the sniff alone pick this reader (unknown extension)?


def _starts_with(*magic: bytes) -> Callable[[bytes], bool]:
    return lambda head: head.startswith(magic)


# Order matters where extensions overlap: specific formats before the generic text reader.
READERS: tuple[ReaderEntry, ...] = (
    ReaderEntry("XDF", XDF_EXTENSIONS, sniff_xdf, open_xdf),
    ReaderEntry("OpenSignals text", OPENSIGNALS_EXTENSIONS, sniff_opensignals, open_opensignals),
    ReaderEntry("PhysioNet text", PHYSIONET_TEXT_EXTENSIONS, sniff_physionet_text, open_physionet_text,
                conclusive=False),
    ReaderEntry("CSV/text", CSV_EXTENSIONS, sniff_csv, open_csv, conclusive=False),
    ReaderEntry("EDF/BDF", EDF_EXTENSIONS, sniff_edf, open_edf),
    ReaderEntry("WFDB", WFDB_EXTENSIONS, sniff_wfdb, open_wfdb, conclusive=False),
)


def supported_text() -> str:
    """E.g. "XDF (.xdf, .xdfz, .xdf.gz), CSV/text (.csv, .tsv, .txt)"."""
    return ", ".join(f"{r.name} ({', '.join(r.extensions)})" for r in READERS if r.open is not None)


def _matches_extension(name: str, entry: ReaderEntry) -> bool:
    return any(name.endswith(ext) for ext in entry.extensions)


def choose_reader(path: Path, head: bytes) -> ReaderEntry:
    name = path.name.lower()
    by_ext = [r for r in READERS if _matches_extension(name, r)]
    if by_ext:
        for entry in by_ext:
            if entry.sniff(head):
                return entry
        # nothing sniffs: the generic reader of that extension explains what is wrong
        readable = [r for r in by_ext if r.open is not None]
        return readable[-1] if readable else by_ext[0]
    for entry in READERS:
        if entry.conclusive and entry.sniff(head):
            return entry
    ext = "".join(path.suffixes[-2:]) or "(none)"
    raise RecordingError(
        f"{path}: unsupported file type {ext}; supported: {supported_text()}. "
        "Export the recording as XDF or CSV"
    )


def open_recording(
    path: str | os.PathLike, fs_hz: float | None = None, stream: str | None = None
) -> Recording:
    """Open a recording for chunked reading; raises `RecordingError` with what, where and what to do.

    `fs_hz`: the sampling rate, required where the file has none (CSV without a time column),
    checked against the file's where it has one. `stream`: an XDF stream's name or type.
    """
    path = Path(path)
    where = str(path)
    fs = validate_fs(fs_hz, where)
    if stream is not None and not isinstance(stream, str):
        raise RecordingError(f"{where}: stream must be a stream name or type (str), got {stream!r}")
    try:
        with open(path, "rb") as f:
            head = f.read(SNIFF_BYTES)
    except FileNotFoundError:
        raise RecordingError(f"{where}: no such file; check the path") from None
    except IsADirectoryError:
        raise RecordingError(f"{where}: is a directory; pass a recording file") from None
    except OSError as exc:
        raise RecordingError(f"{where}: cannot open ({exc.strerror or exc})") from None
    if not head:
        raise RecordingError(f"{where}: the file is empty (0 bytes); nothing to analyse — was "
                             "the recording or the copy interrupted?")
    entry = choose_reader(path, head)
    if entry.open is None:
        raise RecordingError(
            f"{where}: {entry.name} files are not supported yet; supported: {supported_text()}. "
            "Export the recording as XDF or CSV"
        )
    return entry.open(path, fs, stream)
