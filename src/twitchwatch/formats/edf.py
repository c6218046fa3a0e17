"""EDF, EDF+ and BDF(+) recordings, via edfio.

Library: edfio (pure Python + NumPy, maintained by MNE-Python developers, whose EDF export uses
it). It reads an EDF file lazily through a memory map, so `iter_chunks` touches only the data
records of the chunk it yields; BDF files it loads whole (24-bit samples cannot be memory-mapped
as an array), which we warn about above `EDF_LOAD_WARN_MB`. pyedflib was the alternative: its C
core (edflib) streams BDF too, but refuses files over small header deviations that edfio reads,
and needs a compiled wheel.

Channels: see `signal_select` (EMG-like signals by default, else voltage signals; the highest
rate among them; ``stream="EMG1,EMG2"`` or ``stream="EMG"`` chooses). Values are calibrated from
the header's physical/digital ranges and converted from the declared dimension (V, mV, µV/uV)
to µV. EDF+ annotations become markers (onset in seconds from the first sample, text); an EDF+D
file whose data records leave gaps is refused (its samples are not one continuous stream).
"""

from __future__ import annotations

import time
import warnings as warnings_module
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from twitchwatch._logging import logger
from twitchwatch.formats.constants import EDF_LOAD_WARN_MB
from twitchwatch.formats.recording import (
    low_rate_warnings,
    Marker,
    Recording,
    RecordingError,
    RecordingInfo,
    channel_scales,
    check_rate_agrees,
)
from twitchwatch.formats.signal_select import SignalSpec, select_signals

EDF_EXTENSIONS = (".edf", ".bdf")
_EDF_MAGIC = b"0       "
_BDF_MAGIC = b"\xffBIOSEMI"


def sniff_edf(head: bytes) -> bool:
    return head.startswith(_EDF_MAGIC) or head.startswith(_BDF_MAGIC)


class EdfRecording(Recording):
    """Chosen signals of an EDF/BDF file; chunks are read from the file (EDF) as they are asked for."""

    def __init__(self, info: RecordingInfo, scales: list[float], edf, signals: list, gains, offsets):
        super().__init__(info, scales)
        self._edf = edf
        self._signals = signals
        self._gains = np.asarray(gains, dtype=np.float64)
        self._offsets = np.asarray(offsets, dtype=np.float64)

    def _iter_raw(self, chunk_samples: int) -> Iterator[np.ndarray]:
        n = self.n_samples or 0
        fs = self.fs_hz
        for start in range(0, n, chunk_samples):
            stop = min(n, start + chunk_samples)
            block = np.empty((stop - start, len(self._signals)), dtype=np.float64)
            for c, sig in enumerate(self._signals):
                digital = sig.get_digital_slice(start / fs, stop / fs)
                if len(digital) != stop - start:  # rounding in edfio's seconds -> samples
                    raise RecordingError(
                        f"{self.path}: signal {sig.label!r} gave {len(digital)} samples for "
                        f"{start}-{stop}; the file may be damaged"
                    )
                block[:, c] = digital
            block += self._offsets
            block *= self._gains
            yield block

    def close(self) -> None:
        super().close()
        self._edf = None
        self._signals = []


def _read(path: Path, is_bdf: bool, where: str, warnings: list[str]):
    import edfio  # imported on first use: only EDF users pay for it

    size_mb = path.stat().st_size / 1e6
    if is_bdf and size_mb > EDF_LOAD_WARN_MB:
        warnings.append(f"BDF file of {size_mb:.0f} MB is loaded into memory whole (edfio reads "
                        "BDF eagerly)")
    with warnings_module.catch_warnings(record=True) as caught:
        warnings_module.simplefilter("always")
        try:
            edf = edfio.read_bdf(path) if is_bdf else edfio.read_edf(path, lazy_load_data=True)
        except Exception as exc:  # edfio raises ValueError & co. on malformed headers
            raise RecordingError(
                f"{where}: not a readable {'BDF' if is_bdf else 'EDF'} file ({type(exc).__name__}: "
                f"{exc}); it may be damaged or truncated — check it with EDFbrowser"
            ) from None
    for w in caught:
        warnings.append(f"edfio: {w.message}")
    return edf


def _signal_specs(edf, where: str) -> tuple[list[SignalSpec], list]:
    specs: list[SignalSpec] = []
    signals = list(edf.signals)  # without the EDF+ annotation signals
    for i, sig in enumerate(signals):
        try:
            fs = float(sig.sampling_frequency)
        except Exception:  # data record duration 0 with ordinary signals: a corrupt header
            fs = float("nan")
        specs.append(SignalSpec(i, sig.label.strip() or f"signal{i + 1}", sig.transducer_type.strip(),
                                sig.physical_dimension.strip(), fs))
    bad = [s for s in specs if not (np.isfinite(s.fs_hz) and s.fs_hz > 0)]
    if bad:
        raise RecordingError(
            f"{where}: header gives no valid sampling rate for {', '.join(repr(s.label) for s in bad)} "
            "(samples per record or record duration is 0 or missing); the file is damaged"
        )
    return specs, signals


def _calibration(sig, label: str, where: str) -> tuple[float, float]:
    """(gain, offset) with physical = (digital + offset) * gain, as the EDF specification says."""
    pmin, pmax = float(sig.physical_min), float(sig.physical_max)
    dmin, dmax = float(sig.digital_min), float(sig.digital_max)
    if not all(np.isfinite([pmin, pmax, dmin, dmax])) or pmax == pmin or dmax == dmin:
        raise RecordingError(
            f"{where}: signal {label!r} cannot be calibrated (physical range {pmin:g}..{pmax:g}, "
            f"digital range {dmin:g}..{dmax:g}); fix its header or choose other signals with --stream"
        )
    gain = (pmax - pmin) / (dmax - dmin)
    return gain, pmax / gain - dmax


def _markers(edf, where: str, warnings: list[str]) -> list[Marker]:
    try:
        annotations = edf.annotations
    except Exception as exc:  # malformed TALs: the signal is still good
        warnings.append(f"EDF+ annotations could not be read ({type(exc).__name__}: {exc}); no markers")
        return []
    return [(float(a.onset), a.text) for a in annotations if a.text]


def _check_continuous(edf, where: str) -> None:
    if "+D" not in edf.reserved.upper():
        return
    try:
        continuous = edf.is_continuous
    except Exception as exc:
        raise RecordingError(
            f"{where}: EDF+D (discontinuous) file whose record times cannot be read ({exc}); "
            "export it as EDF+C"
        ) from None
    if not continuous:
        raise RecordingError(
            f"{where}: EDF+D file with gaps between data records: its samples are not one "
            "continuous stream; export the continuous parts as EDF+C files"
        )


def open_edf(path: Path, fs_hz: float | None = None, stream: str | None = None) -> EdfRecording:
    """Open an EDF/EDF+/BDF/BDF+ file; see the module docstring for the rules."""
    where = str(path)
    t_start = time.monotonic()
    with open(path, "rb") as f:
        is_bdf = f.read(len(_BDF_MAGIC)) == _BDF_MAGIC
    warnings: list[str] = []
    edf = _read(path, is_bdf, where, warnings)
    try:
        return _open(path, edf, is_bdf, fs_hz, stream, warnings, t_start)
    except RecordingError:
        raise
    except (ValueError, TypeError, UnicodeError, ArithmeticError) as exc:
        # edfio decodes header fields on access: a damaged field fails here, not in read_edf
        raise RecordingError(
            f"{where}: a header field cannot be read ({type(exc).__name__}: {exc}); the file is "
            "damaged — check it with EDFbrowser"
        ) from None


def _open(path: Path, edf, is_bdf: bool, fs_hz: float | None, stream: str | None,
          warnings: list[str], t_start: float) -> EdfRecording:
    where = str(path)
    _check_continuous(edf, where)
    specs, signals = _signal_specs(edf, where)
    chosen, notes = select_signals(specs, stream, where)
    warnings.extend(notes)
    fs = chosen[0].fs_hz
    check_rate_agrees(fs, fs_hz, "the header (samples per data record / record duration)", where)
    n_samples = int(edf.num_data_records) * int(signals[chosen[0].index].samples_per_data_record)
    if n_samples <= 0:
        raise RecordingError(f"{where}: no data records (the recording holds no samples)")
    warnings.extend(low_rate_warnings(fs))
    labels = [s.label for s in chosen]
    units = [s.unit for s in chosen]
    scales, unit_warnings = channel_scales(units, labels, where)
    warnings.extend(unit_warnings)
    cal = [_calibration(signals[s.index], s.label, where) for s in chosen]
    markers = _markers(edf, where, warnings)
    info = RecordingInfo(
        path=path,
        fs_hz=fs,
        channel_labels=labels,
        units_in=units,
        n_samples=n_samples,
        stream_name=path.stem,
        stream_type="BDF" if is_bdf else "EDF",
        markers=markers,
        warnings=warnings,
        # 16-bit (EDF) or 24-bit (BDF) integers: an exporter's overflow wraps by the full range
        wrap_periods_uv=[2.0 ** (24 if is_bdf else 16) * abs(g) * sc for (g, _), sc in zip(cal, scales)],
    )
    logger.info("%s: %d of %d signals, %g Hz, %d samples, %d markers (%.2f s)", where, len(chosen),
                len(specs), fs, n_samples, len(markers), time.monotonic() - t_start)
    return EdfRecording(info, scales, edf, [signals[s.index] for s in chosen],
                        [g for g, _ in cal], [o for _, o in cal])
