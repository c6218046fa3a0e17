"""End-to-end latency over LSL on this machine: simulator outlet -> `twitchwatch live` (a
subprocess) -> its event outlet -> a plain pylsl inlet.

The machinery is the acceptance test's (tests/integration/test_live_pipeline.py: `run_pipeline`,
`latency_stats`), loaded from there rather than copied; here it runs on a minute of signal so
that the p99 rests on enough twitches. LSL stays on this machine (conftest sets LSLAPICFG).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

PIPELINE_TEST = Path(__file__).resolve().parents[1] / "tests" / "integration" / "test_live_pipeline.py"
SIGNAL_S = 65.0
STOP_AT_S = 63.0


def _pipeline_machinery():
    spec = importlib.util.spec_from_file_location("twitchwatch_live_pipeline_machinery", PIPELINE_TEST)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_lsl_end_to_end_latency(benchmark, summary, tmp_path):
    machinery = _pipeline_machinery()
    pipe = benchmark.pedantic(machinery.run_pipeline, args=(tmp_path, SIGNAL_S, STOP_AT_S),
                              kwargs={"seed": 13}, rounds=1, iterations=1)
    stats = {"fs_hz": machinery.FS, "chunk_s": machinery.CHUNK_S, "signal_s": STOP_AT_S,
             **machinery.latency_stats(pipe)}
    benchmark.extra_info.update(stats)
    summary["lsl_end_to_end"] = stats
    print("\nLSL end to end, 4 ch @ 2 kHz in 20 ms chunks:", json.dumps(stats, indent=1))
    assert stats["n_twitches"] >= 30
    # from the sample at which the detector could decide to the marker in another process's inlet
    assert stats["from_decision_median_ms"] < 100
