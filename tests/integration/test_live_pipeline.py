"""Acceptance: simulator outlet -> `twitchwatch live` -> our marker outlet -> a plain pylsl inlet.

1. `live` as a subprocess (--lsl-events --events-out --record) fed by the simulator at 2 kHz in
   20 ms chunks: the latency from a twitch's last sample pushed to its marker arriving, and from
   the moment the detector could first know (the sample at which it decided; a twitch is
   confirmed only after the 250 ms isolation look-ahead), median and p99; the events match an
   offline run of the same detector. Then the subprocess is killed with SIGKILL mid-stream: its
   XDF recording and events CSV still load, with everything up to the last flush.
2. The sender killed mid-stream and started again with the same source_id (in process): the
   stream goes stalled -> reconnecting -> lost -> connected, the gap is logged, no crash, and
   no event is lost (the outputs carry exactly what the detector finds offline in the samples
   received).

LSL stays on this machine (tests/lsl_api.cfg); names are unique per test; every wait has a
timeout and waits on a condition.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
import threading
import time
import uuid

import numpy as np
import pylsl
import pytest
import pyxdf

from twitchwatch.engine import Detector
from twitchwatch.live import LiveMonitor
from twitchwatch.sim import simulate
from twitchwatch.sinks import EVENT_CSV_COLUMNS, SignalOutlet, push_paced
from twitchwatch.sources.lsl import LslListener, LslSource

FS = 2000.0
CHUNK_S = 0.02
TIMEOUT_S = 10.0
#: the subprocess may have to compile the detector first (numba cache cold after an engine edit)
START_TIMEOUT_S = 120.0


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def sim_data(duration_s: float, seed: int):
    sim = simulate("rest-benign", duration_s, FS, 4, seed, twitch_rate_per_min=80.0)
    return np.ascontiguousarray(sim.data, dtype=np.float32), list(sim.channel_labels)


class TimedOutlet:
    """Pushes through a `SignalOutlet` and notes when each chunk went out (our clock)."""

    def __init__(self, outlet):
        self.outlet = outlet
        self.ends: list[int] = []  # exclusive end index of each chunk
        self.times: list[float] = []
        self.pushed = 0

    def push_chunk(self, samples, stamps):
        self.outlet.push_chunk(samples, stamps)
        self.pushed += len(samples)
        self.ends.append(self.pushed)
        self.times.append(pylsl.local_clock())

    def pushed_at(self, sample: int) -> float:
        k = int(np.searchsorted(self.ends, sample, side="right"))
        return self.times[k]


def offline_events(data: np.ndarray):
    det = Detector(FS, data.shape[1])
    events = det.process(data) + det.finish()
    return events


def resolve_inlet(name: str, stream_type: str, timeout_s: float) -> pylsl.StreamInlet:
    found = pylsl.resolve_bypred(f"name='{name}' and type='{stream_type}'", 1, timeout_s)
    assert found, f"stream {name!r} did not appear within {timeout_s:g} s"
    inlet = pylsl.StreamInlet(found[0], max_buflen=60)
    inlet.open_stream(timeout=TIMEOUT_S)
    return inlet


def percentile(values, q) -> float:
    return float(np.percentile(np.asarray(values), q))


# ---- 1. live as a subprocess: latency, then kill -9 ---------------------------------------------------

PIPELINE_S = 20.0  # simulated signal
KILL_AT_S = 17.0  # of signal pushed


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    return run_pipeline(tmp_path_factory.mktemp("live-subprocess"), PIPELINE_S, KILL_AT_S)


def run_pipeline(tmp, duration_s: float, kill_at_s: float, seed: int = 11) -> dict:
    """Simulator outlet -> `twitchwatch live` subprocess -> marker inlet; SIGKILL at
    ``kill_at_s`` of signal pushed."""
    name, out_name = unique("tw-int-sim"), unique("tw-int-out")
    sid = name + "-sid"
    data, labels = sim_data(duration_s, seed=seed)
    paths = {"csv": tmp / "events.csv", "xdf": tmp / "rec.xdf", "log": tmp / "live.log"}
    outlet = SignalOutlet(name, labels, FS, source_id=sid)
    timed = TimedOutlet(outlet)
    stop = threading.Event()
    errors: list[BaseException] = []
    markers: list[tuple[float, dict]] = []
    with open(paths["log"], "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "twitchwatch", "live", "--source-id", sid, "--lsl-events",
             "--lsl-name", out_name, "--events-out", str(paths["csv"]), "--record",
             str(paths["xdf"]), "--resolve-timeout", "30"],
            stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))
    pusher = None
    try:
        assert outlet.wait_for_consumers(START_TIMEOUT_S), "live did not connect"
        inlet = resolve_inlet(f"{out_name}-events", "Markers", START_TIMEOUT_S)
        t0 = pylsl.local_clock() + 0.05

        def push():
            try:
                push_paced(timed, data, FS, chunk_s=CHUNK_S, stop=stop, t0=t0)
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
                errors.append(exc)

        pusher = threading.Thread(target=push, daemon=True)
        pusher.start()
        deadline = time.monotonic() + duration_s + 30
        while timed.pushed < kill_at_s * FS and time.monotonic() < deadline and not errors:
            sample, _ = inlet.pull_sample(timeout=0.1)
            if sample is not None:
                markers.append((pylsl.local_clock(), json.loads(sample[0])))
        assert proc.poll() is None, "live exited early: " + paths["log"].read_text()[-2000:]
        killed_at = timed.pushed
        proc.kill()  # SIGKILL: no clean-up at all
        proc.wait(TIMEOUT_S)
    finally:
        stop.set()
        if pusher is not None:
            pusher.join(TIMEOUT_S)
        if proc.poll() is None:
            proc.kill()
            proc.wait(TIMEOUT_S)
        outlet.close()
    if errors:
        raise errors[0]
    return dict(data=data, t0=t0, timed=timed, markers=markers, killed_at=killed_at,
                returncode=proc.returncode, **paths)


def latencies(pipe):
    """(from last sample pushed, from the deciding sample pushed) per fasciculation, seconds."""
    t0, timed = pipe["t0"], pipe["timed"]
    from_end, from_decision = [], []
    for recv, d in pipe["markers"]:
        if d["kind"] != "fasciculation":
            continue
        end = int(round((d["end_source_time"] - t0) * FS))
        decided = int(round((d["decided_source_time"] - t0) * FS))
        from_end.append(recv - timed.pushed_at(end))
        from_decision.append(recv - timed.pushed_at(decided))
    return np.array(from_end), np.array(from_decision)


def latency_stats(pipe) -> dict:
    from_end, from_decision = latencies(pipe)
    return {
        "n_twitches": len(from_end),
        "from_last_sample_median_ms": 1000 * float(np.median(from_end)),
        "from_last_sample_p99_ms": 1000 * percentile(from_end, 99),
        "from_decision_median_ms": 1000 * float(np.median(from_decision)),
        "from_decision_p99_ms": 1000 * percentile(from_decision, 99),
    }


def test_latency_from_twitch_to_marker(pipeline, record_property):
    from_end, from_decision = latencies(pipeline)
    assert len(from_end) >= 10, f"only {len(from_end)} twitches arrived"
    stats = latency_stats(pipeline)
    for k, v in stats.items():
        record_property(k, v)
    print("\nlatency, 2 kHz, 20 ms chunks, live as a subprocess:", json.dumps(stats, indent=1))
    assert np.all(from_decision > 0) and np.all(from_end > from_decision - 1e-9)
    # the detector confirms a twitch after the 250 ms isolation look-ahead: from its last sample
    # the marker cannot come sooner; from the deciding sample it is transport plus processing
    assert np.all(from_end >= 0.2)
    assert stats["from_decision_median_ms"] < 100
    assert stats["from_decision_p99_ms"] < 250  # target 100 ms; margin for a shared 2-core box


@pytest.mark.slow
def test_latency_over_two_minutes(tmp_path):
    """`pytest -m slow tests/integration -s`: the same measurement over 2 minutes of signal
    (~100+ twitches), for a p99 that means something."""
    stats = latency_stats(run_pipeline(tmp_path, 125.0, 123.0, seed=12))
    print("\nlatency over 2 min, 2 kHz, 20 ms chunks:", json.dumps(stats, indent=1))
    assert stats["n_twitches"] >= 60
    assert stats["from_decision_p99_ms"] < 100


def test_events_are_those_of_the_offline_detector(pipeline):
    """Every marker is an event the detector finds offline in the same signal, and every event
    it decides before the kill (with a second to travel) arrived."""
    data, t0 = pipeline["data"], pipeline["t0"]
    offline = offline_events(data)
    got = [(d["kind"], int(round((d["source_time"] - t0) * FS))) for _, d in pipeline["markers"]]
    expected = {(e.kind, e.onset_sample) for e in offline}
    assert got and set(got) <= expected
    horizon = pipeline["killed_at"] - 1.0 * FS
    must = [(e.kind, e.onset_sample) for e in offline if e.decided_at_sample < horizon]
    assert set(must) <= set(got)
    assert [d["seq"] for _, d in pipeline["markers"]] == list(range(len(got)))


def test_killed_live_leaves_a_loadable_recording_and_log(pipeline):
    assert pipeline["returncode"] == -9
    data = pipeline["data"]
    streams, _ = pyxdf.load_xdf(str(pipeline["xdf"]), dejitter_timestamps=False)
    s = {st["info"]["name"][0]: st for st in streams}
    sig = next(st for n, st in s.items() if n.startswith("tw-int-sim"))
    n = len(sig["time_stamps"])
    # everything up to the last flush: at most a second or two of signal is missing
    assert pipeline["killed_at"] - 2.0 * FS <= n <= pipeline["killed_at"]
    np.testing.assert_array_equal(sig["time_series"], data[:n])
    np.testing.assert_allclose(sig["time_stamps"], pipeline["t0"] + np.arange(n) / FS, atol=1e-3)
    events = next(st for n_, st in s.items() if n_.endswith("-events"))
    recorded = [json.loads(x[0]) for x in events["time_series"]]
    assert [r["seq"] for r in recorded] == list(range(len(recorded)))
    kill_time = pipeline["markers"][-1][0] if pipeline["markers"] else 0.0
    early = [d["seq"] for t, d in pipeline["markers"] if t < kill_time - 1.5]
    assert set(early) <= {r["seq"] for r in recorded}
    status = next(st for n_, st in s.items() if n_.endswith("-status"))
    assert len(status["time_series"]) >= 10  # about one a second
    assert json.loads(status["time_series"][-1][0])["stream"]["state"] == "connected"
    with open(pipeline["csv"], newline="") as f:
        rows = list(csv.reader(f))
    assert tuple(rows[0]) == EVENT_CSV_COLUMNS  # the columns of `analyze`
    onsets = {(r[2], round(float(r[0]) * FS)) for r in rows[1:]}
    t0 = pipeline["t0"]
    for d in (d for _, d in pipeline["markers"]):  # the CSV is written before the markers
        assert (d["kind"], round((d["source_time"] - t0) * FS)) in onsets


# ---- 2. the sender dies mid-stream and comes back ----------------------------------------------------


class Watch(LslListener):
    def __init__(self):
        self.states: list[str] = []
        self.raw: list[np.ndarray] = []
        self.lost = threading.Event()
        self.back = threading.Event()

    def on_state(self, old, new, health):
        self.states.append(new)
        if new == "lost":
            self.lost.set()
        if new == "connected" and self.lost.is_set():
            self.back.set()

    def on_raw(self, samples, stamps):
        self.raw.append(samples.copy())


def wait_for(condition, timeout_s=TIMEOUT_S) -> bool:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            return False
        threading.Event().wait(0.02)  # polling a counter owned by another thread
    return True


def test_sender_killed_and_restarted(tmp_path):
    name, out_name = unique("tw-int-restart"), unique("tw-int-restart-out")
    data, labels = sim_data(10.0, seed=5)
    part1 = int(5.5 * FS)
    watch = Watch()
    stop = threading.Event()
    errors: list[BaseException] = []
    outlet = SignalOutlet(name, labels, FS, source_id=name)
    src = LslSource(source_id=name, resolve_timeout_s=TIMEOUT_S, stall_after_s=0.2,
                    reconnect_after_s=0.5, lost_after_s=1.0, stop=stop)
    src.add_listener(watch)
    monitor_events = []
    mon = LiveMonitor(src, events_out=tmp_path / "events.csv", lsl_events=True, lsl_name=out_name,
                      on_event=monitor_events.append)
    inlet = resolve_inlet(f"{out_name}-events", "Markers", TIMEOUT_S)

    def run():
        try:
            mon.run(stop_event=stop)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
            errors.append(exc)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    try:
        assert outlet.wait_for_consumers(TIMEOUT_S)
        push_paced(outlet, data[:part1], FS, chunk_s=CHUNK_S)
        outlet.close()  # killed mid-stream
        assert watch.lost.wait(TIMEOUT_S), f"never lost: {watch.states}"
        outlet = SignalOutlet(name, labels, FS, source_id=name)  # same source_id, new sender
        assert wait_for(lambda: src.health().reconnects == 1), f"never back: {watch.states}"
        received_before = src.samples_read
        push_paced(outlet, data[part1:], FS, chunk_s=CHUNK_S)
        assert wait_for(lambda: src.samples_read >= received_before + len(data) - part1)
        assert watch.back.is_set()
    finally:
        stop.set()
        worker.join(TIMEOUT_S)
        outlet.close()
    assert not worker.is_alive()
    if errors:
        raise errors[0]
    mon.close()
    src.close()

    # states, gap, health
    assert watch.states[0] == "connected"
    after = watch.states[1:]
    assert after[:4] == ["stalled", "reconnecting", "lost", "connected"], watch.states
    health = src.health()
    assert health.reconnects == 1 and health.gaps == 1
    gap = src.gaps[0]
    assert gap.cause == "reconnect" and gap.missing > 1.0 * FS  # the outage lasted > lost_after_s
    with open(tmp_path / "events.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    gap_rows = [r for r in rows if r["kind"] == "gap"]
    assert len(gap_rows) == 1 and gap_rows[0]["flags"] == "reconnect"
    assert float(gap_rows[0]["duration_s"]) == pytest.approx(gap.missing / FS, abs=1e-6)

    # no event lost: the outputs carry exactly what the detector finds in the samples received
    received = np.concatenate(watch.raw)
    assert len(received) == src.samples_read
    offline = offline_events(received)
    assert len(offline) >= 5
    key = [(e.kind, e.onset_sample, e.end_sample) for e in offline]
    assert [(e.kind, e.onset_sample, e.end_sample) for e in monitor_events] == key
    csv_events = [(r["kind"], round(float(r["onset_s"]) * FS)) for r in rows if r["kind"] != "gap"]
    assert csv_events == [(e.kind, src.timeline_sample(e.onset_sample)) for e in offline]
    markers = []
    while len(markers) < len(offline) + 1:
        sample, _ = inlet.pull_sample(timeout=TIMEOUT_S)
        assert sample is not None, f"only {len(markers)} markers arrived"
        markers.append(json.loads(sample[0]))
    assert [m["seq"] for m in markers] == list(range(len(offline) + 1))
    assert sorted(m["kind"] for m in markers if m["kind"] == "gap") == ["gap"]
    assert [m["kind"] for m in markers if m["kind"] != "gap"] == [e.kind for e in offline]
    inlet.close_stream()
