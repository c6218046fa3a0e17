"""GUI tests: the real window, offscreen, on fast-paced simulations; waits are waitUntil, never
sleeps. Makes the shared helpers (gui_helpers.py) importable."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
_HERE = str(Path(__file__).resolve().parent)
if _HERE not in sys.path:
    sys.path.insert(0, _HERE)

pytest.importorskip("PySide6")
pytest.importorskip("pytestqt")

from twitchwatch.gui import qt  # noqa: E402,F401 - the binding guard, before any widget


@pytest.fixture
def app(qapp):
    from twitchwatch.gui.app import make_app
    return make_app()


@pytest.fixture
def window(app, qtbot):
    from twitchwatch.gui.window import MainWindow

    win = MainWindow(sim_duration_s=180.0, lsl=False)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.stop_worker()
