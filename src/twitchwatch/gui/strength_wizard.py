"""`StrengthWizard`: a guided strength check on the signal the window watches, kept in the history.

The protocol, the score and the decline rule are `twitchwatch.assess`'s (`strength_protocol`,
`strength`), the same as ``twitchwatch strength``: settle, then three times get ready, contract
as hard as possible for 3 s, rest 20 s; each contraction's score is the peak of a 250 ms sliding
RMS of the band-passed signal (µV), the check's score their mean, on the best channel (or the
one chosen). It measures EMG amplitude, not force.

How it runs: the wizard asks the window's worker to keep the band-passed signal
(`MonitorWorker.start_capture`), follows the steps on the signal's own clock (the seconds kept so
far, from the window's snapshots: a replay or the simulator may run faster than real time), and
at the end asks for the signal (`stop_capture` -> ``captured``), scores it, stores the check and
shows the trend of that muscle's checks. "I am moving" is held on during the check: the
contractions are voluntary, not cramps. *Try it on the simulator* plays a simulated check (three
contractions of 3-4 s at 80 % effort; the simulated muscle contracts on its own schedule, it
cannot hear the prompts).
"""

from __future__ import annotations

import html
from datetime import datetime

from twitchwatch._logging import logger
import numpy as np
import pyqtgraph as pg

from twitchwatch.assess import (
    HistoryError, HistoryStore, check_muscle, default_history_path, find_trials, sliding_rms, strength_trend,
)
from twitchwatch.assess.strength_protocol import (
    DONE, SQUEEZE, ChannelScore, protocol_steps, score_best_channel, step_at,
)
from twitchwatch.gui import theme
from twitchwatch.gui.disclaimer import disclaimer_label
from twitchwatch.gui.model import ENDED, FAILED, Capture, Snapshot
from twitchwatch.gui.qt import QtCore, QtWidgets
from twitchwatch.gui.source_spec import SourceSpec

SETUP, RUNNING, SCORING, DONE_STATE, FAILED_STATE = "setup", "running", "scoring", "done", "failed"
SIM_EFFORT = 0.8
#: the simulated check is this much longer than the protocol, so that it ends after the last step
SIM_MARGIN_S = 2.0
#: the result's RMS curve is thinned to about this many points (it is smooth: 250 ms windows)
PLOT_POINTS = 1500


def simulated_check_spec(length_s: float, effort: float = SIM_EFFORT) -> SourceSpec:
    """The simulator playing a strength check: three contractions, no cramps, ``length_s`` long."""
    return SourceSpec("sim", "voluntary", duration_s=length_s, note="strength check", options=(
        ("n_contractions", 3), ("contraction_duration_s", (3.0, 4.0)),
        ("contraction_effort", (effort, effort)), ("n_cramps", 0)))


class StrengthWizard(QtWidgets.QDialog):
    finishedCheck = QtCore.Signal(object)  # ChannelScore, once stored (or scored)

    def __init__(self, window, steps=None) -> None:
        super().__init__(window)
        self.setWindowTitle("Strength check")
        self.setModal(False)
        self.window = window
        self.steps = tuple(steps) if steps is not None else protocol_steps()
        self.length_s = self.steps[-1].start_s
        self.sim_speed = 1.0
        self.state = SETUP
        self.worker = None
        self.generation: int | None = None
        self.label = ""
        self.channel: int | None = None
        self.result: ChannelScore | None = None
        self.check_id: int | None = None
        self.note = ""
        self._moving_before = False
        self._connected = False
        self.pages = QtWidgets.QStackedWidget()
        self.pages.addWidget(self._setup_page())
        self.pages.addWidget(self._run_page())
        self.pages.addWidget(self._result_page())
        lay = QtWidgets.QVBoxLayout(self)
        lay.addWidget(self.pages)
        self.resize(560, 460)
        self.refresh_source()

    # ---- pages ---------------------------------------------------------------------------------
    def _setup_page(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        squeeze = [s for s in self.steps if s.kind == SQUEEZE]
        rest = next((s.duration_s for s in self.steps if s.kind == "rest"), 0.0)
        intro = QtWidgets.QLabel(
            f"<h3>Strength check</h3><p>{len(squeeze)} times: contract the muscle as hard as you can "
            f"for {squeeze[0].duration_s:g} s, then rest {rest:g} s. The window tells you when "
            f"(about {self.length_s / 60:.0f} min in all).</p>"
            "<p>Each contraction is scored as the peak of a 250 ms RMS of the signal in µV; the "
            "check's score is their mean. It measures the muscle's electrical activity, not its "
            "force. Checks of the same muscle are compared over time: a decline is called only "
            "when the last two are each lower than your first ones by more than the check varies "
            "by itself (at least 39 %).</p>")
        intro.setWordWrap(True)
        self.label_edit = QtWidgets.QLineEdit()
        self.label_edit.setPlaceholderText("e.g. left biceps")
        self.channel_box = QtWidgets.QComboBox()
        self.source_line = QtWidgets.QLabel("")
        self.source_line.setWordWrap(True)
        self.setup_error = QtWidgets.QLabel("")
        self.setup_error.setWordWrap(True)
        self.setup_error.setStyleSheet(f"color: {theme.BANNER_FG}; font-weight: bold;")
        form = QtWidgets.QFormLayout()
        form.addRow("Muscle", self.label_edit)
        form.addRow("Channel", self.channel_box)
        self.start_button = QtWidgets.QPushButton("Start the check")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(self.start)
        self.try_sim = QtWidgets.QPushButton("Try it on the simulator")
        self.try_sim.setToolTip("Plays a simulated strength check (it replaces the source on screen)")
        self.try_sim.clicked.connect(self.start_on_simulator)
        cancel = QtWidgets.QPushButton("Close")
        cancel.clicked.connect(self.reject)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(self.try_sim)
        buttons.addStretch(1)
        buttons.addWidget(cancel)
        buttons.addWidget(self.start_button)
        lay = QtWidgets.QVBoxLayout(page)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.source_line)
        lay.addWidget(self.setup_error)
        lay.addStretch(1)
        lay.addLayout(buttons)
        return page

    def _run_page(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        self.trial_label = QtWidgets.QLabel("")
        self.trial_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.trial_label.setStyleSheet("font-size: 16px;")
        self.step_label = QtWidgets.QLabel("")
        self.step_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.step_label.setWordWrap(True)
        self.step_label.setMinimumHeight(90)
        self.countdown = QtWidgets.QLabel("")
        self.countdown.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.countdown.setStyleSheet("font-size: 40px; font-weight: bold;")
        self.progress = QtWidgets.QProgressBar()
        self.progress.setRange(0, max(1, int(self.length_s * 10)))
        self.progress.setFormat("%p %")
        stop = QtWidgets.QPushButton("Cancel the check")
        stop.clicked.connect(self.cancel)
        lay = QtWidgets.QVBoxLayout(page)
        lay.addWidget(self.trial_label)
        lay.addWidget(self.step_label)
        lay.addWidget(self.countdown)
        lay.addStretch(1)
        lay.addWidget(self.progress)
        lay.addWidget(stop, 0, QtCore.Qt.AlignmentFlag.AlignRight)
        self._show_step(self.steps[0], 0.0)
        return page

    def _result_page(self) -> QtWidgets.QWidget:
        page = QtWidgets.QWidget()
        self.result_text = QtWidgets.QLabel("")
        self.result_text.setWordWrap(True)
        self.result_text.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.result_text.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)
        self.result_text.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_plot = pg.PlotWidget(background="w")
        self.result_plot.setMenuEnabled(False)
        self.result_plot.hideButtons()
        self.result_plot.setMouseEnabled(x=False, y=False)
        self.result_plot.showGrid(x=True, y=True, alpha=0.2)
        for ax in ("left", "bottom"):
            self.result_plot.getAxis(ax).enableAutoSIPrefix(False)
        self.result_plot.setLabel("left", "250 ms RMS (µV)")
        self.result_plot.setLabel("bottom", "time in the check (s)")
        self.result_plot.setMinimumHeight(170)
        self.result_plot.hide()
        disclaimer = disclaimer_label()
        again = QtWidgets.QPushButton("Another check")
        again.clicked.connect(self.reset)
        close = QtWidgets.QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(again)
        buttons.addWidget(close)
        lay = QtWidgets.QVBoxLayout(page)
        lay.addWidget(self.result_text)
        lay.addWidget(self.result_plot, 1)
        lay.addWidget(disclaimer)
        lay.addLayout(buttons)
        return page

    # ---- setting up ----------------------------------------------------------------------------
    def refresh_source(self) -> None:
        """Which signal the check would use, and its channels."""
        seg = self.window.segment if self.window.worker is not None else None
        self.channel_box.clear()
        self.channel_box.addItem("the one with the highest score", None)
        if seg is None:
            self.source_line.setText("No signal is being watched: choose a source in the window "
                                     "first, or try it on the simulator.")
            return
        for c, label in enumerate(seg.channel_labels):
            self.channel_box.addItem(label, c)
        self.source_line.setText(f"Signal: {html.escape(self.window.source_label.text())}")

    def _check_label(self) -> str | None:
        try:
            label = check_muscle(self.label_edit.text().strip() or None)
        except ValueError as exc:
            self.setup_error.setText(str(exc))
            return None
        if not label:
            self.setup_error.setText("Name the muscle first (e.g. left biceps): checks are compared per muscle.")
            return None
        return label

    def start_on_simulator(self) -> None:
        if self._check_label() is None:
            return
        self.window.start_source(simulated_check_spec(self.length_s + SIM_MARGIN_S), self.sim_speed)
        self.refresh_source()
        self.start()

    def start(self) -> None:
        """Begin the protocol on the window's running source."""
        label = self._check_label()
        if label is None:
            return
        worker = self.window.worker
        snap = self.window.snapshot
        if worker is None or (snap is not None and snap.state in (ENDED, FAILED)):
            self.setup_error.setText("No signal is coming in: choose a source in the window first "
                                     "(or try it on the simulator).")
            return
        self.setup_error.setText("")
        self.label, self.channel = label, self.channel_box.currentData()
        self.worker, self.generation = worker, None
        self.result, self.check_id, self.note = None, None, ""
        worker.captured.connect(self._captured)
        self._connected = True
        worker.start_capture()
        moving = self.window.status_panel.moving
        self._moving_before = moving.isChecked()
        moving.setChecked(True)  # voluntary contractions: not counted as cramps
        self.state = RUNNING
        self.pages.setCurrentIndex(1)
        self._show_step(self.steps[0], 0.0)
        logger.info("strength check of %s started", label)

    # ---- following the signal (window's snapshots, GUI thread) ---------------------------------
    def on_snapshot(self, snap: Snapshot) -> None:
        if self.state != RUNNING or self.window.worker is not self.worker:
            if self.state == RUNNING:
                self._fail("the source was changed during the check")
            return
        if snap.captured_s is None:
            return  # the worker has not started keeping the signal yet
        if self.generation is None:
            self.generation = snap.generation
        t = snap.captured_s
        step = step_at(self.steps, t)
        self._show_step(step, t)
        if step.kind == DONE:
            self._collect("")
        elif snap.state in (ENDED, FAILED):
            self._collect(f"the signal ended {self.length_s - t:.0f} s before the end of the check")

    def _show_step(self, step, t_s: float) -> None:
        n = max((s.trial for s in self.steps), default=0)
        self.trial_label.setText(f"Contraction {step.trial} of {n}" if step.trial else "")
        colour = "#c62828" if step.kind == SQUEEZE else "#1565c0"
        self.step_label.setText(f"<span style='font-size:26px; font-weight:bold; color:{colour}'>"
                                f"{html.escape(step.text)}</span>")
        left = max(0.0, step.end_s - t_s)
        self.countdown.setText(f"{left:.0f} s" if step.kind != DONE else "")
        self.progress.setValue(int(min(t_s, self.length_s) * 10))

    def _collect(self, note: str) -> None:
        self.state = SCORING
        self.note = note
        self.step_label.setText("Scoring…")
        self.worker.stop_capture()

    def _captured(self, capture: Capture) -> None:
        if self.sender() is not self.worker or self.state not in (SCORING, RUNNING):
            return
        self._disconnect()
        if capture.data is None:
            self._fail(capture.message)
            return
        if self.state == RUNNING:  # cancelled by a restart of the detector (capture.message)
            self._fail(capture.message or "the check was interrupted")
            return
        try:
            self.result = score_best_channel(capture.data, capture.fs_hz, self.label,
                                             datetime.now().astimezone(), channel=self.channel,
                                             source=capture.source_name,
                                             channel_labels=capture.channel_labels)
        except ValueError as exc:
            self._fail(f"{exc}. Repeat the check: contract as hard as you can when asked")
            return
        self._store_and_show(capture)

    def _store_and_show(self, capture: Capture) -> None:
        r = self.result
        check = r.check
        stored, trend_text = "", ""
        try:
            with HistoryStore(default_history_path(), create_parent=True) as store:
                self.check_id = store.add_strength_check(check)
                series = store.strength_checks(check.label)
                path = store.path
            stored = (f"Stored as check {self.check_id} in {html.escape(theme.short_path(path))} "
                      f"({len(series)} check(s) of {html.escape(check.label)}).")
            trend = strength_trend(series)
            if trend is None:
                trend_text = f"Trend: {len(series)} check(s) so far; at least 4 are needed to judge a decline."
            else:
                trend_text = ("<b style='color:#c62828'>DECLINE:</b> " if trend.declined else "Trend: ") \
                    + html.escape(trend.text()) + "."
                if trend.declined:
                    trend_text += " A decline like this is worth showing a clinician."
        except HistoryError as exc:
            stored = f"<span style='color:#c62828'>Not stored: {html.escape(str(exc))}</span>"
        peaks = ", ".join(f"{p:.0f} µV" for p in check.trial_peaks_uv)
        note = f"<p><i>{html.escape(self.note)}.</i></p>" if self.note else ""
        self.result_text.setText(
            f"<h3>Strength check of {html.escape(check.label)}: {check.score_uv:.0f} µV</h3>"
            f"<p>Channel {html.escape(capture.channel_labels[r.channel])}; contractions (peak 250 ms "
            f"RMS): {peaks}.</p>{note}<p>{stored}</p><p>{trend_text}</p>")
        self._plot_envelope(capture.data[:, r.channel], capture.fs_hz)
        self._finish(DONE_STATE)
        self.finishedCheck.emit(r)

    def _plot_envelope(self, x: np.ndarray, fs_hz: float) -> None:
        """What was scored: the channel's 250 ms RMS over the check, the contractions shaded and
        their peaks marked (found again by `find_trials`, as `score_check` found them)."""
        p = self.result_plot
        p.clear()
        rms = sliding_rms(x, fs_hz)
        half = 0.125  # an RMS value belongs to the middle of its 250 ms window
        step = max(1, rms.size // PLOT_POINTS)
        t = np.arange(0, rms.size, step) / fs_hz + half
        p.plot(t, rms[::step], pen=pg.mkPen(theme.channel_colour(0), width=2))
        for trial in find_trials(x, fs_hz):
            region = pg.LinearRegionItem((trial.start_s, trial.end_s), movable=False,
                                         brush=pg.mkBrush(255, 127, 14, 50), pen=pg.mkPen(None))
            p.addItem(region)
            p.addItem(pg.ScatterPlotItem([trial.peak_at_s], [trial.peak_rms_uv], symbol="t1", size=12,
                                         brush=pg.mkBrush("#c62828"), pen=pg.mkPen("#7f0000")))
        p.setYRange(0, float(rms.max()) * 1.1 if rms.size else 1.0, padding=0)
        p.show()

    # ---- endings ----------------------------------------------------------------------------------
    def _fail(self, message: str) -> None:
        if self.worker is not None and self.state == RUNNING and self.window.worker is self.worker:
            self.worker.stop_capture()
        self._disconnect()
        self.result_plot.hide()
        self.result_text.setText(f"<h3>No score</h3><p style='color:#c62828'>{html.escape(message)}</p>")
        self._finish(FAILED_STATE)

    def _finish(self, state: str) -> None:
        self.state = state
        self.window.status_panel.moving.setChecked(self._moving_before)
        self.pages.setCurrentIndex(2)

    def _disconnect(self) -> None:
        if self.worker is not None and self._connected:
            self._connected = False
            try:
                self.worker.captured.disconnect(self._captured)
            except (RuntimeError, TypeError):  # the worker is gone already
                pass

    def source_closed(self) -> None:
        """The window stopped the source during the check (its worker is gone)."""
        self.worker = None
        self._connected = False
        self._fail("the source was closed during the check")

    def cancel(self) -> None:
        if self.state in (RUNNING, SCORING):
            self._fail("cancelled")

    def reset(self) -> None:
        self.state = SETUP
        self.refresh_source()
        self.pages.setCurrentIndex(0)

    def reject(self) -> None:
        self.cancel()
        super().reject()
