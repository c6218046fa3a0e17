"""Engine throughput over channels x sampling rates x stream lengths, and its linearity.

Each cell streams a 30 s block of simulator signal, tiled, for 60 s, 600 s and 3600 s (64 ch at
4 kHz for an hour would be 7 GB as one array). Steady state: numba compilation, building the
detector and its warm-up are out of the timing (see `twitchwatch.benchmarking.throughput`).
Before they were, and 60 s cost 23.6 ns per channel-sample against 17.8 ns at 600 s: the ~3 ms
filter design of each new `Detector` alone is 3 ns per channel-sample of a 60 s run.

Issue 8: the 3600 s run's cost per channel-sample within 20 % of the 60 s run's: each 60 s
segment of the long run against a fresh 60 s run right after it, median of the CPU-time ratios
(see `throughput.linearity` for why paired); totals and wall time are recorded too.
"""

from __future__ import annotations

import pytest

from twitchwatch.benchmarking import throughput
from twitchwatch.benchmarking.signals import emg_block

CHANNELS = (1, 8, 64)
RATES_HZ = (250.0, 1000.0, 2000.0, 4000.0)
LENGTHS_S = (60.0, 600.0, 3600.0)
BLOCK_S = 30.0
LINEARITY_TOLERANCE = 0.20


@pytest.mark.parametrize("fs_hz", RATES_HZ)
@pytest.mark.parametrize("n_channels", CHANNELS)
def test_throughput_grid_and_linearity(benchmark, summary, n_channels, fs_hz):
    block = emg_block(n_channels, fs_hz, BLOCK_S)
    result = benchmark.pedantic(throughput.linearity, args=(block, fs_hz, LENGTHS_S),
                                rounds=1, iterations=1)
    cells = {f"{seconds:g}s": {**run, "x_real_time_per_channel": run["channel_samples"] / run["wall_s"] / fs_hz}
             for seconds, run in result["runs"].items()}
    row = {"channels": n_channels, "fs_hz": fs_hz, "lengths": cells,
           "cost_ratio_3600s_to_60s": result["cost_ratio_longest_to_shortest"],
           "cost_ratio_600s_to_60s": result["runs"][600.0]["median_cost_ratio_to_shortest"]}
    benchmark.extra_info.update(row)
    summary.setdefault("throughput_grid", {})[f"{n_channels}ch@{fs_hz:g}Hz"] = row
    print(f"{n_channels} ch @ {fs_hz:g} Hz: " + ", ".join(
        f"{k} {c['msamples_per_s']:.1f} M/s ({c['cpu_ns_per_sample']:.1f} CPU ns/sample)" for k, c in cells.items())
        + f"; cost vs 60 s: 600 s {row['cost_ratio_600s_to_60s']:.3f}, 3600 s {row['cost_ratio_3600s_to_60s']:.3f}")
    assert abs(row["cost_ratio_3600s_to_60s"] - 1.0) <= LINEARITY_TOLERANCE, row
