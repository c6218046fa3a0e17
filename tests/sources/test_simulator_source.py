"""`SimulatorSource`: unpaced for tests and analysis, paced against absolute clock deadlines.

Pacing is checked with a fake clock: ``wait(dt)`` advances it, nothing sleeps.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from twitchwatch.sim import simulate
from twitchwatch.sources import SimulatorSource, Source

FS = 1000.0


class FakeClock:
    def __init__(self, t: float = 100.0):
        self.t = t
        self.waits: list[float] = []
        self.stop_during_wait: threading.Event | None = None

    def now(self) -> float:
        return self.t

    def wait(self, dt: float) -> bool:
        self.waits.append(dt)
        self.t += dt
        if self.stop_during_wait is not None:
            self.stop_during_wait.set()
            return True
        return False


@pytest.fixture(scope="module")
def sim():
    return simulate("rest-benign", duration_s=4.0, fs_hz=FS, n_channels=2, seed=11)


def paced(sim, clock: FakeClock, **kw) -> SimulatorSource:
    return SimulatorSource(simulation=sim, realtime=True, clock=clock.now, wait=clock.wait, **kw)


def test_unpaced_delivers_the_simulation_exactly_then_none(sim):
    src = SimulatorSource(simulation=sim)
    assert isinstance(src, Source) and not src.realtime
    assert (src.fs_hz, src.n_channels, src.channel_labels) == (FS, 2, sim.channel_labels)
    assert src.truth == sim.truth and src.name == "simulator:rest-benign"
    chunks = []
    while (chunk := src.read(999)) is not None:
        assert 1 <= len(chunk) <= 999 and chunk.dtype == np.float32
        chunks.append(chunk)
    np.testing.assert_array_equal(np.concatenate(chunks), sim.data)
    assert src.progress == 1.0 and src.read(10) is None


def test_scenario_by_name_is_simulated_with_the_given_seed():
    a = SimulatorSource("cramp", duration_s=1.0, seed=4)
    b = simulate("cramp", duration_s=1.0, seed=4)
    np.testing.assert_array_equal(a.read(10**6), b.data)


def test_handed_out_blocks_cannot_corrupt_the_simulation(sim):
    chunk = SimulatorSource(simulation=sim).read(10)
    with pytest.raises(ValueError):
        chunk[0, 0] = 1.0


def test_paced_blocks_become_due_at_their_absolute_deadlines(sim):
    clock = FakeClock()
    src = paced(sim, clock, block_s=0.02)  # 20-sample blocks at 1 kHz
    assert len(src.read(10**6)) == 0      # the clock starts at the first read: nothing due yet
    clock.t += 0.019
    assert len(src.read(10**6)) == 0
    clock.t += 0.001                      # the first block's deadline
    assert len(src.read(10**6)) == 20
    clock.t += 0.5                        # a late reader gets all that is due, in one go
    assert len(src.read(10**6)) == 500
    clock.t += 0.1
    assert len(src.read(30)) == 30        # ... or as much as it asks for
    assert len(src.read(10**6)) == 70
    assert src.samples_read == 620


def test_waiting_read_sleeps_until_the_next_deadline_and_no_longer(sim):
    clock = FakeClock()
    src = paced(sim, clock, block_s=0.05)
    t0 = clock.t
    chunk = src.read(10**6, timeout_s=1.0)
    assert len(chunk) == 50 and clock.waits == [pytest.approx(0.05)]
    assert clock.t == pytest.approx(t0 + 0.05)
    chunk = src.read(10**6, timeout_s=0.01)  # shorter timeout than the next deadline: empty
    assert len(chunk) == 0 and clock.waits[-1] == pytest.approx(0.01)


@pytest.mark.parametrize("speed", [1.0, 2.5, 40.0])
def test_delivery_never_drifts_however_irregular_the_reads(sim, speed):
    clock = FakeClock()
    src = paced(sim, clock, speed=speed, block_s=0.02)
    rng = np.random.default_rng(0)
    t0 = clock.t
    got = len(src.read(10**6))
    while True:
        clock.t += float(rng.uniform(0.0, 0.07)) / speed  # jittery, sometimes late reader
        chunk = src.read(10**6)
        if chunk is None:
            break
        got += len(chunk)
        # what is out is exactly every whole block due by now: no drift, no early delivery
        due = int(np.floor((clock.t - t0) * FS * speed / 20 + 1e-9)) * 20
        assert got == min(due, sim.n_samples)
    assert got == sim.n_samples
    assert clock.t - t0 == pytest.approx(sim.duration_s / speed, abs=0.07 / speed)


def test_the_whole_stream_takes_its_duration_divided_by_speed(sim):
    clock = FakeClock()
    src = paced(sim, clock, speed=4.0, block_s=0.03)  # 4 s / 30 ms: the last block is short
    t0 = clock.t
    total = 0
    while (chunk := src.read(10**6, timeout_s=10.0)) is not None:
        total += len(chunk)
    assert total == sim.n_samples
    assert clock.t - t0 == pytest.approx(sim.duration_s / 4.0)


def test_stop_ends_the_stream_and_wakes_a_waiting_read(sim):
    clock = FakeClock()
    stop = threading.Event()
    src = paced(sim, clock, stop=stop)
    clock.stop_during_wait = stop
    assert src.read(100, timeout_s=1.0) is None  # woken by stop while waiting
    assert src.read(100) is None


def test_default_wait_is_the_stop_event(sim):
    stop = threading.Event()
    stop.set()
    src = SimulatorSource(simulation=sim, realtime=True, stop=stop)
    assert src.read(100, timeout_s=5.0) is None  # returns at once: no real waiting


@pytest.mark.parametrize("kw, message", [
    ({"speed": 0}, "speed must be"), ({"speed": float("nan")}, "speed must be"),
    ({"block_s": 0}, "block_s must be"),
])
def test_bad_pacing_arguments(sim, kw, message):
    with pytest.raises(ValueError, match=message):
        SimulatorSource(simulation=sim, **kw)


def test_unknown_scenario_lists_the_valid_ones():
    with pytest.raises(ValueError, match="valid: rest-benign"):
        SimulatorSource("nope")
