"""LSL signal outlet and the paced pusher.

Every resolve and pull has a timeout, and nothing sleeps to synchronise: tests wait on
conditions (resolve/pull with timeout, thread joins with timeout).
"""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import numpy as np
import pylsl
import pytest

from twitchwatch.sinks import SignalOutlet, make_stream_info, push_paced

TESTS_DIR = Path(__file__).resolve().parents[1]
TIMEOUT_S = 10.0


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def channel_meta(info: pylsl.StreamInfo) -> list[tuple[str, str, str]]:
    out = []
    ch = info.desc().child("channels").child("channel")
    while not ch.empty():
        out.append((ch.child_value("label"), ch.child_value("unit"), ch.child_value("type")))
        ch = ch.next_sibling()
    return out


# --- the test LSL configuration -----------------------------------------------------------------


def test_lsl_config_keeps_discovery_on_this_machine():
    cfg_path = Path(os.environ["LSLAPICFG"])
    assert cfg_path == (TESTS_DIR / "lsl_api.cfg").resolve()
    cfg = configparser.ConfigParser()
    assert cfg.read(cfg_path) == [str(cfg_path)]
    assert cfg["multicast"]["ResolveScope"].strip() == "machine"


def test_liblsl_loads_the_file_named_by_lslapicfg(tmp_path):
    """pylsl has no getter for the loaded configuration, so prove the mechanism the suite
    relies on: a fresh process whose LSLAPICFG names a file with a SessionID reports that
    session ID on its streams (and liblsl, where it logs it, names the file it loaded)."""
    session = unique_name("twitchwatch-test")
    cfg = tmp_path / "lsl_api.cfg"
    cfg.write_text(
        (TESTS_DIR / "lsl_api.cfg").read_text() + f"\n[lab]\nSessionID = {session}\n"
    )
    code = (
        "import pylsl\n"
        "info = pylsl.StreamInfo('cfgcheck', 'EMG', 1, 100.0, pylsl.cf_float32, 'x')\n"
        "outlet = pylsl.StreamOutlet(info)\n"
        "print(outlet.get_info().session_id())\n"
    )
    env = {**os.environ, "LSLAPICFG": str(cfg)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == session
    loaded = [ln for ln in done.stderr.splitlines() if "Configuration loaded from" in ln]
    assert all(str(cfg) in ln for ln in loaded)


# --- stream metadata ---------------------------------------------------------------------------


def test_stream_info_follows_xdf_emg_metadata():
    info = make_stream_info("meta", ["EMG1", "EMG2", "EMG3"], 2000.0, source_id="src-1")
    assert (info.name(), info.type(), info.channel_count()) == ("meta", "EMG", 3)
    assert info.nominal_srate() == 2000.0
    assert info.channel_format() == pylsl.cf_float32
    assert info.source_id() == "src-1"
    assert channel_meta(info) == [(f"EMG{i}", "microvolts", "EMG") for i in (1, 2, 3)]
    manufacturer = info.desc().child("acquisition").child_value("manufacturer")
    assert manufacturer == "twitchwatch simulator"


@pytest.mark.parametrize("labels, fs", [([], 100.0), (["a"], 0.0)])
def test_stream_info_rejects_bad_arguments(labels, fs):
    with pytest.raises(ValueError):
        make_stream_info("bad", labels, fs)


# --- paced pushing, with a fake outlet and clock ----------------------------------------------


class RecordingOutlet:
    def __init__(self, clock=None):
        self.chunks: list[np.ndarray] = []
        self.stamps: list[list[float]] = []
        self.pushed_at: list[float] = []
        self.clock = clock

    def push_chunk(self, samples, timestamps):
        self.chunks.append(np.array(samples))
        self.stamps.append(list(timestamps))
        if self.clock is not None:
            self.pushed_at.append(self.clock())


class FakeTime:
    """A clock whose waits advance it, oversleeping by ``overshoot_s`` each time."""

    def __init__(self, start: float = 1000.0, overshoot_s: float = 0.0):
        self.now = start
        self.overshoot_s = overshoot_s
        self.waits = 0
        self._set = False

    def clock(self) -> float:
        return self.now

    def wait(self, timeout: float) -> bool:
        self.waits += 1
        self.now += timeout + self.overshoot_s
        return self._set

    def is_set(self) -> bool:
        return self._set

    def set(self) -> None:
        self._set = True


def test_stamps_are_sample_accurate_and_chunks_20_ms():
    fs = 250.0
    data = np.arange(1000 * 2, dtype=np.float32).reshape(1000, 2)
    fake = FakeTime(start=5000.0)
    outlet = RecordingOutlet(fake.clock)
    pushed = push_paced(outlet, data, fs, stop=fake, clock=fake.clock)
    assert pushed == 1000
    np.testing.assert_array_equal(np.concatenate(outlet.chunks), data)
    stamps = np.concatenate(outlet.stamps)
    np.testing.assert_array_equal(stamps, 5000.0 + np.arange(1000) / fs)
    assert {len(c) for c in outlet.chunks} == {5}  # 20 ms at 250 Hz
    for chunk_stamps, at in zip(outlet.stamps, outlet.pushed_at):
        assert at >= chunk_stamps[-1]  # never pushed before its last sample is due


def test_pacing_does_not_drift_when_waits_oversleep():
    """Deadlines are absolute: oversleeping 3 ms on every wait delays each push by at most
    3 ms, instead of piling up 3 ms per chunk (500 chunks = 1.5 s) as fixed sleeps would."""
    fs, n = 2000.0, 20000  # 10 s in 500 chunks
    fake = FakeTime(start=0.0, overshoot_s=0.003)
    outlet = RecordingOutlet(fake.clock)
    push_paced(outlet, np.zeros((n, 1), np.float32), fs, stop=fake, clock=fake.clock, t0=0.0)
    lateness = np.array([at - s[-1] for s, at in zip(outlet.stamps, outlet.pushed_at)])
    assert len(lateness) == 500
    assert lateness.min() >= 0.0 and lateness.max() <= 0.003 + 1e-9


def test_stop_event_ends_the_stream_between_chunks():
    fake = FakeTime()

    class StopAfterThree(RecordingOutlet):
        def push_chunk(self, samples, timestamps):
            super().push_chunk(samples, timestamps)
            if len(self.chunks) == 3:
                fake.set()

    outlet = StopAfterThree()
    pushed = push_paced(outlet, np.zeros((10000, 1)), 1000.0, stop=fake, clock=fake.clock)
    assert pushed == 60 and len(outlet.chunks) == 3


def test_real_clock_pacing_tracks_wall_time():
    fs, n = 1000.0, 300
    outlet = RecordingOutlet(pylsl.local_clock)
    t_start = pylsl.local_clock()
    push_paced(outlet, np.zeros((n, 1), np.float32), fs)
    elapsed = pylsl.local_clock() - t_start
    assert 0.28 <= elapsed < 0.6
    lateness = [at - s[-1] for s, at in zip(outlet.stamps, outlet.pushed_at)]
    assert min(lateness) >= 0.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(data=np.zeros(10), fs_hz=100.0), "2-D"),
        (dict(data=np.zeros((10, 1)), fs_hz=0.0), "fs_hz"),
        (dict(data=np.zeros((10, 1)), fs_hz=100.0, chunk_s=0.0), "chunk_s"),
    ],
)
def test_push_paced_validates(kwargs, message):
    with pytest.raises(ValueError, match=message):
        push_paced(RecordingOutlet(), **kwargs)


# --- over real LSL -----------------------------------------------------------------------------


def test_signal_outlet_round_trip_through_a_plain_inlet():
    name = unique_name("tw-outlet")
    fs, n_ch = 500.0, 3
    rng = np.random.default_rng(0)
    data = rng.normal(0, 50, size=(500, n_ch)).astype(np.float32)  # 1 s
    labels = ["EMG1", "EMG2", "EMG3"]
    errors: list[BaseException] = []
    stop = threading.Event()
    result = {}

    with SignalOutlet(name, labels, fs, source_id=name) as outlet:
        def produce():
            try:
                assert outlet.wait_for_consumers(TIMEOUT_S)
                result["t0"] = pylsl.local_clock()
                result["pushed"] = push_paced(outlet, data, fs, stop=stop, t0=result["t0"])
            except BaseException as exc:  # noqa: BLE001 - re-raised in the test thread
                errors.append(exc)

        thread = threading.Thread(target=produce, daemon=True)
        thread.start()
        try:
            found = pylsl.resolve_bypred(f"type='EMG' and name='{name}'", 1, TIMEOUT_S)
            assert len(found) == 1
            inlet = pylsl.StreamInlet(found[0], max_buflen=10)
            info = inlet.info(timeout=TIMEOUT_S)
            assert info.nominal_srate() == fs and info.channel_count() == n_ch
            assert [m[0] for m in channel_meta(info)] == labels
            inlet.open_stream(timeout=TIMEOUT_S)
            got, stamps = [], []
            deadline = pylsl.local_clock() + TIMEOUT_S
            while sum(len(c) for c in got) < len(data) and pylsl.local_clock() < deadline:
                chunk, ts = inlet.pull_chunk(timeout=0.5)
                if ts:
                    got.append(np.asarray(chunk, dtype=np.float32))
                    stamps.extend(ts)
        finally:
            stop.set()
            thread.join(TIMEOUT_S)
        assert not thread.is_alive()
        if errors:
            raise errors[0]
    received = np.concatenate(got)
    assert received.shape == data.shape
    np.testing.assert_array_equal(received, data)
    np.testing.assert_allclose(np.array(stamps), result["t0"] + np.arange(len(data)) / fs,
                               rtol=0, atol=1e-9)
    inlet.close_stream()


def test_signal_outlet_rejects_bad_chunks():
    with SignalOutlet(unique_name("tw-bad"), ["a", "b"], 100.0) as outlet:
        with pytest.raises(ValueError, match=r"shape \(n, 2\)"):
            outlet.push_chunk(np.zeros((4, 3)), [0.0] * 4)
        with pytest.raises(ValueError, match="one time stamp per sample"):
            outlet.push_chunk(np.zeros((4, 2)), [0.0] * 3)
    with pytest.raises(RuntimeError, match="closed"):
        outlet.push_chunk(np.zeros((1, 2)), [0.0])
