"""`twitchwatch bench`: the tables, the JSON and skipped baselines, on tiny sizes (the real
sizes are what `twitchwatch bench --quick` and `make bench` run)."""

import json

import pytest

from twitchwatch.benchmarking import baselines, suite
from twitchwatch.cli import main
from twitchwatch.cli import bench as bench_cli

ABSENT = baselines.Baseline("absent toolbox", "stands for an uninstalled baseline",
                            lambda data, fs: None, requires="twitchwatch_no_such_module")
TINY = suite.Sizes(fs_hz=500.0, channels=2, block_s=8.0, stream_s=2.0, rounds=1,
                   latency_chunk_samples=(1, 25), latency_calls=10, baseline_budget_s=0.05,
                   baseline_names=("numpy memory pass", "scipy causal pipeline", "absent toolbox"),
                   start_up=False, accuracy_seeds=1, accuracy_scenarios=("cramp",))


@pytest.fixture
def tiny(monkeypatch):
    monkeypatch.setitem(bench_cli.PRESETS, "quick", TINY)
    monkeypatch.setattr(baselines, "BASELINES", (*baselines.BASELINES, ABSENT))


def test_quick_prints_tables_progress_and_writes_json(tiny, tmp_path, capsys):
    out_path = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--json", str(out_path)]) == 0
    captured = capsys.readouterr()
    text = captured.out
    for title in ("Throughput:", "Latency of Detector.process", "Start-up", "Accuracy on the simulator"):
        assert title in text
    assert "twitchwatch engine" in text and "scipy causal pipeline" in text
    assert "absent toolbox" in text and "skipped (not installed)" in text
    assert "machine:" in text and "cores" in text
    assert "[1/" in captured.err and "accuracy" in captured.err  # progress, on stderr

    result = json.loads(out_path.read_text())
    assert result["quick"] is True
    assert {"cpu_model", "cores"} <= set(result["machine"])
    assert {"python", "numpy", "numba", "scipy", "twitchwatch", "neurokit2", "biosppy"} <= set(result["versions"])
    assert result["date"]
    engine = result["engine"][0]
    assert engine["channels"] == 2 and engine["msamples_per_s"] > 0 and engine["x_real_time"] > 0
    rows = {b["name"]: b for b in result["baselines"]}
    assert rows["absent toolbox"]["status"] == "skipped (not installed)"
    assert "msamples_per_s" not in rows["absent toolbox"]
    scipy_row = rows["scipy causal pipeline"]
    assert scipy_row["status"] == "measured"
    assert scipy_row["engine_speedup"] == pytest.approx(engine["msamples_per_s"] / scipy_row["msamples_per_s"])
    reference = result["reference"]
    assert reference["engine_to_reference"] == pytest.approx(
        reference["engine_msamples_per_s"] / reference["reference_msamples_per_s"])
    assert "reference loop" in text and ("met" in text)
    assert [r["chunk_samples"] for r in result["latency"]] == [1, 25]
    assert all({"p50_us", "p99_us"} <= set(r) for r in result["latency"])
    assert result["start_up"] is None
    cramp = result["accuracy"]["scenarios"]["cramp"]
    assert {"precision", "recall", "f1", "false_twitches_per_min", "max_cramp_onset_error_s"} <= set(cramp)


def test_json_into_a_missing_folder_is_a_user_error(tiny, tmp_path, capsys):
    assert main(["bench", "--quick", "--json", str(tmp_path / "no" / "bench.json")]) == 3
    assert "does not exist" in capsys.readouterr().err


def test_bench_is_listed_in_help(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "bench" in capsys.readouterr().out
