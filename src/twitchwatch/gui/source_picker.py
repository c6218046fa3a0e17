"""`SourcePicker`: the first page: what to watch.

- the simulator (to try everything without a sensor): a scenario with its description, a speed;
- a recording to replay (any format twitchwatch reads);
- live sensors on Lab Streaming Layer, when `twitchwatch.sources.lsl` is installed: the list is
  filled in the background (it takes about a second) and can be refreshed.
"""

from __future__ import annotations

import threading

from twitchwatch.gui.qt import QtCore, QtWidgets

from twitchwatch.gui import theme
from twitchwatch.gui.disclaimer import disclaimer_label
from twitchwatch.gui.replay_controls import SPEEDS, speed_text
from twitchwatch.gui.source_spec import SourceSpec, list_lsl_streams, lsl_available

GETTING_STARTED = (
    "<ol style='margin-left:-20px'>"
    "<li>Put the electrodes on the muscle that twitches, and relax it: lie or sit "
    "comfortably.</li>"
    "<li>Choose your sensor (or a recording, or the simulator) and start.</li>"
    "<li>Stay still: after <b>2 minutes at rest</b> the status on the right says what the "
    "signal shows. Twitches appear as red marks on the traces.</li>"
    "<li>Press <b>I am moving</b> while you move on purpose, and tick anything you notice "
    "(weakness, poor sleep, caffeine…).</li>"
    "</ol>")
FILE_FILTER = ("Recordings (*.xdf *.xdfz *.csv *.txt *.edf *.bdf *.hea *.dat);;All files (*)")


class SourcePicker(QtWidgets.QWidget):
    sourceChosen = QtCore.Signal(object, float)  # SourceSpec, speed
    _streamsFound = QtCore.Signal(object, str)  # list of StreamDescription, error text

    def __init__(self, parent=None, *, lsl: bool | None = None) -> None:
        super().__init__(parent)
        from twitchwatch.sim import SCENARIOS

        title = QtWidgets.QLabel("What would you like to watch?")
        title.setStyleSheet("font-size: 22px; font-weight: bold;")
        intro = QtWidgets.QLabel(
            "twitchwatch shows the electrical activity of a muscle, finds twitches, cramps and "
            "contractions, and tells you what it makes of them. Place the sensor on the relaxed "
            "muscle, or try it first with the simulator.")
        intro.setWordWrap(True)

        # ---- simulator -----------------------------------------------------------------------------
        sim_box = QtWidgets.QGroupBox("Try it without a sensor (simulator)")
        self.scenarios = QtWidgets.QListWidget()
        for name, sc in SCENARIOS.items():
            item = QtWidgets.QListWidgetItem(f"{name}\n    {sc.description}")
            item.setData(QtCore.Qt.ItemDataRole.UserRole, name)
            item.setToolTip(sc.doc if hasattr(sc, "doc") else sc.description)
            self.scenarios.addItem(item)
        self.scenarios.setCurrentRow(0)
        self.scenarios.setSpacing(2)
        rows = self.scenarios.sizeHintForRow(0) + 2 * self.scenarios.spacing()
        self.scenarios.setFixedHeight(rows * self.scenarios.count() + 2 * self.scenarios.frameWidth() + 4)
        self.scenarios.itemDoubleClicked.connect(lambda _i: self._start_sim())
        self.speed = QtWidgets.QComboBox()
        for x in SPEEDS:
            self.speed.addItem(speed_text(x), x)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.setToolTip("1× is real time; faster speeds show a whole session in less time")
        self.sim_start = QtWidgets.QPushButton("Start the simulation")
        self.sim_start.setDefault(True)
        self.sim_start.clicked.connect(self._start_sim)
        sim_lay = QtWidgets.QVBoxLayout(sim_box)
        sim_lay.addWidget(QtWidgets.QLabel("Simulated muscle signals with known twitches, cramps and "
                                           "artefacts, played as if a sensor were attached:"))
        sim_lay.addWidget(self.scenarios)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("Speed"))
        row.addWidget(self.speed)
        row.addStretch(1)
        row.addWidget(self.sim_start)
        sim_lay.addLayout(row)

        # ---- file ---------------------------------------------------------------------------------
        file_box = QtWidgets.QGroupBox("Replay a recording")
        self.path = QtWidgets.QLineEdit()
        self.path.setPlaceholderText("a recording: XDF, CSV, OpenBCI text, EDF/BDF, WFDB…")
        browse = QtWidgets.QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        self.file_start = QtWidgets.QPushButton("Replay")
        self.file_start.clicked.connect(self._start_file)
        self.file_error = QtWidgets.QLabel("")
        self.file_error.setStyleSheet(f"color: {theme.BANNER_FG};")
        self.file_error.setWordWrap(True)
        file_lay = QtWidgets.QVBoxLayout(file_box)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        row.addWidget(self.file_start)
        file_lay.addLayout(row)
        file_lay.addWidget(self.file_error)

        # ---- LSL ----------------------------------------------------------------------------------
        self.lsl_enabled = lsl_available() if lsl is None else bool(lsl)
        lsl_box = QtWidgets.QGroupBox("Live sensor (Lab Streaming Layer)")
        self.streams = QtWidgets.QListWidget()
        self.streams.itemDoubleClicked.connect(lambda _i: self._start_lsl())
        self.refresh = QtWidgets.QPushButton("Refresh")
        self.refresh.clicked.connect(self.refresh_streams)
        self.lsl_start = QtWidgets.QPushButton("Connect")
        self.lsl_start.clicked.connect(self._start_lsl)
        self.lsl_note = QtWidgets.QLabel("")
        self.lsl_note.setWordWrap(True)
        self.lsl_note.setStyleSheet(f"color: {theme.MUTED};")
        lsl_lay = QtWidgets.QVBoxLayout(lsl_box)
        lsl_lay.addWidget(self.streams, 1)
        lsl_lay.addWidget(self.lsl_note)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(self.refresh)
        row.addStretch(1)
        row.addWidget(self.lsl_start)
        lsl_lay.addLayout(row)
        if not self.lsl_enabled:
            for w in (self.streams, self.refresh, self.lsl_start):
                w.setEnabled(False)
            self.lsl_note.setText("Live streams are not available in this installation "
                                  "(the LSL part of twitchwatch is missing).")
        self._streamsFound.connect(self._show_streams)
        self._searching = False
        self._looked = False

        disclaimer = disclaimer_label()

        self.streams.setMinimumHeight(150)
        steps = QtWidgets.QLabel(GETTING_STARTED)
        steps.setWordWrap(True)
        steps.setTextFormat(QtCore.Qt.TextFormat.RichText)
        help_box = QtWidgets.QGroupBox("Getting started")
        help_lay = QtWidgets.QVBoxLayout(help_box)
        help_lay.addWidget(steps)
        left = QtWidgets.QVBoxLayout()
        left.addWidget(sim_box)
        left.addWidget(help_box)
        right = QtWidgets.QVBoxLayout()
        right.addWidget(file_box)
        right.addWidget(lsl_box)
        cols = QtWidgets.QHBoxLayout()
        cols.addLayout(left, 1)
        cols.addLayout(right, 1)
        inner = QtWidgets.QWidget()
        inner.setMaximumWidth(1200)
        lay_inner = QtWidgets.QVBoxLayout(inner)
        lay_inner.setContentsMargins(0, 0, 0, 0)
        lay_inner.addWidget(title)
        lay_inner.addWidget(intro)
        lay_inner.addSpacing(6)
        lay_inner.addLayout(cols)
        lay_inner.addWidget(disclaimer)
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(24, 18, 24, 18)
        lay.addStretch(1)
        col = QtWidgets.QVBoxLayout()
        col.addWidget(inner)
        col.addStretch(1)
        lay.addLayout(col, 100)
        lay.addStretch(1)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        """The first time the picker shows, look for live streams (in the background)."""
        super().showEvent(event)
        if self.lsl_enabled and not self._looked:
            self._looked = True
            self.refresh_streams()

    # ---- choosing ------------------------------------------------------------------------------------
    def chosen_speed(self) -> float:
        return float(self.speed.currentData())

    def choose_scenario(self, name: str) -> None:
        for i in range(self.scenarios.count()):
            if self.scenarios.item(i).data(QtCore.Qt.ItemDataRole.UserRole) == name:
                self.scenarios.setCurrentRow(i)
                return
        raise ValueError(f"unknown scenario {name!r}")

    def set_speed(self, speed: float) -> None:
        i = self.speed.findData(float(speed))
        if i < 0:
            self.speed.addItem(speed_text(speed), float(speed))
            i = self.speed.count() - 1
        self.speed.setCurrentIndex(i)

    def _start_sim(self) -> None:
        item = self.scenarios.currentItem()
        if item is not None:
            name = item.data(QtCore.Qt.ItemDataRole.UserRole)
            self.sourceChosen.emit(SourceSpec("sim", name), self.chosen_speed())

    def _browse(self) -> None:
        path, _ = QtWidgets.QFileDialog.getOpenFileName(self, "Choose a recording", "", FILE_FILTER)
        if path:
            self.path.setText(path)

    def _start_file(self) -> None:
        try:
            spec = SourceSpec.parse("file:" + self.path.text().strip())
        except ValueError as exc:
            self.file_error.setText(str(exc))
            return
        self.file_error.setText("")
        self.sourceChosen.emit(spec, self.chosen_speed())

    # ---- LSL -----------------------------------------------------------------------------------------
    def refresh_streams(self) -> None:
        if not self.lsl_enabled or self._searching:
            return
        self._searching = True
        self.refresh.setEnabled(False)
        self.lsl_note.setText("Looking for streams on the network…")

        def look() -> None:
            try:
                found, error = list_lsl_streams(wait_s=1.0), ""
            except Exception as exc:  # noqa: BLE001 - shown in the picker, never swallowed
                found, error = [], f"{type(exc).__name__}: {exc}"
            try:
                self._streamsFound.emit(found, error)
            except RuntimeError:  # the picker was closed meanwhile
                pass

        threading.Thread(target=look, name="twitchwatch-lsl-list", daemon=True).start()

    def _show_streams(self, found, error: str) -> None:
        self._searching = False
        self.refresh.setEnabled(True)
        self.streams.clear()
        for d in found:
            item = QtWidgets.QListWidgetItem(d.short())
            item.setData(QtCore.Qt.ItemDataRole.UserRole, d)
            self.streams.addItem(item)
        if error:
            self.lsl_note.setText(f"Could not list streams: {error}")
        elif not found:
            self.lsl_note.setText("No streams found. Start your sensor's LSL stream (e.g. from the "
                                  "OpenBCI GUI's networking tab), then press Refresh.")
        else:
            self.lsl_note.setText(f"{len(found)} stream(s) found; pick one and press Connect.")
            self.streams.setCurrentRow(0)

    def _start_lsl(self) -> None:
        item = self.streams.currentItem()
        if item is None:
            return
        d = item.data(QtCore.Qt.ItemDataRole.UserRole)
        self.sourceChosen.emit(SourceSpec("lsl", d.name, stream=d), 1.0)
