"""OpenSignals text files (PLUX: BITalino, biosignalsplux).

Layout::

    # OpenSignals Text File Format
    # {"00:07:80:4D:2E:AD": {"sensor": ["EMG", "EMG", "XYZ"], "column": ["nSeq", "DI", "CH1", ...],
    #   "label": ["CH1", "CH2", "CH3"], "resolution": [16, 16, 16], "sampling rate": 1000,
    #   "device": "biosignalsplux", ...}}
    # EndOfHeader
    0	0	32816	32647	35932
    ...

Rows are tab-separated raw ADC counts. ``nSeq`` (a sample counter) and the digital I/O columns
are not signals. Channels whose sensor is EMG ("EMG", "EMGBITREV", ...) are converted to µV with
PLUX's EMG transfer function ``((ADC / 2**n) - 0.5) * VCC / gain`` (n = the channel's
resolution from the header, VCC and gain by device: `OPENSIGNALS_EMG_TRANSFER`). Other sensors
(accelerometer "XYZ"/"ACC", ECG, EDA...) have other transfer functions and no voltage meaning for
this monitor: they are dropped with a warning naming them, and asking for one with ``stream`` is
refused. The rate is the header's "sampling rate". ``stream`` picks EMG channels by label
("CH1,CH2"). Files describing several devices are refused (export one device per file).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from twitchwatch._logging import logger
from twitchwatch.formats.constants import (
    OPENSIGNALS_COUNTER_COLUMN,
    OPENSIGNALS_DEFAULT_TRANSFER,
    OPENSIGNALS_EMG_TRANSFER,
    OPENSIGNALS_HEADER_MAX_LINES,
)
from twitchwatch.formats.recording import (
    low_rate_warnings,
    Recording,
    RecordingError,
    RecordingInfo,
    check_rate_agrees,
)
from twitchwatch.formats.signal_select import SignalSpec, select_signals, signals_text
from twitchwatch.formats.text_scan import TextScan, numbered_blocks

OPENSIGNALS_EXTENSIONS = (".txt",)
_MAGIC = b"# OpenSignals"
_BOM = b"\xef\xbb\xbf"
_END_OF_HEADER = "endofheader"
_SENSOR_NAMES = {"XYZ": "accelerometer", "ACC": "accelerometer", "ECG": "ECG", "EDA": "EDA",
                 "EEG": "EEG", "RESP": "respiration", "PZT": "respiration", "TEMP": "temperature",
                 "LUX": "light", "BVP": "blood volume pulse", "SPO2": "SpO2", "RAW": "unconfigured"}


def sniff_opensignals(head: bytes) -> bool:
    return head.startswith(_MAGIC) or head.startswith(_BOM + _MAGIC)


def is_emg_sensor(sensor: str) -> bool:
    return sensor.strip().upper().startswith("EMG")


def sensor_text(sensor: str) -> str:
    key = sensor.strip().upper()
    for prefix, name in _SENSOR_NAMES.items():
        if key.startswith(prefix):
            return f"{sensor} ({name})" if name.lower() != sensor.lower() else sensor
    return sensor or "unknown sensor"


def emg_uv(adc: np.ndarray, resolution_bits: np.ndarray, vcc_v: float, gain: float) -> np.ndarray:
    """PLUX EMG transfer function, in µV: ((ADC / 2**n) - 0.5) * VCC / gain, V -> µV."""
    return ((np.asarray(adc, dtype=np.float64) / 2.0 ** resolution_bits) - 0.5) * (vcc_v / gain * 1e6)


def _read_header(path: Path, where: str) -> tuple[dict, int]:
    """(the header's JSON object, number of header lines)."""
    with open(path, encoding="utf-8-sig", errors="replace", newline=None) as f:
        header_json = None
        for number, line in enumerate(f, start=1):
            text = line.strip()
            if not text.startswith("#"):
                break
            body = text.lstrip("#").strip()
            if body.startswith("{") and header_json is None:
                try:
                    header_json = json.loads(body)
                except json.JSONDecodeError as exc:
                    raise RecordingError(
                        f"{where} line {number}: the OpenSignals header is not valid JSON ({exc.msg} "
                        f"at column {exc.colno}); the file may be damaged"
                    ) from None
            if body.replace(" ", "").lower() == _END_OF_HEADER:
                if header_json is None:
                    break
                return header_json, number
            if number >= OPENSIGNALS_HEADER_MAX_LINES:
                break
    raise RecordingError(
        f"{where}: OpenSignals header without its JSON line or '# EndOfHeader' in the first "
        f"{OPENSIGNALS_HEADER_MAX_LINES} lines; the file may be damaged"
    )


def _device(header: dict, where: str) -> tuple[str, dict]:
    if not isinstance(header, dict) or not header:
        raise RecordingError(f"{where}: the OpenSignals header describes no device")
    if len(header) > 1:
        raise RecordingError(
            f"{where}: the OpenSignals header describes {len(header)} devices "
            f"({', '.join(map(str, header))}); twitchwatch reads one device per file: export each "
            "device to its own file"
        )
    key, meta = next(iter(header.items()))
    if not isinstance(meta, dict):
        raise RecordingError(f"{where}: the OpenSignals header entry {key!r} is not an object")
    return str(key), meta


def _list(meta: dict, name: str, where: str) -> list:
    value = meta.get(name)
    if not isinstance(value, list):
        raise RecordingError(f"{where}: the OpenSignals header has no {name!r} list")
    return value


class OpenSignalsRecording(Recording):
    def __init__(self, info: RecordingInfo, header_lines: int, n_fields: int, columns: list[int],
                 resolutions: list[int], transfer: tuple[float, float], counter_col: int | None):
        super().__init__(info, [1.0] * len(columns))
        self._header_lines = header_lines
        self._n_fields = n_fields
        self._columns = columns
        self._bits = np.asarray(resolutions, dtype=np.float64)
        self._transfer = transfer
        self._counter_col = counter_col

    def _iter_raw(self, chunk_samples: int) -> Iterator[np.ndarray]:
        last_counter = None
        warned = False
        for lines, numbers in _blocks(self.path, self._header_lines, chunk_samples):
            table = _parse_block(lines, numbers, self._n_fields, str(self.path))
            if self._counter_col is not None and not warned:
                counter = table[:, self._counter_col]
                if last_counter is not None:
                    counter = np.concatenate(([last_counter], counter))
                jumps = np.flatnonzero((np.diff(counter) != 1) & (counter[1:] != 0))
                if len(jumps):
                    warned = True
                    logger.warning("%s: the nSeq counter jumps near line %d: samples were lost "
                                   "in transmission, so later times are early", self.path,
                                   numbers[jumps[0] + (last_counter is None)])
                last_counter = table[-1, self._counter_col]
            yield emg_uv(table[:, self._columns], self._bits, *self._transfer)


def _blocks(path: Path, header_lines: int, rows: int) -> Iterator[tuple[list[str], list[int]]]:
    with open(path, "rb") as f:  # lines end at b"\n" only, as `TextScan` counts them
        def data_lines() -> Iterator[tuple[int, str]]:
            for number, raw in enumerate(f, start=1):
                line = raw.decode("latin-1")
                stripped = line.strip()
                if number > header_lines and stripped and not stripped.startswith("#"):
                    yield number, line
        yield from numbered_blocks(data_lines(), rows)


def _parse_block(lines: list[str], numbers: list[int], n_fields: int, where: str) -> np.ndarray:
    try:
        table = np.loadtxt(lines, dtype=np.float64, ndmin=2, comments=None)
    except ValueError:
        table = None
    if table is not None and table.shape[1] == n_fields:
        return table
    for line, number in zip(lines, numbers):  # find the bad line for the message
        fields = line.split()
        if len(fields) != n_fields:
            raise RecordingError(
                f"{where} line {number}: {len(fields)} fields where the header names {n_fields} "
                f"columns ({line.strip()[:60]!r}); fix or delete the line"
            )
        for field in fields:
            try:
                float(field)
            except ValueError:
                raise RecordingError(
                    f"{where} line {number}: {field!r} is not a number; fix or delete the line"
                ) from None
    raise RecordingError(f"{where}: cannot parse lines {numbers[0]}-{numbers[-1]}")


def _transfer(device: str, warnings: list[str]) -> tuple[float, float]:
    key = device.strip().lower()
    for name, transfer in OPENSIGNALS_EMG_TRANSFER.items():
        if key.startswith(name):
            return transfer
    vcc, gain = OPENSIGNALS_DEFAULT_TRANSFER
    warnings.append(f"device {device!r} is not one whose EMG transfer function we know: using "
                    f"BITalino's (VCC {vcc:g} V, gain {gain:g})")
    return OPENSIGNALS_DEFAULT_TRANSFER


def open_opensignals(path: Path, fs_hz: float | None = None,
                     stream: str | None = None) -> OpenSignalsRecording:
    """Open an OpenSignals text file; see the module docstring for the rules."""
    where = str(path)
    t_start = time.monotonic()
    header, header_lines = _read_header(path, where)
    mac, meta = _device(header, where)
    columns = [str(c) for c in _list(meta, "column", where)]
    labels = [str(x) for x in _list(meta, "label", where)]
    sensors = [str(x) for x in _list(meta, "sensor", where)]
    resolutions = _list(meta, "resolution", where)
    if not (len(labels) == len(sensors) == len(resolutions)):
        raise RecordingError(
            f"{where}: the OpenSignals header lists {len(labels)} labels, {len(sensors)} sensors "
            f"and {len(resolutions)} resolutions; they should match one to one"
        )
    try:
        fs = float(meta.get("sampling rate"))
    except (TypeError, ValueError):
        fs = float("nan")
    if not (np.isfinite(fs) and fs > 0):
        raise RecordingError(f"{where}: the OpenSignals header gives no valid 'sampling rate' "
                             f"({meta.get('sampling rate')!r})")
    check_rate_agrees(fs, fs_hz, "the OpenSignals header", where)
    warnings: list[str] = []
    all_specs = []
    for k, (label, sensor) in enumerate(zip(labels, sensors)):
        if label not in columns:
            raise RecordingError(f"{where}: channel {label!r} of the header is not among its "
                                 f"columns {columns}")
        all_specs.append(SignalSpec(k, label, sensor, "", fs))
    emg = [s for s in all_specs if is_emg_sensor(s.kind)]
    others = [s for s in all_specs if not is_emg_sensor(s.kind)]
    if stream is not None:
        for item in (x.strip().lower() for x in stream.split(",") if x.strip()):
            for s in others:
                if s.label.lower() == item:
                    raise RecordingError(
                        f"{where}: channel {s.label!r} is a {sensor_text(s.kind)} sensor, not EMG: "
                        "only EMG channels have a transfer function to microvolts here; EMG "
                        f"channels: {signals_text(emg)}"
                    )
    if not emg:
        raise RecordingError(
            f"{where}: no EMG channel; the header's sensors are "
            + ", ".join(f"{s.label} {sensor_text(s.kind)}" for s in all_specs)
        )
    chosen, _ = select_signals(emg, stream, where)
    if others:
        warnings.append("not EMG, left out: " + ", ".join(f"{s.label} ({sensor_text(s.kind)})"
                                                          for s in others))
    bits = []
    for s in chosen:
        try:
            n = int(resolutions[s.index])
        except (TypeError, ValueError):
            n = 0
        if not 1 <= n <= 32:
            raise RecordingError(f"{where}: channel {s.label!r} has resolution "
                                 f"{resolutions[s.index]!r} bits in the header; expected 1-32")
        bits.append(n)
    device = str(meta.get("device", ""))
    transfer = _transfer(device, warnings)
    warnings.extend(low_rate_warnings(fs))
    scan = TextScan(path)
    rows = scan.rows  # the header's lines start with '#': not counted
    if rows <= 0:
        raise RecordingError(f"{where}: no data rows after the header")
    if scan.suspects:
        first = scan.suspects[0]
        raise RecordingError(f"{where} line {first}: holds bytes that are not numbers; fix or "
                             "delete the line")
    head = next(_blocks(path, header_lines, 1))
    n_fields = len(head[0][0].split())
    if n_fields != len(columns):
        raise RecordingError(
            f"{where} line {head[1][0]}: {n_fields} fields but the header names {len(columns)} "
            f"columns ({', '.join(columns)})"
        )
    lower = [c.lower() for c in columns]
    counter_col = lower.index(OPENSIGNALS_COUNTER_COLUMN) if OPENSIGNALS_COUNTER_COLUMN in lower else None
    info = RecordingInfo(
        path=path, fs_hz=fs, channel_labels=[s.label for s in chosen],
        units_in=[f"ADC counts ({n} bit)" for n in bits], n_samples=rows,
        stream_name=str(meta.get("device name") or mac), stream_type="OpenSignals " + (device or "PLUX"),
        markers=[], warnings=warnings,
    )
    logger.info("%s: OpenSignals %s, %d of %d channels, %g Hz, %d rows (%.2f s)", where, device,
                len(chosen), len(all_specs), fs, rows, time.monotonic() - t_start)
    return OpenSignalsRecording(info, header_lines, n_fields, [columns.index(s.label) for s in chosen],
                                bits, transfer, counter_col)
