"""The tables a person reads, from the numbers `suite.run` returns (plain text, no printing)."""

from __future__ import annotations

from typing import Sequence


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell; the first left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells) -> str:
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    return "\n".join([line(header), line(["-" * w for w in widths]), *map(line, rows)])


def _n(x: float | None, digits: int = 1) -> str:
    if x is None:
        return "–"
    return f"{x:,.{digits}f}" if abs(x) < 1e6 else f"{x:,.0f}"


def _ratio(x: float) -> str:
    return f"{x:,.2f}x" if x < 100 else f"{x:,.0f}x"


def throughput_table(result: dict) -> str:
    engine = result["engine"][0]
    rows = [["twitchwatch engine (streamed in 1 s chunks)",
             _n(engine["msamples_per_s"]), _n(engine["x_real_time"], 0), "1.00x", ""]]
    for b in result["baselines"]:
        if b["status"] != "measured":
            rows.append([b["name"], b["status"], "", "", ""])
            continue
        part = "" if b["fraction_of_array"] >= 1 else f"first {100 * b['fraction_of_array']:.1f} % of the array"
        rows.append([b["name"], _n(b["msamples_per_s"], 2 if b["msamples_per_s"] < 10 else 1),
                     _n(b["x_real_time"], 0), _ratio(b["engine_speedup"]), part])
    for extra in result["engine"][1:]:
        rows.append([f"twitchwatch engine, {extra['channels']} ch", _n(extra["msamples_per_s"]),
                     _n(extra["x_real_time"], 0), "", ""])
    s = result["signal"]
    title = (f"Throughput: {s['channels']} ch @ {s['fs_hz']:g} Hz, the same {s['duration_s']:g} s "
             f"'{s['scenario']}' array for all; engine in steady state (compilation and warm-up "
             f"excluded), best of {result['sizes']['rounds']}; x real time = all {s['channels']} channels together")
    fixed = result["fixed_costs"]
    note = (f"  once per stream, outside the rates above: building a detector {fixed['construct_ms']:.1f} ms, "
            f"finish() {fixed['finish_ms']:.2f} ms")
    ref = result.get("reference")
    if ref:
        note += (f"\n  against the issue's reference loop (bare numba filter + envelope + threshold), in turn chunk by "
                 f"chunk: engine {ref['engine_msamples_per_s']:.1f} M/s, loop {ref['reference_msamples_per_s']:.1f} M/s, "
                 f"ratio {ref['engine_to_reference']:.3f} (bar {ref['bar_fraction']:.3f} = 60 M/s where the loop makes "
                 f"160: {'met' if ref['meets_bar'] else 'NOT met'}; the engine would make "
                 f"{ref['engine_at_reference_160_msamples_per_s']:.0f} M/s there)")
    return title + "\n" + table(["what", "M ch-samples/s", "x real time", "engine speed vs this", "note"], rows) + "\n" + note


def latency_table(result: dict) -> str:
    rows = [[f"{r['chunk_samples']} ({r['chunk_ms']:g} ms)", _n(r["p50_us"]), _n(r["p99_us"]), _n(r["max_us"]),
             _n(r["cpu_p99_us"]), _n(r["p50_ns_per_channel_sample"])] for r in result["latency"]]
    first = result["latency"][0] if result["latency"] else {"channels": "?", "fs_hz": 0, "n": 0}
    title = (f"Latency of Detector.process(chunk), {first['channels']} ch @ {first['fs_hz']:g} Hz, "
             f"{first['n']} calls per size")
    note = ("  wall time; 'p99 CPU' is this thread's CPU time: where it is far below p99, the rest was the "
            "scheduler giving the core to another process")
    return title + "\n" + table(["chunk (samples)", "p50 µs", "p99 µs", "max µs", "p99 CPU µs",
                                  "p50 ns/ch-sample"], rows) + "\n" + note


def start_up_table(result: dict) -> str:
    s = result["start_up"]
    if s is None:
        return "Start-up and memory: not measured (--quick sizes without start-up)"
    m = s["memory"]
    rows = []
    if "cold_start_s" in s:
        rows.append(["cold start (empty numba cache: compiling)", f"{s['cold_start_s']:.1f} s"])
    rows += [["warm start (numba cache loaded)", f"{s['warm_start_s']:.2f} s"],
             [f"peak memory of a process streaming {m['stream_s']:g} s ({m['channels']} ch @ {m['fs_hz']:g} Hz)",
              f"{m['peak_rss_mb']:.0f} MB"],
             ["memory growth from after warm-up to the end of that stream", f"{m['rss_growth_mb']:+.1f} MB"]]
    return ("Start-up (import + first detector + first chunk) and memory, fresh processes\n"
            + table(["what", "result"], rows))


def accuracy_table(result: dict) -> str:
    acc = result["accuracy"]
    rows = []
    for name, r in acc["scenarios"].items():
        # precision, recall and F1 mean nothing without true twitches: false/min says it all
        prf = ["–"] * 3 if r["true_twitches"] == 0 else [f"{r[k]:.3f}" for k in ("precision", "recall", "f1")]
        err = r["max_cramp_onset_error_s"]
        rows.append([name, f"{r['fs_hz']:g}", str(r["channels"]), str(r["true_twitches"]), *prf,
                     f"{r['false_twitches_per_min']:.2f}", f"{r['cramps_found']}/{r['cramps_true']}",
                     "–" if err is None else f"{err:.2f}"])
    title = (f"Accuracy on the simulator's ground truth ({acc['seeds_per_scenario']} seed(s) per scenario; "
             "twitch onset within 25 ms; twitchwatch.scoring)")
    return title + "\n" + table(["scenario", "fs Hz", "ch", "twitches", "precision", "recall", "F1",
                                 "false/min", "cramps", "cramp onset error s"], rows)


def header(result: dict) -> str:
    m, v = result["machine"], result["versions"]
    libs = ", ".join(f"{k} {v[k]}" for k in ("numpy", "numba", "scipy", "neurokit2", "biosppy") if v.get(k))
    return (f"twitchwatch {v['twitchwatch']} bench, {result['date']}\n"
            f"machine: {m['cpu_model']}, {m['cores']} cores ({m['cores_usable']} usable); "
            f"Python {v['python']}; {libs}")


def render(result: dict) -> str:
    parts = [header(result), throughput_table(result), latency_table(result), start_up_table(result),
             accuracy_table(result), f"wall time {result['wall_s']:.0f} s"]
    return "\n\n".join(parts) + "\n"
