"""`Session`: one source wired to the detector and the sinks, and the summary it keeps."""

from __future__ import annotations

import json
import threading
from collections import Counter

import numpy as np
import pytest

from twitchwatch.engine import Detector
from twitchwatch.scoring import score_events
from twitchwatch.session import (
    DEFAULT_KEEP_EVENTS,
    Session,
    SessionSummary,
    merge_channel_notes,
)
from twitchwatch.sim import simulate
from twitchwatch.sources import SimulatorSource, Source


@pytest.fixture(scope="module")
def sim():
    return simulate("rest-benign", duration_s=30.0, fs_hz=2000.0, n_channels=4, seed=3)


@pytest.fixture(scope="module")
def reference_events(sim):
    """The detector alone, fed in one go: what the session must pass on, no more, no less."""
    det = Detector(sim.fs_hz, sim.n_channels)
    return det.process(sim.data) + det.finish()


def run_session(sim, **kw):
    got = []
    session = Session(SimulatorSource(simulation=sim), on_event=got.append, **kw)
    summary = session.run()
    return session, summary, got


class ListSink:
    def __init__(self, log=None):
        self.events = []
        self.log = log

    def write(self, event):
        self.events.append(event)
        if self.log is not None:
            self.log.append(("sink", event))


class ScriptedSource(Source):
    """A live-like source: answers from a script of arrays, "empty" and "end" entries."""

    def __init__(self, script, fs_hz=1000.0, n_channels=2):
        self.fs_hz, self.n_channels = fs_hz, n_channels
        self.channel_labels = [f"C{k + 1}" for k in range(n_channels)]
        self.name = "scripted"
        self.realtime = True
        self.script = list(script)
        self.timeouts = []

    @property
    def warnings(self):
        return ["scripted input"]

    def read(self, max_samples, timeout_s=0.0):
        self.timeouts.append(timeout_s)
        item = self.script.pop(0) if self.script else "end"
        if isinstance(item, np.ndarray):
            return item
        if isinstance(item, Exception):
            raise item
        return None if item == "end" else self.empty()


def test_the_session_passes_on_exactly_what_the_detector_decides(sim, reference_events):
    _, summary, got = run_session(sim)
    assert got == reference_events
    assert summary.finished and not summary.stopped_early
    assert summary.samples == sim.n_samples and summary.duration_s == pytest.approx(30.0)
    score = score_events(got, sim.truth, sim.fs_hz, sim.duration_s, ignore_before_s=3.0)
    assert score.f1 > 0.8  # the wiring loses nothing the detector finds


@pytest.mark.parametrize("chunk_samples", [1, 997, 65536])
def test_chunk_size_does_not_change_the_events(sim, reference_events, chunk_samples):
    if chunk_samples == 1:  # one sample at a time over 30 s is slow; 8 s is enough to show it
        short = simulate("rest-benign", duration_s=8.0, fs_hz=2000.0, n_channels=4, seed=3)
        det = Detector(short.fs_hz, short.n_channels)
        expected = det.process(short.data) + det.finish()
        _, _, got = run_session(short, chunk_samples=1)
        assert got == expected and len(expected) >= 2
        return
    _, _, got = run_session(sim, chunk_samples=chunk_samples)
    assert got == reference_events


def test_counts_and_rates_agree_with_the_events(sim, reference_events):
    _, summary, got = run_session(sim)
    kinds = Counter(e.kind for e in got)
    assert summary.counts == {k: kinds.get(k, 0) for k in ("fasciculation", "cramp", "contraction",
                                                          "artifact")}
    twitches = [e for e in got if e.kind == "fasciculation"]
    assert summary.twitch_count == len(twitches) > 5
    per_channel = Counter(e.channel for e in twitches)
    assert summary.twitches_per_channel == [per_channel.get(c, 0) for c in range(4)]
    # per minute of observed signal: after the 3 s warm-up
    assert summary.observed_s == pytest.approx(27.0)
    assert summary.twitch_rate_per_min == pytest.approx(len(twitches) / 27.0 * 60.0)
    assert summary.twitch_rate_per_min_by_channel == pytest.approx(
        [per_channel.get(c, 0) / 27.0 * 60.0 for c in range(4)])
    assert summary.flag_counts == Counter(f for e in got for f in e.flags)


def test_as_dict_is_json_and_says_the_same(sim):
    _, summary, got = run_session(sim, keep_events=3)
    d = json.loads(json.dumps(summary.as_dict(), allow_nan=False))
    assert d["counts"] == summary.counts
    assert d["twitches"]["count"] == summary.twitch_count
    assert d["twitches"]["per_min"] == pytest.approx(summary.twitch_rate_per_min)
    assert [c["count"] for c in d["twitches"]["per_channel"]] == summary.twitches_per_channel
    assert [c["channel"] for c in d["twitches"]["per_channel"]] == [1, 2, 3, 4]
    assert d["duration_s"] == 30.0 and d["observed_s"] == 27.0 and d["fs_hz"] == 2000.0
    assert len(d["quality"]) == 4 and d["quality"][0]["mains_hz"] == 50.0
    assert 1.0 < d["quality"][0]["noise_floor_uv_rms"] < 10.0  # 5 uV RMS wide-band noise
    assert [e["onset_s"] for e in d["recent_events"]] == [
        round(e.onset_sample / 2000.0, 6) for e in got[-3:]]
    assert "recent_events" not in summary.as_dict(include_events=False)


def test_memory_stays_bounded_the_summary_keeps_only_recent_events(sim):
    _, summary, got = run_session(sim, keep_events=2)
    assert list(summary.events) == got[-2:]
    _, summary, _ = run_session(sim, keep_events=0)
    assert len(summary.events) == 0 and summary.twitch_count > 0
    assert SessionSummary.start("x", 1000.0, ["a"], 3.0).events.maxlen == DEFAULT_KEEP_EVENTS


def test_sinks_get_every_event_before_the_callback(sim, reference_events):
    log = []
    a, b = ListSink(log), ListSink()
    Session(SimulatorSource(simulation=sim), sinks=[a, b],
            on_event=lambda e: log.append(("callback", e))).run()
    assert a.events == b.events == reference_events
    assert [who for who, _ in log] == ["sink", "callback"] * len(reference_events)


@pytest.mark.parametrize("shared", [False, True], ids=["session-stop", "source-shares-stop"])
def test_stop_event_ends_the_run_early_and_still_finishes(sim, shared):
    stop = threading.Event()
    got = []

    def on_event(e):
        got.append(e)
        stop.set()  # stop at the first event

    source = SimulatorSource(simulation=sim, stop=stop if shared else None)
    session = Session(source, on_event=on_event, chunk_samples=2000)
    summary = session.run(stop_event=stop)
    assert summary.finished and summary.stopped_early
    assert summary.samples < sim.n_samples
    assert summary.counts["fasciculation"] == len(got) >= 1
    assert summary.quality  # the final snapshot was taken
    assert session.finish() == []  # twice is harmless


def test_empty_reads_are_waited_for_and_reported_to_progress():
    rng = np.random.default_rng(0)
    block = (rng.standard_normal((500, 2)) * 5).astype(np.float32)
    src = ScriptedSource(["empty", block, "empty", "empty", block, "end"])
    seen = []
    session = Session(src, read_timeout_s=0.25)
    summary = session.run(progress=lambda s: seen.append(s.summary.samples))
    assert seen == [0, 500, 500, 500, 1000]  # called after every read, empty ones included
    assert set(src.timeouts) == {0.25}
    assert summary.samples == 1000 and not summary.stopped_early


def test_errors_in_the_source_or_a_sink_propagate(sim):
    src = ScriptedSource([np.zeros((10, 2), np.float32), OSError("cable pulled")])
    with pytest.raises(OSError, match="cable pulled"):
        Session(src).run()

    class Broken:
        def write(self, event):
            raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        Session(SimulatorSource(simulation=sim), sinks=[Broken()]).run()


def test_warnings_cover_the_input_and_a_too_short_signal():
    src = ScriptedSource([np.zeros((1000, 2), np.float32), "end"])
    summary = Session(src).run()
    assert "scripted input" in summary.warnings
    assert any("needs 3 s" in w for w in summary.warnings)
    assert summary.observed_s == 0.0 and summary.twitch_rate_per_min is None


def test_a_low_rate_warning_is_reported_once_for_all_channels():
    low = simulate("noisy-consumer-250hz", duration_s=8.0, n_channels=3, seed=1)
    summary = Session(SimulatorSource(simulation=low)).run()
    low_rate = [w for w in summary.warnings if "250 Hz" in w]
    assert low_rate == ["all channels: sampling rate <= 250 Hz undersamples surface EMG: "
                        "lower confidence"]


def test_channel_notes_that_differ_only_in_numbers_are_merged():
    notes = [("EMG1", "strong mains hum (40 µV at 60 Hz)"), ("EMG2", "clipping in 1.5 % of samples"),
             ("EMG2", "strong mains hum (33 µV at 60 Hz)")]
    assert merge_channel_notes(notes, ["EMG1", "EMG2"]) == [
        "all channels: strong mains hum (33-40 µV at 60 Hz)", "EMG2: clipping in 1.5 % of samples"]
    assert merge_channel_notes(notes[:1], ["EMG1", "EMG2"]) == ["EMG1: strong mains hum (40 µV at 60 Hz)"]


def test_bad_arguments(sim):
    with pytest.raises(ValueError, match="chunk_samples"):
        Session(SimulatorSource(simulation=sim), chunk_samples=0)
    with pytest.raises(ValueError, match="keep_events"):
        Session(SimulatorSource(simulation=sim), keep_events=-1)


def test_a_paced_source_gives_the_same_events_in_its_own_time(sim, reference_events):
    """The live path: real-time pacing (on a fake clock) changes when, not what."""
    clock = {"t": 0.0}

    def wait(dt):
        clock["t"] += dt
        return False

    src = SimulatorSource(simulation=sim, realtime=True, speed=5.0, clock=lambda: clock["t"],
                          wait=wait)
    seen = []
    got = []
    summary = Session(src, on_event=got.append).run(
        progress=lambda s: seen.append((clock["t"], s.summary.samples)))
    assert got == reference_events
    assert clock["t"] == pytest.approx(sim.duration_s / 5.0)
    assert all(n <= t * 5.0 * sim.fs_hz + 1e-6 for t, n in seen)  # never ahead of the clock
    assert summary.samples == sim.n_samples and not summary.stopped_early
