"""`HistoryDialog`: past sessions and strength checks from the history database, with trends.

What ``twitchwatch history`` prints, as tables and plots: every session (start, length, muscle,
twitches, twitches per minute, cramps, status, context and symptoms) with the twitch rate of each
session over the dates, and the rate with and without each context tag; every strength check
with its score (µV) over the dates, one line per muscle, and each muscle's decline statistic.
Rates and trends come from `twitchwatch.assess.trends`; only judged sessions (enough observation
and a usable signal) count toward rates: the others are drawn hollow.

The database is `twitchwatch.assess.default_history_path` (``TWITCHWATCH_HISTORY_DB``...), read
when the dialog opens and on *Refresh*; a missing one is not created.
"""

from __future__ import annotations

import html
import math
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyqtgraph as pg

from twitchwatch.assess import HistoryError, HistoryStore, default_history_path
from twitchwatch.assess.trends import context_rates, strength_trends
from twitchwatch.gui import theme
from twitchwatch.gui.disclaimer import disclaimer_label
from twitchwatch.gui.qt import QtCore, QtWidgets

SESSION_COLUMNS = ("Start", "Length", "Muscle", "Twitches", "Twitches/min", "Cramps", "Status",
                   "Context; symptoms")
STRENGTH_COLUMNS = ("Date", "Muscle", "Score (µV)", "Contractions (µV)", "Source")
GREY_PEN = "#9e9e9e"  # sessions too short or noisy to judge
STATUS_COLOURS = {"benign": "#2e7d32", "concerning": "#c62828", "poor signal": "#ef8f00",
                  "warming up": "#1565c0"}


def local_time(dt) -> str:
    return dt.astimezone().strftime("%Y-%m-%d %H:%M")


def length_text(seconds: float) -> str:
    """"3 min 05 s", "1 h 02 min": never mistaken for a time of day."""
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h} h {m:02d} min" if h else f"{m} min {s:02d} s"


class DayAxis(pg.AxisItem):
    """Dates on x (seconds since the epoch): ticks at local midnights (or whole hours), every 1,
    2, 7, 14... days as room allows, labelled "5 Oct" ("5 Oct 14:00" below a day).
    pyqtgraph's DateAxisItem labels days by their number alone ("09") and adds month starts
    among them, where "1 Nov" and "3 Nov" run into each other."""

    STEPS_DAYS = (1 / 24, 3 / 24, 6 / 24, 12 / 24, 1, 2, 7, 14, 28, 91, 182, 364)
    LABEL_PX = 80  # room one label needs

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.enableAutoSIPrefix(False)

    def tickValues(self, minVal, maxVal, size):  # noqa: N802 (pyqtgraph API)
        if not (math.isfinite(minVal) and math.isfinite(maxVal)) or maxVal <= minVal:
            return []
        span_days = (maxVal - minVal) / 86400.0
        room = max(2.0, size / self.LABEL_PX)
        step = next((d for d in self.STEPS_DAYS if span_days / d <= room), self.STEPS_DAYS[-1])
        try:
            first = datetime.fromtimestamp(minVal).replace(minute=0, second=0, microsecond=0)
        except (OverflowError, OSError, ValueError):
            return []
        if step >= 1:
            first = first.replace(hour=0)
        values, t, k = [], first, 0
        while len(values) < 200:
            t = first + timedelta(days=step * k)
            x = t.timestamp()
            if x > maxVal:
                break
            if x >= minVal:
                values.append(x)
            k += 1
        return [(step * 86400.0, values)]

    def tickStrings(self, values, scale, spacing):  # noqa: N802 (pyqtgraph API)
        fmt = "%d %b" if spacing >= 86400 else "%d %b %H:%M"
        out = []
        for v in values:
            try:
                out.append(datetime.fromtimestamp(v).strftime(fmt).lstrip("0"))
            except (OverflowError, OSError, ValueError):
                out.append("")
        return out


def _rate(x) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:.1f}"


def _item(text: str, align_right: bool = False) -> QtWidgets.QTableWidgetItem:
    it = QtWidgets.QTableWidgetItem(text)
    it.setFlags(QtCore.Qt.ItemFlag.ItemIsEnabled | QtCore.Qt.ItemFlag.ItemIsSelectable)
    if align_right:
        it.setTextAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
    return it


def _date_plot(y_label: str) -> pg.PlotWidget:
    plot = pg.PlotWidget(background="w", axisItems={"bottom": DayAxis(orientation="bottom")})
    plot.setMenuEnabled(False)
    plot.hideButtons()
    plot.showGrid(x=True, y=True, alpha=0.2)
    plot.getAxis("left").enableAutoSIPrefix(False)  # µV stays µV, never "kµV"
    plot.setLabel("left", y_label)
    plot.setLabel("bottom", "date")
    plot.setMinimumHeight(200)
    return plot


def _table(columns) -> QtWidgets.QTableWidget:
    t = QtWidgets.QTableWidget(0, len(columns))
    t.setHorizontalHeaderLabels(list(columns))
    t.verticalHeader().hide()
    t.setAlternatingRowColors(True)
    t.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
    t.horizontalHeader().setStretchLastSection(True)
    return t


def _tab_page(table, plot, note, heights_px) -> QtWidgets.QWidget:
    """A tab: the table above its plot (a splitter between them), a note below."""
    page = QtWidgets.QWidget()
    split = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
    split.addWidget(table)
    split.addWidget(plot)
    split.setSizes(list(heights_px))
    lay = QtWidgets.QVBoxLayout(page)
    lay.addWidget(split, 1)
    lay.addWidget(note)
    return page


class HistoryDialog(QtWidgets.QDialog):
    def __init__(self, parent=None, path: str | Path | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("History")
        self.path = Path(path) if path is not None else default_history_path()
        self.sessions: list = []
        self.checks: list = []
        self.header = QtWidgets.QLabel("")
        self.header.setWordWrap(True)
        self.error = QtWidgets.QLabel("")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(f"color: {theme.BANNER_FG}; font-weight: bold;")
        self.error.hide()

        self.session_table = _table(SESSION_COLUMNS)
        self.rate_plot = _date_plot("twitches / min")
        self.rate_plot.setLabel("bottom", "date of the session")
        self.context_text = QtWidgets.QLabel("")
        self.context_text.setWordWrap(True)
        sessions_page = _tab_page(self.session_table, self.rate_plot, self.context_text, (260, 240))

        self.strength_table = _table(STRENGTH_COLUMNS)
        self.strength_plot = _date_plot("strength score (µV RMS)")
        self.strength_plot.setLabel("bottom", "date of the check")
        self.strength_plot.addLegend(offset=(-10, -10))  # bottom right: the scores sit high
        self.trend_text = QtWidgets.QLabel("")
        self.trend_text.setWordWrap(True)
        strength_page = _tab_page(self.strength_table, self.strength_plot, self.trend_text, (220, 260))

        self.tabs = QtWidgets.QTabWidget()
        self.tabs.addTab(sessions_page, "Sessions")
        self.tabs.addTab(strength_page, "Strength checks")
        disclaimer = disclaimer_label()
        refresh = QtWidgets.QPushButton("Refresh")
        refresh.clicked.connect(self.refresh)
        close = QtWidgets.QPushButton("Close")
        close.clicked.connect(self.accept)
        buttons = QtWidgets.QHBoxLayout()
        buttons.addWidget(disclaimer, 1)
        buttons.addWidget(refresh)
        buttons.addWidget(close)
        top = QtWidgets.QVBoxLayout(self)
        top.addWidget(self.header)
        top.addWidget(self.error)
        top.addWidget(self.tabs, 1)
        top.addLayout(buttons)
        self.resize(1000, 720)
        self.refresh()

    # ---- reading -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the database again and show it; a problem is said, never raised."""
        self.error.hide()
        self.sessions, self.checks = [], []
        if not self.path.exists():
            self.header.setText(f"No history yet: {html.escape(theme.short_path(self.path))} does not exist. "
                                "Sessions analysed with <i>twitchwatch analyze</i> and strength "
                                "checks are kept there.")
        else:
            try:
                with HistoryStore(self.path) as store:
                    self.sessions = store.sessions()
                    self.checks = store.strength_checks()
            except HistoryError as exc:
                self.error.setText(f"Cannot read the history: {exc}")
                self.error.show()
            self.header.setText(f"<b>{len(self.sessions)}</b> session(s) and <b>{len(self.checks)}</b> "
                                f"strength check(s) in {html.escape(theme.short_path(self.path))}")
        self._show_sessions()
        self._show_strength()

    # ---- sessions ------------------------------------------------------------------------------
    def _show_sessions(self) -> None:
        t = self.session_table
        t.setRowCount(0)
        rows = sorted(self.sessions, key=lambda s: s.started_at, reverse=True)  # newest first
        t.setRowCount(len(rows))
        for r, s in enumerate(rows):
            extra = ", ".join(s.context) or "–"
            if s.symptoms:
                extra += "; " + ", ".join(s.symptoms)
            status = _item(s.status or "–")
            if s.status in STATUS_COLOURS:
                status.setForeground(pg.mkColor(STATUS_COLOURS[s.status]))
            cells = (_item(local_time(s.started_at)), _item(length_text(s.duration_s), True),
                     _item(s.muscle or "–"), _item(str(s.twitches), True),
                     _item(_rate(s.twitches_per_min), True), _item(str(s.cramps), True), status,
                     _item(extra))
            for c, it in enumerate(cells):
                t.setItem(r, c, it)
        t.resizeColumnsToContents()

        p = self.rate_plot
        p.clear()
        rated = [s for s in self.sessions if s.twitches_per_min is not None]
        for judged, brush, pen in ((True, theme.KIND_COLOURS["fasciculation"], "#7f0000"),
                                   (False, None, GREY_PEN)):
            pts = [s for s in rated if bool(s.recording_judged) == judged]
            if not pts:
                continue
            x = np.array([s.started_at.timestamp() for s in pts])
            y = np.array([s.twitches_per_min for s in pts])
            if judged:  # the trend: judged sessions in time order, joined
                order = np.argsort(x)
                p.plot(x[order], y[order], pen=pg.mkPen(theme.KIND_COLOURS["fasciculation"], width=2))
            p.addItem(pg.ScatterPlotItem(x, y, size=9, pen=pg.mkPen(pen),
                                         brush=pg.mkBrush(brush) if brush else pg.mkBrush(None)))
        if rated:
            top = max(s.twitches_per_min for s in rated)
            p.setYRange(0, max(1.0, top * 1.15), padding=0)
        rates = context_rates(self.sessions)
        judged_n = sum(1 for s in self.sessions if s.recording_judged)
        lines = [f"Filled dots: the {judged_n} judged session(s) (enough observation and a usable "
                 "signal); hollow grey: too short or too noisy to judge."]
        lines += [html.escape(r.text()[:1].upper() + r.text()[1:]) for r in rates]
        self.context_text.setText("<br>".join(lines) if self.sessions else "")

    # ---- strength ------------------------------------------------------------------------------
    def _show_strength(self) -> None:
        t = self.strength_table
        t.setRowCount(0)
        rows = sorted(self.checks, key=lambda c: c.taken_at, reverse=True)
        t.setRowCount(len(rows))
        for r, c in enumerate(rows):
            cells = (_item(local_time(c.taken_at)), _item(c.label), _item(f"{c.score_uv:.0f}", True),
                     _item(", ".join(f"{p:.0f}" for p in c.trial_peaks_uv)), _item(c.source or "–"))
            for k, it in enumerate(cells):
                t.setItem(r, k, it)
        t.resizeColumnsToContents()

        p = self.strength_plot
        p.clear()
        if p.plotItem.legend is not None:
            p.plotItem.legend.clear()
        by_label: dict[str, list] = {}
        for c in self.checks:
            by_label.setdefault(c.label, []).append(c)
        for k, (label, cs) in enumerate(sorted(by_label.items())):
            cs = sorted(cs, key=lambda c: c.taken_at)
            colour = theme.channel_colour(k)
            p.plot([c.taken_at.timestamp() for c in cs], [c.score_uv for c in cs],
                   pen=pg.mkPen(colour, width=2), symbol="o", symbolSize=8,
                   symbolBrush=pg.mkBrush(colour), symbolPen=pg.mkPen(colour), name=label)
        if self.checks:
            p.setYRange(0, max(c.score_uv for c in self.checks) * 1.15, padding=0)
        trends = strength_trends(self.checks)
        lines = []
        for label, trend in trends.items():
            n = len(by_label[label])
            if trend is None:
                lines.append(f"{html.escape(label)}: {n} check(s); at least 4 are needed to judge a decline.")
            elif trend.declined:
                lines.append(f"<b style='color:#c62828'>DECLINE:</b> {html.escape(trend.text())}. "
                             "A decline like this is worth showing a clinician.")
            else:
                lines.append(html.escape(trend.text()[:1].upper() + trend.text()[1:]) + ".")
        self.trend_text.setText("<br>".join(lines) if lines else
                                "No strength checks yet: <i>Strength check…</i> in the window makes one.")

