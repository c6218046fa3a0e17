"""The real window, driven as a user would: pick a source, watch events, status, stream states,
replay controls, errors. Simulations run fast (speed >> 1); every wait is a waitUntil."""

from __future__ import annotations

import time

import pytest

from gui_helpers import FAST, WAIT_MS, ScriptedSource
from twitchwatch.engine import layout as L
from twitchwatch.gui import model, worker as worker_module
from twitchwatch.gui.qt import QtCore
from twitchwatch.gui.source_spec import SourceSpec
from twitchwatch.gui.worker import MonitorWorker
from twitchwatch.sources.simulator import SimulatorSource


def _status(win):
    return win.status_panel.status


def _running(win, spec="sim:rest-benign", speed=FAST):
    return win.start_source(SourceSpec.parse(spec), speed)


def test_pick_the_simulator_and_see_events_and_quality(window, qtbot):
    win = window
    assert win.stack.currentWidget() is win.picker
    win.picker.choose_scenario("rest-benign")
    win.picker.set_speed(FAST)
    qtbot.mouseClick(win.picker.sim_start, QtCore.Qt.MouseButton.LeftButton)
    assert win.stack.currentWidget() is win.monitor
    qtbot.waitUntil(lambda: win.events.model.rowCount() >= 3, timeout=WAIT_MS)
    assert win.trace.rendered_frames > 0 and len(win.trace.plots) == 4
    newest = win.events.model.item(0)
    assert newest.kind in ("fasciculation", "artifact") and newest.waveform is not None
    qtbot.waitUntil(lambda: all(g != "#9e9e9e" for g in win.quality.grades), timeout=WAIT_MS)
    assert "µV" in win.quality.rows[0][3].text()
    assert win.replay.isVisible()
    assert win.events.filter_box.itemText(1).startswith("twitches (")


def test_status_goes_from_warming_up_to_a_verdict_and_follows_symptoms(window, qtbot):
    win = window
    _running(win)
    qtbot.waitUntil(lambda: _status(win) == "warming up", timeout=WAIT_MS)
    qtbot.waitUntil(lambda: _status(win) not in (None, "warming up"), timeout=WAIT_MS)
    assert _status(win) in ("benign", "listening")
    assert "not a diagnostic device" in win.status_panel.disclaimer.text()
    win.status_panel.symptom_boxes["weakness"].setChecked(True)
    if win.snapshot.status.from_assess:
        qtbot.waitUntil(lambda: _status(win) == "concerning", timeout=WAIT_MS)
        assert "weakness" in win.status_panel.reasons.text()


def test_an_ended_stream_says_so(window, qtbot):
    win = window
    win.sim_duration_s = 15.0
    _running(win)
    qtbot.waitUntil(lambda: win.state == model.ENDED, timeout=WAIT_MS)
    assert win.trace.notice.isVisible() and "ended" in win.trace.notice.text()
    assert "ended" in win.state_label.text().lower()
    assert "(end)" in win.replay.position.text()
    pen = win.trace.curves[0].opts["pen"]
    assert pen.color().name() == "#9e9e9e"  # grey: not a live flat line


def test_a_silent_live_stream_is_shown_stalled_then_lost(window, qtbot, monkeypatch):
    monkeypatch.setattr(worker_module, "STALL_AFTER_S", 0.2)
    monkeypatch.setattr(worker_module, "LOST_AFTER_S", 0.6)
    win = window
    win.start_source(lambda stop: ScriptedSource(stop, blocks=40, then="silence"))
    qtbot.waitUntil(lambda: win.state == model.STALLED, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: win.state == model.LOST, timeout=WAIT_MS)
    assert "Signal lost" in win.trace.notice.text()
    assert "lost" in win.quality.stream.text().lower()
    assert not win.replay.isVisible()  # a live source has no replay controls
    pen = win.trace.curves[0].opts["pen"]
    assert pen.color().name() == "#9e9e9e"


def test_pause_stops_progress_and_speed_changes_pace(window, qtbot):
    win = window
    win.sim_duration_s = 600.0
    w = _running(win, speed=10.0)
    qtbot.waitUntil(lambda: win.state == model.RUNNING and win.snapshot.position_s > 1.0, timeout=WAIT_MS)

    def pace(advance_s):
        p0, t0 = win.snapshot.position_s, time.monotonic()
        qtbot.waitUntil(lambda: win.snapshot.position_s >= p0 + advance_s, timeout=WAIT_MS)
        return (win.snapshot.position_s - p0) / (time.monotonic() - t0)

    slow = pace(3.0)
    win.replay.speed.setCurrentIndex(win.replay.speed.findData(100.0))
    win.replay.speed.activated.emit(win.replay.speed.currentIndex())
    qtbot.waitUntil(lambda: win.snapshot.speed == 100.0, timeout=WAIT_MS)
    fast = pace(30.0)
    assert fast > 3 * slow, (slow, fast)

    qtbot.mouseClick(win.replay.play, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: win.state == model.PAUSED, timeout=WAIT_MS)
    assert win.replay.play.text() == "Play" and "Paused" in win.state_label.text()
    assert not win.trace.notice.isVisible()  # the traces stay readable while paused
    samples, frames = w.samples_total, win.frames
    qtbot.waitUntil(lambda: win.frames >= frames + 10, timeout=WAIT_MS)  # a third of a second
    assert w.samples_total == samples
    qtbot.mouseClick(win.replay.play, QtCore.Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: w.samples_total > samples, timeout=WAIT_MS)


def test_seek_restarts_detection_at_the_new_position(window, qtbot):
    win = window
    _running(win)
    qtbot.waitUntil(lambda: win.events.model.rowCount() > 0, timeout=WAIT_MS)
    generation = win.segment.generation
    win.replay.slider.setValue(1500)  # 150.0 s
    win.replay.slider.sliderReleased.emit()
    qtbot.waitUntil(lambda: win.segment.generation != generation, timeout=WAIT_MS)
    assert win.segment.start_s == pytest.approx(150.0)
    qtbot.waitUntil(lambda: win.snapshot.generation == win.segment.generation
                    and win.snapshot.position_s > 150.0, timeout=WAIT_MS)
    assert all(it.t_s >= 150.0 for it in win.events.model.items())


def test_clicking_an_event_shows_it_close_up(window, qtbot):
    win = window
    _running(win, speed=20.0)
    qtbot.waitUntil(lambda: any(it.kind == "fasciculation" for it in win.events.model.items()),
                    timeout=WAIT_MS)
    win.replay.play.click()  # pause, so that the event stays on screen
    qtbot.waitUntil(lambda: win.state == model.PAUSED, timeout=WAIT_MS)
    win.events.select_row(0)
    first = win.detail.item
    assert first is win.events.model.item(0)
    assert "µV peak-to-peak" in win.detail.features.text() and "phases" in win.detail.features.text()

    twitch = next(it for it in reversed(win.events.model.items()) if it.kind == "fasciculation")
    win.trace.set_window(60)
    win.trace.render()
    t = (twitch.t_s + twitch.end_s) / 2
    scene = win.trace.plot_scene_pos(twitch.event.channel, t)
    view_pos = win.trace.glw.mapFromScene(scene)
    qtbot.mouseClick(win.trace.glw.viewport(), QtCore.Qt.MouseButton.LeftButton, pos=view_pos)
    qtbot.waitUntil(lambda: win.detail.item is not None and win.detail.item.kind == "fasciculation"
                    and abs(win.detail.item.t_s - twitch.t_s) < 1.5, timeout=WAIT_MS)
    assert "twitch" in win.detail.title.text()
    assert win.trace.selected is win.detail.item


def test_i_am_moving_reaches_the_detector(window, qtbot):
    win = window
    w = _running(win)
    qtbot.waitUntil(lambda: win.state == model.RUNNING, timeout=WAIT_MS)
    win.status_panel.moving.click()
    qtbot.waitUntil(lambda: win.snapshot.voluntary, timeout=WAIT_MS)
    assert int(w.session.detector.state.gi[L.G_VOLUNTARY]) == 1
    win.status_panel.moving.click()
    qtbot.waitUntil(lambda: not win.snapshot.voluntary, timeout=WAIT_MS)
    assert int(w.session.detector.state.gi[L.G_VOLUNTARY]) == 0


def test_any_source_works_including_a_paced_simulator_source(window, qtbot):
    win = window
    win.start_source(lambda stop: SimulatorSource("rest-benign", duration_s=60.0, realtime=True,
                                                  speed=FAST, stop=stop))
    qtbot.waitUntil(lambda: win.events.model.rowCount() > 0, timeout=WAIT_MS)
    qtbot.waitUntil(lambda: win.state == model.ENDED, timeout=WAIT_MS)


def test_a_worker_error_reaches_the_banner(window, qtbot):
    win = window
    win.start_source(lambda stop: ScriptedSource(stop, blocks=5, then="error"))
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=WAIT_MS)
    assert "the sensor fell off the table" in win.banner.text.text()
    assert "RuntimeError" in win.banner.details
    qtbot.waitUntil(lambda: win.state == model.FAILED, timeout=WAIT_MS)
    assert "error" in win.trace.notice.text()


def test_a_bad_file_reaches_the_banner(window, qtbot, tmp_path):
    bad = tmp_path / "broken.xdf"
    bad.write_bytes(b"not an xdf file at all")
    win = window
    win.start_source(SourceSpec.parse(f"file:{bad}"), 1.0)
    qtbot.waitUntil(lambda: win.banner.isVisible(), timeout=WAIT_MS)
    assert "broken.xdf" in win.banner.text.text()


def test_the_test_switch_makes_worker_errors_raise(qapp, monkeypatch):
    def opener(stop):
        return ScriptedSource(stop, blocks=2, then="error")

    worker = MonitorWorker(opener, raise_errors=True)
    failures = []
    worker.failed.connect(lambda m, tb: failures.append(m))
    with pytest.raises(RuntimeError, match="fell off the table"):
        worker.run()
    monkeypatch.setenv(worker_module.RAISE_ERRORS_ENV, "1")
    assert MonitorWorker(opener).raise_errors
    monkeypatch.delenv(worker_module.RAISE_ERRORS_ENV)
    assert not MonitorWorker(opener).raise_errors


def test_the_picker_lists_lsl_only_when_available(app, qtbot):
    from twitchwatch.gui.source_picker import SourcePicker

    off = SourcePicker(lsl=False)
    qtbot.addWidget(off)
    assert not off.refresh.isEnabled() and "not available" in off.lsl_note.text()
    on = SourcePicker(lsl=True)
    qtbot.addWidget(on)
    assert on.refresh.isEnabled()


def test_the_worker_never_waits_for_the_window(qapp):
    """No event loop runs here: nobody renders or takes events, and every sample is processed."""
    import threading

    from twitchwatch.gui.source_spec import open_source

    worker = MonitorWorker(lambda stop: open_source(SourceSpec.parse("sim:rest-benign"), speed=1000.0,
                                                     stop=stop, sim_duration_s=60.0))
    thread = threading.Thread(target=worker.run, daemon=True)
    thread.start()
    end = time.monotonic() + WAIT_MS / 1000
    while worker.latest.take() is None or worker.source is None or not worker.source.ended:
        assert time.monotonic() < end, "the worker did not reach the end"
        thread.join(0.02)
    worker.stop()
    thread.join(WAIT_MS / 1000)
    assert not thread.is_alive()
    assert worker.samples_total == worker.source.n_samples == 60 * 2000
    assert worker.session.summary.finished


def test_a_recording_replays_to_its_end(window, qtbot):
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "data" / "openbci_gui_v5_cyton_8ch_250hz.txt"
    win = window
    win.start_source(SourceSpec.parse(f"file:{path}"), FAST)
    qtbot.waitUntil(lambda: win.segment is not None, timeout=WAIT_MS)
    assert win.segment.fs_hz == 250.0 and len(win.trace.plots) == 8
    qtbot.waitUntil(lambda: win.state == model.ENDED, timeout=WAIT_MS)
    assert win.replay.isVisible() and win.replay.slider.isEnabled()
    assert "Recording: openbci_gui_v5_cyton_8ch_250hz.txt" in win.source_label.text()
