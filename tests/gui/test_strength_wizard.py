"""The strength-check wizard on the simulator: guided steps, the score, the history and the trend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gui_helpers import WAIT_MS
from twitchwatch.assess import HistoryStore, StrengthCheck, default_history_path
from twitchwatch.gui.qt import QtCore

SPEED = 20.0  # the 61 s protocol in about 3 s


def test_a_simulated_check_is_guided_scored_stored_and_trended(window, qtbot):
    win = window
    with HistoryStore(default_history_path(), create_parent=True) as store:
        t0 = __import__("datetime").datetime(2026, 1, 5, 9, 0).astimezone()
        for k, score in enumerate((900.0, 950.0, 920.0)):
            store.add_strength_check(StrengthCheck("left biceps", t0 + timedelta(days=7 * k),
                                                   (score, score * 1.02, score * 0.98), "earlier"))
    dlg = win.open_strength_check()
    qtbot.addWidget(dlg)
    dlg.sim_speed = SPEED
    dlg.label_edit.setText("left biceps")
    prompts = set()
    qtbot.mouseClick(dlg.try_sim, QtCore.Qt.MouseButton.LeftButton)
    assert dlg.state == "running" and win.status_panel.moving.isChecked()  # contractions are voluntary

    def done():
        prompts.add(dlg.step_label.text())
        return dlg.state in ("done", "failed")

    qtbot.waitUntil(done, timeout=WAIT_MS * 2)
    assert dlg.state == "done", dlg.result_text.text()
    assert any("SQUEEZE" in p for p in prompts) and any("Relax" in p for p in prompts)
    check = dlg.result.check
    assert check.label == "left biceps" and len(check.trial_peaks_uv) == 3
    assert 200 < check.score_uv < 1500  # ~500 µV RMS at 80 % effort, as the CLI's simulated check
    with HistoryStore(default_history_path()) as store:
        stored = store.strength_checks("left biceps")
    assert len(stored) == 4 and stored[-1].id == dlg.check_id
    assert stored[-1].score_uv == pytest.approx(check.score_uv)
    text = dlg.result_text.text()
    assert f"{check.score_uv:.0f} µV" in text and "4 checks" in text and "left biceps" in text
    assert not win.status_panel.moving.isChecked()  # given back as it was
    regions = [i for i in dlg.result_plot.getPlotItem().items if type(i).__name__ == "LinearRegionItem"]
    assert len(regions) == 3 and dlg.result_plot.isVisibleTo(dlg)  # the three contractions scored


def test_the_wizard_needs_a_muscle_and_a_signal(window, qtbot):
    win = window
    dlg = win.open_strength_check()
    qtbot.addWidget(dlg)
    dlg.start()
    assert dlg.state == "setup" and "Name the muscle" in dlg.setup_error.text()
    dlg.label_edit.setText("left calf")
    dlg.start()
    assert dlg.state == "setup" and "No signal" in dlg.setup_error.text()


def test_a_check_on_a_flat_signal_asks_for_a_repeat(window, qtbot):
    """An electrode that is off (a flat signal): no score, a clear message, nothing stored."""
    from twitchwatch.assess.strength_protocol import protocol_steps
    from twitchwatch.gui.source_spec import SourceSpec

    win = window
    flat = (("twitch_rate_per_min", 0.0), ("noise_uv_rms", 0.0), ("mains_hz", None))
    win.start_source(SourceSpec("sim", "rest-benign", options=flat), SPEED)
    qtbot.waitUntil(lambda: win.state == "running", timeout=WAIT_MS)
    dlg = win.open_strength_check(protocol_steps(3, contract_s=1, rest_s=2, ready_s=1, settle_s=1))
    qtbot.addWidget(dlg)
    dlg.label_edit.setText("left calf")
    dlg.start()
    qtbot.waitUntil(lambda: dlg.state in ("done", "failed"), timeout=WAIT_MS)
    assert dlg.state == "failed"
    assert "no contraction found" in dlg.result_text.text() and "Repeat the check" in dlg.result_text.text()
    with HistoryStore(default_history_path(), create_parent=True) as store:
        assert store.strength_checks() == []


def test_closing_the_source_during_a_check_ends_it_without_a_score(window, qtbot):
    from twitchwatch.gui.source_spec import SourceSpec

    win = window
    win.start_source(SourceSpec.parse("sim:rest-benign"), 1.0)
    qtbot.waitUntil(lambda: win.state == "running", timeout=WAIT_MS)
    dlg = win.open_strength_check()
    qtbot.addWidget(dlg)
    dlg.label_edit.setText("left calf")
    dlg.start()
    qtbot.waitUntil(lambda: dlg.progress.value() > 0, timeout=WAIT_MS)  # under way
    win.show_picker()
    assert dlg.state == "failed" and "source was closed" in dlg.result_text.text()
    assert not win.status_panel.moving.isChecked()
