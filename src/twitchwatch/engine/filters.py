"""Filter design (scipy.signal) and the streaming second-order-section kernel.

Design happens once, in Python, with scipy. Execution happens sample by sample in numba with
carried state. The arithmetic of `_sos_step` is the one of scipy's `sosfilt` (transposed direct
form II), so scipy is the oracle: outputs are bit-identical (tested).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numba import njit
from scipy import signal

from twitchwatch.engine.config import DetectorConfig

#: notch sections per mains family (fundamental + harmonics); unused rows are never run
MAX_NOTCH_SECTIONS = 3


@dataclass(frozen=True)
class FilterDesign:
    """Second-order sections for one sampling rate, as the kernel consumes them."""

    fs_hz: float
    lowpass_hz: float
    #: band-pass sections, shape (n_sections, 6): high-pass then low-pass
    bandpass_sos: np.ndarray
    #: notch sections per mains candidate, shape (n_candidates, MAX_NOTCH_SECTIONS, 6)
    notch_sos: np.ndarray
    #: how many rows of notch_sos are used per candidate
    notch_count: np.ndarray
    #: extra low-pass for the detection path only, shape (0 or 1, 6)
    detection_sos: np.ndarray
    #: band-pass of the onset envelope, applied to the filtered signal, shape (0 or 1, 6);
    #: none: the envelope follows the detection band
    onset_sos: np.ndarray
    mains_candidates_hz: tuple[float, ...]


def effective_lowpass_hz(fs_hz: float, config: DetectorConfig) -> float:
    return min(config.lowpass_hz, config.lowpass_max_fraction_of_fs * fs_hz)


def design_filters(fs_hz: float, config: DetectorConfig) -> FilterDesign:
    """Band-pass (Butterworth high-pass + low-pass) and mains notches for `fs_hz`."""
    lowpass_hz = effective_lowpass_hz(fs_hz, config)
    if lowpass_hz <= config.highpass_hz * 1.5:
        raise ValueError(
            f"sampling rate {fs_hz:g} Hz is too low for a {config.highpass_hz:g} Hz high-pass: "
            f"the band would end at {lowpass_hz:g} Hz. Surface EMG needs at least 200 Hz."
        )
    highpass = signal.butter(config.highpass_order, config.highpass_hz, "highpass", fs=fs_hz, output="sos")
    lowpass = signal.butter(config.lowpass_order, lowpass_hz, "lowpass", fs=fs_hz, output="sos")
    bandpass = np.ascontiguousarray(np.vstack([highpass, lowpass]), dtype=np.float64)

    candidates = tuple(float(f) for f in config.mains_candidates_hz)
    notch = np.zeros((len(candidates), MAX_NOTCH_SECTIONS, 6))
    notch[:, :, 0] = 1.0  # identity sections where unused
    notch[:, :, 3] = 1.0
    count = np.zeros(len(candidates), dtype=np.int64)
    # Harmonics above the band edge are already attenuated by the low-pass; near Nyquist
    # a notch design is ill-conditioned.
    top_hz = min(0.48 * fs_hz, lowpass_hz * 1.15)
    for i, mains_hz in enumerate(candidates):
        for k in range(1, min(config.mains_harmonics, MAX_NOTCH_SECTIONS) + 1):
            f0 = mains_hz * k
            if f0 >= top_hz:
                break
            b, a = signal.iirnotch(f0, config.notch_quality, fs=fs_hz)
            notch[i, count[i]] = signal.tf2sos(b, a)[0]
            count[i] += 1
    if config.detection_lowpass_hz < 0.9 * lowpass_hz:
        detection = signal.butter(2, config.detection_lowpass_hz, "lowpass", fs=fs_hz, output="sos")
    else:
        detection = np.zeros((0, 6))
    low_hz, high_hz = config.onset_band_hz
    if high_hz < 0.9 * lowpass_hz and low_hz > config.highpass_hz:
        onset = signal.butter(1, [low_hz, high_hz], "bandpass", fs=fs_hz, output="sos")
    else:
        onset = np.zeros((0, 6))
    return FilterDesign(fs_hz, lowpass_hz, bandpass, notch, count, np.ascontiguousarray(detection),
                        np.ascontiguousarray(onset), candidates)


@njit(cache=True, nogil=True)
def _coefficients(sos, s):
    """Section `s`'s (b0, b1, b2, a1, a2) as values, so that a loop keeps them in registers."""
    return sos[s, 0], sos[s, 1], sos[s, 2], sos[s, 4], sos[s, 5]


@njit(cache=True, nogil=True)
def _section(k, z, s, c, x):
    """One sample through a section with coefficients `k` (see `_coefficients`) and state
    z[s, :, c]; z has shape (sections, 2, channels). scipy's sosfilt arithmetic, in its order."""
    y = k[0] * x + z[s, 0, c]
    z[s, 0, c] = k[1] * x - k[3] * y + z[s, 1, c]
    z[s, 1, c] = k[2] * x - k[4] * y
    return y


@njit(cache=True, nogil=True)
def _sos_step(sos, z, s, c, x):
    """One sample through section `s` for channel `c`; z has shape (sections, 2, channels)."""
    return _section(_coefficients(sos, s), z, s, c, x)


@njit(cache=True, nogil=True)
def _sosfilt_stream(sos, x, z, out):
    n_sections = sos.shape[0]
    for n in range(x.shape[0]):
        for c in range(x.shape[1]):
            v = np.float64(x[n, c])
            for s in range(n_sections):
                v = _sos_step(sos, z, s, c, v)
            out[n, c] = v


def sosfilt_stream(sos: np.ndarray, x: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Filter `x` (samples, channels) through `sos`, carrying state `z` (sections, 2, channels).

    `z` is updated in place, so consecutive calls on consecutive chunks equal one call on the
    whole signal, bit for bit. Returns the filtered chunk (float64).
    """
    sos = np.ascontiguousarray(sos, dtype=np.float64)
    if sos.ndim != 2 or sos.shape[1] != 6:
        raise ValueError(f"Invalid sos shape: expected (n_sections, 6), got {sos.shape}")
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"Invalid x shape: expected (samples, channels), got {x.shape}")
    expected = (sos.shape[0], 2, x.shape[1])
    if z.shape != expected or z.dtype != np.float64 or not z.flags.c_contiguous:
        raise ValueError(f"Invalid z: expected C-contiguous float64 of shape {expected}, got {z.dtype} {z.shape}")
    out = np.empty(x.shape, dtype=np.float64)
    _sosfilt_stream(sos, np.ascontiguousarray(x), z, out)
    return out
