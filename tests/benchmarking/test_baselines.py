"""Baselines: they compute what they claim, and an absent one is reported as skipped."""

import numpy as np
import pytest
from scipy import signal

from twitchwatch.benchmarking import baselines
from twitchwatch.benchmarking.baselines import SKIPPED_NOT_INSTALLED, Baseline, measure

FS_HZ = 1000.0


@pytest.fixture(scope="module")
def data():
    return np.random.default_rng(0).normal(0, 5, (int(3 * FS_HZ), 2)).astype(np.float32)


def test_scipy_pipeline_is_causal_and_smooths_the_rectified_band(data):
    y = baselines.scipy_causal_pipeline(data, FS_HZ)
    assert y.shape == data.shape and np.all(y >= 0)
    later = data.copy()
    later[2000:] += 100.0  # a change at sample 2000 must not reach back before it
    np.testing.assert_allclose(baselines.scipy_causal_pipeline(later, FS_HZ)[:2000], y[:2000])


@pytest.mark.parametrize("fs_hz", [250.0, 4000.0])
def test_scipy_pipeline_designs_a_valid_band_at_any_rate(fs_hz):
    x = np.random.default_rng(1).normal(0, 5, (int(fs_hz), 1))
    assert np.all(np.isfinite(baselines.scipy_causal_pipeline(x, fs_hz)))


def test_memory_pass_reads_every_sample(data):
    assert baselines.numpy_memory_pass(data, FS_HZ) == pytest.approx(float(np.abs(data).sum()), rel=1e-5)


def test_measure_reports_rate_and_the_part_of_the_array_used(data):
    row = measure(baselines.BASELINES[1], data, FS_HZ, rounds=1, budget_s=10.0)
    assert row["status"] == "measured" and row["name"] == "scipy causal pipeline"
    assert row["rows"] == data.shape[0] and row["fraction_of_array"] == 1.0
    assert row["channel_samples"] == data.size and row["msamples_per_s"] > 0


def test_missing_baseline_is_skipped_not_faked(data):
    calls = []
    absent = Baseline("absent", "nothing", lambda x, fs: calls.append(x), requires="twitchwatch_no_such_module")
    row = measure(absent, data, FS_HZ)
    assert row == {"name": "absent", "does": "nothing", "status": SKIPPED_NOT_INSTALLED}
    assert calls == []


def test_a_failing_baseline_is_reported_as_failed(data):
    def broken(x, fs):
        raise ValueError("bad input")

    row = measure(Baseline("broken", "raises", broken), data, FS_HZ)
    assert row["status"] == "failed: ValueError: bad input"


def test_optional_baselines_name_their_module():
    optional = {b.requires for b in baselines.BASELINES if b.requires}
    assert optional == {"neurokit2", "biosppy"}
    assert {b.name for b in baselines.BASELINES if b.requires is None} == {"numpy memory pass", "scipy causal pipeline"}


def test_scipy_pipeline_uses_the_engine_band():
    sos = signal.butter(2, baselines.BAND_HZ[0], "highpass", fs=2000.0, output="sos")
    assert sos.shape == (1, 6)
