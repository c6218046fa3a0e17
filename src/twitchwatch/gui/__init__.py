"""PySide6 + pyqtgraph window. The only part of twitchwatch that imports Qt."""
