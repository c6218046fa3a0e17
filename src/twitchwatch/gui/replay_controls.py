"""`ReplayControls`: play/pause, speed and seek for a recording or the simulator.

Seeking starts the detector again at the new position (its noise estimate, counts and events
start afresh); the bar says so.
"""

from __future__ import annotations

from twitchwatch.gui.qt import QtCore, QtWidgets

from twitchwatch.gui import theme
from twitchwatch.gui.event_list import clock_text

SPEEDS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 100.0)
SEEK_NOTE = "Seeking restarts the detection at the new position: counts start again."


def speed_text(x: float) -> str:
    return f"{x:g}×"


class ReplayControls(QtWidgets.QWidget):
    pauseToggled = QtCore.Signal(bool)
    speedChanged = QtCore.Signal(float)
    seekRequested = QtCore.Signal(float)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.total_s: float | None = None
        self.play = QtWidgets.QPushButton("Pause")
        self.play.setCheckable(True)
        self.play.setMinimumWidth(80)
        self.play.setToolTip("Pause or resume the replay")
        self.play.toggled.connect(self._toggled)
        self.speed = QtWidgets.QComboBox()
        for x in SPEEDS:
            self.speed.addItem(speed_text(x), x)
        self.speed.setCurrentIndex(SPEEDS.index(1.0))
        self.speed.setToolTip("Replay speed: seconds of signal per second")
        self.speed.activated.connect(lambda i: self.speedChanged.emit(float(self.speed.itemData(i))))
        self.slider = QtWidgets.QSlider(QtCore.Qt.Orientation.Horizontal)
        self.slider.setRange(0, 0)
        self.slider.setToolTip(SEEK_NOTE)
        self.slider.sliderReleased.connect(self._released)
        self.slider.sliderMoved.connect(self._moved)
        self.position = QtWidgets.QLabel("0:00.0")
        self.position.setMinimumWidth(120)
        note = QtWidgets.QLabel(SEEK_NOTE)
        note.setStyleSheet(f"color: {theme.MUTED}; font-size: 11px;")
        row = QtWidgets.QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.play)
        row.addSpacing(10)
        row.addWidget(QtWidgets.QLabel("Speed"))
        row.addWidget(self.speed)
        row.addWidget(self.slider, 1)
        row.addWidget(self.position)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(row)
        lay.addWidget(note)

    def configure(self, total_s: float | None, speed: float, seekable: bool) -> None:
        self.total_s = total_s
        self.slider.setEnabled(seekable and total_s is not None)
        self.slider.setRange(0, int(round((total_s or 0) * 10)))
        self.set_speed(speed)

    def set_speed(self, speed: float) -> None:
        i = self.speed.findData(float(speed))
        if i < 0:
            self.speed.addItem(speed_text(speed), float(speed))
            i = self.speed.count() - 1
        self.speed.setCurrentIndex(i)

    def show_position(self, position_s: float | None, total_s: float | None, paused: bool,
                      ended: bool, speed: float | None = None) -> None:
        if total_s is not None and total_s != self.total_s:
            self.configure(total_s, float(self.speed.currentData()), True)
        if position_s is not None and not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(int(round(position_s * 10)))
            self.slider.blockSignals(False)
            total = f" / {clock_text(total_s)}" if total_s else ""
            self.position.setText(clock_text(position_s) + total + (" (end)" if ended else ""))
        self.play.blockSignals(True)
        self.play.setChecked(paused)
        self.play.setText("Play" if paused else "Pause")
        self.play.setEnabled(not ended)
        self.play.blockSignals(False)
        if speed is not None and speed != self.speed.currentData() and not self.speed.view().isVisible():
            self.set_speed(speed)

    def _toggled(self, paused: bool) -> None:
        self.play.setText("Play" if paused else "Pause")
        self.pauseToggled.emit(paused)

    def _moved(self, value: int) -> None:
        total = f" / {clock_text(self.total_s)}" if self.total_s else ""
        self.position.setText("→ " + clock_text(value / 10.0) + total)

    def _released(self) -> None:
        self.seekRequested.emit(self.slider.value() / 10.0)
