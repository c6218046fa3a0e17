"""The yardstick of issue 4's throughput bar: a bare fused numba filter + envelope + threshold loop.

Issue 4 asks for 60 M channel-samples/s and names, for this machine, what such a bare loop
reaches: about 160 M/s. On a shared machine the absolute rate of any code moves with the load
(the same engine measured 38-67 M/s within half an hour), so the bar is checked as the issue's
heading says, as a ratio measured in one run: the engine against this loop, chunk by chunk in
turn, must reach 60/160 of the loop's rate (`BAR_FRACTION`).

The loop does what every streaming EMG detector must do at the least, and nothing more: the
scipy pipeline's band-pass (20-450 Hz) and 50 Hz notch as second-order sections, rectification,
a one-pole envelope and a threshold count, one sample at a time with carried state. It runs
with the engine's channel-lane vectorisation (`channel_lanes`), which makes it a little faster
and so the bar a little harder.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from scipy import signal

from twitchwatch.benchmarking.baselines import SMOOTHING_ALPHA, pipeline_filters
from twitchwatch.engine.filters import _sos_step
from twitchwatch.engine.vector_loops import channel_lanes

#: issue 4: 60 M channel-samples/s where this loop reaches about 160 M/s
BAR_MSAMPLES_PER_S = 60.0
REFERENCE_MSAMPLES_PER_S = 160.0
BAR_FRACTION = BAR_MSAMPLES_PER_S / REFERENCE_MSAMPLES_PER_S
#: envelope level counted as "above threshold", µV (the count only keeps the comparison alive)
THRESHOLD_UV = 30.0


@njit(cache=True, nogil=True)
def _filter_envelope_threshold(x, sos, z, env, alpha, threshold, above):
    """x (samples, channels) through `sos` (state z: sections x 2 x channels; the engine's own
    section step, scipy's sosfilt arithmetic), then env += alpha * (|y| - env); above[c] counts
    samples with env > threshold."""
    n_sections = sos.shape[0]
    for i in range(x.shape[0]):
        for c in range(x.shape[1]):
            v = np.float64(x[i, c])
            for s in range(n_sections):
                v = _sos_step(sos, z, s, c, v)
            e = env[c] + alpha * (abs(v) - env[c])
            env[c] = e
            above[c] += 1 if e > threshold else 0


def reference_sos(fs_hz: float) -> np.ndarray:
    """The scipy pipeline's band-pass and notch, as one cascade of second-order sections."""
    bandpass, b, a = pipeline_filters(fs_hz)
    return np.ascontiguousarray(np.vstack([bandpass, signal.tf2sos(b, a)]), dtype=np.float64)


class ReferenceLoop:
    """The bare loop as a stream: `process(chunk)` carries the filter and envelope state."""

    def __init__(self, fs_hz: float, n_channels: int) -> None:
        self.sos = reference_sos(fs_hz)
        self.z = np.zeros((self.sos.shape[0], 2, n_channels))
        self.envelope = np.zeros(n_channels)
        self.samples_above = np.zeros(n_channels, np.int64)

    def process(self, chunk: np.ndarray) -> None:
        _filter_envelope_threshold(chunk, self.sos, self.z, self.envelope, SMOOTHING_ALPHA, THRESHOLD_UV,
                                   self.samples_above)


def compile_for(dtype) -> None:
    """Compile (or load from cache) the loop for `dtype` input, with the engine's channel lanes."""
    with channel_lanes():
        ReferenceLoop(1000.0, 1).process(np.zeros((1, 1), dtype))
