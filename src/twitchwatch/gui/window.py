"""`MainWindow`: the source picker, then the monitor: traces, events, status, quality, replay.

The window only renders. A `MonitorWorker` in its own thread acquires and detects; the window
receives events by queued signal and, on a ~30 Hz timer, takes the worker's latest snapshot
and draws what is new from the display ring. Errors in the worker appear as a red banner at the
top (with the details a click away); the traces then say that the stream stopped.
"""

from __future__ import annotations

from twitchwatch.gui.qt import QtCore, QtWidgets

from twitchwatch.gui import theme
from twitchwatch.gui.event_detail import EventDetail
from twitchwatch.gui.event_list import EventList, clock_text
from twitchwatch.gui.model import (
    ENDED, FAILED, LOST, PAUSED, RUNNING, STALLED, STARTING, EventItem, SegmentInfo, Snapshot,
)
from twitchwatch.gui.quality_panel import QualityPanel
from twitchwatch.gui.rate_plot import RatePlot
from twitchwatch.gui.record_controls import RecordControls
from twitchwatch.gui.recording import FAILED as REC_FAILED, STOPPED as REC_STOPPED, RecordingInfo
from twitchwatch.gui.replay_controls import ReplayControls
from twitchwatch.gui.source_picker import SourcePicker
from twitchwatch.gui.source_spec import DEFAULT_SIM_DURATION_S, SourceSpec
from twitchwatch.gui.status_panel import StatusPanel
from twitchwatch.gui.trace_plot import TracePanel
from twitchwatch.gui.worker import MonitorWorker, start_worker, stop_worker

FRAME_MS = 33
RATE_PLOT_EVERY_FRAMES = 15
DEFAULT_SIZE = (1400, 900)


class ErrorBanner(QtWidgets.QFrame):
    """A red strip with the error's message; "Details" shows the traceback."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.details = ""
        self.setStyleSheet(f"QFrame {{ background: {theme.BANNER_BG}; border: 1px solid {theme.BANNER_FG};"
                           "border-radius: 4px; }")
        self.text = QtWidgets.QLabel("")
        self.text.setWordWrap(True)
        self.text.setStyleSheet(f"color: {theme.BANNER_FG}; font-weight: bold; border: none;")
        self.more = QtWidgets.QPushButton("Details…")
        self.more.clicked.connect(self._show_details)
        close = QtWidgets.QPushButton("Dismiss")
        close.clicked.connect(self.hide)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(10, 4, 10, 4)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.more)
        lay.addWidget(close)
        self.hide()

    def show_error(self, message: str, details: str = "") -> None:
        self.text.setText(f"Something went wrong: {message}")
        self.details = details
        self.more.setVisible(bool(details))
        self.show()

    def _show_details(self) -> None:
        box = QtWidgets.QMessageBox(self)
        box.setWindowTitle("Error details")
        box.setText(self.text.text())
        box.setDetailedText(self.details)
        box.open()


class MainWindow(QtWidgets.QMainWindow):
    def __init__(self, *, sim_duration_s: float | None = DEFAULT_SIM_DURATION_S, seed: int = 0,
                 lsl: bool | None = None) -> None:
        super().__init__()
        self.setWindowTitle("twitchwatch")
        self.sim_duration_s = sim_duration_s
        self.seed = seed
        self.worker: MonitorWorker | None = None
        self.thread: QtCore.QThread | None = None
        self.segment: SegmentInfo | None = None
        self.snapshot: Snapshot | None = None
        self.spec: SourceSpec | None = None
        self.errors: list[str] = []
        self.frames = 0
        self._unshown: Snapshot | None = None  # taken from the worker, waiting for its segment
        #: called at the start of closeEvent, while the window still shows (e.g. a screenshot)
        self.before_close: list = []

        self.banner = ErrorBanner()
        self.picker = SourcePicker(lsl=lsl)
        self.picker.sourceChosen.connect(self.start_source)
        self.monitor = self._build_monitor()
        self.stack = QtWidgets.QStackedWidget()
        self.stack.addWidget(self.picker)
        self.stack.addWidget(self.monitor)
        central = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(central)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.banner)
        lay.addWidget(self.stack, 1)
        self.setCentralWidget(central)
        self.resize(*DEFAULT_SIZE)

        self.timer = QtCore.QTimer(self)
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(self.render_frame)

    # ---- layout --------------------------------------------------------------------------------------
    def _build_monitor(self) -> QtWidgets.QWidget:
        self.source_label = QtWidgets.QLabel("")
        self.source_label.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.state_label = QtWidgets.QLabel("")
        self.state_label.setStyleSheet("font-size: 14px;")
        self.activity_label = QtWidgets.QLabel("")
        self.activity_label.setStyleSheet("color: #e65100; font-weight: bold; font-size: 14px;")
        self.activity_label.setToolTip("Sustained muscle activity is going on; whether it was a cramp "
                                       "or a contraction is decided when it ends.")
        self.time_label = QtWidgets.QLabel("")
        self.time_label.setStyleSheet(f"color: {theme.MUTED}; font-size: 14px;")
        for label in (self.activity_label, self.time_label):
            label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        self.source_label.setMaximumWidth(520)
        self.time_label.setMinimumWidth(120)
        self.time_label.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        self.change = QtWidgets.QPushButton("Change source…")
        self.change.clicked.connect(self.show_picker)
        header = QtWidgets.QHBoxLayout()
        header.addWidget(self.source_label)
        header.addSpacing(12)
        header.addWidget(self.state_label)
        header.addSpacing(12)
        header.addWidget(self.activity_label, 3)
        header.addWidget(self.time_label, 3)
        header.addSpacing(16)
        header.addWidget(self.change)

        self.trace = TracePanel()
        self.replay = ReplayControls()
        self.rate = RatePlot()
        self.events = EventList()
        self.detail = EventDetail()
        self.status_panel = StatusPanel()
        self.quality = QualityPanel()
        self.strength_button = QtWidgets.QPushButton("Strength check…")
        self.history_button = QtWidgets.QPushButton("History…")
        self.record = RecordControls(extra=(self.strength_button, self.history_button))
        self.record.recordRequested.connect(lambda path: self.worker and self.worker.start_recording(path))
        self.record.stopRequested.connect(lambda: self.worker and self.worker.stop_recording())
        self.strength_button.setToolTip("A guided check: three maximal contractions, scored and kept "
                                        "in the history")
        self.strength_button.clicked.connect(self.open_strength_check)
        self.history_button.setToolTip("Past sessions and strength checks, with their trends")
        self.history_button.clicked.connect(self.open_history)
        self._stopped_recordings: set[str] = set()
        self.dialogs: dict[str, QtWidgets.QDialog] = {}

        self.trace.eventClicked.connect(self.show_event)
        self.events.eventSelected.connect(self.show_event)
        self.replay.pauseToggled.connect(lambda p: self.worker and self.worker.set_paused(p))
        self.replay.speedChanged.connect(lambda x: self.worker and self.worker.set_speed(x))
        self.replay.seekRequested.connect(self.seek)
        self.status_panel.tagsChanged.connect(lambda s, c: self.worker and self.worker.set_tags(s, c))
        self.status_panel.movingToggled.connect(lambda on: self.worker and self.worker.set_voluntary(on))

        bottom = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        bottom.addWidget(self.rate)
        bottom.addWidget(self.events)
        bottom.addWidget(self.detail)
        bottom.setSizes([230, 360, 430])
        left = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        top = QtWidgets.QWidget()
        top_lay = QtWidgets.QVBoxLayout(top)
        top_lay.setContentsMargins(0, 0, 0, 0)
        top_lay.addWidget(self.trace, 1)
        top_lay.addWidget(self.replay)
        left.addWidget(top)
        left.addWidget(bottom)
        left.setStretchFactor(0, 3)
        left.setStretchFactor(1, 1)
        left.setSizes([560, 250])

        side = QtWidgets.QWidget()
        side_lay = QtWidgets.QVBoxLayout(side)
        side_lay.setContentsMargins(4, 0, 4, 0)
        side_lay.addWidget(self.status_panel)
        side_lay.addWidget(self.record)  # Record, Strength check, History in one row
        line = QtWidgets.QFrame()
        line.setFrameShape(QtWidgets.QFrame.Shape.HLine)
        side_lay.addWidget(line)
        side_lay.addWidget(self.quality)
        side_lay.addStretch(1)
        scroll = QtWidgets.QScrollArea()
        scroll.setWidget(side)
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(QtCore.Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setMinimumWidth(380)
        scroll.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)

        body = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        body.addWidget(left)
        body.addWidget(scroll)
        body.setStretchFactor(0, 1)
        body.setStretchFactor(1, 0)
        body.setSizes([1020, 370])

        page = QtWidgets.QWidget()
        lay = QtWidgets.QVBoxLayout(page)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(header)
        lay.addWidget(body, 1)
        return page

    # ---- sources -----------------------------------------------------------------------------------
    def start_source(self, spec: SourceSpec | object, speed: float = 1.0) -> MonitorWorker:
        """Stop what runs, then watch ``spec`` (a `SourceSpec`, or an opener for the worker)."""
        self.stop_worker()
        self.banner.hide()
        self.spec = spec if isinstance(spec, SourceSpec) else None
        self.segment = None
        self.snapshot = None
        self._unshown = None
        self.source_label.setText(spec.label() if isinstance(spec, SourceSpec) else "custom source")
        self.state_label.setText("")
        self.activity_label.setText("")
        self.time_label.setText("")
        self.events.clear()
        self.detail.clear()
        self.status_panel.show_status(None, note="opening the source…")
        self.trace.set_state(STARTING, "Opening the source…")
        self.replay.setVisible(self.spec is None or self.spec.playable)
        self.replay.configure(None, speed, False)
        if self.status_panel.moving.isChecked():
            self.status_panel.moving.setChecked(False)
        worker = MonitorWorker(spec, speed=speed, sim_duration_s=self.sim_duration_s, seed=self.seed)
        worker.set_tags(self.status_panel.symptoms(), self.status_panel.context())
        worker.opened.connect(self._opened)
        worker.events_ready.connect(self._events)
        worker.failed.connect(self._failed)
        worker.recording_changed.connect(self._recording_changed)
        self.worker = worker
        self.thread = start_worker(worker)
        self.stack.setCurrentWidget(self.monitor)
        self.timer.start()
        return worker

    def stop_worker(self) -> None:
        if self.worker is not None and self.thread is not None:
            stop_worker(self.worker, self.thread)
            for sig in (self.worker.opened, self.worker.events_ready, self.worker.failed,
                        self.worker.recording_changed):
                try:
                    sig.disconnect()
                except (RuntimeError, TypeError):
                    pass
            last = self.record.last
            if self.record.recording and last is not None:
                # the worker closed the file as it stopped; its word on it was not waited for
                self._stopped_recordings.add(last.path)
                self.record.show_info(RecordingInfo(last.path, REC_STOPPED, last.elapsed_s,
                                                    last.bytes_written, last.samples, last.events,
                                                    "the source was closed"))
        self.worker = None
        self.thread = None
        self.timer.stop()
        self.record.set_available(False)
        wizard = self.dialogs.get("strength")
        if wizard is not None and wizard.state in ("running", "scoring"):
            wizard.source_closed()

    def show_picker(self) -> None:
        self.stop_worker()
        self.stack.setCurrentWidget(self.picker)

    def seek(self, position_s: float) -> None:
        if self.worker is not None:
            self.worker.seek(position_s)

    # ---- from the worker (GUI thread, queued) -----------------------------------------------------------
    def _opened(self, seg: SegmentInfo) -> None:
        if self.sender() is not self.worker:
            return
        self.segment = seg
        self.trace.set_segment(seg)
        self.rate.set_segment(seg)
        self.quality.set_channels(seg.channel_labels)
        self.events.clear()
        self.detail.clear()
        self.replay.setVisible(seg.playable)
        self.replay.configure(seg.total_s, seg.speed, seg.seekable)
        self.source_label.setText((self.spec.label() if self.spec else seg.source_name)
                                  + f"  ·  {len(seg.channel_labels)} channels, {seg.fs_hz:g} Hz")
        self.source_label.setToolTip("\n".join(seg.warnings))
        if self.snapshot is not None and self.snapshot.generation == seg.generation:
            self._show_snapshot(self.snapshot)  # taken before this segment info arrived

    def _events(self, generation: int, items: list[EventItem]) -> None:
        if self.sender() is not self.worker or self.segment is None or generation != self.segment.generation:
            return
        self.trace.add_events(items)
        self.rate.add_events(items)
        self.events.add(items)

    def _failed(self, message: str, details: str) -> None:
        if self.sender() is not self.worker:
            return
        self.errors.append(message)
        self.banner.show_error(message, details)

    def _recording_changed(self, info: RecordingInfo) -> None:
        if self.sender() is not self.worker:
            return
        if info.state != "recording":
            self._stopped_recordings.add(info.path)
        self.record.show_info(info)
        if info.state == REC_FAILED:
            # shown, not counted in self.errors: the monitoring itself goes on
            self.banner.show_error(f"recording failed: {info.message}")

    def start_recording(self, folder=None) -> None:
        """As the Record button does (into ``folder`` when given)."""
        if folder is not None:
            self.record.set_folder(folder)
        if not self.record.recording:
            self.record.button.click()

    def stop_recording(self) -> None:
        if self.record.recording:
            self.record.button.click()

    def open_strength_check(self, steps=None):
        """The strength-check wizard (one at a time); ``steps``: a protocol other than the usual."""
        from twitchwatch.gui.strength_wizard import StrengthWizard

        old = self.dialogs.get("strength")
        if old is not None and old.state in ("running", "scoring"):
            old.raise_()
            return old
        if old is not None:
            old.deleteLater()
        dlg = StrengthWizard(self, steps)
        self.dialogs["strength"] = dlg
        dlg.open()
        return dlg

    def open_history(self):
        from twitchwatch.gui.history_view import HistoryDialog

        dlg = HistoryDialog(self)
        self.dialogs["history"] = dlg
        dlg.open()
        return dlg

    def show_event(self, item: EventItem) -> None:
        self.detail.show_event(item)
        self.trace.select(item)
        self.events.show_item(item)

    # ---- rendering (timer) -------------------------------------------------------------------------------
    def render_frame(self) -> None:
        self.frames += 1
        worker = self.worker
        if worker is not None:
            snap = worker.latest.take()
            if snap is not None:
                self._unshown = snap
            snap = self._unshown
            # a snapshot is shown once its segment is (opened is queued, snapshots are not)
            if snap is not None and (snap.state == FAILED or self.segment is None
                                     or snap.generation == self.segment.generation):
                self._unshown = None
                self.snapshot = snap
                self._show_snapshot(snap)
        self.trace.render()
        if self.frames % RATE_PLOT_EVERY_FRAMES == 0:
            self.rate.render()

    def _notice(self, snap: Snapshot) -> str:
        st = snap.state
        if st == STARTING:
            return snap.note or "Starting…"
        if st == PAUSED:
            return ""  # the header and the Play button say so; the traces stay readable
        if st == STALLED:
            return f"No data arriving for {snap.since_data_s or 0:.0f} s — waiting for the stream"
        if st == LOST:
            h = snap.health
            extra = "; looking for it again" if h is not None else ""
            return (f"Signal lost: no data for {(snap.since_data_s or 0):.0f} s{extra}.\n"
                    "Check that the sensor is switched on and connected.")
        if st == ENDED:
            again = " Move the slider to watch again." if self.segment and self.segment.seekable else ""
            return f"Stream ended at {clock_text(snap.t_end_s)}: nothing more is coming.{again}"
        if st == FAILED:
            return "Stopped by an error (see the message at the top)"
        return ""

    def _show_snapshot(self, snap: Snapshot) -> None:
        words, colour = theme.STATE_WORDS.get(snap.state, (snap.state, theme.MUTED))
        self.state_label.setText(f"<b style='color:{colour}'>● {words}</b>")
        self.trace.set_state(snap.state, self._notice(snap))
        self.activity_label.setText("● sustained activity (cramp or contraction?)"
                                    if snap.in_sustained_activity else "")
        seg = self.segment
        if seg is None:
            self.status_panel.show_status(None, note=snap.note)
            return
        rate = "" if snap.twitch_rate_per_min is None else f"  ·  {snap.twitch_rate_per_min:.1f} twitches/min"
        self.time_label.setText(f"{clock_text(snap.duration_s)} watched{rate}")
        self.status_panel.show_status(snap.status, observed_s=snap.observed_s,
                                      note="final" if snap.state == ENDED else "")
        if snap.quality:
            self.quality.show_quality(snap.quality)
        self.quality.show_stream(snap.state, fs_hz=seg.fs_hz, health=snap.health,
                                 since_data_s=snap.since_data_s)
        rec = snap.recording
        if rec is not None and rec.path not in self._stopped_recordings:
            self.record.show_info(rec)  # elapsed time and size
        self.record.set_available(snap.state not in (ENDED, FAILED))
        wizard = self.dialogs.get("strength")
        if wizard is not None:
            wizard.on_snapshot(snap)  # the check's steps follow the signal's clock
        self.events.set_counts(snap.counts)
        self.rate.set_time(snap.t_end_s, snap.twitch_rate_per_min)
        if seg.playable:
            self.replay.show_position(snap.position_s, snap.total_s, snap.paused, snap.state == ENDED,
                                      speed=snap.speed)

    @property
    def state(self) -> str | None:
        """The stream state last shown (model.RUNNING, ENDED...), or None before any."""
        return None if self.snapshot is None else self.snapshot.state

    # ---- closing -----------------------------------------------------------------------------------------
    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        callbacks, self.before_close = self.before_close, []
        for f in callbacks:
            f()
        self.stop_worker()
        super().closeEvent(event)


__all__ = ["MainWindow", "ErrorBanner", "RUNNING", "ENDED", "LOST", "STALLED", "PAUSED"]
