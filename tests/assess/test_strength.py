"""Strength checks: sliding RMS, finding the three contractions, scoring, the decline statistic."""

from __future__ import annotations

import math
from datetime import timedelta

import numpy as np
import pytest

from assess_helpers import T0, checks
from twitchwatch.assess import (
    StrengthCheck, find_trials, score_check, sliding_rms, strength_trend,
)
from twitchwatch.assess.strength import LOA_FLOOR_FRACTION
from twitchwatch.engine import Detector
from twitchwatch.sim import simulate

FS = 1000.0


def naive_rms(x, w):
    return np.array([math.sqrt(np.mean(np.asarray(x[i:i + w], float) ** 2)) for i in range(len(x) - w + 1)])


def test_sliding_rms_matches_the_naive_definition():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 50, 3000).astype(np.float32)
    got = sliding_rms(x, FS, 250.0)
    assert got.shape == (3000 - 250 + 1,)
    np.testing.assert_allclose(got, naive_rms(x, 250), rtol=1e-9)
    assert sliding_rms(x[:100], FS).size == 0
    with pytest.raises(ValueError, match="one channel"):
        sliding_rms(np.zeros((10, 2)), FS)


def simulated_check(effort: float, seed: int = 3):
    """Three voluntary contractions at ``effort``, band-passed by the detector (its filtered_out)."""
    sim = simulate("voluntary", duration_s=20.0, fs_hz=FS, n_channels=1, seed=seed, n_contractions=3,
                   contraction_duration_s=(3.0, 4.0), contraction_effort=(effort, effort))
    y = np.zeros(sim.data.shape, np.float64)
    Detector(sim.fs_hz, 1).process(sim.data, filtered_out=y)
    return y[:, 0], [e for e in sim.truth if e.kind == "contraction"]


@pytest.fixture(scope="module")
def strong():
    return simulated_check(0.8)


def test_the_three_contractions_are_found_where_they_were_made(strong):
    y, truth = strong
    trials = find_trials(y, FS)
    assert len(trials) == 3
    for t, e in zip(trials, truth):
        assert abs(t.start_s - e.onset_s) < 0.6 and abs(t.end_s - (e.onset_s + e.duration_s)) < 1.0
        assert t.start_s <= t.peak_at_s <= t.end_s
        assert isinstance(t.peak_rms_uv, float)


def test_the_score_follows_effort(strong):
    scores = {0.8: score_check(strong[0], FS, "biceps", T0).score_uv}
    for effort in (0.4, 0.2):
        scores[effort] = score_check(simulated_check(effort)[0], FS, "biceps", T0).score_uv
    assert scores[0.8] > 2 * scores[0.4] > 2 * 1.3 * scores[0.2] / 2
    assert 300 < scores[0.8] < 900  # ~500 µV RMS at 80 % effort (DESIGN.md), peak over 250 ms


def test_known_windows_score_each_contraction(strong):
    y, truth = strong
    windows = [(e.onset_s, e.onset_s + e.duration_s) for e in truth]
    c = score_check(y, FS, "biceps", T0, windows=windows, source="sim")
    found = score_check(y, FS, "biceps", T0)
    np.testing.assert_allclose(c.trial_peaks_uv, found.trial_peaks_uv, rtol=1e-9)
    with pytest.raises(ValueError, match="shorter than 250 ms or outside the signal"):
        score_check(y, FS, "biceps", T0, windows=[(30.0, 31.0)])


def test_too_few_contractions_ask_for_a_repeat(strong):
    y, truth = strong
    cut = int((truth[1].onset_s + truth[1].duration_s + 0.5) * FS)
    with pytest.raises(ValueError, match="found 2 contraction.*needs 3: repeat it"):
        find_trials(y[:cut], FS)
    with pytest.raises(ValueError, match="flat"):
        find_trials(np.zeros(5000), FS)


def test_a_check_needs_a_label_and_positive_peaks():
    with pytest.raises(ValueError, match="label"):
        StrengthCheck("", T0, (1.0, 2.0, 3.0))
    with pytest.raises(ValueError, match="finite numbers > 0"):
        StrengthCheck("biceps", T0, (1.0, float("nan"), 3.0))
    c = StrengthCheck("biceps", T0, (90.0, 100.0, 110.0))
    assert c.score_uv == pytest.approx(100.0)
    assert c.within_sd_log == pytest.approx(np.std(np.log([90, 100, 110]), ddof=1))


# ---- the decline statistic --------------------------------------------------------------------
def test_trend_numbers_follow_the_documented_statistic():
    cs = checks([500, 400, 600, 250, 200], spread=0.05)
    t = strength_trend(cs)
    assert t.baseline_uv == pytest.approx(500.0)  # median of the first 3
    assert t.recent_uv == pytest.approx((250.0, 200.0))
    assert t.drops == pytest.approx((0.5, 0.6))
    s_w = np.std(np.log([0.95, 1.0, 1.05]), ddof=1)
    within = 1 - math.exp(-1.96 * s_w * math.sqrt(2 / 3))
    between = 1 - math.exp(-1.96 * math.sqrt(2) * np.std(np.log([500, 400, 600]), ddof=1))
    assert t.own_limit == pytest.approx(max(within, between))
    assert t.limit == pytest.approx(max(LOA_FLOOR_FRACTION, within, between))
    assert t.declined == all(d > t.limit for d in t.drops)


def test_trend_uses_time_order_not_insertion_order():
    cs = list(checks([500, 480, 510, 250, 240]))
    assert strength_trend(cs[::-1]).declined


def test_trend_needs_enough_checks_of_one_label():
    assert strength_trend(checks([500, 480, 250])) is None
    mixed = checks([500, 480]) + checks([300, 200], label="calf")
    with pytest.raises(ValueError, match="one label"):
        strength_trend(mixed)


def test_a_steady_decline_within_the_limit_is_not_called():
    t = strength_trend(checks([500, 500, 500, 330, 320]))  # 34-36 % lower
    assert not t.declined and "within the 39 %" in t.text()


def test_score_of_simulated_checks_stored_over_weeks_declines():
    y_strong = simulated_check(0.8)[0]
    y_weak = simulated_check(0.25, seed=4)[0]
    series = [score_check(y, FS, "biceps", T0 + timedelta(days=7 * i))
              for i, y in enumerate([y_strong, y_strong, y_weak, y_weak])]
    assert strength_trend(series).declined
