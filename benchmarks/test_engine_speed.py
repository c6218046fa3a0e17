"""Engine throughput, per-chunk latency and start-up, each beside a baseline from the same run.

- Throughput: the whole engine (filters, noise floor, detection, classification, quality) on one
  core against a plain scipy causal pipeline that only band-passes, notches, rectifies and smooths
  the same array (`sosfilt` + `lfilter`), and a numpy memory pass (the physical floor).
- Latency: one 25-sample chunk of 8 channels at 2 kHz through the public API.
- Start-up: a fresh process with an empty numba cache (compiles) vs one with the cache filled.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from scipy import signal

from twitchwatch.engine import Detector

FS_HZ = 2000.0
N_CHANNELS = 8
SECONDS = 60.0


@pytest.fixture(scope="module")
def emg() -> np.ndarray:
    from twitchwatch.sim import simulate

    return simulate("mixed", duration_s=SECONDS, fs_hz=FS_HZ, n_channels=N_CHANNELS, seed=3).data


def _engine(data):
    det = Detector(FS_HZ, data.shape[1])
    det.process(data)
    det.finish()


def _scipy_pipeline(data):
    sos = np.vstack([signal.butter(2, 20, "highpass", fs=FS_HZ, output="sos"),
                     signal.butter(2, 450, "lowpass", fs=FS_HZ, output="sos")])
    b, a = signal.iirnotch(50, 30, fs=FS_HZ)
    y = signal.sosfilt(sos, data, axis=0)
    y = signal.lfilter(b, a, y, axis=0)
    alpha = 0.05
    return signal.lfilter([alpha], [1, alpha - 1], np.abs(y), axis=0)


def _memory_pass(data):
    return float(np.abs(data).sum())


def _best_of(fn, data, rounds=5) -> float:
    best = np.inf
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn(data)
        best = min(best, time.perf_counter() - t0)
    return best


def test_throughput_vs_baselines(benchmark, emg):
    _engine(emg[:4000])  # compile (or load the cache) outside the timed region
    benchmark.pedantic(_engine, args=(emg,), rounds=5, iterations=1)
    engine_s = benchmark.stats.stats.min
    scipy_s = _best_of(_scipy_pipeline, emg)
    memory_s = _best_of(_memory_pass, emg)
    samples = emg.size
    result = {
        "engine_msamples_per_s": samples / engine_s / 1e6,
        "scipy_pipeline_msamples_per_s": samples / scipy_s / 1e6,
        "numpy_memory_pass_msamples_per_s": samples / memory_s / 1e6,
        "engine_vs_scipy": scipy_s / engine_s,
        "x_real_time_per_channel": (samples / engine_s) / FS_HZ,
    }
    benchmark.extra_info.update(result)
    print(json.dumps(result, indent=2))
    assert result["engine_vs_scipy"] > 1.0, result
    assert result["engine_msamples_per_s"] >= 60.0, result


@pytest.mark.parametrize("seconds", [60.0, 600.0])
def test_throughput_is_linear_in_length(benchmark, seconds):
    rng = np.random.default_rng(0)
    data = rng.normal(0, 5, (int(seconds * FS_HZ), N_CHANNELS)).astype(np.float32)
    _engine(data[:4000])
    benchmark.pedantic(_engine, args=(data,), rounds=2, iterations=1)
    benchmark.extra_info["ns_per_channel_sample"] = benchmark.stats.stats.min / data.size * 1e9


def test_chunk_latency_25_samples(benchmark, emg):
    det = Detector(FS_HZ, N_CHANNELS)
    chunks = [np.ascontiguousarray(emg[i:i + 25]) for i in range(0, emg.shape[0] - 25, 25)]
    det.process(chunks[0])
    timings = np.empty(len(chunks) - 1)
    for k, chunk in enumerate(chunks[1:]):
        t0 = time.perf_counter()
        det.process(chunk)
        timings[k] = time.perf_counter() - t0
    median_us = float(np.median(timings) * 1e6)
    p99_us = float(np.percentile(timings, 99) * 1e6)
    benchmark.extra_info.update({"median_us": median_us, "p99_us": p99_us, "chunks": len(timings)})
    benchmark.pedantic(det.process, args=(chunks[1],), rounds=200, iterations=1)
    print(f"25-sample chunk latency: median {median_us:.1f} µs, p99 {p99_us:.1f} µs")
    assert median_us < 50.0 and p99_us < 500.0


START_UP = """
import time, numpy as np
t0 = time.perf_counter()
from twitchwatch.engine import Detector
det = Detector(2000, 8)
det.process(np.zeros((100, 8), np.float32))
det.finish()
print(time.perf_counter() - t0)
"""


def test_cold_and_warm_start(benchmark, tmp_path):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path / "numba-cache"))

    def start() -> float:
        out = subprocess.run([sys.executable, "-c", START_UP], env=env, capture_output=True, text=True, check=True)
        return float(out.stdout.strip().splitlines()[-1])

    cold_s = start()
    warm_s = benchmark.pedantic(start, rounds=3, iterations=1)
    warm_s = min(start() for _ in range(2))
    benchmark.extra_info.update({"cold_start_s": cold_s, "warm_start_s": warm_s, "cold_vs_warm": cold_s / warm_s})
    print(f"start-up: cold (compiling) {cold_s:.1f} s, warm (cache loaded) {warm_s:.2f} s")
    assert warm_s < cold_s
