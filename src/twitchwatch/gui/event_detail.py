"""`EventDetail`: one event close up: its waveform (filtered, µV) and its features in plain words."""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from twitchwatch.gui.qt import QtCore, QtWidgets

from twitchwatch.gui import theme
from twitchwatch.gui.event_list import clock_text
from twitchwatch.gui.model import EventItem

FLAG_WORDS = {
    "doublet": "doublet: a second potential 10-110 ms after the first",
    "complex": "complex shape: more than 4 phases",
    "ecg": "heart beat",
    "motion": "movement of the cable or skin",
    "pop": "electrode pop",
    "clipping": "the sensor hit its limit",
    "burst": "part of a burst of repeated firing",
    "marked-voluntary": "while 'I am moving' was on",
}
PLACEHOLDER = "Click an event in the list or on the traces to see its waveform close up."
FEATURES_WIDTH = 190
KIND_EXPLAINED = {
    "fasciculation": "a twitch: one brief, isolated discharge of a motor unit",
    "cramp": "a cramp: sustained, irregular involuntary activity",
    "contraction": "a contraction: sustained activity like a voluntary movement",
    "artifact": "an artefact: not muscle (heart beat, movement, electrode or mains)",
}


class EventDetail(QtWidgets.QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.item: EventItem | None = None
        self.plot = pg.PlotWidget(background="w")
        self.plot.setMenuEnabled(False)
        self.plot.hideButtons()
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.plot.setDownsampling(auto=True, mode="peak")
        self.plot.setClipToView(True)
        for ax in ("left", "bottom"):
            self.plot.getAxis(ax).enableAutoSIPrefix(False)
        self.plot.setLabel("left", "µV")
        self.plot.setLabel("bottom", "time from onset (ms)")
        self.region = pg.LinearRegionItem(movable=False, pen=pg.mkPen(None))
        self.region.setZValue(-10)
        self.plot.addItem(self.region, ignoreBounds=True)
        self.region.hide()
        self.others: list[pg.PlotDataItem] = []
        self.main = self.plot.plot(pen=pg.mkPen("#000000", width=1.5))
        self.main.setZValue(10)  # above the other channels
        self.title = QtWidgets.QLabel("<b>Selected event</b>")
        self.features = QtWidgets.QLabel("")
        self.features.setWordWrap(True)
        self.features.setTextFormat(QtCore.Qt.TextFormat.RichText)
        self.features.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)
        self.features.setFixedWidth(FEATURES_WIDTH)
        self.features.setStyleSheet("font-size: 11px;")
        self.placeholder = QtWidgets.QLabel(PLACEHOLDER)
        self.placeholder.setWordWrap(True)
        self.placeholder.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setStyleSheet(f"color: {theme.MUTED}; border: 1px dashed #bbbbbb;")
        shown = QtWidgets.QWidget()
        body = QtWidgets.QHBoxLayout(shown)
        body.setContentsMargins(0, 0, 0, 0)
        body.addWidget(self.plot, 1)
        body.addWidget(self.features)
        self.pages = QtWidgets.QStackedWidget()
        self.pages.addWidget(self.placeholder)
        self.pages.addWidget(shown)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.title)
        lay.addWidget(self.pages, 1)

    def clear(self) -> None:
        self.item = None
        self.main.setData([], [])
        for c in self.others:
            c.setData([], [])
        self.region.hide()
        self.title.setText("<b>Selected event</b>")
        self.features.setText("")
        self.pages.setCurrentWidget(self.placeholder)

    def show_event(self, it: EventItem) -> None:
        self.item = it
        e = it.event
        long = it.kind in ("cramp", "contraction") or it.duration_ms > 2000
        unit, factor = ("s", 1.0) if long else ("ms", 1000.0)
        self.plot.setLabel("bottom", f"time from onset ({unit})")
        self.title.setText(f"<b>Selected: {theme.kind_word(e.kind)} at {clock_text(it.t_s)}</b>")
        wave = it.waveform
        for c in self.others:
            c.setData([], [])
        if wave is not None and len(wave):
            x = (it.waveform_t0_s - it.t_s + np.arange(len(wave)) / it.fs_hz) * factor
            # a twitch's other channels, faint, for its spread; sustained activity: its main channel
            involved = [] if long else [c for c in e.channels if c != e.channel and c < wave.shape[1]]
            while len(self.others) < len(involved):
                self.others.append(self.plot.plot(pen=pg.mkPen("#b0b0b0", width=1)))
            for curve, c in zip(self.others, involved):
                curve.setData(x, wave[:, c], skipFiniteCheck=True)
            ch = e.channel if 0 <= e.channel < wave.shape[1] else 0
            self.main.setPen(pg.mkPen(theme.channel_colour(ch), width=1.5))
            self.main.setData(x, wave[:, ch], skipFiniteCheck=True)
            self.region.setBrush(pg.mkBrush(*theme.SPAN_FILL.get(it.kind, (214, 39, 40, 35))))
            self.region.setRegion((0.0, (it.end_s - it.t_s) * factor))
            self.region.show()
            self.plot.enableAutoRange()
            self.plot.autoRange(padding=0.05)
        else:
            self.main.setData([], [])
            self.region.hide()
        self.features.setText(self._features_html(it))
        self.pages.setCurrentIndex(1)

    @staticmethod
    def _features_html(it: EventItem) -> str:
        e = it.event
        rows = [("what", KIND_EXPLAINED.get(e.kind, e.kind)), ("channel", it.label)]
        if len(e.channels) > 1:
            rows[-1] = ("channel", f"{it.label} (seen on {len(e.channels)})")
        rows.append(("size", f"{e.peak_to_peak_uv:.0f} µV peak-to-peak"))
        dur = it.duration_ms
        rows.append(("duration", f"{dur:.1f} ms" if dur < 2000 else f"{dur / 1000:.1f} s"))
        if e.kind in ("cramp", "contraction"):
            rows.append(("activity", f"{e.rms_uv:.0f} µV RMS, mean frequency {e.mean_freq_hz:.0f} Hz"))
            rows.append(("spread", f"{100 * e.breadth:.0f} % of the channels"))
        else:
            rows.append(("phases", str(e.n_phases)))
            rows.append(("clarity", f"{e.snr:.1f} × the noise"))
        flags = [FLAG_WORDS.get(f, f) for f in e.flags]
        rows.append(("flags", "; ".join(flags) if flags else "none"))
        if it.waveform is None or it.waveform_note:
            rows.append(("waveform", it.waveform_note or "not available"))
        cells = "".join(f"<tr><td style='color:{theme.MUTED}; padding-right:6px'>{html.escape(k)}</td>"
                        f"<td>{html.escape(v)}</td></tr>" for k, v in rows)
        return f"<table>{cells}</table>"
