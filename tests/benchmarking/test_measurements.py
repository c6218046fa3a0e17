"""Throughput, latency, probe and accuracy helpers return complete, consistent records.
(No timing is asserted here: performance claims live in benchmarks/.)"""

import json

import numpy as np
import pytest

from twitchwatch.benchmarking import accuracy, latency, probe, throughput
from twitchwatch.benchmarking.signals import emg_block
from twitchwatch.benchmarking.timing import Rate, percentiles_us

FS_HZ = 500.0


@pytest.fixture(scope="module")
def block():
    return emg_block(2, FS_HZ, 8.0)


def test_rate_arithmetic():
    r = Rate(samples=2_000_000, wall_s=0.5, cpu_s=0.25)
    assert r.msamples_per_s == 4.0 and r.ns_per_sample == 250.0 and r.cpu_ns_per_sample == 125.0
    assert r.x_real_time(fs_hz=1000.0, n_channels=2) == 2000.0


def test_percentiles_us():
    stats = percentiles_us(np.array([1e-6] * 99 + [1e-3]))
    assert stats["p50_us"] == pytest.approx(1.0) and stats["max_us"] == pytest.approx(1000.0)
    assert stats["n"] == 100


def test_engine_throughput_counts_the_streamed_samples(block):
    out = throughput.engine_throughput(block, FS_HZ, 3.0, rounds=1)
    assert out["channel_samples"] == 3 * int(FS_HZ) * 2
    assert out["x_real_time"] > 0 and out["x_real_time_per_channel"] == pytest.approx(2 * out["x_real_time"])


def test_linearity_pairs_each_segment_with_a_short_run(block):
    out = throughput.linearity(block, FS_HZ, (1.0, 3.0))
    run = out["runs"][3.0]
    assert set(out["runs"]) == {3.0} and run["segments"] == 3
    assert run["channel_samples"] == 3 * int(FS_HZ) * 2
    assert run["paired_shortest_runs"]["runs"] == 3
    assert out["cost_ratio_longest_to_shortest"] == run["median_cost_ratio_to_shortest"] > 0


def test_fixed_costs_are_reported():
    out = throughput.fixed_costs(FS_HZ, 2, rounds=2)
    assert out["construct_ms"] > 0 and out["finish_ms"] >= 0


@pytest.mark.parametrize("chunk_samples", [1, 7, 300])
def test_chunk_latency_times_only_full_chunks(block, chunk_samples):
    out = latency.chunk_latency(block, FS_HZ, chunk_samples, 30)
    assert out["n"] == 30 and out["chunk_samples"] == chunk_samples
    assert out["p50_us"] <= out["p99_us"] <= out["max_us"]
    assert {"cpu_p50_us", "cpu_p99_us"} <= set(out)


def test_probe_reports_start_up_and_memory(capsys):
    assert probe.main(["--fs-hz", "500", "--channels", "2", "--stream-s", "2"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["start_s"] > 0 and report["peak_rss_mb"] >= report["rss_after_stream_mb"] > 0
    assert report["rss_growth_mb"] == pytest.approx(report["rss_after_stream_mb"] - report["rss_after_warmup_mb"])


def test_accuracy_of_one_scenario_without_sweep():
    result = accuracy.run(seeds=1, sweep=False, scenarios=("cramp",))
    assert list(result["scenarios"]) == ["cramp"] and result["sweep_rest_benign"] == []
    row = result["scenarios"]["cramp"]
    assert {"precision", "recall", "f1", "false_twitches_per_min", "max_cramp_onset_error_s"} <= set(row)
    table = accuracy.markdown(result)
    assert "| cramp |" in table and "sweep" not in table
