"""Clocks and the few statistics every measurement here uses."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Rate:
    """`samples` (channel-samples) processed in `wall_s` of wall time and `cpu_s` of this
    thread's CPU time. CPU time leaves out the time other processes on a shared machine took
    the core away, so ratios of it are steadier; wall time is what a user waits."""

    samples: int
    wall_s: float
    cpu_s: float

    @property
    def msamples_per_s(self) -> float:
        return self.samples / self.wall_s / 1e6

    @property
    def ns_per_sample(self) -> float:
        return self.wall_s / self.samples * 1e9

    @property
    def cpu_ns_per_sample(self) -> float:
        return self.cpu_s / self.samples * 1e9

    def x_real_time(self, fs_hz: float, n_channels: int) -> float:
        """How many times faster than the signal arrives (all channels together)."""
        return (self.samples / n_channels / fs_hz) / self.wall_s

    def as_dict(self) -> dict:
        return {"channel_samples": self.samples, "wall_s": self.wall_s, "cpu_s": self.cpu_s,
                "msamples_per_s": self.msamples_per_s, "ns_per_sample": self.ns_per_sample,
                "cpu_ns_per_sample": self.cpu_ns_per_sample}


def timed(fn: Callable[[], object], samples: int) -> Rate:
    wall0, cpu0 = time.perf_counter(), time.thread_time()
    fn()
    return Rate(samples, time.perf_counter() - wall0, time.thread_time() - cpu0)


def best_of(fn: Callable[[], object], samples: int, rounds: int) -> Rate:
    """The fastest of `rounds` runs: noise on a shared machine only ever adds time."""
    return min((timed(fn, samples) for _ in range(rounds)), key=lambda r: r.wall_s)


def percentiles_us(durations_s: np.ndarray) -> dict:
    d = np.asarray(durations_s, dtype=np.float64) * 1e6
    return {"p50_us": float(np.percentile(d, 50)), "p99_us": float(np.percentile(d, 99)),
            "max_us": float(d.max()), "mean_us": float(d.mean()), "n": int(d.size)}
