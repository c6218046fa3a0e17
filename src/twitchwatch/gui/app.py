"""`run_gui`: the QApplication around `MainWindow`, with the scripted options of ``twitchwatch gui``.

``quit_after_s``: close after this many seconds (wall clock, from the window showing);
``screenshot``: save a PNG of the whole window just before closing. Returns the exit code:
0, or 3 when the worker stopped with an error during a scripted run (``quit_after_s``), so that
smoke tests notice it.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

EXIT_OK = 0
EXIT_WORKER_ERROR = 3
WINDOW_TITLE = "twitchwatch"


def has_display() -> bool:
    """Whether Qt can open a window here (a platform was chosen, or a display exists)."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def make_app():
    """The QApplication (one per process) with pyqtgraph's options for this window."""
    import pyqtgraph as pg

    from twitchwatch.gui.qt import QtWidgets

    app = QtWidgets.QApplication.instance()
    if app is None:
        app = QtWidgets.QApplication([sys.argv[0] if sys.argv else "twitchwatch"])
        app.setApplicationName(WINDOW_TITLE)
    pg.setConfigOptions(antialias=False, background="w", foreground="#333333")
    return app


def save_screenshot(widget, path: str | os.PathLike) -> Path:
    """A PNG of ``widget`` (the whole window) at ``path``; raises OSError when it cannot be written."""
    path = Path(path)
    if path.parent and not path.parent.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
    if not widget.grab().save(str(path), "PNG"):
        raise OSError(f"could not write the screenshot {path}")
    return path


def run_gui(source: str | None = None, *, speed: float = 1.0, quit_after_s: float | None = None,
            screenshot: str | os.PathLike | None = None, sim_duration_s: float | None = None,
            seed: int = 0, size: tuple[int, int] | None = None) -> int:
    from twitchwatch.gui.qt import QtCore
    from twitchwatch.gui.source_spec import DEFAULT_SIM_DURATION_S, SourceSpec
    from twitchwatch.gui.window import MainWindow
    from twitchwatch.gui.worker import wait_for_stopping_workers

    spec = SourceSpec.parse(source) if source else None
    app = make_app()
    win = MainWindow(sim_duration_s=sim_duration_s or DEFAULT_SIM_DURATION_S, seed=seed)
    if size:
        win.resize(*size)
    win.show()
    if spec is not None:
        win.start_source(spec, speed)
    result = {"code": EXIT_OK, "error": None}

    def finish() -> None:
        try:
            if screenshot is not None:
                win.render_frame()
                save_screenshot(win, screenshot)
        except OSError as exc:
            result["error"] = str(exc)
        if quit_after_s is not None and win.errors:
            result["code"] = EXIT_WORKER_ERROR
        win.close()
        app.quit()

    if quit_after_s is not None:
        QtCore.QTimer.singleShot(int(quit_after_s * 1000), finish)
    elif screenshot is not None:  # interactive: the picture is taken as the window closes
        def on_close() -> None:
            try:
                save_screenshot(win, screenshot)
            except OSError as exc:
                result["error"] = str(exc)
        win.before_close.append(on_close)

    # Ctrl+C in the terminal closes the window (Qt's loop would otherwise hold the signal back)
    previous = signal.signal(signal.SIGINT, lambda *_: QtCore.QTimer.singleShot(0, finish))
    keepalive = QtCore.QTimer()
    keepalive.timeout.connect(lambda: None)
    keepalive.start(250)
    try:
        app.exec()
    finally:
        keepalive.stop()
        signal.signal(signal.SIGINT, previous)
        win.stop_worker()
        wait_for_stopping_workers()
    if result["error"]:
        raise OSError(result["error"])
    return result["code"]
