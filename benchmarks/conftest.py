"""Benchmarks: run with `make bench` (not part of `make test`). Ratios are measured in one run."""

import os
from pathlib import Path

os.environ["LSLAPICFG"] = str(Path(__file__).resolve().parents[1] / "tests" / "lsl_api.cfg")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
