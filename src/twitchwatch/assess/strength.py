"""Strength checks from surface EMG: scoring one check, and when a series of them has declined.

A guided strength check is three maximal contractions of a few seconds with rest between. Its
score is EMG amplitude, not force: per contraction the peak of a 250 ms sliding RMS of the
band-passed signal (the detector's ``filtered_out``), in µV; the check's score is the mean of
the three peaks.

Why a decline is hard to call: maximal-contraction RMS repeats poorly from one day to the next
(electrode position, skin, effort). Buckthorpe 2012 found test-retest 95 % limits of agreement of
39-67 %: a drop smaller than that is within what the measurement does by itself. So
``strength_decline`` calls a decline only when it is large *and* repeated:

* checks of one label (muscle or channel) in time order, scores x_i, at least
  ``MIN_BASELINE_CHECKS + RECENT_CHECKS`` (2 + 2) of them;
* baseline B = median score of the earliest checks (up to 3, at least 2, never the recent ones);
* drop of a recent check = 1 - x_i / B;
* the limit L is the largest of
  - the literature floor, ``LOA_FLOOR_FRACTION`` = 0.39 (the lower end of Buckthorpe's range),
  - the check's own variability within a check: with s_w the pooled SD of ln(trial peak) over
    all checks of the label (three trials each), the 95 % limit for the difference of two
    check means is 1.96 * s_w * sqrt(2/3) on the log scale, i.e. 1 - exp(-that) as a fraction,
  - its variability between baseline checks: with s_b the SD of ln(score) over the baseline
    checks, 1 - exp(-1.96 * sqrt(2) * s_b);
* declined when each of the last ``RECENT_CHECKS`` (2) checks has dropped by more than L.

One low check, or a slow drift of 20-30 %, is not called a decline.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

#: sliding RMS window for the peak of a contraction
STRENGTH_RMS_WINDOW_MS = 250.0
TRIALS_PER_CHECK = 3
#: a contraction is where the sliding RMS exceeds rest + this fraction of (peak - rest)
TRIAL_THRESHOLD_FRACTION = 0.25
#: contractions closer than this are one (a brief dip in effort)
TRIAL_MERGE_GAP_S = 0.5
#: shorter bursts above the threshold are not contractions (a cough, a bump)
TRIAL_MIN_S = 0.5

#: decline rule (see the module docstring); Buckthorpe 2012
LOA_FLOOR_FRACTION = 0.39
LOA_Z = 1.96
MIN_BASELINE_CHECKS = 2
MAX_BASELINE_CHECKS = 3
RECENT_CHECKS = 2


@dataclass(frozen=True)
class Trial:
    """One contraction found in a check: where (s from the first sample) and its peak RMS."""

    start_s: float
    end_s: float
    peak_rms_uv: float
    peak_at_s: float


@dataclass(frozen=True)
class StrengthCheck:
    """One scored strength check of one muscle or channel label (``id`` once stored)."""

    label: str
    taken_at: datetime
    trial_peaks_uv: tuple[float, ...]
    source: str = ""
    id: int | None = None

    def __post_init__(self):
        if not self.label or not isinstance(self.label, str):
            raise ValueError(f"a strength check needs a label (muscle or channel), got {self.label!r}")
        peaks = tuple(float(p) for p in self.trial_peaks_uv)
        if not peaks or not all(math.isfinite(p) and p > 0 for p in peaks):
            raise ValueError(f"trial peaks must be finite numbers > 0 µV, got {self.trial_peaks_uv!r}")
        object.__setattr__(self, "trial_peaks_uv", peaks)

    @property
    def score_uv(self) -> float:
        """Mean of the trial peaks, µV RMS."""
        return float(np.mean(self.trial_peaks_uv))

    @property
    def within_sd_log(self) -> float | None:
        """SD of ln(trial peak) within this check (None with one trial)."""
        if len(self.trial_peaks_uv) < 2:
            return None
        return float(np.std(np.log(self.trial_peaks_uv), ddof=1))


def sliding_rms(x: np.ndarray, fs_hz: float, window_ms: float = STRENGTH_RMS_WINDOW_MS) -> np.ndarray:
    """RMS over a sliding window of ``window_ms`` (one value per full window, float64).

    ``x`` is one channel of band-passed signal in µV. Shorter signals give an empty array.
    """
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"sliding_rms takes one channel (1-D), got shape {x.shape}")
    if not (math.isfinite(fs_hz) and fs_hz > 0):
        raise ValueError(f"fs_hz must be > 0, got {fs_hz!r}")
    w = max(1, int(round(window_ms * 1e-3 * fs_hz)))
    if x.size < w:
        return np.zeros(0)
    c = np.concatenate(([0.0], np.cumsum(x * x)))
    return np.sqrt(np.maximum(c[w:] - c[:-w], 0.0) / w)


def find_trials(filtered_uv: np.ndarray, fs_hz: float, n_trials: int = TRIALS_PER_CHECK,
                window_ms: float = STRENGTH_RMS_WINDOW_MS) -> list[Trial]:
    """The ``n_trials`` strongest contractions in one channel, in time order.

    Raises ValueError when fewer are found (the check must be repeated).
    """
    rms = sliding_rms(filtered_uv, fs_hz, window_ms)
    if rms.size == 0:
        raise ValueError(f"the signal is shorter than one {window_ms:g} ms RMS window")
    rest, top = float(np.median(rms)), float(rms.max())
    level = rest + TRIAL_THRESHOLD_FRACTION * (top - rest)
    above = rms > level
    if top <= 0 or not above.any():
        raise ValueError("no contraction found: the signal is flat")
    edges = np.flatnonzero(np.diff(np.concatenate(([0], above.astype(np.int8), [0]))))
    spans = list(zip(edges[::2], edges[1::2]))  # [start, stop) in RMS samples
    merged: list[list[int]] = []
    gap = TRIAL_MERGE_GAP_S * fs_hz
    for a, b in spans:
        if merged and a - merged[-1][1] <= gap:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    half = max(1, int(round(window_ms * 1e-3 * fs_hz))) // 2  # RMS value k covers samples k..k+w-1
    trials = []
    for a, b in merged:
        if (b - a) / fs_hz < TRIAL_MIN_S:
            continue
        k = a + int(np.argmax(rms[a:b]))
        trials.append(Trial(float((a + half) / fs_hz), float((b + half) / fs_hz), float(rms[k]),
                            float((k + half) / fs_hz)))
    if len(trials) < n_trials:
        raise ValueError(f"found {len(trials)} contraction(s) of at least {TRIAL_MIN_S:g} s; "
                         f"a strength check needs {n_trials}: repeat it")
    best = sorted(trials, key=lambda t: t.peak_rms_uv, reverse=True)[:n_trials]
    return sorted(best, key=lambda t: t.start_s)


def score_check(filtered_uv: np.ndarray, fs_hz: float, label: str, taken_at: datetime, *,
                windows: Sequence[tuple[float, float]] | None = None, source: str = "",
                n_trials: int = TRIALS_PER_CHECK,
                window_ms: float = STRENGTH_RMS_WINDOW_MS) -> StrengthCheck:
    """Score one channel of a strength check.

    ``filtered_uv``: band-passed signal of one channel in µV (the detector's ``filtered_out``).
    ``windows``: (start s, end s) of each contraction when the guide knows them (it asked for
    them); otherwise the ``n_trials`` strongest contractions are found in the signal.
    """
    x = np.asarray(filtered_uv, dtype=np.float64)
    if windows is None:
        peaks = [t.peak_rms_uv for t in find_trials(x, fs_hz, n_trials, window_ms)]
    else:
        peaks = []
        for start_s, end_s in windows:
            a, b = max(0, int(start_s * fs_hz)), min(x.size, int(math.ceil(end_s * fs_hz)))
            rms = sliding_rms(x[a:b], fs_hz, window_ms)
            if rms.size == 0:
                raise ValueError(f"contraction window {start_s:g}-{end_s:g} s is shorter than "
                                 f"{window_ms:g} ms or outside the signal")
            peaks.append(float(rms.max()))
    return StrengthCheck(label, taken_at, tuple(peaks), source)


# ---- decline -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class StrengthTrend:
    """The decline statistic of one label's checks (see the module docstring)."""

    label: str
    n_checks: int
    baseline_uv: float
    recent_uv: tuple[float, ...]
    drops: tuple[float, ...]          # fractions, 0.5 = 50 % below baseline
    limit: float                      # fraction a drop must exceed
    own_limit: float                  # the part of the limit from the checks' own variability
    declined: bool

    def text(self) -> str:
        recent = ", ".join(f"{x:.0f}" for x in self.recent_uv)
        drops = ", ".join(f"{100 * d:.0f} %" for d in self.drops)
        verdict = "beyond" if self.declined else "within"
        return (f"strength checks of {self.label}: the last {len(self.recent_uv)} scored {recent} µV "
                f"vs a baseline of {self.baseline_uv:.0f} µV ({drops} lower), {verdict} the "
                f"{100 * self.limit:.0f} % the check varies by itself ({self.n_checks} checks)")


def _pooled_within_sd(checks: Sequence[StrengthCheck]) -> float:
    num = den = 0.0
    for c in checks:
        n = len(c.trial_peaks_uv)
        if n >= 2:
            num += (n - 1) * c.within_sd_log ** 2
            den += n - 1
    return math.sqrt(num / den) if den else 0.0


def strength_trend(checks: Sequence[StrengthCheck], *, loa_floor: float = LOA_FLOOR_FRACTION,
                   min_baseline: int = MIN_BASELINE_CHECKS, recent: int = RECENT_CHECKS,
                   z: float = LOA_Z) -> StrengthTrend | None:
    """The decline statistic over one label's checks; None when there are too few."""
    labels = {c.label for c in checks}
    if len(labels) > 1:
        raise ValueError(f"strength_trend takes the checks of one label, got {sorted(labels)}")
    if len(checks) < min_baseline + recent:
        return None
    ordered = sorted(checks, key=lambda c: c.taken_at)
    base = ordered[:min(MAX_BASELINE_CHECKS, len(ordered) - recent)]
    last = ordered[-recent:]
    scores = np.array([c.score_uv for c in base])
    baseline = float(np.median(scores))
    m = max(len(c.trial_peaks_uv) for c in ordered)
    own_log = z * _pooled_within_sd(ordered) * math.sqrt(2.0 / m)
    if len(base) >= 2:
        own_log = max(own_log, z * math.sqrt(2.0) * float(np.std(np.log(scores), ddof=1)))
    own = 1.0 - math.exp(-own_log)
    limit = max(loa_floor, own)
    drops = tuple(1.0 - c.score_uv / baseline for c in last)
    return StrengthTrend(ordered[0].label, len(ordered), baseline, tuple(c.score_uv for c in last),
                         drops, limit, own, all(d > limit for d in drops))
