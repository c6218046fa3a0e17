"""The Record button: the worker records the watched source to XDF; pyxdf reads the file back."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from gui_helpers import WAIT_MS
from twitchwatch.gui import model
from twitchwatch.gui.source_spec import SourceSpec

pyxdf = pytest.importorskip("pyxdf")


def _streams(path):
    streams, _ = pyxdf.load_xdf(str(path), synchronize_clocks=True, dejitter_timestamps=False)
    return {s["info"]["type"][0]: s for s in streams}


def test_record_writes_an_xdf_with_signal_markers_and_status(window, qtbot, tmp_path):
    win = window
    win.start_source(SourceSpec.parse("sim:rest-benign"), 20.0)
    qtbot.waitUntil(lambda: win.state == model.RUNNING and win.record.button.isEnabled(), timeout=WAIT_MS)
    assert win.record.button.text() == "● Record"
    win.start_recording(tmp_path)
    qtbot.waitUntil(lambda: win.record.recording, timeout=WAIT_MS)
    path = Path(win.record.last.path)
    assert path.parent == tmp_path and path.suffix == ".xdf"
    assert "Stop" in win.record.button.text()
    # a few seconds of signal (simulated 20x faster than real time) with some twitches in it
    qtbot.waitUntil(lambda: win.record.last.samples >= 4 * 2000 and win.record.last.events >= 2,
                    timeout=WAIT_MS)
    line = win.record.line.text()
    assert "REC" in line and path.name in line and ("kB" in line or "MB" in line)
    win.stop_recording()
    qtbot.waitUntil(lambda: not win.record.recording and "Saved" in win.record.line.text(), timeout=WAIT_MS)
    info = win.record.last
    assert info.state == "stopped" and info.bytes_written == path.stat().st_size

    s = _streams(path)
    emg, markers, status = s["EMG"], s["Markers"], s["Status"]
    assert int(emg["info"]["channel_count"][0]) == 4 and float(emg["info"]["nominal_srate"][0]) == 2000.0
    assert emg["time_series"].shape == (info.samples, 4)
    labels = [c["label"][0] for c in emg["info"]["desc"][0]["channels"][0]["channel"]]
    assert labels == list(win.segment.channel_labels)
    assert np.allclose(np.diff(emg["time_stamps"]), 1 / 2000.0, atol=1e-6)  # one stream, no jumps
    kinds = [json.loads(m[0])["kind"] for m in markers["time_series"]]
    assert len(kinds) == info.events and "fasciculation" in kinds
    assert len(status["time_series"]) >= 1 and "state" in json.loads(status["time_series"][-1][0])
    # the markers sit inside the recorded signal's time span
    t = markers["time_stamps"]
    assert emg["time_stamps"][0] - 1.0 <= t.min() and t.max() <= emg["time_stamps"][-1] + 1.0
    assert win.errors == [] and not win.banner.isVisible()


def test_a_recording_that_cannot_start_is_reported_and_watching_goes_on(window, qtbot, tmp_path):
    win = window
    w = win.start_source(SourceSpec.parse("sim:rest-benign"), 20.0)
    qtbot.waitUntil(lambda: win.state == model.RUNNING, timeout=WAIT_MS)
    w.start_recording(str(tmp_path / "no-such-folder" / "x.xdf"))
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=WAIT_MS)
    assert "recording failed" in win.banner.text.text() and "does not exist" in win.banner.text.text()
    assert "Recording failed" in win.record.line.text() and not win.record.recording
    samples = w.samples_total
    qtbot.waitUntil(lambda: w.samples_total > samples + 2000, timeout=WAIT_MS)
    assert win.state == model.RUNNING and win.errors == []
    assert win.record.button.isEnabled()


def test_the_end_of_the_stream_closes_the_recording(window, qtbot, tmp_path):
    win = window
    win.sim_duration_s = 20.0
    win.start_source(SourceSpec.parse("sim:rest-benign"), 10.0)
    qtbot.waitUntil(lambda: win.segment is not None, timeout=WAIT_MS)
    win.start_recording(tmp_path)
    qtbot.waitUntil(lambda: win.record.recording, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: win.state == model.ENDED, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: "the stream ended" in win.record.line.text(), timeout=WAIT_MS)
    assert not win.record.button.isEnabled()  # nothing left to record
    emg = _streams(win.record.last.path)["EMG"]
    # everything from the moment Record was pressed to the end
    assert len(emg["time_series"]) == win.record.last.samples > 0
    assert win.record.last.samples <= 20 * 2000


def test_moving_through_a_replay_keeps_one_continuous_recording(window, qtbot, tmp_path):
    win = window
    win.start_source(SourceSpec.parse("sim:rest-benign"), 20.0)
    qtbot.waitUntil(lambda: win.state == model.RUNNING, timeout=WAIT_MS)
    win.start_recording(tmp_path)
    qtbot.waitUntil(lambda: win.record.recording and win.record.last.samples >= 2 * 2000, timeout=WAIT_MS)
    generation = win.segment.generation
    win.seek(150.0)
    qtbot.waitUntil(lambda: win.segment.generation != generation, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: win.snapshot.generation == win.segment.generation
                    and win.snapshot.position_s > 153.0, timeout=WAIT_MS)
    assert win.record.recording  # a seek does not stop it
    win.stop_recording()
    qtbot.waitUntil(lambda: not win.record.recording, timeout=WAIT_MS)
    emg = _streams(win.record.last.path)["EMG"]
    assert len(emg["time_series"]) == win.record.last.samples >= 5 * 2000
    assert np.allclose(np.diff(emg["time_stamps"]), 1 / 2000.0, atol=1e-6)  # stamps go on, no jump
