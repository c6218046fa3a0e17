"""Chunk invariance: any chunking of a signal gives what one call on the whole signal gives.

Compared bit for bit: the list of events (every field), the filtered output, and the final state
(`DetectorState.equals`, and every array of `state.arrays()` except the output buffers and the
work space), both before and after `finish()`. Chunkings mix empty chunks, single
samples, short and long chunks and chunks far longer than the rest of the signal.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oracles import signals as sg
from twitchwatch.engine import Detector
from twitchwatch.engine import layout as L
from twitchwatch.engine import state as state_module
from twitchwatch.sim import simulate

SCENARIOS = ("rest-benign", "cramp", "ecg-contaminated", "mixed", "noisy-consumer-250hz")
SYNTHETIC = ("pure-noise", "extreme")
KINDS = SCENARIOS + SYNTHETIC
DTYPES = {"float32": (np.float32, 1.0), "float64": (np.float64, 1.0), "int16": (np.int16, 0.05)}
EXCLUDED = ("out_i", "out_f", "work")


# ---- signals ---------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=None)
def signal_uv(kind: str, seed: int, duration_s: float) -> tuple[np.ndarray, float]:
    """A signal in microvolts (float64; may hold NaN/Inf) and its rate.

    Durations are 6 or 20 s: the simulator fails at some in between (e.g. "cramp", 15 s, seed 0:
    sim.activity.place_episodes shrinks the episodes to fit, the slack left comes out slightly
    negative, and numpy refuses `uniform(0.0, -1e-15)`).
    """
    if kind in SCENARIOS:
        sim = simulate(kind, duration_s=duration_s, seed=seed)
        return sim.data.astype(np.float64), sim.fs_hz
    fs = 1000.0
    n = int(duration_s * fs)
    rng = np.random.default_rng(seed)
    if kind == "pure-noise":
        return rng.standard_normal((n, 3)) * rng.uniform(1.0, 50.0), fs
    # extreme: rail-to-rail square wave, denormal-sized noise, a DC step, huge spikes,
    # exact zeros, and a NaN/Inf burst
    x = np.zeros((n, 4))
    x[:, 0] = np.where((np.arange(n) // 5) % 2 == 0, 1500.0, -1500.0)
    x[:, 1] = rng.standard_normal(n) * 1e-12
    x[n // 3:, 2] = 1500.0
    x[:, 3] = rng.standard_normal(n) * 5.0
    spikes = rng.integers(0, n, 12)
    x[spikes, 3] = rng.choice([-1.0, 1.0], 12) * 1.6e3
    x[n // 2: n // 2 + 300, :] = np.nan
    x[n // 2 + 400, 1] = np.inf
    x[n // 2 + 401, 3] = -np.inf
    return x, fs


def as_dtype(x_uv: np.ndarray, dtype_name: str) -> tuple[np.ndarray, float]:
    dtype, scale = DTYPES[dtype_name]
    if dtype == np.int16:
        clean = np.where(np.isfinite(x_uv), x_uv, 0.0)
        return np.clip(np.round(clean / scale), -32768, 32767).astype(np.int16), scale
    return x_uv.astype(dtype), scale


# ---- running and comparing ------------------------------------------------------------------------


@dataclasses.dataclass
class Run:
    events: list
    filtered: np.ndarray | None
    state: object
    finish_events: list
    finish_state: object


def run(x, fs, scale, sizes=None, with_filtered=True, marks=()) -> Run:
    """Feed `x` in chunks of `sizes` (cycled; None: one call), with voluntary marks toggled at
    the given absolute samples. Returns events, filtered output and states."""
    det = Detector(fs, x.shape[1], unit_scale=scale)
    n = x.shape[0]
    out = np.full(x.shape, np.nan) if with_filtered else None
    toggles = sorted(m for m in marks if m < n)
    events = []
    pos = 0
    k = 0
    while True:
        size = n if sizes is None else sizes[k % len(sizes)]
        k += 1
        stop = min(pos + size, n)
        for t in toggles:  # a mark splits a chunk: it takes effect from that absolute sample
            if pos < t < stop:
                stop = t
                break
        if toggles and toggles[0] == pos:
            det.set_voluntary(not bool(det.state.gi[L.G_VOLUNTARY]))
            toggles.pop(0)
            continue
        chunk = x[pos:stop]
        if out is None:
            events += det.process(chunk)
        else:
            events += det.process(chunk, filtered_out=out[pos:stop])
        pos = stop
        if pos >= n and not toggles:
            # one more empty chunk at the end changes nothing
            events += det.process(x[n:])
            break
    state = det.state.copy()
    finish_events = det.finish()
    return Run(events, out, state, finish_events, det.state.copy())


def _same_value(a, b) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return np.array(a, np.float64).view(np.int64) == np.array(b, np.float64).view(np.int64)
    return a == b


def assert_events_identical(got: list, want: list, what: str) -> None:
    assert len(got) == len(want), f"{what}: {len(got)} events vs {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        for f in dataclasses.fields(w):
            assert _same_value(getattr(g, f.name), getattr(w, f.name)), (
                f"{what}: event {i} field {f.name}: {getattr(g, f.name)!r} vs {getattr(w, f.name)!r}\n{g}\n{w}")


def assert_states_identical(got, want, what: str) -> None:
    assert got.equals(want), f"{what}: DetectorState.equals is False"
    mine, theirs = got.arrays(), want.arrays()
    assert mine.keys() == theirs.keys()
    for name in mine:
        if name in EXCLUDED:
            continue
        a, b = mine[name], theirs[name]
        assert a.dtype == b.dtype and a.shape == b.shape, f"{what}: {name} dtype/shape"
        assert a.tobytes() == b.tobytes(), f"{what}: state array {name} differs bit-wise"


def assert_runs_identical(got: Run, want: Run, what: str) -> None:
    assert_events_identical(got.events, want.events, what + " events")
    if got.filtered is not None and want.filtered is not None:
        assert got.filtered.tobytes() == want.filtered.tobytes(), f"{what}: filtered output differs"
    assert_states_identical(got.state, want.state, what + " state")
    assert_events_identical(got.finish_events, want.finish_events, what + " finish() events")
    assert_states_identical(got.finish_state, want.finish_state, what + " state after finish()")


@functools.lru_cache(maxsize=None)
def whole(kind: str, seed: int, duration_s: float, dtype_name: str) -> Run:
    x_uv, fs = signal_uv(kind, seed, duration_s)
    x, scale = as_dtype(x_uv, dtype_name)
    return run(x, fs, scale)


# ---- the property -----------------------------------------------------------------------------------

chunk_size = st.one_of(
    st.just(0), st.just(1), st.integers(2, 16), st.integers(17, 600), st.integers(601, 6000), st.just(10**9)
)
chunk_sizes = st.lists(chunk_size, min_size=1, max_size=24).filter(lambda s: sum(s) > 0)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kind=st.sampled_from(KINDS), seed=st.integers(0, 1), duration_s=st.sampled_from([6.0, 20.0]),
       dtype_name=st.sampled_from(sorted(DTYPES)), sizes=chunk_sizes, with_filtered=st.booleans())
def test_any_chunking_gives_the_same_events_output_and_state(kind, seed, duration_s, dtype_name, sizes,
                                                             with_filtered):
    x_uv, fs = signal_uv(kind, seed, duration_s)
    x, scale = as_dtype(x_uv, dtype_name)
    reference = whole(kind, seed, duration_s, dtype_name)
    got = run(x, fs, scale, sizes, with_filtered)
    assert_runs_identical(got, reference, f"{kind}/{seed}/{duration_s}s/{dtype_name} in chunks {sizes}")


@pytest.mark.parametrize("kind", KINDS)
def test_single_sample_chunks(kind):
    """The extreme chunking, on every kind of signal, once."""
    x_uv, fs = signal_uv(kind, 0, 6.0)
    x, scale = as_dtype(x_uv, "float32")
    assert_runs_identical(run(x, fs, scale, [1]), whole(kind, 0, 6.0, "float32"), f"{kind} sample by sample")


def test_signals_are_not_trivial():
    """The property is only as good as its signals: they produce events of several kinds."""
    kinds = set()
    for kind in ("rest-benign", "cramp", "ecg-contaminated", "mixed"):
        r = whole(kind, 0, 20.0, "float32")
        kinds |= {e.kind for e in r.events + r.finish_events}
        assert r.events or r.finish_events, kind
    assert {"fasciculation", "cramp", "artifact"} <= kinds


@settings(max_examples=15, deadline=None)
@given(marks=st.lists(st.integers(0, 20000), min_size=1, max_size=4, unique=True), sizes=chunk_sizes)
def test_voluntary_marks_at_absolute_samples_are_chunk_invariant(marks, sizes):
    x_uv, fs = signal_uv("cramp", 1, 20.0)
    x, scale = as_dtype(x_uv, "float32")
    reference = run(x, fs, scale, None, True, marks)
    assert_runs_identical(run(x, fs, scale, sizes, True, marks), reference, f"marks {marks} chunks {sizes}")


def test_more_events_than_the_output_buffer_in_one_call(monkeypatch):
    """A long recording in one call: the kernel stops when its output buffer is nearly full and
    the wrapper drains it and goes on; nothing is lost or reordered. A 256-row buffer (the real
    one holds two spans' worst case) also makes the kernel shorten its spans to the room left."""
    monkeypatch.setattr(state_module, "OUTPUT_CAPACITY", 256)
    fs = 500.0
    rng = np.random.default_rng(4)
    n = int(420 * fs)
    x = sg.white_noise(n, 2, 4.0, seed=4)
    t = 3.5
    placed = 0
    while t < 418:
        sg.add_at(x, int(t * fs), placed % 2, sg.biphasic(fs, 4.0, rng.uniform(80, 400)))
        placed += 1
        t += rng.uniform(0.6, 1.6)
    reference = run(x, fs, 1.0, [997])
    assert len(reference.events) > 300  # well over the 256-row output buffer
    assert_runs_identical(run(x, fs, 1.0), reference, "one call")


# ---- output buffer overflow (run in a subprocess: it corrupts the heap) --------------------------

_OVERFLOW_SCRIPT = textwrap.dedent(
    """
    import collections, json, sys
    import numpy as np
    sys.path.insert(0, {tests!r})
    from oracles import signals as sg
    import twitchwatch.engine.state as state_module
    from twitchwatch.engine import Detector

    state_module.OUTPUT_CAPACITY = 256  # small, so that the buffer is often nearly full

    fs, C = 1000.0, 16

    def build(n_groups, seed=0):
        # Groups of isolated potentials on the 8 even channels (no two neighbours), staggered by
        # 30 ms, then one potential on all of them at once 300 ms later: every channel's run
        # closes on the same sample, so 9 events are decided together.
        rng = np.random.default_rng(seed)
        x = sg.white_noise(int((6.0 + 2.5 * n_groups) * fs), C, 3.0, seed)
        t = 4.0
        for _ in range(n_groups):
            k = int(t * fs)
            w = sg.biphasic(fs, 3.0, rng.uniform(150, 400))
            for j, ch in enumerate(range(0, C, 2)):
                sg.add_at(x, k + 30 * j, ch, w)
                sg.add_at(x, k + 300, ch, w)
            t += rng.uniform(1.5, 2.5)
        return x[: int(t * fs) + 1000]

    def events(x, cut=None, step=50):
        det = Detector(fs, C)
        out = []
        stop = x.shape[0] if cut is None else cut
        for a in range(0, stop, step):
            out += det.process(x[a:min(a + step, stop)])
        if cut is not None:
            out += det.process(x[cut:])  # the rest in one call
        return out + det.finish()

    x = build(40)
    small = events(x)
    per_sample = collections.Counter(e.decided_at_sample for e in small)
    # Where to start one long call so that the output buffer holds 249-252 events when a sample
    # decides enough events to overflow it (the kernel checks for 4 free rows per sample).
    cuts = []
    samples = sorted(per_sample)
    for i in range(len(samples)):
        cut = samples[i - 1] + 1 if i else 0
        nout = 0
        for s in samples[i:]:
            if nout + 4 > 256:
                nout = 0
            if nout + per_sample[s] > 256:
                cuts.append(cut)
                break
            nout += per_sample[s]
    print(json.dumps({{"max_per_sample": max(per_sample.values()), "cuts": cuts[:3]}}), flush=True)
    for cut in cuts[:3] + [0]:
        got = events(x, cut)
        same = [(e.onset_sample, e.channels, e.decided_at_sample) for e in got] == \\
               [(e.onset_sample, e.channels, e.decided_at_sample) for e in small]
        print(json.dumps({{"cut": cut, "events": len(got), "expected": len(small), "same": same}}), flush=True)
    """
)


def test_one_sample_deciding_many_events_does_not_overflow_the_output_buffer():
    """Up to PENDING_CAPACITY events can be decided on one sample: the kernel must keep room for
    that many before every sample it processes, or the next such sample writes past
    `out_i`/`out_f` (heap corruption: glibc aborts, or the event is silently lost). A kernel
    that once kept only 4 rows free failed here with 249-252 undrained events."""
    tests_dir = str(Path(__file__).resolve().parents[1])
    proc = subprocess.run([sys.executable, "-c", _OVERFLOW_SCRIPT.format(tests=tests_dir)],
                          capture_output=True, text=True, timeout=120)
    lines = [json.loads(s) for s in proc.stdout.splitlines() if s.startswith("{")]
    assert proc.returncode == 0, (
        f"detector process died (exit {proc.returncode}) feeding a chunking of a 16-channel "
        f"signal: {lines}\n{proc.stderr[-2000:]}")
    assert lines and lines[0]["max_per_sample"] > 4, "signal no longer decides >4 events on one sample"
    for result in lines[1:]:
        assert result["same"], f"events differ when one call starts at sample {result['cut']}: {result}"
