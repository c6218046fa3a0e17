"""Per-chunk latency through the public API: how long `Detector.process(chunk)` takes."""

from __future__ import annotations

import time

import numpy as np

from twitchwatch.benchmarking.signals import tiled_chunks
from twitchwatch.benchmarking.throughput import warm_detector
from twitchwatch.benchmarking.timing import percentiles_us


def chunk_latency(block: np.ndarray, fs_hz: float, chunk_samples: int, n_chunks: int) -> dict:
    """p50/p99/max of `n_chunks` calls with `chunk_samples` rows each, on a warmed-up detector.

    Wall time is what a caller waits; this thread's CPU time beside it tells the engine's own
    work from the time a shared machine's scheduler took the core away (a 4 ms tick shows up
    as a 4 ms chunk that used 0.1 ms of CPU).

    Where the block wraps around, `tiled_chunks` cuts a chunk short: those are fed but not
    counted, so every timing is of a chunk of exactly `chunk_samples`.
    """
    detector, position = warm_detector(block, fs_hz)
    durations = np.empty(n_chunks)
    cpu = np.empty(n_chunks)
    k = 0
    for chunk in tiled_chunks(block, (n_chunks + n_chunks // 10 + 2) * chunk_samples, chunk_samples,
                              start=position):
        t0, c0 = time.perf_counter(), time.thread_time()
        detector.process(chunk)
        elapsed, used = time.perf_counter() - t0, time.thread_time() - c0
        if chunk.shape[0] == chunk_samples:
            durations[k] = elapsed
            cpu[k] = used
            k += 1
            if k == n_chunks:
                break
    stats = percentiles_us(durations[:k])
    cpu_stats = {f"cpu_{key}": value for key, value in percentiles_us(cpu[:k]).items() if key != "n"}
    return {"fs_hz": fs_hz, "channels": block.shape[1], "chunk_samples": chunk_samples,
            "chunk_ms": 1e3 * chunk_samples / fs_hz, **stats, **cpu_stats,
            "p50_ns_per_channel_sample": 1e3 * stats["p50_us"] / (chunk_samples * block.shape[1])}
