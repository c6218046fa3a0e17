"""Benchmark input: a block of simulator signal, and streams of any length made by tiling it.

A 64-channel 4 kHz hour is 7 GB as one float32 array; the engine never needs it whole, so long
streams are the same pre-generated block fed over and over, chunk by chunk (row slices of a
C-ordered array are contiguous views: no copy per chunk).
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from twitchwatch.sim import simulate

#: busy on purpose: twitches, a cramp, contraction, ECG, motion and mains all make the engine work
SCENARIO = "mixed"


def emg_block(n_channels: int, fs_hz: float, duration_s: float, seed: int = 3,
              scenario: str = SCENARIO) -> np.ndarray:
    """Simulated surface EMG (samples, channels), float32 µV, C-contiguous."""
    sim = simulate(scenario, duration_s=duration_s, fs_hz=fs_hz, n_channels=n_channels, seed=seed)
    return np.ascontiguousarray(sim.data, dtype=np.float32)


def tiled_chunks(block: np.ndarray, n_samples: int, chunk_samples: int,
                 start: int = 0) -> Iterator[np.ndarray]:
    """Chunks of `chunk_samples` rows (the last may be shorter) that together are `n_samples`
    rows of `block` repeated end to end, beginning at row `start` of the repetition.

    A chunk never straddles the block's end (it is cut there), so every chunk is a view.
    """
    if chunk_samples < 1:
        raise ValueError(f"chunk_samples must be >= 1, got {chunk_samples}")
    length = block.shape[0]
    position = start % length
    remaining = n_samples
    while remaining > 0:
        take = min(chunk_samples, remaining, length - position)
        yield block[position:position + take]
        remaining -= take
        position = (position + take) % length
