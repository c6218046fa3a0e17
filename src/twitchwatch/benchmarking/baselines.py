"""What the engine is compared with, run on the same array in the same process.

- numpy memory pass: reads every sample once (the physical floor: nothing can be faster).
- scipy causal pipeline: band-pass + mains notch + rectify + smoothing, nothing detected
  (`sosfilt` + `lfilter`); the bar the engine issue sets.
- NeuroKit2 and BioSPPy, when installed (`pip install twitchwatch[bench]`): their EMG chains
  one channel at a time, as their APIs take them. Absent ones are reported as skipped.

Baselines work on the whole array at once (offline, vectorised); the engine streams it in chunks.
A slow baseline is timed on the first part of the array only (`budget_s` per run); the result
says how many samples that was.
"""

from __future__ import annotations

import importlib.util
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
from scipy import signal

from twitchwatch._logging import logger
from twitchwatch.benchmarking.timing import best_of

SKIPPED_NOT_INSTALLED = "skipped (not installed)"

#: the scipy pipeline's design: the engine's own band (20-450 Hz), 50 Hz notch, ~10 ms smoothing
BAND_HZ = (20.0, 450.0)
NOTCH_HZ = 50.0
NOTCH_Q = 30.0
SMOOTHING_ALPHA = 0.05
#: BioSPPy's onset detectors compare against a rest segment: the first second of the signal
REST_S = 1.0


def numpy_memory_pass(data: np.ndarray, fs_hz: float) -> float:
    return float(np.abs(data).sum())


def pipeline_filters(fs_hz: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The scipy pipeline's band-pass (second-order sections) and notch (b, a) for `fs_hz`."""
    high = min(BAND_HZ[1], 0.45 * fs_hz)  # the band's top must stay below Nyquist at 250 Hz
    sos = np.vstack([signal.butter(2, BAND_HZ[0], "highpass", fs=fs_hz, output="sos"),
                     signal.butter(2, high, "lowpass", fs=fs_hz, output="sos")])
    b, a = signal.iirnotch(NOTCH_HZ, NOTCH_Q, fs=fs_hz)
    return sos, b, a


def scipy_causal_pipeline(data: np.ndarray, fs_hz: float) -> np.ndarray:
    sos, b, a = pipeline_filters(fs_hz)
    y = signal.sosfilt(sos, data, axis=0)
    y = signal.lfilter(b, a, y, axis=0)
    return signal.lfilter([SMOOTHING_ALPHA], [1, SMOOTHING_ALPHA - 1], np.abs(y), axis=0)


def _channels(data: np.ndarray):
    for c in range(data.shape[1]):
        yield np.ascontiguousarray(data[:, c], dtype=np.float64)


def neurokit2_clean(data: np.ndarray, fs_hz: float) -> None:
    import neurokit2 as nk

    for x in _channels(data):
        nk.emg_clean(x, sampling_rate=int(fs_hz))


def neurokit2_amplitude(data: np.ndarray, fs_hz: float) -> None:
    import neurokit2 as nk

    for x in _channels(data):
        nk.emg_amplitude(nk.emg_clean(x, sampling_rate=int(fs_hz)), sampling_rate=int(fs_hz))


def neurokit2_activation(data: np.ndarray, fs_hz: float) -> None:
    import neurokit2 as nk

    for x in _channels(data):
        amplitude = nk.emg_amplitude(nk.emg_clean(x, sampling_rate=int(fs_hz)), sampling_rate=int(fs_hz))
        nk.emg_activation(emg_amplitude=amplitude, sampling_rate=int(fs_hz))


def biosppy_emg(data: np.ndarray, fs_hz: float) -> None:
    from biosppy.signals import emg

    for x in _channels(data):
        emg.emg(signal=x, sampling_rate=fs_hz, show=False)


def biosppy_hodges_bui(data: np.ndarray, fs_hz: float) -> None:
    from biosppy.signals import emg

    for x in _channels(data):
        emg.hodges_bui_onset_detector(signal=x, rest=x[:int(REST_S * fs_hz)], sampling_rate=fs_hz,
                                      size=int(0.05 * fs_hz), threshold=3)


def biosppy_solnik(data: np.ndarray, fs_hz: float) -> None:
    from biosppy.signals import emg

    for x in _channels(data):
        emg.solnik_onset_detector(signal=x, rest=x[:int(REST_S * fs_hz)], sampling_rate=fs_hz,
                                  threshold=3, active_state_duration=int(0.025 * fs_hz))


@dataclass(frozen=True)
class Baseline:
    name: str
    does: str
    run: Callable[[np.ndarray, float], object]
    requires: str | None = None  # the module that must be importable

    def installed(self) -> bool:
        return self.requires is None or importlib.util.find_spec(self.requires) is not None


BASELINES: tuple[Baseline, ...] = (
    Baseline("numpy memory pass", "abs + sum over the array (the floor)", numpy_memory_pass),
    Baseline("scipy causal pipeline", "sosfilt band-pass + notch + rectify + lfilter smoothing",
             scipy_causal_pipeline),
    Baseline("neurokit2 emg_clean", "emg_clean per channel", neurokit2_clean, "neurokit2"),
    Baseline("neurokit2 emg_amplitude", "emg_clean + emg_amplitude", neurokit2_amplitude, "neurokit2"),
    Baseline("neurokit2 emg_activation", "emg_clean + emg_amplitude + emg_activation",
             neurokit2_activation, "neurokit2"),
    Baseline("biosppy emg.emg", "filter + find_onsets per channel", biosppy_emg, "biosppy"),
    Baseline("biosppy hodges_bui onsets", "hodges_bui_onset_detector per channel", biosppy_hodges_bui,
             "biosppy"),
    Baseline("biosppy solnik onsets", "solnik_onset_detector per channel", biosppy_solnik, "biosppy"),
)


def measure(baseline: Baseline, data: np.ndarray, fs_hz: float, *, rounds: int = 3,
            budget_s: float = 2.0) -> dict:
    """Channel-sample rate of one baseline on `data` (or its first part, see `budget_s`)."""
    row = {"name": baseline.name, "does": baseline.does}
    if not baseline.installed():
        return {**row, "status": SKIPPED_NOT_INSTALLED}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the toolboxes warn about our parameters; not news here
            # a short one-channel probe: imports and first-call costs stay out of the timing, and
            # its rate sizes the timed part so that a slow baseline stays within its budget
            probe_rows = min(data.shape[0], max(int(2 * REST_S * fs_hz), 1))
            probe = data[:probe_rows, :1]
            baseline.run(probe, fs_hz)
            estimate = best_of(lambda: baseline.run(probe, fs_hz), probe.size, 1)
            affordable = budget_s / (estimate.wall_s / probe.size) / data.shape[1]
            rows = min(data.shape[0], max(probe_rows, int(affordable)))
            part = data[:rows]
            # one run of a slow baseline already fills the budget: repeating it only costs time
            expected_s = estimate.wall_s / probe.size * part.size
            rate = best_of(lambda: baseline.run(part, fs_hz), part.size,
                           rounds if expected_s * rounds <= 2 * budget_s else 1)
    except Exception as exc:  # noqa: BLE001 - a broken third-party baseline is reported, not fatal
        logger.warning("baseline %s failed: %s", baseline.name, exc)
        return {**row, "status": f"failed: {type(exc).__name__}: {exc}"}
    return {**row, "status": "measured", "rows": rows, "fraction_of_array": rows / data.shape[0],
            **rate.as_dict()}
