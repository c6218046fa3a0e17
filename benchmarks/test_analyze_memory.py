"""`twitchwatch analyze` on a 1-hour, 8-channel, 2 kHz recording: wall time and peak memory.

CSV is the format read in blocks (XDF is loaded whole by pyxdf), so it shows the engine's own
bound: memory must not grow with the length of the recording.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

FS_HZ = 2000
N_CHANNELS = 8
HOURS = 1.0


def _write_csv(path: Path, seconds: float) -> None:
    rng = np.random.default_rng(0)
    block_s = 60
    with path.open("w", encoding="utf-8") as f:
        f.write("time_s," + ",".join(f"EMG{c + 1}" for c in range(N_CHANNELS)) + "\n")
        for start in range(0, int(seconds), block_s):
            n = block_s * FS_HZ
            t = (start * FS_HZ + np.arange(n)) / FS_HZ
            x = rng.normal(0.0, 5.0, (n, N_CHANNELS)).astype(np.float32)
            np.savetxt(f, np.column_stack([t, x]), fmt=["%.4f"] + ["%.2f"] * N_CHANNELS, delimiter=",")


@pytest.fixture(scope="module")
def hour_csv(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("hour") / "hour.csv"
    _write_csv(path, HOURS * 3600)
    return path


def test_analyze_one_hour_peak_memory(benchmark, hour_csv, tmp_path, summary):
    summary_path = tmp_path / "summary.json"
    code = (
        "import sys\n"
        "from twitchwatch.cli import main\n"
        f"rc = main(['analyze', {str(hour_csv)!r}, '--summary-out', {str(summary_path)!r}, '--quiet', '--no-history'])\n"
        # VmHWM is this process's own peak; ru_maxrss would carry the parent's over exec().
        "from twitchwatch.benchmarking.probe import memory_mb\n"
        "print('PEAK_MB', memory_mb()['peak_rss_mb'])\n"
        "sys.exit(rc)\n"
    )

    def run():
        t0 = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        peak_mb = float(out.stdout.split("PEAK_MB")[1].split()[0])
        return time.perf_counter() - t0, peak_mb

    wall_s, peak_mb = benchmark.pedantic(run, rounds=1, iterations=1)
    duration_s = json.loads(summary_path.read_text())["recordings"][0]["duration_s"]
    benchmark.extra_info.update({"wall_s": wall_s, "peak_memory_mb": peak_mb, "recording_s": duration_s,
                                 "x_real_time": duration_s / wall_s, "file_mb": hour_csv.stat().st_size / 1e6})
    summary["analyze_one_hour_csv"] = dict(benchmark.extra_info)
    print(f"analyze 1 h x 8 ch @ 2 kHz CSV ({hour_csv.stat().st_size / 1e6:.0f} MB): "
          f"{wall_s:.1f} s wall ({duration_s / wall_s:.0f}x real time), peak memory {peak_mb:.0f} MB")
    assert duration_s == pytest.approx(HOURS * 3600, rel=1e-6)
    assert peak_mb < 300
