"""`TracePanel`: live scrolling traces, one plot per channel, with the events drawn where they happen.

- the filtered (band-passed) signal in µV against time in seconds, read from the worker's
  `DisplayRing`, decimated to the plot's pixel width keeping each bin's min and max
  (`twitchwatch.gui.decimate`) so that a 10 ms twitch stays visible in a 60 s window; no finite
  check (the ring holds finite values); the µV axes are cached pixmaps and the x range is set
  only when it moves (see `render`: 8 channels at 2 kHz stay well above 30 frames/s);
- a time window of 2-60 s and a vertical scale per channel (± µV, or automatic);
- twitches as red triangles above the trace of their channel, artefacts as grey crosses with a
  grey band, cramps and contractions as shaded spans across all channels, the selected event as
  a dashed line; clicking near an event selects it (``eventClicked``);
- when the stream is lost, stalled, paused or ended, the traces turn grey and a notice says so:
  a stream that stopped never looks like a flat line.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import pyqtgraph as pg
from twitchwatch.gui.qt import QtCore, QtWidgets

from twitchwatch.gui import theme
from twitchwatch.gui.decimate import bin_size, peak_decimate
from twitchwatch.gui.model import FAILED, LOST, PAUSED, RUNNING, STARTING, EventItem, SegmentInfo

WINDOW_MIN_S, WINDOW_MAX_S, DEFAULT_WINDOW_S = 2, 60, 10
SCALES_UV = (20, 50, 100, 200, 500, 1000, 2000, 5000)
DEFAULT_SCALE_UV = 200
AUTO = "auto"
#: events further back than this (beyond the longest window) are no longer drawn
KEEP_DRAWN_S = 70.0
#: a click selects the nearest event within this share of the window (or inside a span)
CLICK_TOLERANCE = 0.02
GREY = "#9e9e9e"
MARKER_HEIGHT = 0.82  # share of the upper half of the y range where markers sit
MIN_BINS = 200  # decimate to at least this many bins, even in a very narrow plot
PX_PER_BIN = 2  # a bin gives two points (its min and max): one point per pixel column


def _fmt_scale(v) -> str:
    return "auto" if v == AUTO else f"±{v:g} µV"


class TracePanel(QtWidgets.QWidget):
    eventClicked = QtCore.Signal(object)  # EventItem

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.segment: SegmentInfo | None = None
        self.window_s = float(DEFAULT_WINDOW_S)
        self.scales: list = []
        self.events: deque[EventItem] = deque()
        self.selected: EventItem | None = None
        self.state = STARTING
        self.plots: list[pg.PlotItem] = []
        self.curves: list[pg.PlotDataItem] = []
        self._twitch_marks: list[pg.ScatterPlotItem] = []
        self._artefact_marks: list[pg.ScatterPlotItem] = []
        self._spans: list[dict[str, pg.BarGraphItem]] = []  # per plot: one item per kind
        self._selection_lines: list[pg.InfiniteLine] = []
        self._drawn_written = -1
        self._x_range: tuple[float, float] | None = None
        self._dirty = True
        self._coloured = True
        self.rendered_frames = 0

        # ---- controls ------------------------------------------------------------------------
        self.window_box = QtWidgets.QSpinBox()
        self.window_box.setRange(WINDOW_MIN_S, WINDOW_MAX_S)
        self.window_box.setValue(DEFAULT_WINDOW_S)
        self.window_box.setSuffix(" s")
        self.window_box.setToolTip("How many seconds of signal the traces show (2-60 s)")
        self.window_box.valueChanged.connect(self.set_window)
        self.channel_box = QtWidgets.QComboBox()
        self.channel_box.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.channel_box.setToolTip("Which channel the scale applies to")
        self.scale_box = QtWidgets.QComboBox()
        for v in SCALES_UV + (AUTO,):
            self.scale_box.addItem(_fmt_scale(v), v)
        self.scale_box.setCurrentIndex(SCALES_UV.index(DEFAULT_SCALE_UV))
        self.scale_box.setToolTip("Vertical scale: the trace spans this many microvolts up and down")
        self.scale_box.activated.connect(self._scale_chosen)
        self.channel_box.currentIndexChanged.connect(self._show_channel_scale)
        legend = QtWidgets.QLabel(
            f"<span style='color:{theme.KIND_COLOURS['fasciculation']}'>▼</span> twitch &nbsp; "
            f"<span style='color:{theme.KIND_COLOURS['artifact']}'>✕</span> artefact &nbsp; "
            f"<span style='background:rgba(255,127,14,0.35)'>&nbsp;&nbsp;&nbsp;</span> cramp &nbsp; "
            f"<span style='background:rgba(31,119,180,0.3)'>&nbsp;&nbsp;&nbsp;</span> contraction"
            " &nbsp; <i>(click one to see it close up)</i>")
        legend.setStyleSheet(f"color: {theme.MUTED};")
        legend.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        legend.setMinimumWidth(120)
        row = QtWidgets.QHBoxLayout()
        row.addWidget(QtWidgets.QLabel("Time window"))
        row.addWidget(self.window_box)
        row.addSpacing(12)
        row.addWidget(QtWidgets.QLabel("Scale of"))
        row.addWidget(self.channel_box)
        row.addWidget(self.scale_box)
        row.addSpacing(12)
        row.addWidget(legend, 1)

        # ---- plots ---------------------------------------------------------------------------
        self.glw = pg.GraphicsLayoutWidget()
        self.glw.setBackground("w")
        # the plots paint every pixel of their area: Qt need not paint the window behind them first
        self.glw.viewport().setAttribute(QtCore.Qt.WidgetAttribute.WA_OpaquePaintEvent)
        self.glw.ci.setSpacing(2)
        self.glw.scene().sigMouseClicked.connect(self._on_click)
        self.notice = QtWidgets.QLabel(self.glw)
        self.notice.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.glw.installEventFilter(self)

        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.glw, 1)

    # ---- set-up ----------------------------------------------------------------------------------
    def set_segment(self, seg: SegmentInfo) -> None:
        """A new source, or a restart after a seek: new plots when the channels change."""
        same = self.segment is not None and self.segment.channel_labels == seg.channel_labels
        self.segment = seg
        self.events.clear()
        self.selected = None
        self._drawn_written = -1
        self._x_range = None
        self._dirty = True
        if same:
            for c in self.curves:
                c.setData([], [])
            return
        self.glw.clear()
        self.plots, self.curves = [], []
        self._twitch_marks, self._artefact_marks, self._spans, self._selection_lines = [], [], [], []
        n = seg.n_channels
        self.scales = [DEFAULT_SCALE_UV] * n
        self.channel_box.blockSignals(True)
        self.channel_box.clear()
        self.channel_box.addItem("all channels", -1)
        for c, label in enumerate(seg.channel_labels):
            self.channel_box.addItem(label, c)
        self.channel_box.blockSignals(False)
        for c, label in enumerate(seg.channel_labels):
            p = self.glw.addPlot(row=c, col=0)
            # the window decimates the traces itself (decimate.py); x is set every frame
            p.disableAutoRange(axis="x")
            p.setMouseEnabled(x=False, y=True)
            p.hideButtons()
            p.setMenuEnabled(False)
            p.showGrid(x=False, y=True, alpha=0.15)
            p.getAxis("left").setWidth(58)
            p.getAxis("left").enableAutoSIPrefix(False)
            # the µV axes change only with the scale: drawn once into a pixmap, then copied (drawing
            # their text anew every frame was most of a frame's cost)
            p.getAxis("left").setCacheMode(QtWidgets.QGraphicsItem.CacheMode.DeviceCoordinateCache)
            p.getAxis("bottom").enableAutoSIPrefix(False)
            p.setLabel("left", "µV")
            if c < n - 1:
                p.hideAxis("bottom")  # one time axis, under the last channel
            else:
                p.setLabel("bottom", "time (s)")
            for hidden in ("top", "right") + (("bottom",) if c < n - 1 else ()):
                p.getAxis(hidden).unlinkFromView()  # hidden axes need not follow the scrolling
            name = QtWidgets.QGraphicsSimpleTextItem(label)
            font = name.font()
            font.setBold(True)
            name.setFont(font)
            name.setBrush(pg.mkBrush(theme.channel_colour(c)))
            box = QtWidgets.QGraphicsRectItem(name.boundingRect().adjusted(-3, -1, 3, 1), p.vb)
            box.setBrush(pg.mkBrush(255, 255, 255, 215))
            box.setPen(pg.mkPen(None))
            box.setPos(6, 2)
            box.setZValue(20)
            name.setParentItem(box)
            curve = pg.PlotCurveItem(pen=pg.mkPen(theme.channel_colour(c), width=1), skipFiniteCheck=True)
            p.addItem(curve)
            tw = pg.ScatterPlotItem(symbol="t", size=11, pen=pg.mkPen("#7f0000"),
                                    brush=pg.mkBrush(theme.KIND_COLOURS["fasciculation"]))
            ar = pg.ScatterPlotItem(symbol="x", size=10, pen=pg.mkPen(theme.KIND_COLOURS["artifact"]),
                                    brush=pg.mkBrush(theme.KIND_COLOURS["artifact"]))
            for item in (tw, ar):
                item.setZValue(10)
                item.hide()
                p.addItem(item, ignoreBounds=True)
            sel = pg.InfiniteLine(angle=90, movable=False,
                                  pen=pg.mkPen("#000000", width=1, style=QtCore.Qt.PenStyle.DashLine))
            sel.setZValue(15)
            sel.hide()
            p.addItem(sel, ignoreBounds=True)
            self.plots.append(p)
            self.curves.append(curve)
            self._twitch_marks.append(tw)
            self._artefact_marks.append(ar)
            spans = {}
            for kind, fill in theme.SPAN_FILL.items():
                bars = pg.BarGraphItem(x0=[], x1=[], y0=[], y1=[], pen=pg.mkPen(None),
                                       brush=pg.mkBrush(*fill))
                bars.setZValue(-10)
                bars.hide()
                p.addItem(bars, ignoreBounds=True)
                spans[kind] = bars
            self._spans.append(spans)
            self._selection_lines.append(sel)
            self._apply_scale(c)

    # ---- controls ----------------------------------------------------------------------------------
    def set_window(self, seconds: float) -> None:
        s = float(min(max(seconds, WINDOW_MIN_S), WINDOW_MAX_S))
        self.window_s = s
        if self.window_box.value() != int(s):
            self.window_box.setValue(int(s))
        self._dirty = True

    def set_scale(self, channel: int, scale) -> None:
        """``scale``: half-range in µV, or "auto"; ``channel`` -1 for all channels."""
        targets = range(len(self.scales)) if channel < 0 else [channel]
        for c in targets:
            self.scales[c] = scale
            self._apply_scale(c)
        self._dirty = True
        i = self.channel_box.findData(channel)
        if i >= 0 and i != self.channel_box.currentIndex():
            self.channel_box.setCurrentIndex(i)  # shows that channel's scale
        else:
            self._show_channel_scale(0)

    def _apply_scale(self, c: int) -> None:
        p = self.plots[c]
        s = self.scales[c]
        if s == AUTO:
            p.enableAutoRange(axis="y")
        else:
            p.disableAutoRange(axis="y")
            p.setYRange(-float(s), float(s), padding=0)

    def _scale_chosen(self, index: int) -> None:
        self.set_scale(self.channel_box.currentData(), self.scale_box.itemData(index))

    def _show_channel_scale(self, _index: int) -> None:
        c = self.channel_box.currentData()
        if c is None or not self.scales:
            return
        value = self.scales[max(c, 0)]
        i = self.scale_box.findData(value)
        if i >= 0:
            self.scale_box.setCurrentIndex(i)

    # ---- events ------------------------------------------------------------------------------------
    def add_events(self, items: list[EventItem]) -> None:
        self.events.extend(items)
        self._dirty = True

    def select(self, item: EventItem | None) -> None:
        self.selected = item
        self._dirty = True

    def set_state(self, state: str, text: str = "") -> None:
        """The stream's state (model.RUNNING, LOST...) and the notice to show over the traces."""
        if state != self.state:
            self.state = state
            self._dirty = True
        if text:
            self.notice.setText(text)
            colour = "#c62828" if state in (LOST, FAILED) else "#37474f"
            self.notice.setStyleSheet(
                f"background: rgba(255,255,255,225); color: {colour}; border: 2px solid {colour};"
                "border-radius: 6px; padding: 8px 14px; font-size: 15px; font-weight: bold;")
            self.notice.adjustSize()
            self._place_notice()
            self.notice.show()
            self.notice.raise_()
        else:
            self.notice.hide()

    def eventFilter(self, obj, ev):  # noqa: N802 (Qt API)
        if obj is self.glw and ev.type() == QtCore.QEvent.Type.Resize:
            self._place_notice()
        return False

    def _place_notice(self) -> None:
        w = min(self.glw.width() - 40, max(320, self.notice.sizeHint().width()))
        self.notice.setFixedWidth(max(200, w))
        self.notice.adjustSize()
        self.notice.move((self.glw.width() - self.notice.width()) // 2, 12)

    # ---- drawing -----------------------------------------------------------------------------------
    def render(self) -> bool:
        """Draw what is new; returns True when something was drawn."""
        seg = self.segment
        if seg is None or not self.plots:
            return False
        ring = seg.ring
        written = ring.written
        if written == self._drawn_written and not self._dirty:
            return False
        self._drawn_written = written
        self._dirty = False
        fs = seg.fs_hz
        n = int(round(self.window_s * fs))
        first, data = ring.latest(n)
        # the window fills from the left at the start, then scrolls
        left = max(seg.start_s, seg.start_s + written / fs - self.window_s)
        right = left + self.window_s
        if len(data):
            # the min and max of each bin of PX_PER_BIN pixel columns: one point per column, peaks kept
            width_px = max(MIN_BINS, int(self.plots[-1].vb.width() / PX_PER_BIN))
            k = bin_size(len(data), width_px)
            at, values = peak_decimate(first, data, k)
            x = seg.start_s + at / fs
            columns = np.ascontiguousarray(values.T)
            for c, curve in enumerate(self.curves):
                curve.setData(x, columns[c], skipFiniteCheck=True)
        self._set_colours(self.state in (RUNNING, STARTING, PAUSED))
        if (left, right) != self._x_range:
            # each plot's range is set here (no x-link): the links re-sent every change to every
            # plot, several times over
            self._x_range = (left, right)
            for p in self.plots:
                p.vb.setXRange(left, right, padding=0)
        self._draw_events(left, right)
        self.rendered_frames += 1
        return True

    def _set_colours(self, live: bool) -> None:
        if live == self._coloured:
            return
        self._coloured = live
        for c, curve in enumerate(self.curves):
            curve.setPen(pg.mkPen(theme.channel_colour(c) if live else GREY, width=1))

    def _marker_y(self, c: int) -> float:
        lo, hi = self.plots[c].vb.viewRange()[1]
        mid = (lo + hi) / 2
        return mid + MARKER_HEIGHT * (hi - mid)

    def _draw_events(self, left: float, right: float) -> None:
        while self.events and self.events[0].end_s < right - KEEP_DRAWN_S:
            self.events.popleft()
        n = len(self.plots)
        tw = [[] for _ in range(n)]
        ar = [[] for _ in range(n)]
        spans = []
        for it in self.events:
            if it.end_s < left or it.t_s > right:
                continue
            c = it.event.channel
            if it.kind == "fasciculation" and 0 <= c < n:
                tw[c].append((it.t_s + it.end_s) / 2)
            elif it.kind == "artifact":
                if 0 <= c < n:
                    ar[c].append((it.t_s + it.end_s) / 2)
                spans.append(it)
            elif it.kind in theme.SPAN_FILL:
                spans.append(it)
        # artefacts are shaded on the channels they touch; cramps and contractions on all
        for c in range(n):
            y = self._marker_y(c)
            lo, hi = self.plots[c].vb.viewRange()[1]
            for marks, at in ((self._twitch_marks[c], tw[c]), (self._artefact_marks[c], ar[c])):
                key = (tuple(at), y)
                if getattr(marks, "_key", None) != key:  # unchanged marks: nothing to redo
                    marks._key = key
                    marks.setData(at, [y] * len(at))
                    marks.setVisible(bool(at))  # an empty item still costs a bounding box per frame
            for kind, bars in self._spans[c].items():
                mine = [it for it in spans if it.kind == kind and (
                    kind != "artifact" or c in it.event.channels or c == it.event.channel)]
                key = (tuple((it.t_s, it.end_s) for it in mine), lo, hi)
                if getattr(bars, "_key", None) == key:
                    continue  # unchanged: no new picture to draw
                bars._key = key
                bars.setOpts(x0=[it.t_s for it in mine], x1=[it.end_s for it in mine],
                             y0=[lo] * len(mine), y1=[hi] * len(mine))
                bars.setVisible(bool(mine))
            line = self._selection_lines[c]
            sel = self.selected
            if sel is not None and sel.end_s >= left and sel.t_s <= right:
                line.setValue((sel.t_s + sel.end_s) / 2)
                line.show()
            else:
                line.hide()

    # ---- clicks -----------------------------------------------------------------------------------
    def event_near(self, t: float) -> EventItem | None:
        """The event under or nearest to time ``t`` (seconds), within the click tolerance."""
        tol = max(0.05, CLICK_TOLERANCE * self.window_s)
        best, best_d = None, tol
        for it in self.events:
            if it.t_s <= t <= it.end_s:
                d = 0.0 if it.kind not in theme.SPAN_FILL else min(tol * 0.5, (it.end_s - it.t_s) / 4)
            else:
                d = min(abs(t - it.t_s), abs(t - it.end_s))
            if d <= best_d:
                best, best_d = it, d
        return best

    def _on_click(self, ev) -> None:
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            return
        pos = ev.scenePos()
        for p in self.plots:
            if p.vb.sceneBoundingRect().contains(pos):
                t = p.vb.mapSceneToView(pos).x()
                it = self.event_near(t)
                if it is not None:
                    self.select(it)
                    self.eventClicked.emit(it)
                return

    def plot_scene_pos(self, channel: int, t: float) -> QtCore.QPointF:
        """Where time ``t`` on ``channel``'s plot is in scene coordinates (for tests, tools)."""
        p = self.plots[channel]
        return p.vb.mapViewToScene(QtCore.QPointF(t, 0.0))
