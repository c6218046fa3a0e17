"""Cold start (numba compiling into an empty cache) and warm start (cache loaded), each in a
fresh process, and the engine's memory over a stream (see `probe`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

from twitchwatch._logging import logger

#: a cold start compiles the whole kernel (~20-30 s here); more means something hangs
PROBE_TIMEOUT_S = 600.0


def run_probe(numba_cache_dir: str, *, fs_hz: float = 2000.0, n_channels: int = 8,
              stream_s: float = 60.0) -> dict:
    """One fresh process with NUMBA_CACHE_DIR set; its report plus the whole process's wall time."""
    env = dict(os.environ, NUMBA_CACHE_DIR=numba_cache_dir)
    cmd = [sys.executable, "-m", "twitchwatch.benchmarking.probe", "--fs-hz", str(fs_hz),
           "--channels", str(n_channels), "--stream-s", str(stream_s)]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=PROBE_TIMEOUT_S)
    wall_s = time.perf_counter() - t0
    if done.returncode != 0:
        raise RuntimeError(f"probe failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return {**report, "process_wall_s": wall_s}


def cold_and_warm(*, cold: bool = True, warm_rounds: int = 2, fs_hz: float = 2000.0,
                  n_channels: int = 8, stream_s: float = 60.0, progress=None) -> dict:
    """Start-up with an empty numba cache (if `cold`), then the best of `warm_rounds` with it
    filled; memory from the last warm run. Without `cold`, the first run only fills the cache."""
    say = progress or (lambda message: None)
    with tempfile.TemporaryDirectory(prefix="twitchwatch-numba-") as cache:
        say("start-up: cold (numba compiling into an empty cache)" if cold else
            "start-up: filling a numba cache")
        first = run_probe(cache, fs_hz=fs_hz, n_channels=n_channels, stream_s=stream_s)
        warm = []
        for k in range(warm_rounds):
            say(f"start-up: warm {k + 1}/{warm_rounds} (cache loaded)")
            warm.append(run_probe(cache, fs_hz=fs_hz, n_channels=n_channels, stream_s=stream_s))
    best = min(warm, key=lambda r: r["start_s"])
    out = {"warm_start_s": best["start_s"], "warm_process_wall_s": best["process_wall_s"],
           "memory": {"fs_hz": fs_hz, "channels": n_channels, "stream_s": stream_s,
                      **{k: warm[-1][k] for k in ("rss_after_warmup_mb", "rss_after_stream_mb",
                                                   "rss_growth_mb", "peak_rss_mb")}}}
    if cold:
        out.update(cold_start_s=first["start_s"], cold_process_wall_s=first["process_wall_s"],
                   cold_vs_warm=first["start_s"] / best["start_s"])
    logger.info("start-up: %s", out)
    return out
