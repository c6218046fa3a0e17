"""The not-a-diagnostic-device line, as every view of the window shows it."""

from __future__ import annotations

from twitchwatch import NOT_A_DIAGNOSTIC_DEVICE
from twitchwatch.gui import theme
from twitchwatch.gui.qt import QtWidgets


def disclaimer_label(font_px: int | None = None) -> QtWidgets.QLabel:
    """A wrapped, muted, italic label saying that twitchwatch does not diagnose."""
    label = QtWidgets.QLabel(NOT_A_DIAGNOSTIC_DEVICE)
    label.setWordWrap(True)
    size = f" font-size: {font_px}px;" if font_px else ""
    label.setStyleSheet(f"color: {theme.MUTED};{size} font-style: italic;")
    return label
