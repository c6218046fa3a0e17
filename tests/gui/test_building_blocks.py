"""The window's parts that need no Qt: display ring, paced playback, source specs, status."""

from __future__ import annotations

import numpy as np
import pytest

from twitchwatch.gui import status_logic
from twitchwatch.gui.playback import PacedPlayback
from twitchwatch.gui.ring import DisplayRing
from twitchwatch.gui.source_spec import SourceSpec
from twitchwatch.sources.simulator import SimulatorSource


# ---- DisplayRing ---------------------------------------------------------------------------------
def test_ring_keeps_the_latest_samples_across_the_wrap():
    ring = DisplayRing(10, 2)
    data = np.arange(46, dtype=np.float32).reshape(23, 2)
    for a, b in ((0, 7), (7, 8), (8, 23)):
        ring.write(data[a:b])
    assert ring.written == 23 and ring.oldest == 13
    first, latest = ring.latest(4)
    assert first == 19 and np.array_equal(latest, data[19:23])
    first, everything = ring.latest(100)
    assert first == 13 and np.array_equal(everything, data[13:23])
    first, part = ring.span(5, 16)  # the start is gone: clipped to what is held
    assert first == 13 and np.array_equal(part, data[13:16])


def test_ring_takes_a_block_longer_than_itself():
    ring = DisplayRing(8, 1)
    ring.write(np.arange(3, dtype=np.float32)[:, None])
    ring.write(np.arange(100, 120, dtype=np.float32)[:, None])
    first, held = ring.latest(8)
    assert ring.written == 23 and first == 15
    assert np.array_equal(held[:, 0], np.arange(112, 120))


# ---- PacedPlayback -------------------------------------------------------------------------------
class FakeClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        return self.t


def _playback(clock, speed=1.0):
    src = SimulatorSource("rest-benign", duration_s=10.0, seed=1)
    calls = []

    def open_at(start_s):
        calls.append(start_s)
        s = SimulatorSource(simulation=src.simulation)
        from twitchwatch.gui.playback import skip_samples
        skip_samples(s, int(round(start_s * s.fs_hz)))
        return s

    return PacedPlayback(open_at, speed=speed, clock=clock), calls


def _drain(pb):
    n = 0
    while (chunk := pb.read(1 << 16)) is not None and len(chunk):
        n += len(chunk)
    return n


def test_playback_paces_pauses_and_changes_speed():
    clock = FakeClock()
    pb, _ = _playback(clock, speed=2.0)
    fs = pb.fs_hz
    assert _drain(pb) == 0  # the clock starts at the first read
    clock.t = 1.0
    assert _drain(pb) == int(2.0 * fs)
    pb.pause(True)
    clock.t = 5.0
    assert _drain(pb) == 0  # paused: nothing becomes due
    pb.pause(False)
    clock.t = 5.5
    assert _drain(pb) == int(1.0 * fs)  # 0.5 s at 2x after resuming
    pb.set_speed(8.0)
    clock.t = 6.0
    assert _drain(pb) == int(4.0 * fs)
    assert pb.position_s == pytest.approx(7.0)


def test_playback_seek_reopens_at_the_position_and_ends():
    clock = FakeClock()
    pb, calls = _playback(clock, speed=1.0)
    assert pb.total_s == pytest.approx(10.0) and pb.seekable
    assert pb.seek(8.0) == 8.0 and calls == [0.0, 8.0]
    first = pb.read(10)
    assert first is not None and pb.position_s >= 8.0
    clock.t = 100.0
    assert _drain(pb) + (len(first) if first is not None else 0) == int(2.0 * pb.fs_hz)
    assert pb.read(10) is None and pb.ended
    assert pb.seek(1e9) < 10.0  # clamped inside the signal


# ---- SourceSpec ------------------------------------------------------------------------------------
def test_source_spec_parses_and_explains(tmp_path):
    assert SourceSpec.parse("sim:cramp") == SourceSpec("sim", "cramp")
    f = tmp_path / "rec.csv"
    f.write_text("x\n")
    assert SourceSpec.parse(f"file:{f}").playable
    assert not SourceSpec.parse("lsl:OpenBCI").playable
    for bad, words in (("sim:nope", "unknown scenario"), ("file:/no/such.xdf", "no such file"),
                       ("cramp", "sim:SCENARIO"), ("http:x", "sim:SCENARIO"), ("sim:", "sim:SCENARIO")):
        with pytest.raises(ValueError, match=words):
            SourceSpec.parse(bad)


# ---- status --------------------------------------------------------------------------------------------
def _summary(observed_s, twitches=0, problems=()):
    return {"observed_s": observed_s, "duration_s": observed_s + 3, "fs_hz": 2000.0,
            "counts": {"fasciculation": twitches}, "channel_labels": ["EMG1"],
            "quality": [{"channel": 1, "label": "EMG1", "warming_up": False, "problems": list(problems),
                         "noise_floor_uv_rms": 2.0, "clipping_percent": 0.0,
                         "envelope_only_warning": False}]}


def test_placeholder_status_without_the_assessment(monkeypatch):
    monkeypatch.setattr(status_logic, "_assess_cache", [None])
    assert status_logic.compute_status(_summary(30)).status == "warming up"
    listening = status_logic.compute_status(_summary(200, twitches=10))
    assert listening.status == "listening" and not listening.from_assess
    poor = status_logic.compute_status(_summary(200, problems=["strong mains hum (50 µV at 50 Hz)"]))
    assert poor.status == "poor signal" and "EMG1" in poor.reasons[0]
    assert "twitchwatch is not a diagnostic device" in poor.disclaimer


def test_status_degrades_when_the_assessment_breaks(monkeypatch):
    class Broken:
        class Evidence:
            @staticmethod
            def from_summary(*a, **k):
                raise TypeError("new signature")

    monkeypatch.setattr(status_logic, "_assess_cache", [Broken])
    info = status_logic.compute_status(_summary(200))
    assert info.status == "listening" and "unavailable" in " ".join(info.reasons)


def test_status_from_the_assessment_when_present():
    if status_logic.assess_module() is None:
        pytest.skip("twitchwatch.assess is not installed")
    info = status_logic.compute_status(_summary(30), symptoms={"weakness"})
    assert info.status == "concerning" and info.from_assess
    assert not any(r.startswith("history not used") for r in info.reasons)


def test_importing_the_gui_package_loads_no_qt():
    import subprocess
    import sys
    code = ("import sys, twitchwatch.gui, twitchwatch.gui.source_spec, twitchwatch.gui.status_logic, "
            "twitchwatch.cli.gui; print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
