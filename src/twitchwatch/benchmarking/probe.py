"""Run in a fresh process by `startup`: start-up time, then memory while streaming.

    python -m twitchwatch.benchmarking.probe --fs-hz 2000 --channels 8 --stream-s 60

Prints one JSON line. Start-up is from just before `twitchwatch.engine` is imported to the end
of the first `process` call: with an empty numba cache that is compilation (cold start), with a
filled one loading it (warm start). Memory is this process's resident set after warm-up and after
the stream, and its peak (VmHWM): the growth shows whether memory stays bounded.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np

PAGE_KEYS = ("VmRSS", "VmHWM")


def memory_mb() -> dict:
    """Resident and peak resident memory of this process (Linux /proc), MB."""
    out = {}
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in PAGE_KEYS:
                out[key] = int(value.split()[0]) / 1024
    return {"rss_mb": out.get("VmRSS"), "peak_rss_mb": out.get("VmHWM")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m twitchwatch.benchmarking.probe")
    parser.add_argument("--fs-hz", type=float, default=2000.0)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--stream-s", type=float, default=60.0, help="signal streamed after warm-up")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    from twitchwatch.engine import Detector

    detector = Detector(args.fs_hz, args.channels)
    detector.process(np.zeros((100, args.channels), np.float32))
    start_s = time.perf_counter() - t0

    from twitchwatch.benchmarking.signals import emg_block, tiled_chunks
    from twitchwatch.benchmarking.throughput import warm_detector

    block = emg_block(args.channels, args.fs_hz, 20.0)
    detector, position = warm_detector(block, args.fs_hz)
    after_warmup = memory_mb()
    n = int(args.stream_s * args.fs_hz)
    for chunk in tiled_chunks(block, n, int(args.fs_hz), start=position):
        detector.process(chunk)
    detector.finish()
    after_stream = memory_mb()
    print(json.dumps({
        "start_s": start_s, "stream_s": args.stream_s,
        "rss_after_warmup_mb": after_warmup["rss_mb"], "rss_after_stream_mb": after_stream["rss_mb"],
        "rss_growth_mb": after_stream["rss_mb"] - after_warmup["rss_mb"],
        "peak_rss_mb": after_stream["peak_rss_mb"],
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
