"""Small synthetic signals with known content, for tests that need exact positions."""

from __future__ import annotations

import numpy as np


def biphasic(fs_hz: float, width_ms: float = 3.0, pp_uv: float = 1.0) -> np.ndarray:
    """A biphasic potential (first derivative of a Gaussian), peak-to-peak `pp_uv`, odd length.

    Its support is +-6 widths; the centre sample is the zero crossing.
    """
    s = width_ms * 1e-3
    half = int(np.ceil(6 * s * fs_hz))
    t = np.arange(-half, half + 1) / fs_hz
    w = -t / s * np.exp(-0.5 * (t / s) ** 2)
    return w * (pp_uv / np.ptp(w))


def white_noise(n_samples: int, n_channels: int, rms_uv: float, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((n_samples, n_channels)) * rms_uv


def add_at(x: np.ndarray, start: int, channel: int, wave: np.ndarray, gain: float = 1.0) -> None:
    """Add `wave * gain` to `x[start:, channel]` in place (cropped at the end)."""
    stop = min(start + len(wave), x.shape[0])
    x[start:stop, channel] += gain * wave[: stop - start]


def mains(n_samples: int, n_channels: int, fs_hz: float, f0_hz: float, amp_uv: float,
          phase: float = 0.3) -> np.ndarray:
    """A sinusoid of amplitude `amp_uv` at `f0_hz` on every channel (channel gains 1 .. 0.5)."""
    t = np.arange(n_samples) / fs_hz
    gains = np.linspace(1.0, 0.5, n_channels)
    return amp_uv * np.sin(2 * np.pi * f0_hz * t + phase)[:, None] * gains[None, :]
