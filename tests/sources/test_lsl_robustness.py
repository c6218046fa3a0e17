"""LslSource against misbehaving senders: a sensor that comes back under another source_id or
with another channel count, floods, and a consumer slower than the stream.

Real LSL on this machine (tests/lsl_api.cfg); every wait is on a condition with a timeout.
"""

from __future__ import annotations

import numpy as np
import pylsl
import pytest

from twitchwatch.sinks import SignalOutlet
from twitchwatch.sources.lsl import MAX_PULL_SAMPLES, LslSource, StreamLayoutChanged
from twitchwatch.sources.lsl_health import LEARN_TOL_S

from tests.sources.test_lsl_source import TIMEOUT_S, read_until, total, unique  # noqa: I001


def lost(src):
    return lambda chunks: src.state == "lost"


def quick_watchdog_source(source_id: str) -> LslSource:
    """A source whose watchdog goes stalled -> reconnecting -> lost within 0.6 s."""
    return LslSource(source_id=source_id, resolve_timeout_s=TIMEOUT_S, stall_after_s=0.15,
                     reconnect_after_s=0.3, lost_after_s=0.6)


def deliver_200_then_lose(outlet, src, fs: float) -> None:
    """200 samples through `src`, then the outlet closes and `src` reports the stream lost."""
    outlet.push_chunk(np.ones((200, 2), np.float32), pylsl.local_clock() + np.arange(200) / fs)
    assert total(read_until(src, lambda c: total(c) >= 200)) == 200
    outlet.close()
    read_until(src, lost(src))


def test_a_sensor_back_under_another_source_id_is_reconnected_with_a_warning():
    name = unique("tw-newsid")
    fs = 1000.0
    outlet = SignalOutlet(name, ["A", "B"], fs, source_id="sid-first")
    src = quick_watchdog_source("sid-first")
    try:
        deliver_200_then_lose(outlet, src, fs)
        outlet = SignalOutlet(name, ["A", "B"], fs, source_id="sid-second")
        read_until(src, lambda c: src.health().reconnects == 1)
        outlet.push_chunk(np.full((100, 2), 3.0, np.float32), pylsl.local_clock() + np.arange(100) / fs)
        got = np.concatenate(read_until(src, lambda c: total(c) >= 100))
    finally:
        outlet.close()
        src.close()
    assert got.shape == (100, 2) and np.all(got == 3.0)
    (note,) = [w for w in src.warnings if "came back with source_id" in w]
    assert "'sid-second' instead of 'sid-first'" in note and "check that it is the same sensor" in note
    assert src.description.source_id == "sid-second"  # a later dropout looks for the new one


def test_a_sensor_back_with_another_channel_count_is_a_clear_error():
    name = unique("tw-layout")
    fs = 1000.0
    outlet = SignalOutlet(name, ["A", "B"], fs, source_id=name)
    src = quick_watchdog_source(name)
    try:
        deliver_200_then_lose(outlet, src, fs)
        outlet = SignalOutlet(name, ["A", "B", "C", "D"], fs, source_id=name)
        with pytest.raises(StreamLayoutChanged, match=r"came back with 4 ch float32 at 1000 Hz "
                                                      r"instead of 2 ch float32 at 1000 Hz"):
            read_until(src, lambda c: False)
        with pytest.raises(StreamLayoutChanged):  # and stays an error: never a silent restart
            src.read(10, 0.0)
    finally:
        outlet.close()
        src.close()
    assert src.samples_read == 200


def test_a_flood_is_delivered_whole_through_a_fixed_buffer():
    """One push of 10 s at 2 kHz (20000 samples, more than a pull holds): all samples arrive in
    order, in reads no larger than the preallocated buffer, which does not grow."""
    name = unique("tw-flood")
    fs, n = 2000.0, 20_000
    values = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    with SignalOutlet(name, ["A", "B"], fs, source_id=name) as outlet, \
            LslSource(source_id=name, resolve_timeout_s=TIMEOUT_S) as src:
        buffer_before = src._buf.shape
        outlet.push_chunk(values, pylsl.local_clock() + np.arange(n) / fs)
        chunks = read_until(src, lambda c: total(c) >= n)
        assert src._buf.shape == buffer_before == (MAX_PULL_SAMPLES, 2)
    assert max(len(c) for c in chunks) <= MAX_PULL_SAMPLES
    assert np.array_equal(np.concatenate(chunks), values)
    assert src.health().gaps == 0


def test_a_slow_consumer_gets_every_sample_while_the_inlet_buffer_holds_them():
    """The sender runs ahead (3 s pushed before anything is read); reading later, in small
    reads, still gives every sample, in order, without a gap."""
    name = unique("tw-slow")
    fs, n = 1000.0, 3000
    values = np.arange(n, dtype=np.float32).reshape(n, 1)
    with SignalOutlet(name, ["A"], fs, source_id=name) as outlet, \
            LslSource(source_id=name, resolve_timeout_s=TIMEOUT_S, max_buffer_s=60) as src:
        t0 = pylsl.local_clock()
        outlet.push_chunk(values[:10], t0 + np.arange(10) / fs)
        first = read_until(src, lambda c: total(c) >= 10)
        for i in range(10, n, 500):  # pushed in bursts while nobody reads
            outlet.push_chunk(values[i:i + 500], t0 + np.arange(i, min(n, i + 500)) / fs)
        rest = []
        while total(rest) < n - 10:
            c = src.read(64, timeout_s=1.0)  # a consumer taking small bites
            assert c is not None and (len(c) or total(rest) < n - 10)
            rest.append(c)
    assert np.array_equal(np.concatenate(first + rest), values)
    assert src.health().gaps == 0


def test_a_consumer_too_slow_for_the_inlet_buffer_gets_a_reported_gap_not_silence():
    """Beyond ``max_buffer_s`` liblsl drops the oldest samples: the loss is a reported gap, and
    every sample sent is either delivered or counted missing."""
    name = unique("tw-overrun")
    fs, n = 1000.0, 20_000  # 20 s arriving at once while the inlet holds 1 s
    with SignalOutlet(name, ["A"], fs, source_id=name) as outlet, \
            LslSource(source_id=name, resolve_timeout_s=TIMEOUT_S, max_buffer_s=1) as src:
        t0 = pylsl.local_clock()
        outlet.push_chunk(np.zeros((10, 1), np.float32), t0 + np.arange(10) / fs)
        read_until(src, lambda c: total(c) >= 10)
        outlet.push_chunk(np.arange(n, dtype=np.float32).reshape(n, 1), t0 + np.arange(10, 10 + n) / fs)
        got = []
        deadline = pylsl.local_clock() + TIMEOUT_S
        while total(got) + src.health().missing_samples < n and pylsl.local_clock() < deadline:
            c = src.read(64, timeout_s=0.05)  # small bites: slower than the transfer
            got.append(c)
    h = src.health()
    assert h.gaps >= 1 and h.missing_samples > 0
    values = np.concatenate(got)[:, 0]
    assert values[-1] == n - 1 and np.all(np.diff(values) >= 1)  # in order; jumps only at gaps
    # The values are the sample numbers, so the true gaps are the jumps between them. In the
    # first JITTER_LEARN_S of signal (all of this test's) a gap must exceed LEARN_TOL_S to be told
    # from jitter: a tiny one that liblsl's dropping sometimes leaves (a sample or two) is either
    # folded into the next gap found or absorbed. Every larger gap is reported, off by at most
    # those tiny ones, and nothing is counted that was delivered.
    jumps = (np.diff(np.concatenate([[-1.0], values])) - 1).astype(int)
    jumps = jumps[jumps > 0]
    tiny = int(sum(int(j) for j in jumps if j <= LEARN_TOL_S * fs))
    resolvable = [int(j) for j in jumps if j > LEARN_TOL_S * fs]
    reported = [g.missing for g in src.gaps if g.missing > LEARN_TOL_S * fs]
    assert len(reported) == len(resolvable)
    assert all(j <= m <= j + tiny for m, j in zip(reported, resolvable)), (reported, resolvable, tiny)
    assert 0 <= n - total(got) - h.missing_samples <= tiny


@pytest.mark.parametrize(("fs", "message"), [
    (50.0, "runs at 50 Hz; the detector handles 100-20000 Hz"),
    (0.0, "no nominal sampling rate (irregular)"),
])
def test_live_refuses_an_absurd_or_irregular_rate_with_a_data_error(fs, message, capsys, tmp_path):
    from twitchwatch.cli import EXIT_DATA_ERROR, main

    name = unique("tw-rate")
    info = pylsl.StreamInfo(name, "EMG", 1, fs, pylsl.cf_float32, name)
    outlet = pylsl.StreamOutlet(info)
    try:
        code = main(["live", "--source-id", name, "--resolve-timeout", str(TIMEOUT_S), "--no-history",
                     "--duration", "1"])
    finally:
        del outlet
    err = capsys.readouterr().err
    assert code == EXIT_DATA_ERROR and message in err
