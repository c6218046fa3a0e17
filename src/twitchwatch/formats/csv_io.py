"""CSV/text recordings: a streaming reader with bounded memory, and the writer.

Reading never holds more than one chunk of rows: the file is read line by line and parsed a block
at a time. At open time only the header and the first `CSV_FS_ESTIMATE_ROWS` rows are read (to
check them and to estimate the rate from a time column by its median step), so ``n_samples`` is
None. Column rules are in `csv_layout`.

Bad rows are refused, not skipped: a row with a different number of fields than the header
(ragged) or a cell that is not a number raises `RecordingError` naming the line number and the
text. Skipping would silently shift every later sample in time; a broken line usually means a
broken export, which the user should see. Rows in the first block fail at open time; later rows
fail while iterating. Comment lines ('%', '#') and blank lines are skipped anywhere.

Markers of ``rec.csv`` are read from (and written to) ``rec.markers.csv`` next to it: a header
``onset_s,text`` then one marker per row, onsets in seconds from the first sample.
"""

from __future__ import annotations

import csv
import itertools
import os
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from twitchwatch._logging import logger
from twitchwatch.formats.constants import (
    CSV_FS_ESTIMATE_ROWS,
    CSV_MARKERS_SUFFIX,
    CSV_TIME_FORMAT,
    CSV_VALUE_FORMAT,
    CSV_WRITE_BLOCK_ROWS,
    UNIT_SCALE_TO_UV,
)
from twitchwatch.formats.csv_layout import (
    CsvLayout,
    detect_delimiter,
    is_comment_or_blank,
    parse_layout,
    split_fields,
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
from twitchwatch.formats.text_scan import numbered_blocks

CSV_EXTENSIONS = (".csv", ".tsv", ".txt")
_ENCODING = "utf-8-sig"  # tolerate a byte-order mark


def _open_text(path: Path):
    return open(path, encoding=_ENCODING, errors="replace", newline=None)


def sniff_csv(head: bytes) -> bool:
    """Text (no NUL bytes) that is not another text format we know."""
    if b"\x00" in head:
        return False
    return not head.lstrip(b"\xef\xbb\xbf").startswith(b"# OpenSignals")


class CsvRecording(Recording):
    def __init__(self, info: RecordingInfo, scales: list[float], layout: CsvLayout):
        super().__init__(info, scales)
        self._layout = layout

    def _iter_raw(self, chunk_samples: int) -> Iterator[np.ndarray]:
        for lines, numbers in _blocks(self.path, self._layout.data_line, chunk_samples):
            last = lines[-1]
            if _cut_off(last, self._layout):
                # a file cut off mid-row (a crash while writing): keep every complete row
                note = (f"the last line ({numbers[-1]}) is cut off ({last.strip()[:40]!r}): "
                        "the file was truncated; it is left out, the rows before it are kept")
                if note not in self._info.warnings:
                    self._info.warnings.append(note)
                    logger.warning("%s: %s", self.path, note)
                lines, numbers = lines[:-1], numbers[:-1]
                if not lines:
                    continue
            yield _parse_block(lines, numbers, self._layout, str(self.path))[1]


def _blocks(path: Path, first_line: int, rows: int) -> Iterator[tuple[list[str], list[int]]]:
    """Data lines in blocks of `rows`, with their 1-based line numbers; comments and blanks skipped."""
    with _open_text(path) as f:
        numbered = enumerate(itertools.islice(f, first_line - 1, None), start=first_line)
        yield from numbered_blocks(((n, line) for n, line in numbered if not is_comment_or_blank(line)), rows)


def _cut_off(line: str, layout: CsvLayout) -> bool:
    """The file's last line, ended by the end of the file instead of a newline, short of fields."""
    return not line.endswith("\n") and _field_count(line, layout.delimiter) != layout.n_fields


def _field_count(line: str, delimiter: str | None) -> int:
    return line.count(delimiter) + 1 if delimiter else len(line.split())


def _column_name(layout: CsvLayout, col: int) -> str:
    if col == layout.time_col:
        return layout.time_label
    if col in layout.channel_cols:
        return layout.labels[layout.channel_cols.index(col)]
    return f"#{col + 1}"


def _parse_block(
    lines: list[str], numbers: list[int], layout: CsvLayout, where: str
) -> tuple[np.ndarray | None, np.ndarray]:
    """(time in s or None, channel values) for one block; RecordingError on a bad row."""
    delim = layout.delimiter
    for line, number in zip(lines, numbers):
        if _field_count(line, delim) != layout.n_fields:
            raise RecordingError(
                f"{where} line {number}: {_field_count(line, delim)} fields where the header has "
                f"{layout.n_fields} ({line.strip()[:80]!r}); fix or delete the line"
            )
    cols = ([layout.time_col] if layout.time_col is not None else []) + layout.channel_cols
    try:
        table = np.loadtxt(
            lines, delimiter=delim, usecols=cols, dtype=np.float64, ndmin=2, comments=None, quotechar='"'
        )
    except ValueError as exc:
        _raise_bad_cell(lines, numbers, layout, cols, where, exc)
    if layout.time_col is None:
        return None, table
    return table[:, 0] * layout.time_scale_to_s, table[:, 1:]


def _raise_bad_cell(lines, numbers, layout: CsvLayout, cols: list[int], where: str, exc: Exception):
    for line, number in zip(lines, numbers):
        cells = split_fields(line, layout.delimiter)
        for col in cols:
            try:
                float(cells[col])
            except ValueError:
                hint = " (decimal commas are not supported: use '.')" if "," in cells[col] else ""
                raise RecordingError(
                    f"{where} line {number}: column {_column_name(layout, col)!r} holds "
                    f"{cells[col]!r}, not a number{hint}; fix or delete the line"
                ) from None
    raise RecordingError(f"{where}: cannot parse rows {numbers[0]}-{numbers[-1]} ({exc})") from exc


def _read_head(path: Path, where: str) -> tuple[list[str], str, int, list[str], list[int]]:
    """Comment lines, the first other line and its number, then up to N following data lines."""
    comments: list[str] = []
    with _open_text(path) as f:
        first_line, first_no = "", 0
        for number, line in enumerate(f, start=1):
            stripped = line.strip()
            if not stripped:
                continue
            if is_comment_or_blank(line):
                comments.append(stripped)
                continue
            first_line, first_no = line, number
            break
        if not first_no:
            raise RecordingError(f"{where}: no header or data lines (empty, or only comments)")
        lines: list[str] = []
        numbers: list[int] = []
        for number, line in enumerate(f, start=first_no + 1):
            if is_comment_or_blank(line):
                continue
            lines.append(line)
            numbers.append(number)
            if len(lines) >= CSV_FS_ESTIMATE_ROWS:
                break
    return comments, first_line, first_no, lines, numbers


def _time_oddities(steps: np.ndarray, step: float, label: str, warnings: list[str]) -> None:
    """Duplicate, backward and jumping stamps in the time column (of the rows read at open):
    said, not repaired — rows are samples, the time column only gives the rate."""
    dup = int(np.sum(steps == 0))
    back = int(np.sum(steps < 0))
    jumps = int(np.sum(steps > 2.5 * step))
    if dup or back or jumps:
        parts = [f"{n} {what}" for n, what in ((dup, "duplicate"), (back, "backward"),
                                                (jumps, "jumping (> 2.5 steps)")) if n]
        warnings.append(
            f"time column {label!r}: {', '.join(parts)} time stamps in the first {len(steps) + 1} "
            f"rows; rows are taken as consecutive samples at {1.0 / step:g} Hz (no gap is "
            "filled, no row reordered)")


def _rate(
    layout: CsvLayout, t: np.ndarray | None, fs_hz: float | None, warnings: list[str], where: str
) -> float:
    if layout.is_openbci:
        if layout.openbci_fs_hz is not None:
            check_rate_agrees(layout.openbci_fs_hz, fs_hz, "the '%Sample Rate' header line", where)
            return layout.openbci_fs_hz
        if fs_hz is None:
            raise RecordingError(f"{where}: OpenBCI export without a '%Sample Rate' line: pass --fs HZ")
        return fs_hz
    if layout.time_col is None:
        if fs_hz is None:
            raise RecordingError(
                f"{where}: no time column (one of time, time_s, timestamp, t, seconds) to take the "
                "sampling rate from: pass --fs HZ"
            )
        return fs_hz
    steps = np.diff(t) if t is not None and len(t) > 1 else np.empty(0)
    step = float(np.median(steps)) if len(steps) else float("nan")
    if not (np.isfinite(step) and step > 0):
        if fs_hz is not None:
            warnings.append(
                f"time column {layout.time_label!r} gives no rate (median step {step:g} s): "
                f"using the given {fs_hz:g} Hz"
            )
            return fs_hz
        raise RecordingError(
            f"{where}: time column {layout.time_label!r} does not give a rate (median step "
            f"{step:g} s over the first {len(steps) + 1} rows); fix it or pass --fs HZ"
        )
    estimated = round_rate(1.0 / step)
    check_rate_agrees(estimated, fs_hz, f"time column {layout.time_label!r} (median step)", where)
    _time_oddities(steps, step, layout.time_label, warnings)
    if fs_hz is None and estimated < 1.0:
        warnings.append(
            f"time column {layout.time_label!r} gives {estimated:.3g} Hz: is it in seconds? "
            "(name it 'time [ms]' for milliseconds)"
        )
    return fs_hz if fs_hz is not None else estimated


def markers_path(path: Path) -> Path | None:
    """``rec.csv`` -> ``rec.markers.csv``; None for a markers file itself."""
    if path.name.lower().endswith(CSV_MARKERS_SUFFIX):
        return None
    return path.with_name(path.name[: len(path.name) - len(path.suffix)] + CSV_MARKERS_SUFFIX)


def _read_markers(path: Path) -> list[Marker]:
    out: list[Marker] = []
    with open(path, encoding=_ENCODING, newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None or [h.strip().lower() for h in header[:2]] != ["onset_s", "text"]:
            raise RecordingError(f"{path} line 1: a markers file starts with the header 'onset_s,text'")
        for row in reader:
            if not row or row[0].lstrip().startswith(("#", "%")):
                continue
            try:
                onset = float(row[0])
            except ValueError:
                raise RecordingError(
                    f"{path} line {reader.line_num}: onset {row[0]!r} is not a number of seconds"
                ) from None
            out.append((onset, ",".join(row[1:])))
    out.sort(key=lambda m: m[0])
    return out


def open_csv(path: Path, fs_hz: float | None = None, stream: str | None = None) -> CsvRecording:
    where = str(path)
    if stream is not None:
        raise RecordingError(
            f"{where}: stream={stream!r} selects a stream of an XDF file; a CSV file has one table"
        )
    comments, first_line, first_no, lines, numbers = _read_head(path, where)
    first_row = split_fields(lines[0], detect_delimiter(first_line)) if lines else None
    layout = parse_layout(where, comments, first_line, first_no, first_row)
    if layout.data_line == first_no:  # no header line: the first line is data
        lines, numbers = (
            [first_line, *lines[: CSV_FS_ESTIMATE_ROWS - 1]],
            [first_no, *numbers[: CSV_FS_ESTIMATE_ROWS - 1]],
        )
    if lines and _cut_off(lines[-1], layout):  # judged when iterating; the rate needs full rows
        lines, numbers = lines[:-1], numbers[:-1]
    if not lines:
        raise RecordingError(f"{where}: no data rows after the header (line {first_no})")
    t, _ = _parse_block(lines, numbers, layout, where)
    warnings = list(layout.warnings)
    fs = _rate(layout, t, fs_hz, warnings, where)
    warnings.extend(low_rate_warnings(fs))
    scales, unit_warnings = channel_scales(layout.units, layout.labels, where)
    warnings.extend(unit_warnings)
    markers: list[Marker] = []
    sidecar = markers_path(path)
    if sidecar is not None and sidecar.is_file():
        markers = _read_markers(sidecar)
    info = RecordingInfo(
        path=path,
        fs_hz=float(fs),
        channel_labels=list(layout.labels),
        units_in=list(layout.units),
        n_samples=None,
        stream_name=path.stem,
        stream_type="OpenBCI" if layout.is_openbci else "CSV",
        markers=markers,
        warnings=warnings,
    )
    logger.info("%s: %d ch, %g Hz, %d markers", where, len(layout.labels), fs, len(markers))
    return CsvRecording(info, scales, layout)


# --- writing -------------------------------------------------------------------------------------
def write_csv(
    path: str | os.PathLike,
    data: np.ndarray,
    fs_hz: float,
    channel_labels: Sequence[str],
    unit: str,
    markers: Sequence[tuple[float, str]] | None,
) -> None:
    """Header ``time_s,<label>...`` (``<label> [<unit>]`` when the unit is not µV), time_s = i/fs,
    values with '%.9g' (exact for float32). Markers go to ``<stem>.markers.csv``; writing without
    markers removes a stale one."""
    path = Path(path)
    for label in channel_labels:
        if any(c in label for c in ',"\r\n'):
            raise ValueError(f"channel label {label!r} contains a comma, quote or newline")
    plain = UNIT_SCALE_TO_UV.get(unit.strip().lower()) == 1.0
    names = list(channel_labels) if plain else [f"{label} [{unit}]" for label in channel_labels]
    n, n_ch = data.shape
    row_format = CSV_TIME_FORMAT + ("," + CSV_VALUE_FORMAT) * n_ch + "\n"
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write(",".join(["time_s", *names]) + "\n")
        for start in range(0, n, CSV_WRITE_BLOCK_ROWS):
            stop = min(n, start + CSV_WRITE_BLOCK_ROWS)
            block = np.empty((stop - start, n_ch + 1), dtype=np.float64)
            block[:, 0] = np.arange(start, stop, dtype=np.float64) / fs_hz
            block[:, 1:] = data[start:stop]
            f.write("".join(row_format % tuple(row) for row in block.tolist()))
    sidecar = markers_path(path)
    if sidecar is None:
        return
    if markers:
        with open(sidecar, "w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(["onset_s", "text"])
            for onset, text in sorted(markers, key=lambda m: m[0]):
                writer.writerow([repr(float(onset)), text])
    elif sidecar.is_file():
        sidecar.unlink()
