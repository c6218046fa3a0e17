"""Work out what a CSV/text recording's columns mean, from its first lines.

Understood layouts:

* generic: optional comment lines ('%' or '#'), a header line naming the columns, then rows.
  Delimiter ',', tab, ';' or whitespace, from the header line. A column named time, time_s,
  timestamp, t or seconds (case-insensitive; "time [ms]" also works) holds time; every other
  numeric column is a channel, in µV unless its name carries a unit: "EMG1 [mV]", "EMG1 (uV)".
  Columns with an empty name (a pandas index) or named like a sample counter ("index", "sample",
  "Sample Index") are ignored, as are columns whose first value is not a number (with a warning).
* OpenBCI GUI export (comment lines mention OpenBCI): channels are the "EXG Channel N" columns,
  the rate is the "%Sample Rate = 250 Hz" line (its Timestamp column is wall-clock time with
  packet jitter and is not used), values are µV by the format. Older exports without a column
  header (GUI v4) take the "%Number of channels" columns after the sample index.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from twitchwatch.formats.constants import (
    CSV_COMMENT_PREFIXES,
    CSV_TIME_COLUMN_NAMES,
    CSV_TIME_UNIT_SCALE_TO_S,
    OPENBCI_CHANNEL_PREFIX,
)
from twitchwatch.formats.recording import RecordingError

_NAME_UNIT = re.compile(r"^(?P<base>.*?)\s*[\[(]\s*(?P<unit>[^\[\]()]*?)\s*[\])]\s*$")
_OPENBCI_RATE = re.compile(r"sample\s*rate\s*=\s*([0-9]+(?:\.[0-9]*)?)", re.IGNORECASE)
_OPENBCI_NCH = re.compile(r"number\s*of\s*channels\s*=\s*([0-9]+)", re.IGNORECASE)
_COUNTER_NAMES = frozenset({"index", "sample", "sample index", "sample_index", "sample number", "nseq"})
OPENBCI_UNIT = "uV"


@dataclass
class CsvLayout:
    """Column roles and where the data start; everything `CsvRecording` needs to stream rows."""

    delimiter: str | None  # None: runs of whitespace
    n_fields: int  # fields every data row must have
    data_line: int  # 1-based number of the first line after the header
    channel_cols: list[int]
    labels: list[str]
    units: list[str]
    time_col: int | None = None
    time_label: str = ""
    time_scale_to_s: float = 1.0
    openbci_fs_hz: float | None = None
    is_openbci: bool = False
    warnings: list[str] = field(default_factory=list)


def is_comment_or_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith(CSV_COMMENT_PREFIXES)


def detect_delimiter(line: str) -> str | None:
    for delim in (",", "\t", ";"):
        if delim in line:
            return delim
    return None


def split_fields(line: str, delimiter: str | None) -> list[str]:
    cells = line.rstrip("\r\n").split(delimiter) if delimiter else line.split()
    return [c.strip().strip('"').strip() for c in cells]


def split_name_unit(name: str) -> tuple[str, str]:
    """ "EMG1 [mV]" -> ("EMG1", "mV"); "EMG1" -> ("EMG1", "")."""
    m = _NAME_UNIT.match(name)
    if m and m.group("base"):
        return m.group("base").strip(), m.group("unit")
    return name, ""


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def parse_layout(
    where: str, comments: list[str], first_line: str, first_line_no: int, first_row: list[str] | None
) -> CsvLayout:
    """Layout from the comment lines, the first non-comment line and (if any) the row after it.

    `first_row` is the fields of the first data row after the header; None when there is none.
    """
    openbci = any("openbci" in c.lower() for c in comments)
    delimiter = detect_delimiter(first_line)
    cells = split_fields(first_line, delimiter)
    header_is_numbers = all(_is_number(c) for c in cells if c)
    if openbci:  # a GUI v4 export starts its rows with the sample index, and has no header
        starts_with_number = bool(cells) and _is_number(cells[0])
        return _openbci_layout(where, comments, cells, delimiter, first_line_no, starts_with_number)
    if header_is_numbers:
        raise RecordingError(
            f"{where} line {first_line_no}: expected a header line naming the columns "
            f"(e.g. 'time_s,EMG1'), found numbers {first_line.strip()[:60]!r}; add a header line"
        )
    return _generic_layout(where, cells, delimiter, first_line_no, first_row)


def _generic_layout(
    where: str, names: list[str], delimiter: str | None, header_no: int, first_row: list[str] | None
) -> CsvLayout:
    warnings: list[str] = []
    time_col: int | None = None
    time_scale = 1.0
    channel_cols: list[int] = []
    labels: list[str] = []
    units: list[str] = []
    for i, name in enumerate(names):
        base, unit = split_name_unit(name)
        key = base.lower()
        if time_col is not None and key in CSV_TIME_COLUMN_NAMES:
            warnings.append(f"column {name!r} looks like a second time column: ignored")
            continue
        if key in CSV_TIME_COLUMN_NAMES:
            if unit.lower() not in CSV_TIME_UNIT_SCALE_TO_S:
                raise RecordingError(
                    f"{where} line {header_no}: time column {name!r} has unit {unit!r}; "
                    f"use seconds or ms ({', '.join(u for u in CSV_TIME_UNIT_SCALE_TO_S if u)})"
                )
            time_col, time_scale = i, CSV_TIME_UNIT_SCALE_TO_S[unit.lower()]
            continue
        if not name:
            continue  # a pandas index column or a trailing delimiter
        if key in _COUNTER_NAMES:
            warnings.append(f"column {name!r} looks like a sample counter: ignored")
            continue
        if first_row is not None and i < len(first_row) and not _is_number(first_row[i]):
            if _is_number(first_row[i].replace(",", ".", 1)):
                raise RecordingError(
                    f"{where} line {header_no + 1}: column {name!r} holds {first_row[i]!r}: decimal "
                    "commas are not supported; export with '.' as the decimal separator"
                )
            warnings.append(f"column {name!r} is not numeric (first value {first_row[i]!r}): ignored")
            continue
        channel_cols.append(i)
        labels.append(base)
        units.append(unit)
    if not channel_cols:
        raise RecordingError(
            f"{where} line {header_no}: no channel columns found in {', '.join(map(repr, names))}; "
            "a recording needs at least one numeric column besides time"
        )
    return CsvLayout(
        delimiter=delimiter,
        n_fields=len(names),
        data_line=header_no + 1,
        channel_cols=channel_cols,
        labels=labels,
        units=units,
        time_col=time_col,
        time_label=names[time_col] if time_col is not None else "",
        time_scale_to_s=time_scale,
        warnings=warnings,
    )


def _openbci_layout(
    where: str,
    comments: list[str],
    cells: list[str],
    delimiter: str | None,
    line_no: int,
    header_is_numbers: bool,
) -> CsvLayout:
    text = "\n".join(comments)
    rate = _OPENBCI_RATE.search(text)
    fs = float(rate.group(1)) if rate else None
    if header_is_numbers:  # GUI v4: no column header
        nch_match = _OPENBCI_NCH.search(text)
        if not nch_match:
            raise RecordingError(
                f"{where}: OpenBCI export without a column header or a '%Number of channels' line; "
                "cannot tell which columns are channels"
            )
        nch = int(nch_match.group(1))
        if len(cells) < nch + 1:
            raise RecordingError(
                f"{where} line {line_no}: {len(cells)} columns, fewer than the sample index + "
                f"{nch} channels the header announces"
            )
        cols = list(range(1, nch + 1))
        labels = [f"EXG Channel {i}" for i in range(nch)]
        data_line = line_no
    else:
        cols = [i for i, c in enumerate(cells) if c.lower().startswith(OPENBCI_CHANNEL_PREFIX)]
        if not cols:
            raise RecordingError(
                f"{where} line {line_no}: OpenBCI export without 'EXG Channel N' columns "
                f"(found {', '.join(map(repr, cells[:6]))}...)"
            )
        labels = [cells[i] for i in cols]
        data_line = line_no + 1
    return CsvLayout(
        delimiter=delimiter,
        n_fields=len(cells),
        data_line=data_line,
        channel_cols=cols,
        labels=labels,
        units=[OPENBCI_UNIT] * len(cols),
        openbci_fs_hz=fs,
        is_openbci=True,
    )
