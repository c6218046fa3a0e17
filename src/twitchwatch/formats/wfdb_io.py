"""PhysioNet recordings: WFDB records (``.hea`` + signal files) via the `wfdb` package, and the
PhysioNet text variant (``time_s value`` rows, no header line).

WFDB: pass the ``.hea`` or the ``.dat`` (its ``.hea`` must lie beside it). Any signal format the
`wfdb` package reads (16, 212, 24, 32, 8, 80, 310/311, FLAC...) works; values are physical
((stored - baseline) / gain) in the header's unit, whatever its case ("mV", "mv"), converted to
µV. Chunks are read from the signal files as asked for (``rdrecord(sampfrom, sampto)``), never
the whole record at once. Channels as in `signal_select` (``stream`` picks by name).
Multi-segment records are refused.

PhysioNet text: rows of whitespace-separated numbers, the first column a time in seconds, the
others signals (in mV unless a ``.hea`` of the same name beside the file says otherwise). The
time column is not trusted: it is rounded and drifts away from the sample count, so sample i is
at i / fs, with fs from the ``.hea`` beside the file or the caller (``--fs``). At open the file
is scanned once (in C-speed blocks) to count its rows and find lines with stray bytes; a value
followed by garbage ("-0.0383+\\ED0.0350") keeps its leading number, with a warning naming the
lines. A line with no leading number in a needed column is refused with its line number.
"""

from __future__ import annotations

import re
import time
import warnings as warnings_module
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from twitchwatch._logging import logger
from twitchwatch.formats.constants import (
    FS_MISMATCH_REL_TOL,
    PHYSIONET_TEXT_DRIFT_WARN_S,
    PHYSIONET_TEXT_UNIT,
    TEXT_BAD_LINES_SHOWN,
)
from twitchwatch.formats.recording import (
    low_rate_warnings,
    Recording,
    RecordingError,
    RecordingInfo,
    channel_scales,
    check_rate_agrees,
    round_rate,
)
from twitchwatch.formats.signal_select import SignalSpec, select_signals
from twitchwatch.formats.text_scan import TextScan, numbered_blocks

WFDB_EXTENSIONS = (".hea", ".dat")
PHYSIONET_TEXT_EXTENSIONS = (".txt",)

_HEA_RECORD_LINE = re.compile(rb"^[^\s/#]+(?:/\d+)?[ \t]+\d+(?:[ \t]|\r?$)")
_COMMENT = (b"#",)
_TEXT_COMMENT = ("#", "%")


# --- WFDB ------------------------------------------------------------------------------------------
def _complete_lines(text):
    """Lines of a file's first bytes, the last one dropped when it may be cut off."""
    lines = text.splitlines()
    ends = (b"\n", b"\r") if isinstance(text, bytes) else ("\n", "\r")
    if len(lines) > 1 and not text.endswith(ends):
        lines = lines[:-1]
    return lines


def _first_lines(head: bytes, n: int, comments: tuple[bytes, ...]) -> list[bytes]:
    out = []
    for line in _complete_lines(head):
        stripped = line.strip()
        if not stripped or stripped.startswith(comments):
            continue
        out.append(stripped)
        if len(out) == n:
            break
    return out


def sniff_wfdb(head: bytes) -> bool:
    """A WFDB header: the record line "NAME NSIG [FS [NSAMP ...]]" first (after comments)."""
    if b"\x00" in head:
        return False
    lines = _first_lines(head, 1, _COMMENT)
    return bool(lines) and bool(_HEA_RECORD_LINE.match(lines[0]))


def _wfdb():
    with warnings_module.catch_warnings():  # its pandas calls warn about pandas' future at import
        warnings_module.simplefilter("ignore")
        import wfdb  # slow import (pandas); only WFDB users pay for it
    return wfdb


def _record_name(path: Path) -> str:
    return str(path.with_suffix(""))


def read_header(hea: Path, where: str):
    """The `wfdb` header object of ``hea``; RecordingError when it is missing or unreadable."""
    if not hea.is_file():
        raise RecordingError(
            f"{where}: no WFDB header {hea.name} beside it; a WFDB record needs its .hea file "
            "(copy it next to the data, or pass --fs HZ for a text file)"
        )
    wfdb = _wfdb()
    try:
        with warnings_module.catch_warnings():
            warnings_module.simplefilter("ignore")
            header = wfdb.rdheader(_record_name(hea))
    except Exception as exc:  # wfdb raises assorted types on malformed headers
        raise RecordingError(
            f"{where}: WFDB header {hea.name} cannot be read ({type(exc).__name__}: {exc}); "
            "check the file against the WFDB header format"
        ) from None
    if not hasattr(header, "sig_name") or getattr(header, "seg_name", None):
        raise RecordingError(
            f"{where}: multi-segment WFDB records are not supported; convert the record to a "
            "single segment (e.g. wfdb.rdrecord(...).wrsamp())"
        )
    return header


def _header_specs(header, where: str) -> list[SignalSpec]:
    n = int(header.n_sig or 0)
    fs = float(header.fs or 0)
    if n == 0:
        raise RecordingError(f"{where}: the WFDB header declares no signals")
    if not (np.isfinite(fs) and fs > 0):
        raise RecordingError(f"{where}: the WFDB header gives no sampling frequency")
    spf = list(header.samps_per_frame or [1] * n)
    names = list(header.sig_name or [])
    units = list(header.units or [])
    if len(spf) != n or len(names) > n or len(units) > n:
        raise RecordingError(
            f"{where}: the WFDB header declares {n} signals but describes {len(spf)}; the header "
            "is damaged"
        )
    if not all(isinstance(x, (int, np.integer)) and 1 <= x <= 1_000_000 for x in spf):
        raise RecordingError(f"{where}: the WFDB header gives invalid samples per frame {spf}")
    return [
        SignalSpec(
            i,
            (names[i] if i < len(names) and names[i] else f"signal{i + 1}"),
            "",
            (units[i] if i < len(units) and units[i] else ""),
            fs * int(spf[i]),
        )
        for i in range(n)
    ]


#: WFDB signal formats -> bits of the stored integer (format 8 stores first differences, 32 and
#: FLAC cannot be said to wrap at a range worth checking: not listed)
_WFDB_FORMAT_BITS = {"16": 16, "61": 16, "80": 8, "160": 16, "212": 12, "24": 24, "310": 10,
                     "311": 10}


def wrap_periods_uv(header, indices: list[int], scales_to_uv: list[float]) -> list[float | None]:
    """Per chosen signal, the stored integer's full range in µV (2**bits / gain, in µV): an
    overflow in the file wraps the physical value by this much. None where not known."""
    fmts = list(getattr(header, "fmt", None) or [])
    gains = list(getattr(header, "adc_gain", None) or [])
    out: list[float | None] = []
    for i, scale in zip(indices, scales_to_uv):
        bits = _WFDB_FORMAT_BITS.get(str(fmts[i])) if i < len(fmts) else None
        gain = float(gains[i]) if i < len(gains) and gains[i] else 0.0
        out.append(2.0 ** bits / gain * scale if bits and gain > 0 and np.isfinite(gain) else None)
    return out


class WfdbRecording(Recording):
    """Chosen signals of a WFDB record; each chunk is one ``rdrecord(sampfrom, sampto)``."""

    def __init__(self, info: RecordingInfo, scales: list[float], record_name: str,
                 channels: list[int], spf: int, n_frames: int):
        super().__init__(info, scales)
        self._record_name = record_name
        self._channels = channels
        self._spf = spf
        self._n_frames = n_frames

    def read_frames(self, start: int, stop: int) -> np.ndarray:
        wfdb = _wfdb()
        smooth = self._spf == 1
        try:
            with warnings_module.catch_warnings():
                warnings_module.simplefilter("ignore")
                rec = wfdb.rdrecord(self._record_name, sampfrom=start, sampto=stop,
                                    channels=self._channels, physical=True, smooth_frames=smooth)
        except Exception as exc:
            raise RecordingError(
                f"{self.path}: WFDB samples {start}-{stop} cannot be read ({type(exc).__name__}: "
                f"{exc}); the signal file may be missing, truncated or damaged"
            ) from None
        if smooth:
            data = np.asarray(rec.p_signal, dtype=np.float64)
        else:
            data = np.column_stack([np.asarray(x, dtype=np.float64) for x in rec.e_p_signal])
        expected = (stop - start) * self._spf
        if data.ndim != 2 or data.shape != (expected, len(self._channels)):
            raise RecordingError(
                f"{self.path}: WFDB samples {start}-{stop} came back with shape {data.shape}, "
                f"expected ({expected}, {len(self._channels)}); the signal file may be truncated"
            )
        return data

    def _iter_raw(self, chunk_samples: int) -> Iterator[np.ndarray]:
        frames = max(1, chunk_samples // self._spf)
        for start in range(0, self._n_frames, frames):
            yield self.read_frames(start, min(self._n_frames, start + frames))


def open_wfdb(path: Path, fs_hz: float | None = None, stream: str | None = None) -> WfdbRecording:
    """Open a WFDB record by its ``.hea`` or ``.dat``; see the module docstring."""
    where = str(path)
    t_start = time.monotonic()
    hea = path.with_suffix(".hea")
    header = read_header(hea, where)
    specs = _header_specs(header, where)
    chosen, warnings = select_signals(specs, stream, where)
    fs = chosen[0].fs_hz
    check_rate_agrees(fs, fs_hz, "the WFDB header", where)
    n_frames = int(header.sig_len or 0)
    if n_frames <= 0:
        raise RecordingError(
            f"{where}: the WFDB header gives no number of samples; add it to the record line"
        )
    spf = int(round(fs / float(header.fs)))
    warnings.extend(low_rate_warnings(fs))
    labels = [s.label for s in chosen]
    units = [s.unit for s in chosen]
    scales, unit_warnings = channel_scales(units, labels, where)
    warnings.extend(unit_warnings)
    info = RecordingInfo(
        path=path, fs_hz=fs, channel_labels=labels, units_in=units, n_samples=n_frames * spf,
        stream_name=str(header.record_name), stream_type="WFDB", markers=[], warnings=warnings,
        wrap_periods_uv=wrap_periods_uv(header, [s.index for s in chosen], scales),
    )
    rec = WfdbRecording(info, scales, _record_name(hea), [s.index for s in chosen], spf, n_frames)
    rec.read_frames(0, 1)  # a missing or unreadable signal file fails now, not mid-run
    logger.info("%s: WFDB %d of %d signals, %g Hz, %d samples (%.2f s)", where, len(chosen),
                len(specs), fs, n_frames * spf, time.monotonic() - t_start)
    return rec


# --- PhysioNet text --------------------------------------------------------------------------------
_NUMBER_PREFIX = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_ENCODING = "latin-1"  # stray bytes must not stop decoding


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def sniff_physionet_text(head: bytes) -> bool:
    """Header-less rows of at least two whitespace-separated numbers (no commas/semicolons)."""
    if b"\x00" in head or b"," in head or b";" in head:
        return False
    text = head.decode(_ENCODING)
    lines = [ln for ln in _complete_lines(text) if ln.strip() and not ln.lstrip().startswith(_TEXT_COMMENT)]
    if not lines:
        return False
    for line in lines[:3]:
        fields = line.split()
        if len(fields) < 2 or not all(_is_float(f) for f in fields):
            return False
    return True


def _parse_line(line: str, number: int, n_fields: int, where: str) -> tuple[list[float], bool]:
    """Values of one data line and whether it needed repair; RecordingError when it cannot be."""
    fields = line.split()
    repaired = len(fields) != n_fields
    if len(fields) < n_fields:
        raise RecordingError(
            f"{where} line {number}: {len(fields)} fields where the file has {n_fields} "
            f"({line.strip()[:60]!r}); fix or delete the line"
        )
    values = []
    for text in fields[:n_fields]:
        try:
            values.append(float(text))
            continue
        except ValueError:
            pass
        m = _NUMBER_PREFIX.match(text)
        if not m:
            raise RecordingError(
                f"{where} line {number}: {text!r} is not a number ({line.strip()[:60]!r}); fix or "
                "delete the line"
            )
        values.append(float(m.group()))
        repaired = True
    return values, repaired


class PhysioNetTextRecording(Recording):
    def __init__(self, info: RecordingInfo, scales: list[float], columns: list[int], n_fields: int):
        super().__init__(info, scales)
        self._columns = columns
        self._n_fields = n_fields

    def _iter_raw(self, chunk_samples: int) -> Iterator[np.ndarray]:
        for lines, numbers in _blocks(self.path, chunk_samples):
            yield _parse_block(lines, numbers, self._n_fields, str(self.path))[:, self._columns]


def _blocks(path: Path, rows: int) -> Iterator[tuple[list[str], list[int]]]:
    with open(path, "rb") as f:  # lines end at b"\n" only, as `TextScan` counts them
        def data_lines() -> Iterator[tuple[int, str]]:
            for number, raw in enumerate(f, start=1):
                line = raw.decode(_ENCODING)
                stripped = line.strip()
                if stripped and not stripped.startswith(_TEXT_COMMENT):
                    yield number, line
        yield from numbered_blocks(data_lines(), rows)


def _parse_block(lines: list[str], numbers: list[int], n_fields: int, where: str) -> np.ndarray:
    try:
        table = np.loadtxt(lines, dtype=np.float64, ndmin=2, comments=None)
        if table.shape[1] == n_fields:
            return table
    except ValueError:
        pass
    return np.array([_parse_line(ln, no, n_fields, where)[0] for ln, no in zip(lines, numbers)],
                    dtype=np.float64).reshape(len(lines), n_fields)


def _head_block(path: Path, rows: int) -> tuple[list[str], list[int]]:
    return next(_blocks(path, rows), ([], []))


def _time_drift(path: Path, first_time_s: float, rows: int, fs: float) -> float | None:
    """Last row's time minus where row counting puts it (s); None when it cannot be read."""
    with open(path, "rb") as f:
        f.seek(0, 2)
        size = f.tell()
        f.seek(max(0, size - 4096))
        tail = f.read().decode(_ENCODING)
    for line in reversed(tail.splitlines()[1:] if size > 4096 else tail.splitlines()):
        fields = line.split()
        if not fields or line.lstrip().startswith(_TEXT_COMMENT):
            continue
        m = _NUMBER_PREFIX.match(fields[0])
        return float(m.group()) - (first_time_s + (rows - 1) / fs) if m else None
    return None


def _lines_text(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:TEXT_BAD_LINES_SHOWN]))
    more = len(numbers) - TEXT_BAD_LINES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def _repairs(path: Path, suspects: list[int], n_fields: int, where: str) -> list[int]:
    """Parse the suspect lines now: a fatal one fails at open; return those repaired."""
    if not suspects:
        return []
    wanted = set(suspects)
    repaired = []
    with open(path, "rb") as f:
        for number, raw in enumerate(f, start=1):
            if number in wanted:
                line = raw.decode(_ENCODING)
                if _parse_line(line, number, n_fields, where)[1]:
                    repaired.append(number)
                if number >= suspects[-1]:
                    break
    return repaired


def open_physionet_text(path: Path, fs_hz: float | None = None,
                        stream: str | None = None) -> PhysioNetTextRecording:
    """Open a PhysioNet text export (``time_s value...`` rows); see the module docstring."""
    where = str(path)
    t_start = time.monotonic()
    lines, numbers = _head_block(path, 4096)
    if not lines:
        raise RecordingError(f"{where}: no data rows")
    n_fields = len(lines[0].split())
    if n_fields < 2:
        raise RecordingError(f"{where} line {numbers[0]}: expected 'time value...' rows, found "
                             f"{lines[0].strip()[:60]!r}")
    head = _parse_block(lines, numbers, n_fields, where)
    warnings: list[str] = []
    hea = path.with_suffix(".hea")
    header = read_header(hea, where) if hea.is_file() else None
    n_sig = n_fields - 1
    step = float(np.median(np.diff(head[:, 0]))) if len(head) > 1 else float("nan")
    time_rate = round_rate(1.0 / step) if np.isfinite(step) and step > 0 else None
    if header is not None:
        specs = _header_specs(header, f"{where} (header {hea.name})")
        if len(specs) != n_sig:
            raise RecordingError(
                f"{where}: {n_sig} value columns but the header {hea.name} beside it describes "
                f"{len(specs)} signals; it belongs to another export"
            )
        if any(s.fs_hz != float(header.fs) for s in specs):
            raise RecordingError(f"{where}: the header {hea.name} has several samples per frame; "
                                 "text exports of such records are not supported")
        fs = float(header.fs)
        check_rate_agrees(fs, fs_hz, f"the header {hea.name} beside it", where)
        rate_from = f"header {hea.name}"
    else:
        specs = [SignalSpec(i, f"ch{i + 1}", "", PHYSIONET_TEXT_UNIT, 0.0)
                 for i in range(n_sig)]
        if fs_hz is None:
            hint = f" (the time column suggests about {time_rate:g} Hz)" if time_rate else ""
            raise RecordingError(
                f"{where}: PhysioNet text export without its header {hea.name} beside it, so no "
                f"sampling rate: pass --fs HZ{hint}"
            )
        fs = float(fs_hz)
        rate_from = "--fs"
        specs = [SignalSpec(s.index, s.label, s.kind, s.unit, fs) for s in specs]
        warnings.append(f"no header {hea.name} beside the file: values taken as "
                        f"{PHYSIONET_TEXT_UNIT} (PhysioNet text export)")
    if header is None and stream is None:
        chosen = specs  # a bare export: its value columns are the signals
    else:
        chosen, notes = select_signals(specs, stream, where)
        warnings.extend(notes)
    if time_rate and abs(time_rate - fs) > FS_MISMATCH_REL_TOL * fs:
        warnings.append(f"the time column suggests {time_rate:g} Hz but the {rate_from} gives "
                        f"{fs:g} Hz: using {fs:g} Hz (rows are samples; the time column is ignored)")
    scan = TextScan(path)
    if scan.too_many:
        raise RecordingError(
            f"{where}: more than {len(scan.suspects)} lines hold bytes that are not numbers "
            f"(first at line {scan.suspects[0]}): not a PhysioNet text export?"
        )
    repaired = _repairs(path, scan.suspects, n_fields, where)
    if repaired:
        warnings.append(
            f"{len(repaired)} damaged line(s) with stray bytes after a value (lines "
            f"{_lines_text(repaired)}): the leading number was kept"
        )
    drift = _time_drift(path, head[0, 0], scan.rows, fs)
    if drift is not None and abs(drift) > PHYSIONET_TEXT_DRIFT_WARN_S:
        warnings.append(f"the time column drifts {drift * 1e3:+.1f} ms from the row count by the "
                        f"last row: it is ignored, sample i is at i/{fs:g} s")
    if header is not None and header.sig_len and int(header.sig_len) != scan.rows:
        warnings.append(f"{scan.rows} rows but the header {hea.name} announces {header.sig_len} "
                        "samples")
    warnings.extend(low_rate_warnings(fs))
    labels = [s.label for s in chosen]
    units = [s.unit for s in chosen]
    scales, unit_warnings = channel_scales(units, labels, where)
    warnings.extend(unit_warnings)
    info = RecordingInfo(
        path=path, fs_hz=fs, channel_labels=labels, units_in=units, n_samples=scan.rows,
        stream_name=path.stem, stream_type="PhysioNet text", markers=[], warnings=warnings,
        # a text export of a 16-bit record keeps the record's wraps: its header tells the range
        wrap_periods_uv=(wrap_periods_uv(header, [s.index for s in chosen], scales)
                         if header is not None else None),
    )
    logger.info("%s: PhysioNet text, %d ch, %g Hz, %d rows, %d repaired lines (%.2f s)", where,
                len(labels), fs, scan.rows, len(repaired), time.monotonic() - t_start)
    return PhysioNetTextRecording(info, scales, [1 + s.index for s in chosen], n_fields)
