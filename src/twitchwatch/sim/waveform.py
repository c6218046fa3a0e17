"""Analytic waveforms built from Gaussians and their derivatives, and how to measure them.

A component of derivative order n, centre c and width sigma is

    g(t) = w * sigma**n * d^n/dt^n exp(-(t - c)**2 / (2 sigma**2))
         = w * (-1)**n * He_n(x) * exp(-x**2 / 2),   x = (t - c) / sigma

(He_n: probabilists' Hermite polynomials; order 1 is biphasic, 2 triphasic, 3 four-phasic; these
are the Hermite-Rodrigues functions used to model MUAPs, Lo Conte 1994). Smoothing g with a
unit-area Gaussian of width a gives the same form with sigma -> s = sqrt(sigma**2 + a**2) and
weight scaled by (sigma / s)**(n + 1). That keeps the volume-conductor low-pass and the sensor's
anti-alias filter exact and cheap: the waveform is evaluated at the sample times, never sampled
from something with content above Nyquist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twitchwatch.sim.constants import ANTI_ALIAS_SIGMA_X_PERIOD, EXTENT_THRESHOLD, PHASE_THRESHOLD

#: Support of a component, in widths either side of its centre, for rendering windows.
SUPPORT_SIGMAS = 6.0
#: Resolution of the fine grid used to measure continuous waveforms.
FINE_STEP_S = 2e-5


def anti_alias_sigma_s(fs_hz: float) -> float:
    """Width (s) of the Gaussian anti-alias filter modelled for a sensor sampling at ``fs_hz``."""
    return ANTI_ALIAS_SIGMA_X_PERIOD / fs_hz


def anti_alias_gain(freq_hz: np.ndarray | float, fs_hz: float) -> np.ndarray | float:
    """Amplitude response of that filter at ``freq_hz`` (1 at DC, 0.1 at Nyquist)."""
    a = anti_alias_sigma_s(fs_hz)
    return np.exp(-2.0 * (np.pi * a * np.asarray(freq_hz)) ** 2)


def _hermite_e(order: int, x: np.ndarray) -> np.ndarray:
    if order == 0:
        return np.ones_like(x)
    if order == 1:
        return x
    if order == 2:
        return x * x - 1.0
    if order == 3:
        return x * (x * x - 3.0)
    if order == 4:
        x2 = x * x
        return x2 * x2 - 6.0 * x2 + 3.0
    raise ValueError(f"derivative order must be 0-4, got {order}")


@dataclass(frozen=True)
class GaussianWaveform:
    """A sum of Gaussian-derivative components (times in seconds, relative to a reference)."""

    orders: tuple[int, ...]
    centres_s: tuple[float, ...]
    widths_s: tuple[float, ...]
    weights: tuple[float, ...]

    def evaluate(self, t_s: np.ndarray, extra_sigma_s: np.ndarray | float = 0.0) -> np.ndarray:
        """The waveform at times ``t_s``, smoothed by a Gaussian of width ``extra_sigma_s``.

        ``t_s`` and ``extra_sigma_s`` broadcast against each other (e.g. times (L, 1) and one
        width per channel (C,) give an (L, C) array).
        """
        t = np.asarray(t_s, dtype=float)
        extra2 = np.square(np.asarray(extra_sigma_s, dtype=float))
        out = np.zeros(np.broadcast_shapes(t.shape, extra2.shape))
        for order, centre, sigma, weight in zip(
            self.orders, self.centres_s, self.widths_s, self.weights
        ):
            s = np.sqrt(sigma * sigma + extra2)
            x = (t - centre) / s
            sign = -1.0 if order % 2 else 1.0
            out += (weight * sign) * (sigma / s) ** (order + 1) * _hermite_e(order, x) * np.exp(
                -0.5 * x * x
            )
        return out

    def support_s(self, extra_sigma_s: float = 0.0) -> tuple[float, float]:
        """A time span outside which the waveform is negligible (< 1e-7 of a component)."""
        s = np.sqrt(np.square(self.widths_s) + extra_sigma_s**2)
        c = np.asarray(self.centres_s)
        return float(np.min(c - SUPPORT_SIGMAS * s)), float(np.max(c + SUPPORT_SIGMAS * s))

    def scaled(self, factor: float) -> GaussianWaveform:
        return GaussianWaveform(
            self.orders, self.centres_s, self.widths_s, tuple(w * factor for w in self.weights)
        )

    def fine(self, extra_sigma_s: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """(times, values) on a fine grid over the support: the continuous waveform."""
        lo, hi = self.support_s(extra_sigma_s)
        t = np.arange(lo, hi + FINE_STEP_S, FINE_STEP_S)
        return t, self.evaluate(t, extra_sigma_s)


def extent(t_s: np.ndarray, values: np.ndarray, threshold: float = EXTENT_THRESHOLD):
    """(start, end) times where ``|values| >= threshold * max|values|``; (nan, nan) if all zero."""
    mag = np.abs(values)
    peak = mag.max(initial=0.0)
    if peak <= 0.0:
        return float("nan"), float("nan")
    idx = np.flatnonzero(mag >= threshold * peak)
    return float(t_s[idx[0]]), float(t_s[idx[-1]])


def count_phases(values: np.ndarray, threshold: float = PHASE_THRESHOLD) -> int:
    """Number of phases: lobes between baseline crossings reaching ``threshold * max|values|``.

    Samples below the threshold are ignored, so small ripples do not count as phases.
    """
    mag = np.abs(values)
    peak = mag.max(initial=0.0)
    if peak <= 0.0:
        return 0
    signs = np.sign(values[mag >= threshold * peak])
    return int(np.count_nonzero(np.diff(signs))) + 1


def peak_to_peak(values: np.ndarray, axis: int = 0) -> np.ndarray:
    return np.max(values, axis=axis) - np.min(values, axis=axis)
