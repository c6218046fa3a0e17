"""`RecordControls`: the Record / Stop button, where the file goes, and how the recording is going.

Pressing *Record* asks for a recording to ``folder/twitchwatch-YYYYMMDD-HHMMSS.xdf``
(``recordRequested``); the worker opens the file and says so (`show_info`), and the line below
the button then shows the file, the time recorded and the size, until *Stop*. The folder is the
one given by ``TWITCHWATCH_RECORDINGS_DIR`` or next to the history (see
`twitchwatch.gui.recording.default_recordings_dir`), or one chosen by clicking it in that line.
``extra`` widgets (the window's Strength check and History buttons) share the button's row: the
side panel stays short enough to show the signal quality below.
"""

from __future__ import annotations

import html
from pathlib import Path

from twitchwatch.gui import theme
from twitchwatch.gui.theme import short_path
from twitchwatch.gui.qt import QtCore, QtWidgets
from twitchwatch.gui.recording import FAILED, RECORDING, RecordingInfo, default_recordings_dir, new_recording_path


def size_text(n_bytes: int) -> str:
    if n_bytes < 1024:
        return f"{n_bytes} B"
    if n_bytes < 1024 ** 2:
        return f"{n_bytes / 1024:.0f} kB"
    return f"{n_bytes / 1024 ** 2:.1f} MB"


def duration_text(seconds: float) -> str:
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class RecordControls(QtWidgets.QWidget):
    recordRequested = QtCore.Signal(str)  # path of the new file
    stopRequested = QtCore.Signal()

    def __init__(self, parent=None, extra=()) -> None:
        super().__init__(parent)
        self.folder: Path = default_recordings_dir()
        self.recording = False
        self.pending = False  # asked the worker; its answer (show_info) not in yet
        self.last: RecordingInfo | None = None
        self.button = QtWidgets.QPushButton("● Record")
        self.button.setMinimumHeight(32)
        self.button.setToolTip("Record the signal, the events and the status to an XDF file "
                               "(LabRecorder's format; opens in EEGLAB, MNE, pyxdf...)")
        self.button.clicked.connect(self._clicked)
        self.line = QtWidgets.QLabel("")
        self.line.linkActivated.connect(lambda _link: self._choose_folder())
        self.line.setWordWrap(True)
        self.line.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse
                                          | QtCore.Qt.TextInteractionFlag.LinksAccessibleByMouse)
        self.line.setStyleSheet(f"color: {theme.MUTED}; font-size: 12px;")
        row = QtWidgets.QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.button, 1)
        for w in extra:
            row.addWidget(w, 1)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(row)
        lay.addWidget(self.line)
        self._show_idle()

    # ---- user ------------------------------------------------------------------------------------
    def set_folder(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        if not self.recording:
            self._show_idle()

    def _choose_folder(self) -> None:
        chosen = QtWidgets.QFileDialog.getExistingDirectory(self, "Folder for recordings", str(self.folder))
        if chosen:
            self.set_folder(chosen)

    def _clicked(self) -> None:
        if self.recording:
            self._wait_for_worker()  # until the worker says the file is closed
            self.stopRequested.emit()
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self.show_info(RecordingInfo(str(self.folder), FAILED, message=(
                f"cannot create the folder {self.folder}: {exc.strerror or exc}")))
            return
        self._wait_for_worker()  # until the worker says the file is open
        self.recordRequested.emit(str(new_recording_path(self.folder)))

    def _wait_for_worker(self) -> None:
        self.pending = True
        self.button.setEnabled(False)

    # ---- from the worker -----------------------------------------------------------------------
    def set_available(self, available: bool) -> None:
        """Recording needs a running source."""
        self.button.setEnabled((available or self.recording) and not self.pending)

    def show_info(self, info: RecordingInfo) -> None:
        """A recording started, goes on (elapsed, size), stopped or failed."""
        if info.state != RECORDING or not self.recording:
            self.pending = False  # the worker's answer (a running one only repeats the state)
        self.button.setEnabled(not self.pending)
        self.last = info
        self.recording = info.state == RECORDING
        name = html.escape(short_path(info.path))
        if self.recording:
            self.button.setText("■ Stop recording")
            self.button.setStyleSheet("QPushButton { background: #c62828; color: white; font-weight: bold; }")
            self.line.setText(f"<b style='color:#c62828'>● REC {duration_text(info.elapsed_s)}</b> · "
                              f"{size_text(info.bytes_written)} · {info.events} events<br>{name}")
            return
        self.button.setText("● Record")
        self.button.setStyleSheet("")
        if info.state == FAILED:
            self.line.setText(f"<span style='color:#c62828'>Recording failed: "
                              f"{html.escape(info.message)}</span>")
        else:
            why = f" ({html.escape(info.message)})" if info.message else ""
            self.line.setText(f"Saved {duration_text(info.elapsed_s)}, {size_text(info.bytes_written)}"
                              f"{why}:<br>{name}")

    def _show_idle(self) -> None:
        self.line.setText(f"Recordings go to <a href='folder'>{html.escape(short_path(self.folder))}</a>")
        self.line.setToolTip("Click the folder to choose another")
