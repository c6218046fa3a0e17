"""Detector accuracy on the simulator's ground truth, scored by `twitchwatch.scoring`.

Two tables: every named scenario (several seeds), and a sweep of sampling rate x noise level on
`rest-benign` (twitches 30-200 µV peak-to-peak). A twitch matches when its onset is within 25 ms
of the true one; the detector's warm-up (first 3 s) is left out of the score.
"""

from __future__ import annotations

import time
from typing import Callable

from twitchwatch.benchmarking.machine import environment
from twitchwatch.engine import Detector, DetectorConfig
from twitchwatch.scoring import score_events
from twitchwatch.sim import SCENARIOS, simulate

SWEEP_RATES_HZ = (2000.0, 1000.0, 250.0)
SWEEP_NOISE_UV_RMS = (3.0, 5.0, 8.0)


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


def run(quick: bool = False, progress: Callable[[str], None] | None = None, *,
        seeds: int | None = None, sweep: bool = True, scenarios: tuple[str, ...] | None = None) -> dict:
    """Both tables. `quick`: 2 seeds per scenario, a 120 s sweep with 1 seed (about 4x faster);
    `seeds` overrides the seed count, `sweep=False` leaves the sweep out, `scenarios` limits
    the first table to these (default: all of SCENARIOS)."""
    say = progress or (lambda message: None)
    config = DetectorConfig()
    n_seeds = seeds if seeds is not None else (2 if quick else 5)
    started = time.perf_counter()
    names = tuple(SCENARIOS) if scenarios is None else scenarios
    by_scenario = {}
    for name in names:
        scores = []
        for seed in range(n_seeds):
            sim, score = run_one(name, seed, config)
            scores.append(score)
        by_scenario[name] = {"fs_hz": sim.fs_hz, "channels": sim.data.shape[1], **aggregate(scores)}
        r = by_scenario[name]
        say(f"accuracy: scenario {name}: " + (f"F1 {r['f1']:.3f}" if r["true_twitches"] else
                                              f"no true twitches, {r['false_twitches_per_min']:.2f} false/min"))
    rows = []
    sweep_seeds = range(1) if quick else range(3)
    duration_s = 120.0 if quick else 300.0
    for fs_hz in SWEEP_RATES_HZ if sweep else ():
        for noise in SWEEP_NOISE_UV_RMS:
            scores = [run_one("rest-benign", seed, config, duration_s=duration_s, fs_hz=fs_hz,
                              noise_uv_rms=noise)[1] for seed in sweep_seeds]
            rows.append({"fs_hz": fs_hz, "noise_uv_rms": noise, **aggregate(scores)})
            say(f"accuracy: sweep {fs_hz:.0f} Hz, {noise:g} µV: F1 {rows[-1]['f1']:.3f}")
    env = environment()
    return {
        "generated": env["date"],
        **env,
        "quick": quick,
        "seeds_per_scenario": n_seeds,
        "wall_s": round(time.perf_counter() - started, 1),
        "scenarios": by_scenario,
        "sweep_rest_benign": rows,
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
    if not result["sweep_rest_benign"]:
        return "\n".join(lines) + "\n"
    lines += ["", "| rest-benign sweep: fs (Hz) | noise (µV RMS) | true twitches | precision | recall | F1 | false twitches /min |",
              "|---|---|---|---|---|---|---|"]
    for r in result["sweep_rest_benign"]:
        lines.append(f"| {r['fs_hz']:.0f} | {r['noise_uv_rms']:g} | {r['true_twitches']} | {r['precision']:.3f} | "
                     f"{r['recall']:.3f} | {r['f1']:.3f} | {r['false_twitches_per_min']:.2f} |")
    return "\n".join(lines) + "\n"
