"""Motor units on a linear electrode array, and placing their waveforms into a signal.

Channel c (0-based) sits at position c in channel units. A unit at ``position_ch`` is seen on
channel c with gain exp(-d / spread_ch), d = |c - position_ch|, with extra Gaussian smoothing
``VOLUME_CONDUCTOR_SIGMA_S_PER_CH * min(d, 3)`` (farther is smoother) and a propagation delay
``delay_s_per_ch * (c - position_ch)`` (small shape changes across channels). On top, every
channel is smoothed by the sensor's anti-alias filter for the sampling rate.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from twitchwatch.sim.constants import (
    GAIN_FLOOR,
    VOLUME_CONDUCTOR_MAX_DISTANCE_CH,
    VOLUME_CONDUCTOR_SIGMA_S_PER_CH,
)
from twitchwatch.sim.waveform import GaussianWaveform, anti_alias_sigma_s

#: Largest number of (discharge x window) values handled at once when placing trains.
_BATCH_VALUES = 2_000_000


@dataclass(frozen=True)
class MotorUnit:
    """A motor unit: its MUAP shape (p-p 1 before smoothing) and where the array sees it."""

    shape: GaussianWaveform
    kind: str  # shape kind: biphasic, triphasic, polyphasic, complex
    position_ch: float
    spread_ch: float
    delay_s_per_ch: float
    size: float = 1.0  # amplitude scale (relative or uV p-p, as the caller decides)

    def channel_geometry(self, n_channels: int, fs_hz: float):
        """Per-channel (gain, extra smoothing sigma s, delay s), each shape (C,)."""
        c = np.arange(n_channels, dtype=float)
        dist = np.abs(c - self.position_ch)
        gain = np.exp(-dist / self.spread_ch)
        gain[gain < GAIN_FLOOR] = 0.0
        vc = VOLUME_CONDUCTOR_SIGMA_S_PER_CH * np.minimum(dist, VOLUME_CONDUCTOR_MAX_DISTANCE_CH)
        extra = np.sqrt(vc**2 + anti_alias_sigma_s(fs_hz) ** 2)
        delay = self.delay_s_per_ch * (c - self.position_ch)
        return gain, extra, delay

    def support_s(self, n_channels: int, fs_hz: float) -> tuple[float, float]:
        gain, extra, delay = self.channel_geometry(n_channels, fs_hz)
        on = gain > 0
        lo, hi = self.shape.support_s(float(extra[on].max()))
        return lo + float(delay[on].min()), hi + float(delay[on].max())

    def waveforms(self, t_rel_s: np.ndarray, n_channels: int, fs_hz: float) -> np.ndarray:
        """Waveforms (len(t), C) at times ``t_rel_s`` relative to the discharge, times ``size``."""
        gain, extra, delay = self.channel_geometry(n_channels, fs_hz)
        t = np.asarray(t_rel_s, dtype=float)[:, None] - delay[None, :]
        out = self.shape.evaluate(t, extra[None, :])
        out *= (gain * self.size)[None, :]
        return out

    def continuous(self, channel: int, n_channels: int, fs_hz: float):
        """(times, values) of the smoothed waveform on one channel on a fine grid (size 1)."""
        gain, extra, delay = self.channel_geometry(n_channels, fs_hz)
        t, v = self.shape.fine(float(extra[channel]))
        return t + delay[channel], v * gain[channel]

    def bank(self, n_channels: int, fs_hz: float) -> tuple[int, np.ndarray]:
        """(lead, W): waveforms on the sample grid for a discharge exactly on sample ``lead``.

        W has shape (L, C); a discharge at sample p covers samples p - lead .. p - lead + L - 1.
        """
        lo, hi = self.support_s(n_channels, fs_hz)
        lead = int(np.ceil(-lo * fs_hz))
        length = lead + int(np.ceil(hi * fs_hz)) + 1
        t = (np.arange(length) - lead) / fs_hz
        return lead, self.waveforms(t, n_channels, fs_hz)


def place_snippet(out: np.ndarray, start: int, snippet: np.ndarray) -> None:
    """Add ``snippet`` (L, C) into ``out`` (N, C) from row ``start``, cropping at the edges."""
    n = out.shape[0]
    a, b = max(start, 0), min(start + snippet.shape[0], n)
    if a < b:
        out[a:b] += snippet[a - start : b - start]


def place_trains(
    n_samples: int,
    n_channels: int,
    positions: np.ndarray,
    unit_ids: np.ndarray,
    banks: list[tuple[int, np.ndarray]],
) -> np.ndarray:
    """Sum of every unit's bank placed at its discharge samples: an (N, C) float64 array.

    ``positions[k]`` is the sample of discharge k and ``unit_ids[k]`` indexes ``banks``.
    Overlapping discharges add (np.bincount), discharges near the edges are cropped.
    """
    out = np.zeros((n_samples, n_channels))
    if len(positions) == 0:
        return out
    lead = max(b[0] for b in banks)
    length = max(lead - b[0] + b[1].shape[0] for b in banks)
    stack = np.zeros((len(banks), length, n_channels))
    for u, (ld, w) in enumerate(banks):
        stack[u, lead - ld : lead - ld + w.shape[0]] = w
    active = np.flatnonzero(np.any(stack != 0.0, axis=(0, 1)))
    offsets = np.arange(length)
    per_batch = max(1, _BATCH_VALUES // length)
    starts = np.asarray(positions, dtype=np.int64) - lead
    unit_ids = np.asarray(unit_ids, dtype=np.int64)
    for k0 in range(0, len(starts), per_batch):
        idx = starts[k0 : k0 + per_batch, None] + offsets[None, :]
        keep = (idx >= 0) & (idx < n_samples)
        flat_idx = idx[keep]
        uid = unit_ids[k0 : k0 + per_batch]
        for c in active:
            weights = stack[uid, :, c][keep]
            out[:, c] += np.bincount(flat_idx, weights=weights, minlength=n_samples)
    return out
