"""`LslSource` over real LSL (kept on this machine by tests/lsl_api.cfg).

Every stream has a unique name and source_id; every resolve and read has a timeout; the tests
wait on conditions (data received, a state reached), never on sleeps.
"""

from __future__ import annotations

import threading
import time
import uuid

import numpy as np
import pylsl
import pytest

from twitchwatch.sinks import SignalOutlet
from twitchwatch.sources.lsl import LslListener, LslSource
from twitchwatch.sources.lsl_discovery import AmbiguousStream, StreamNotFound, find_one, find_streams

TIMEOUT_S = 10.0


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def raw_outlet(name, n_ch=2, fs=1000.0, fmt=pylsl.cf_float32, unit=None, type_="EMG",
               source_id=None):
    info = pylsl.StreamInfo(name, type_, n_ch, fs, fmt, name if source_id is None else source_id)
    if unit is not None:
        chans = info.desc().append_child("channels")
        for i in range(n_ch):
            ch = chans.append_child("channel")
            ch.append_child_value("label", f"X{i + 1}")
            ch.append_child_value("unit", unit)
    return pylsl.StreamOutlet(info)


def read_until(src, done, timeout_s=TIMEOUT_S):
    """Read until ``done(chunks)`` or the timeout; return the chunks (never hangs)."""
    chunks = []
    deadline = time.monotonic() + timeout_s
    while not done(chunks) and time.monotonic() < deadline:
        c = src.read(4096, timeout_s=0.05)
        if c is None:
            break
        if len(c):
            chunks.append(c)
    return chunks


def total(chunks) -> int:
    return sum(len(c) for c in chunks)


class Recorder(LslListener):
    def __init__(self):
        self.states, self.gaps, self.offsets, self.raw, self.before = [], [], [], [], []
        self.offset_seen = threading.Event()

    def on_state(self, old, new, health):
        self.states.append(new)

    lookup = None

    def on_gap(self, gap):
        self.gaps.append(gap)
        if self.lookup is not None:  # what a gap marker sees: the stamp before the gap
            self.before.append(self.lookup(gap.at_sample - 1))

    def on_clock_offset(self, t, v):
        self.offsets.append((t, v))
        self.offset_seen.set()

    def on_raw(self, samples, stamps):
        self.raw.append((samples.copy(), stamps.copy()))


# ---- finding streams ------------------------------------------------------------------------------


def test_found_by_source_id_name_and_case_insensitive_type():
    name = unique("tw-find")
    outlet = raw_outlet(name, type_="ExG", source_id=name + "-sid")
    try:
        assert find_one(source_id=name + "-sid", timeout_s=TIMEOUT_S).name == name
        assert find_one(name=name, timeout_s=TIMEOUT_S).source_id == name + "-sid"
        by_type = find_streams(type="exg", timeout_s=TIMEOUT_S)
        assert name in [d.name for d in by_type]
        assert all(d.type.lower() == "exg" for d in by_type)
    finally:
        del outlet


def test_not_found_and_ambiguous_streams_say_what_to_do():
    with pytest.raises(StreamNotFound, match="twitchwatch streams"):
        find_one(source_id=unique("nobody"), timeout_s=0.3)
    name = unique("tw-twins")
    a, b = raw_outlet(name, source_id=name + "-a"), raw_outlet(name, source_id=name + "-b")
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while len(find_streams(name=name, timeout_s=1.0)) < 2 and time.monotonic() < deadline:
            pass  # both outlets answering
        with pytest.raises(AmbiguousStream, match="--source-id") as info:
            find_one(name=name, timeout_s=TIMEOUT_S)
        assert {d.source_id for d in info.value.matches} == {name + "-a", name + "-b"}
    finally:
        del a, b


@pytest.mark.parametrize("fmt, fs, message", [(pylsl.cf_string, 0.0, "not a signal"),
                                              (pylsl.cf_float32, 0.0, "no nominal sampling rate")])
def test_markers_and_irregular_streams_are_refused(fmt, fs, message):
    name = unique("tw-notsig")
    outlet = raw_outlet(name, n_ch=1, fs=fs, fmt=fmt, type_="Markers")
    try:
        with pytest.raises(ValueError, match=message):
            LslSource(source_id=name, resolve_timeout_s=TIMEOUT_S)
    finally:
        del outlet


# ---- reading ----------------------------------------------------------------------------------------


def test_values_stamps_and_labels_round_trip():
    name = unique("tw-read")
    fs, n_ch = 1000.0, 3
    data = np.random.default_rng(0).normal(0, 30, (2500, n_ch)).astype(np.float32)
    t0 = pylsl.local_clock()
    stamps = t0 + np.arange(len(data)) / fs
    with SignalOutlet(name, ["A", "B", "C"], fs, source_id=name) as outlet:
        with LslSource(source_id=name, resolve_timeout_s=TIMEOUT_S) as src:
            assert (src.fs_hz, src.n_channels, src.channel_labels) == (fs, n_ch, ["A", "B", "C"])
            assert src.realtime and src.name == f"lsl:{name}" and src.warnings == []
            for k in range(0, len(data), 20):
                outlet.push_chunk(data[k:k + 20], stamps[k:k + 20])
            chunks = read_until(src, lambda c: total(c) >= len(data))
            got = np.concatenate(chunks)
            assert got.dtype == np.float32 and got.flags.c_contiguous
            np.testing.assert_array_equal(got, data)
            assert src.samples_read == len(data)
            assert src.source_time(0) == stamps[0] and src.source_time(2499) == stamps[-1]
            assert src.timeline_sample(2499) == 2499 and src.gaps == []
            h = src.health()
            assert h.state == "connected" and h.gaps == 0 and h.samples == len(data)
            assert h.since_last_sample_s is not None and h.since_last_sample_s < 5


def test_chunks_are_the_callers_to_keep():
    name = unique("tw-keep")
    with SignalOutlet(name, ["A"], 500.0, source_id=name) as outlet, \
            LslSource(source_id=name, resolve_timeout_s=TIMEOUT_S) as src:
        t0 = pylsl.local_clock()
        outlet.push_chunk(np.full((10, 1), 1.0, np.float32), t0 + np.arange(10) / 500.0)
        first = read_until(src, lambda c: total(c) >= 10)
        outlet.push_chunk(np.full((10, 1), 2.0, np.float32), t0 + np.arange(10, 20) / 500.0)
        read_until(src, lambda c: total(c) >= 10)
        assert np.all(np.concatenate(first) == 1.0)


@pytest.mark.parametrize("fmt, dtype, unit, kwargs, factor", [
    (pylsl.cf_float32, np.float32, "V", {}, 1e6),
    (pylsl.cf_double64, np.float64, "mV", {}, 1e3),
    (pylsl.cf_int16, np.int16, "counts", {"uv_per_count": 0.5}, 0.5),
    (pylsl.cf_int32, np.int32, None, {"unit": "mV"}, 1e3),
])
def test_units_are_converted_to_microvolts(fmt, dtype, unit, kwargs, factor):
    name = unique("tw-units")
    outlet = raw_outlet(name, n_ch=2, fs=250.0, fmt=fmt, unit=unit)
    try:
        with LslSource(source_id=name, resolve_timeout_s=TIMEOUT_S, **kwargs) as src:
            listener = Recorder()
            src.add_listener(listener)
            raw = (np.arange(40, dtype=np.float64).reshape(20, 2) - 20)
            raw = (raw / 1000.0 if np.dtype(dtype).kind == "f" else raw).astype(dtype)
            outlet.push_chunk(raw, pylsl.local_clock())
            got = np.concatenate(read_until(src, lambda c: total(c) >= 20))
            np.testing.assert_allclose(got, (raw.astype(np.float64) * factor).astype(np.float32),
                                       rtol=1e-6)
            assert listener.raw[0][0].dtype == dtype  # recorders see the values as sent
            if factor != 1.0:
                assert any("converted to microvolts" in w for w in src.warnings)
    finally:
        del outlet


def test_a_stream_without_units_is_taken_as_microvolts_with_a_warning():
    name = unique("tw-nounit")
    outlet = raw_outlet(name)
    try:
        with LslSource(source_id=name, resolve_timeout_s=TIMEOUT_S) as src:
            assert any("declares no unit" in w for w in src.warnings)
            assert src.channel_labels == ["ch1", "ch2"]
    finally:
        del outlet


def test_nothing_arriving_returns_empty_within_the_timeout_and_stop_ends_reads():
    name = unique("tw-quiet")
    stop = threading.Event()
    with SignalOutlet(name, ["A"], 1000.0, source_id=name), \
            LslSource(source_id=name, resolve_timeout_s=TIMEOUT_S, stop=stop) as src:
        t = time.monotonic()
        chunk = src.read(100, timeout_s=0.2)
        assert chunk.shape == (0, 1) and time.monotonic() - t < 2.0
        timer = threading.Timer(0.1, stop.set)
        timer.start()
        t = time.monotonic()
        while (chunk := src.read(100, timeout_s=5.0)) is not None and time.monotonic() - t < TIMEOUT_S:
            pass
        timer.join(TIMEOUT_S)
        assert chunk is None and time.monotonic() - t < 2.0
        assert src.state == "stopped"
    assert src.read(10) is None  # closed


# ---- health: gaps, reconnection ------------------------------------------------------------------------


def test_missing_samples_are_reported_never_bridged():
    name = unique("tw-gap")
    fs = 1000.0
    data = np.arange(5000, dtype=np.float32).reshape(-1, 1)
    stamps = pylsl.local_clock() + np.arange(5000) / fs
    keep = np.r_[0:3000, 3100:5000]  # 100 samples lost after 3 s (past the 2 s learning)
    with SignalOutlet(name, ["A"], fs, source_id=name) as outlet, \
            LslSource(source_id=name, resolve_timeout_s=TIMEOUT_S) as src:
        listener = Recorder()
        listener.lookup = src.source_time
        src.add_listener(listener)
        kd, ks = data[keep], stamps[keep]
        for k in range(0, len(kd), 50):
            outlet.push_chunk(kd[k:k + 50], ks[k:k + 50])
        got = np.concatenate(read_until(src, lambda c: total(c) >= len(keep)))
    np.testing.assert_array_equal(got, kd)  # nothing invented in the hole
    assert len(listener.gaps) == 1
    gap = listener.gaps[0]
    assert (gap.at_sample, gap.timeline_sample, gap.missing, gap.cause) == (3000, 3000, 100, "dropout")
    assert gap.start_time == stamps[2999] and gap.end_time == stamps[3100]
    assert listener.before == [stamps[2999]]
    assert src.timeline_sample(2999) == 2999 and src.timeline_sample(3000) == 3100
    h = src.health()
    assert (h.gaps, h.missing_samples) == (1, 100)


@pytest.mark.parametrize("with_source_id", [True, False])
def test_sender_dies_and_comes_back(with_source_id):
    """Found again by source_id; without one, by name, type, channel count and host."""
    name = unique("tw-reconnect")
    sid = name if with_source_id else ""
    fs = 1000.0
    t0 = pylsl.local_clock()
    listener = Recorder()
    outlet = SignalOutlet(name, ["A", "B"], fs, source_id=sid)
    src = LslSource(name=name, resolve_timeout_s=TIMEOUT_S, stall_after_s=0.15,
                    reconnect_after_s=0.3, lost_after_s=0.6)
    assert any("no source_id" in w for w in src.warnings) is not with_source_id
    try:
        src.add_listener(listener)
        outlet.push_chunk(np.ones((500, 2), np.float32), t0 + np.arange(500) / fs)
        assert total(read_until(src, lambda c: total(c) >= 500)) == 500
        outlet.close()  # the sender dies
        read_until(src, lambda c: src.state == "lost")
        assert src.state == "lost" and not src.health().link_up
        t1 = pylsl.local_clock()
        outlet = SignalOutlet(name, ["A", "B"], fs, source_id=sid)  # ... and comes back
        read_until(src, lambda c: src.health().reconnects == 1)  # reading drives the search
        assert src.health().link_up
        outlet.push_chunk(np.full((300, 2), 2.0, np.float32), t1 + np.arange(300) / fs)
        got = np.concatenate(read_until(src, lambda c: total(c) >= 300))
    finally:
        outlet.close()
        src.close()
    assert got.shape == (300, 2) and np.all(got == 2.0)
    assert listener.states[:5] == ["connected", "stalled", "reconnecting", "lost", "connected"]
    assert len(listener.gaps) == 1
    gap = listener.gaps[0]
    assert gap.cause == "reconnect" and gap.at_sample == 500
    expected = round((t1 - (t0 + 0.499)) * fs) - 1
    assert abs(gap.missing - expected) <= 1
    h = src.health()
    assert h.reconnects == 1 and h.samples == 800 and h.state == "stopped"


def test_clock_offsets_reach_listeners():
    name = unique("tw-offset")
    with SignalOutlet(name, ["A"], 500.0, source_id=name) as outlet, \
            LslSource(source_id=name, resolve_timeout_s=TIMEOUT_S) as src:
        listener = Recorder()
        src.add_listener(listener)
        outlet.push_chunk(np.zeros((5, 1), np.float32), pylsl.local_clock() + np.arange(5) / 500.0)
        read_until(src, lambda c: listener.offset_seen.is_set())
        assert listener.offsets, "no clock offset within the timeout"
        t, v = listener.offsets[0]
        assert abs(v) < 0.01  # same machine, same clock
        assert src.local_time(0) == pytest.approx(src.source_time(0) + src.clock_offset_s)
