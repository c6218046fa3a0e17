"""Detector accuracy on the simulator's ground truth: the table quoted in the README.

    python benchmarks/accuracy.py [--quick] [--json OUT.json] [--markdown OUT.md]

Two tables: every named scenario (several seeds), and a sweep of sampling rate x noise level on
`rest-benign` (twitches 30-200 µV peak-to-peak). A twitch matches when its onset is within 25 ms
of the true one; the first 3 s (the detector's warm-up) are left out of the score.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import datetime, timezone

import numpy as np

from twitchwatch import __version__
from twitchwatch.engine import Detector, DetectorConfig
from twitchwatch.scoring import score_events
from twitchwatch.sim import SCENARIOS, simulate


def run_one(scenario: str, seed: int, config: DetectorConfig, **overrides):
    sim = simulate(scenario, seed=seed, **overrides)
    det = Detector(sim.fs_hz, sim.data.shape[1], config)
    events = det.process(sim.data) + det.finish()
    duration_s = sim.data.shape[0] / sim.fs_hz
    return sim, score_events(events, sim.truth, sim.fs_hz, duration_s, ignore_before_s=config.warmup_s)


def aggregate(scores) -> dict:
    tp = sum(s.true_positives for s in scores)
    fp = sum(s.false_positives for s in scores)
    fn = sum(s.false_negatives for s in scores)
    minutes = sum(s.duration_min for s in scores)
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    errors = [e for s in scores for e in s.cramp_onset_errors_s]
    return {
        "minutes": round(minutes, 2),
        "true_twitches": tp + fn,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "false_twitches_per_min": fp / minutes if minutes else 0.0,
        "cramps_true": sum(s.true_cramps for s in scores),
        "cramps_found": sum(s.cramps_found for s in scores),
        "false_cramps": sum(s.false_cramps for s in scores),
        "split_cramps": sum(s.split_cramps for s in scores),
        "max_cramp_onset_error_s": max((abs(e) for e in errors), default=None),
        "contractions_true": sum(s.true_contractions for s in scores),
        "contractions_found": sum(s.contractions_found for s in scores),
        "contractions_called_cramp": sum(s.contractions_called_cramp for s in scores),
        "cramps_called_contraction": sum(s.cramps_called_contraction for s in scores),
    }


def run(quick: bool = False, progress=None) -> dict:
    config = DetectorConfig()
    seeds = range(2) if quick else range(5)
    started = time.perf_counter()
    scenarios = {}
    for name in SCENARIOS:
        scores = []
        for seed in seeds:
            sim, score = run_one(name, seed, config)
            scores.append(score)
        scenarios[name] = {"fs_hz": sim.fs_hz, "channels": sim.data.shape[1], **aggregate(scores)}
        if progress:
            progress(f"scenario {name}: F1 {scenarios[name]['f1']:.3f}")
    sweep = []
    sweep_seeds = range(1) if quick else range(3)
    duration_s = 120.0 if quick else 300.0
    for fs_hz in (2000.0, 1000.0, 250.0):
        for noise in (3.0, 5.0, 8.0):
            scores = [run_one("rest-benign", seed, config, duration_s=duration_s, fs_hz=fs_hz,
                              noise_uv_rms=noise)[1] for seed in sweep_seeds]
            sweep.append({"fs_hz": fs_hz, "noise_uv_rms": noise, **aggregate(scores)})
            if progress:
                progress(f"sweep {fs_hz:.0f} Hz, {noise:g} µV: F1 {sweep[-1]['f1']:.3f}")
    return {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "twitchwatch": __version__,
        "machine": {"python": platform.python_version(), "platform": platform.platform(),
                    "processor": platform.processor() or platform.machine()},
        "quick": quick,
        "seeds_per_scenario": len(seeds),
        "wall_s": round(time.perf_counter() - started, 1),
        "scenarios": scenarios,
        "sweep_rest_benign": sweep,
    }


def markdown(result: dict) -> str:
    lines = ["| scenario | fs (Hz) | ch | true twitches | precision | recall | F1 | false twitches /min | cramps found | false cramps | split | max cramp onset error (s) | contractions found | contraction→cramp |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in result["scenarios"].items():
        err = "–" if r["max_cramp_onset_error_s"] is None else f"{r['max_cramp_onset_error_s']:.2f}"
        # Precision, recall and F1 mean nothing without true twitches: false/min says it all.
        prf = (["–"] * 3 if r["true_twitches"] == 0 else
               [f"{r['precision']:.3f}", f"{r['recall']:.3f}", f"{r['f1']:.3f}"])
        lines.append(
            f"| {name} | {r['fs_hz']:.0f} | {r['channels']} | {r['true_twitches']} | {prf[0]} | {prf[1]} | "
            f"{prf[2]} | {r['false_twitches_per_min']:.2f} | {r['cramps_found']}/{r['cramps_true']} | {r['false_cramps']} | "
            f"{r['split_cramps']} | {err} | {r['contractions_found']}/{r['contractions_true']} | {r['contractions_called_cramp']} |")
    lines += ["", "| rest-benign sweep: fs (Hz) | noise (µV RMS) | true twitches | precision | recall | F1 | false twitches /min |",
              "|---|---|---|---|---|---|---|"]
    for r in result["sweep_rest_benign"]:
        lines.append(f"| {r['fs_hz']:.0f} | {r['noise_uv_rms']:g} | {r['true_twitches']} | {r['precision']:.3f} | "
                     f"{r['recall']:.3f} | {r['f1']:.3f} | {r['false_twitches_per_min']:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer seeds and shorter sweeps (about 4x faster)")
    parser.add_argument("--json", help="write the result as JSON here")
    parser.add_argument("--markdown", help="write the tables as Markdown here")
    args = parser.parse_args(argv)
    result = run(args.quick, progress=lambda m: print(m, file=sys.stderr, flush=True))
    table = markdown(result)
    print(table)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(result, f, indent=2)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
