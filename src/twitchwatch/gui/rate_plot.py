"""`RatePlot`: twitches per minute over the session, one line per channel (by primary channel).

Each step is the count of twitches in that minute of the session; the last minute is still
counting. The colours are the channels' colours on the traces.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg

from twitchwatch.gui import theme
from twitchwatch.gui.model import EventItem, SegmentInfo
from twitchwatch.gui.qt import QtWidgets

MIN_SPAN_MIN = 5


class RatePlot(QtWidgets.QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.labels: tuple[str, ...] = ()
        self.start_s = 0.0
        self.counts = np.zeros((0, 0), np.int64)  # (channels, minutes since start)
        self.t_end_s = 0.0
        self._dirty = False
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.setMouseEnabled(x=False, y=False)
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        for ax in ("left", "bottom"):
            self.plot.getAxis(ax).enableAutoSIPrefix(False)
        self.plot.setLabel("left", "twitches / min")
        self.plot.setLabel("bottom", "session time (min)")
        self.curves: list[pg.PlotDataItem] = []
        self.title = QtWidgets.QLabel("<b>Twitch rate</b>")
        self.summary = QtWidgets.QLabel("")
        self.summary.setStyleSheet(f"color: {theme.MUTED};")
        self.key = QtWidgets.QLabel("")
        self.key.setWordWrap(True)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.title)
        top.addStretch(1)
        top.addWidget(self.summary)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        lay.addLayout(top)
        lay.addWidget(self.key)
        lay.addWidget(self.plot, 1)

    def set_segment(self, seg: SegmentInfo) -> None:
        self.start_s = seg.start_s
        self.t_end_s = seg.start_s
        if seg.channel_labels != self.labels:
            self.labels = seg.channel_labels
            self.plot.clear()
            self.curves = []
            for c, label in enumerate(self.labels):
                curve = self.plot.plot(stepMode="center", pen=pg.mkPen(theme.channel_colour(c), width=2))
                self.curves.append(curve)
            self.key.setText("&nbsp; ".join(
                f"<span style='color:{theme.channel_colour(c)}'>━ {label}</span>"
                for c, label in enumerate(self.labels)))
        self.counts = np.zeros((len(self.labels), 1), np.int64)
        self.summary.setText("")
        self._dirty = True

    def add_events(self, items: list[EventItem]) -> None:
        for it in items:
            if it.kind != "fasciculation" or not 0 <= it.event.channel < len(self.labels):
                continue
            m = max(0, int((it.t_s - self.start_s) // 60.0))
            if m >= self.counts.shape[1]:
                grown = np.zeros((self.counts.shape[0], m + 1), np.int64)
                grown[:, :self.counts.shape[1]] = self.counts
                self.counts = grown
            self.counts[it.event.channel, m] += 1
            self._dirty = True

    def set_time(self, t_end_s: float, rate_per_min: float | None) -> None:
        self.t_end_s = t_end_s
        self.summary.setText("" if rate_per_min is None else f"all channels: {rate_per_min:.1f} /min")
        self._dirty = True

    def render(self) -> bool:
        if not self._dirty or not self.curves:
            return False
        self._dirty = False
        minutes = max(self.counts.shape[1], int(math.floor((self.t_end_s - self.start_s) / 60.0)) + 1)
        x0 = self.start_s / 60.0
        edges = x0 + np.arange(minutes + 1, dtype=np.float64)
        for c, curve in enumerate(self.curves):
            y = np.zeros(minutes)
            y[: self.counts.shape[1]] = self.counts[c]
            curve.setData(edges, y)
        top = max(5.0, float(self.counts.max(initial=0)) * 1.15)
        self.plot.setXRange(x0, x0 + max(MIN_SPAN_MIN, minutes), padding=0.02)
        self.plot.setYRange(0, top, padding=0)
        return True
