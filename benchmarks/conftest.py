"""Benchmarks: run with `make bench` (not part of `make test`). Ratios are measured in one run.

The measuring code is `twitchwatch.benchmarking` (also behind `twitchwatch bench`); the suites
here choose sizes, assert the issues' bars and keep the numbers: pytest-benchmark's JSON
(`results/benchmarks.json`) and the headline numbers with machine, versions and date
(`results/summary.json`).
"""

import json
import os
from pathlib import Path

# Must happen before anything imports pylsl: liblsl reads its config once, at load time.
os.environ["LSLAPICFG"] = str(Path(__file__).resolve().parents[1] / "tests" / "lsl_api.cfg")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from twitchwatch.benchmarking.machine import environment  # noqa: E402

RESULTS = Path(__file__).with_name("results")


def pytest_benchmark_update_machine_info(config, machine_info):
    """pytest-benchmark knows the CPU flags but not our libraries: add them."""
    machine_info["twitchwatch_environment"] = environment()


@pytest.fixture(scope="session")
def summary():
    """Each benchmark adds its headline numbers; written to results/summary.json at the end,
    merged into the last file so that running one suite keeps the others' numbers."""
    numbers: dict = {}
    yield numbers
    if not numbers:
        return
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / "summary.json"
    try:
        previous = json.loads(path.read_text(encoding="utf-8")).get("results", {})
    except (OSError, ValueError):
        previous = {}
    path.write_text(json.dumps({**environment(), "results": {**previous, **numbers}}, indent=2),
                    encoding="utf-8")
