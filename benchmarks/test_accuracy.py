"""Accuracy on the simulator's ground truth (the README table); writes benchmarks/results/."""

import json
from pathlib import Path

from twitchwatch.benchmarking import accuracy

RESULTS = Path(__file__).with_name("results")


def test_accuracy_table(benchmark, summary):
    result = benchmark.pedantic(accuracy.run, rounds=1, iterations=1)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "accuracy.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    (RESULTS / "accuracy.md").write_text(accuracy.markdown(result), encoding="utf-8")
    summary["accuracy"] = {"file": "results/accuracy.json", "scenarios": result["scenarios"]}
    sweep = {(r["fs_hz"], r["noise_uv_rms"]): r for r in result["sweep_rest_benign"]}
    benchmark.extra_info["sweep_f1"] = {f"{fs:.0f}Hz/{noise:g}uV": r["f1"] for (fs, noise), r in sweep.items()}
    ecg = result["scenarios"]["ecg-contaminated"]
    cramp = result["scenarios"]["cramp"]
    assert ecg["false_twitches_per_min"] <= 0.5
    assert cramp["cramps_found"] == cramp["cramps_true"] and cramp["false_cramps"] == 0 and cramp["split_cramps"] == 0
    assert cramp["max_cramp_onset_error_s"] <= 1.0
    assert all(r["f1"] >= 0.85 for (fs, _), r in sweep.items() if fs == 250.0)
