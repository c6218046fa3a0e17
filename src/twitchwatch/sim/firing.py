"""When motor units discharge: Poisson twitches, gamma-interval trains, doublets, recruitment.

All times are seconds from the first sample. Trains are returned as ``SpikeTrain`` so tests and
benchmarks can check the firing statistics the signal was built from.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from twitchwatch.sim.constants import (
    DOUBLET_INTERVAL_LOG_SD,
    DOUBLET_INTERVAL_MEDIAN_S,
    DOUBLET_INTERVAL_S,
)


@dataclass(frozen=True, eq=False)
class SpikeTrain:
    """Discharge times of one motor unit in one episode.

    ``doublet[k]`` is True when discharge k is the extra (second) discharge of a doublet;
    the others are the unit's regular discharges, whose intervals carry the firing statistics.
    """

    kind: str  # "fasciculation" | "cramp" | "contraction"
    episode: int  # which cramp or contraction (0-based); 0 for fasciculations
    unit: int
    times_s: np.ndarray
    doublet: np.ndarray

    def regular_intervals_s(self, t_from: float = -np.inf, t_to: float = np.inf) -> np.ndarray:
        """Intervals between consecutive regular discharges that both lie in [t_from, t_to]."""
        t = self.times_s[~self.doublet]
        t = t[(t >= t_from) & (t <= t_to)]
        return np.diff(t)


def poisson_times(rng: np.random.Generator, rate_per_min: float, t_lo: float, t_hi: float):
    """Sorted event times of a homogeneous Poisson process on [t_lo, t_hi)."""
    span = max(t_hi - t_lo, 0.0)
    n = int(rng.poisson(rate_per_min * span / 60.0)) if rate_per_min > 0 and span > 0 else 0
    return np.sort(rng.uniform(t_lo, t_hi, size=n))


def fasciculation_doublet_intervals_s(rng: np.random.Generator, n: int) -> np.ndarray:
    """Doublet intervals: log-normal around the F-wave latency, clipped to 10-110 ms."""
    x = DOUBLET_INTERVAL_MEDIAN_S * np.exp(DOUBLET_INTERVAL_LOG_SD * rng.standard_normal(n))
    return np.clip(x, *DOUBLET_INTERVAL_S)


def gamma_intervals(rng: np.random.Generator, n: int, cv: float) -> np.ndarray:
    """``n`` gamma-distributed intervals of mean 1 and coefficient of variation ``cv``."""
    shape = 1.0 / (cv * cv)
    return rng.gamma(shape, 1.0 / shape, size=n)


def steady_train(
    rng: np.random.Generator, t_on: float, t_off: float, rate_hz: float, cv: float
) -> np.ndarray:
    """Discharges from ``t_on`` (first one there) until before ``t_off``, gamma intervals."""
    times = [np.array([t_on])]
    last = t_on
    while True:
        n = int((t_off - last) * rate_hz * 1.3) + 16
        t = last + np.cumsum(gamma_intervals(rng, n, cv)) / rate_hz
        times.append(t[t < t_off])
        if t[-1] >= t_off:
            break
        last = float(t[-1])
    return np.concatenate(times)


def modulated_train(
    rng: np.random.Generator,
    t_on: float,
    t_off: float,
    rate_hz: Callable[[float], float],
    cv: float,
) -> np.ndarray:
    """Discharges from ``t_on`` until before ``t_off``; each interval is a mean-1 gamma variate
    divided by the rate at the discharge that starts it (rate follows the drive)."""
    expected = int((t_off - t_on) * max(rate_hz(t_on), rate_hz(0.5 * (t_on + t_off))) * 1.5) + 16
    g = gamma_intervals(rng, expected, cv)
    out = []
    t = t_on
    i = 0
    while t < t_off:
        out.append(t)
        if i == len(g):
            g = np.concatenate([g, gamma_intervals(rng, expected, cv)])
        t += g[i] / rate_hz(t)
        i += 1
    return np.asarray(out)


def add_doublets(
    rng: np.random.Generator,
    times: np.ndarray,
    fraction: float,
    interval_s: tuple[float, float],
    refractory_s: float = 0.005,
) -> tuple[np.ndarray, np.ndarray]:
    """Follow a random ``fraction`` of discharges by a second one ``interval_s`` later.

    An extra discharge that would come within ``refractory_s`` of the unit's next regular
    discharge is left out (a unit cannot fire three times in a few ms).
    Returns (all times sorted, doublet flags marking the extra discharges).
    """
    pick = rng.random(len(times)) < fraction
    extra = times + rng.uniform(*interval_s, size=len(times))
    next_regular = np.append(times[1:], np.inf)
    pick &= extra + refractory_s < next_regular
    extra = extra[pick]
    all_t = np.concatenate([times, extra])
    flags = np.concatenate([np.zeros(len(times), bool), np.ones(len(extra), bool)])
    order = np.argsort(all_t, kind="stable")
    return all_t[order], flags[order]


def raised_cosine_effort(
    t_start: float, ramp_up_s: float, hold_s: float, ramp_down_s: float, peak: float
) -> Callable[[float], float]:
    """Effort profile: smooth (raised-cosine) ramp up, hold at ``peak``, smooth ramp down."""
    t_hold = t_start + ramp_up_s
    t_down = t_hold + hold_s
    t_end = t_down + ramp_down_s

    def effort(t: float) -> float:
        if t <= t_start or t >= t_end:
            return 0.0
        if t < t_hold:
            return peak * 0.5 * (1.0 - math.cos(math.pi * (t - t_start) / ramp_up_s))
        if t <= t_down:
            return peak
        return peak * 0.5 * (1.0 + math.cos(math.pi * (t - t_down) / ramp_down_s))

    return effort


def raised_cosine_crossings(
    threshold: float, t_start: float, ramp_up_s: float, hold_s: float, ramp_down_s: float,
    peak: float,
) -> tuple[float, float] | None:
    """(recruitment, derecruitment) times where that effort profile crosses ``threshold``."""
    if threshold >= peak:
        return None
    frac = math.acos(1.0 - 2.0 * threshold / peak) / math.pi
    t_rec = t_start + ramp_up_s * frac
    t_derec = t_start + ramp_up_s + hold_s + ramp_down_s * (1.0 - frac)
    return t_rec, t_derec
