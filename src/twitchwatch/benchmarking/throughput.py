"""Engine throughput in steady state: what a long stream costs per channel-sample.

Left out of the timing, on purpose: numba compilation (or loading its cache), building the
`Detector` (scipy filter design, ~3 ms: a fixed cost that alone is 3 ns per channel-sample of a
60 s 8-channel 2 kHz stream and 0.05 ns of an hour) and the detector's own warm-up. Those are
start-up costs, measured by `fixed_costs` and `startup`; with them inside, short runs look
slower per sample than long ones and the length scaling is not what is measured.
"""

from __future__ import annotations

import time

import numpy as np

from twitchwatch.benchmarking import reference_loop
from twitchwatch.benchmarking.signals import tiled_chunks
from twitchwatch.benchmarking.timing import Rate, timed
from twitchwatch.engine import Detector

#: fed before the timing starts: past the detector's 3 s warm-up, its noise floor settled
WARMUP_S = 5.0
#: chunk of the timed stream; one Python call per second of signal costs < 1 % at 250 Hz x 1 ch
CHUNK_S = 1.0


def _samples(seconds: float, fs_hz: float) -> int:
    return max(1, int(round(seconds * fs_hz)))


def warm_detector(block: np.ndarray, fs_hz: float, warmup_s: float = WARMUP_S,
                  chunk_samples: int | None = None) -> tuple[Detector, int]:
    """A detector that has compiled and warmed up on `block`; and where in it the stream is."""
    detector = Detector(fs_hz, block.shape[1])
    warm = _samples(warmup_s, fs_hz)
    for chunk in tiled_chunks(block, warm, chunk_samples or _samples(CHUNK_S, fs_hz)):
        detector.process(chunk)
    return detector, warm


def stream_rate(block: np.ndarray, fs_hz: float, duration_s: float, *, chunk_s: float = CHUNK_S,
                warmup_s: float = WARMUP_S) -> Rate:
    """One steady-state run: `duration_s` of `block` tiled, fed in `chunk_s` chunks."""
    return stream_segments(block, fs_hz, duration_s, duration_s, chunk_s=chunk_s, warmup_s=warmup_s)[0]


def stream_segments(block: np.ndarray, fs_hz: float, duration_s: float, segment_s: float, *,
                    chunk_s: float = CHUNK_S, warmup_s: float = WARMUP_S,
                    between=None) -> list[Rate]:
    """One steady-state run of `duration_s`, timed in consecutive `segment_s` segments;
    `between()`, if given, runs after each segment, outside the timing."""
    chunk_samples = _samples(chunk_s, fs_hz)
    detector, position = warm_detector(block, fs_hz, warmup_s, chunk_samples)
    remaining = _samples(duration_s, fs_hz)
    rates = []
    while remaining > 0:
        n = min(remaining, _samples(segment_s, fs_hz))

        def stream(start=position, n=n) -> None:
            for chunk in tiled_chunks(block, n, chunk_samples, start=start):
                detector.process(chunk)

        rates.append(timed(stream, n * block.shape[1]))
        position += n
        remaining -= n
        if between is not None:
            between()
    return rates


def engine_throughput(block: np.ndarray, fs_hz: float, duration_s: float, *, rounds: int = 3,
                      chunk_s: float = CHUNK_S) -> dict:
    """Best of `rounds` steady-state runs (a fresh detector each), with x real time."""
    best = min((stream_rate(block, fs_hz, duration_s, chunk_s=chunk_s) for _ in range(rounds)),
               key=lambda r: r.wall_s)
    return {"fs_hz": fs_hz, "channels": block.shape[1], "duration_s": duration_s, "rounds": rounds,
            **best.as_dict(), "x_real_time": best.x_real_time(fs_hz, block.shape[1]),
            "x_real_time_per_channel": best.samples / best.wall_s / fs_hz}


def engine_vs_reference(block: np.ndarray, fs_hz: float, duration_s: float, *, rounds: int = 3,
                        chunk_s: float = CHUNK_S) -> dict:
    """The engine and the reference loop (`reference_loop`) on the same stream, in turn chunk by
    chunk: each chunk goes through one, then the other (the order alternates), so both see the
    same moments of a shared machine's load and their ratio holds where absolute rates do not.

    Each of `rounds` runs streams `duration_s` of `block` through a fresh, warmed-up detector
    and a fresh loop; a chunk's time is its best over the rounds (a neighbour's burst only ever
    adds time). Issue 4's bar, scaled to this run: `bar_fraction` x the loop's rate.
    """
    reference_loop.compile_for(block.dtype)
    chunk_samples = _samples(chunk_s, fs_hz)
    warm = _samples(WARMUP_S, fs_hz)
    chunks = list(tiled_chunks(block, _samples(duration_s, fs_hz), chunk_samples, start=warm))
    best = {"engine": np.full(len(chunks), np.inf), "reference": np.full(len(chunks), np.inf)}
    for r in range(rounds):
        detector, _ = warm_detector(block, fs_hz, WARMUP_S, chunk_samples)
        loop = reference_loop.ReferenceLoop(fs_hz, block.shape[1])
        loop.process(block[:warm])
        runs = {"engine": detector.process, "reference": loop.process}
        for j, chunk in enumerate(chunks):
            for name in (("engine", "reference") if (j + r) % 2 == 0 else ("reference", "engine")):
                t0 = time.perf_counter()
                runs[name](chunk)
                best[name][j] = min(best[name][j], time.perf_counter() - t0)
    samples = sum(chunk.size for chunk in chunks)
    rate = {name: samples / float(times.sum()) / 1e6 for name, times in best.items()}
    ratio = rate["engine"] / rate["reference"]
    return {"fs_hz": fs_hz, "channels": block.shape[1], "duration_s": duration_s, "rounds": rounds,
            "chunk_s": chunk_s, "channel_samples": samples,
            "engine_msamples_per_s": rate["engine"], "reference_msamples_per_s": rate["reference"],
            "engine_to_reference": ratio, "bar_fraction": reference_loop.BAR_FRACTION,
            "scaled_bar_msamples_per_s": reference_loop.BAR_FRACTION * rate["reference"],
            "engine_at_reference_160_msamples_per_s": ratio * reference_loop.REFERENCE_MSAMPLES_PER_S,
            "meets_bar": ratio >= reference_loop.BAR_FRACTION}


def fixed_costs(fs_hz: float, n_channels: int, rounds: int = 7) -> dict:
    """What every stream pays once, whatever its length: building the detector (filter design)
    and `finish()`. Median of `rounds` (compilation happens before, in the first round)."""
    block = np.zeros((_samples(0.1, fs_hz), n_channels), np.float32)
    construct, finish = [], []
    for _ in range(rounds + 1):
        t0 = time.perf_counter()
        detector = Detector(fs_hz, n_channels)
        t1 = time.perf_counter()
        detector.process(block)
        t2 = time.perf_counter()
        detector.finish()
        construct.append(t1 - t0)
        finish.append(time.perf_counter() - t2)
    return {"construct_ms": 1e3 * float(np.median(construct[1:])),
            "finish_ms": 1e3 * float(np.median(finish[1:]))}


def linearity(block: np.ndarray, fs_hz: float, lengths_s: tuple[float, ...], *,
              chunk_s: float = CHUNK_S) -> dict:
    """Per-sample cost at each length, and each length's relative to the shortest's.

    Each long run is timed in segments as long as the shortest length, and after every segment
    a fresh detector streams the shortest length (outside the long run's timing): the pairs
    share the machine's load of that moment, and the median of their cost ratios (CPU time)
    is the result. Cost that grows along a stream raises the later segments' ratios and so the
    median. A total against a best-of would not compare like with like on a shared machine: a
    neighbour's burst lands in a long run's total, while the best of several short runs picks
    a quiet moment (measured that way, the ratios here scattered from 0.6 to 2.0).
    """
    segment_s = min(lengths_s)
    runs = {}
    for seconds in sorted(lengths_s, reverse=True):
        if seconds == segment_s:
            continue
        shorts: list[Rate] = []
        segments = stream_segments(block, fs_hz, seconds, segment_s, chunk_s=chunk_s,
                                   between=lambda: shorts.append(stream_rate(block, fs_hz, segment_s,
                                                                             chunk_s=chunk_s)))
        ratios = [s.cpu_ns_per_sample / r.cpu_ns_per_sample for s, r in zip(segments, shorts)]
        total = Rate(sum(s.samples for s in segments), sum(s.wall_s for s in segments),
                     sum(s.cpu_s for s in segments))
        short_total = Rate(sum(r.samples for r in shorts), sum(r.wall_s for r in shorts),
                           sum(r.cpu_s for r in shorts))
        runs[seconds] = {"segments": len(segments), **total.as_dict(),
                         "median_cost_ratio_to_shortest": float(np.median(ratios)),
                         "first_segment_cpu_ns_per_sample": segments[0].cpu_ns_per_sample,
                         "last_segment_cpu_ns_per_sample": segments[-1].cpu_ns_per_sample,
                         "paired_shortest_runs": {"runs": len(shorts), **short_total.as_dict()}}
    longest = max(lengths_s)
    return {"fs_hz": fs_hz, "channels": block.shape[1], "segment_s": segment_s, "runs": runs,
            "cost_ratio_longest_to_shortest": runs[longest]["median_cost_ratio_to_shortest"]}
