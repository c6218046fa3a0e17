"""`QualityPanel`: signal quality per channel at a glance, and the stream's health.

One row per channel: a coloured dot (green good, amber a problem, red a serious one, grey still
learning), the noise floor in µV RMS, mains hum, clipping and heart beats (ECG). Below, the
stream: receiving, paused, stalled, lost or ended, and for live streams the effective rate,
gaps and reconnects (from the source's ``health()``).
"""

from __future__ import annotations

import math

from twitchwatch.gui.qt import QtCore, QtWidgets

from twitchwatch.engine import ChannelQuality
from twitchwatch.gui import theme

#: noise floor (µV RMS, detection band) above which small twitches are missed (assess rule Q1)
NOISE_WARN_UV = 4.0
NOISE_BAD_UV = 10.0
CLIP_WARN = 0.001
CLIP_BAD = 0.01
HEADERS = ("", "channel", "noise\nµV RMS", "mains hum", "clipping", "heart\nbeat")


def grade(q: ChannelQuality) -> tuple[str, str]:
    """(colour, words) for one channel."""
    if q.warming_up:
        return theme.QUALITY_UNKNOWN, "learning the signal"
    bad, warn = [], []
    if q.envelope_only_warning:
        bad.append("envelope, not raw EMG")
    if q.clipping_fraction > CLIP_BAD:
        bad.append("clipping")
    elif q.clipping_fraction > CLIP_WARN:
        warn.append("some clipping")
    if not math.isfinite(q.noise_floor_uv_rms) or q.noise_floor_uv_rms > NOISE_BAD_UV:
        bad.append("very noisy")
    elif q.noise_floor_uv_rms > NOISE_WARN_UV:
        warn.append("noisy")
    if q.mains_uv > max(20.0, 4 * q.noise_floor_uv_rms):
        warn.append("mains hum")
    if q.low_rate_warning:
        warn.append("low sampling rate")
    if bad:
        return theme.QUALITY_BAD, ", ".join(bad + warn)
    if warn:
        return theme.QUALITY_WARN, ", ".join(warn)
    return theme.QUALITY_OK, "good"


def _dot(colour: str) -> str:
    return f"<span style='color:{colour}; font-size:16px'>●</span>"


class QualityPanel(QtWidgets.QWidget):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.labels: tuple[str, ...] = ()
        self.rows: list[list[QtWidgets.QLabel]] = []
        self.grades: list[str] = []
        title = QtWidgets.QLabel("<b>Signal quality</b>")
        self.overall = QtWidgets.QLabel("")
        self.overall.setWordWrap(True)
        self.grid = QtWidgets.QGridLayout()
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(1)
        for col, text in enumerate(HEADERS):
            h = QtWidgets.QLabel(text)
            h.setStyleSheet(f"color: {theme.MUTED}; font-size: 11px;")
            self.grid.addWidget(h, 0, col)
        self.stream = QtWidgets.QLabel("")
        self.stream.setWordWrap(True)
        self.stream.setTextFormat(QtCore.Qt.TextFormat.RichText)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(title)
        lay.addLayout(self.grid)
        lay.addWidget(self.overall)
        lay.addWidget(self.stream)

    def set_channels(self, labels: tuple[str, ...]) -> None:
        if labels == self.labels:
            return
        for row in self.rows:
            for w in row:
                self.grid.removeWidget(w)
                w.deleteLater()
        self.labels = labels
        self.rows = []
        self.grades = [theme.QUALITY_UNKNOWN] * len(labels)
        for r, label in enumerate(labels, start=1):
            cells = [QtWidgets.QLabel(_dot(theme.QUALITY_UNKNOWN)), QtWidgets.QLabel(label)]
            cells += [QtWidgets.QLabel("…") for _ in HEADERS[2:]]
            for col, w in enumerate(cells):
                if col >= 2:
                    w.setAlignment(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
                self.grid.addWidget(w, r, col)
            self.rows.append(cells)

    def show_quality(self, quality) -> None:
        problems = []
        for q in quality:
            if not 0 <= q.channel < len(self.rows):
                continue
            cells = self.rows[q.channel]
            colour, words = grade(q)
            self.grades[q.channel] = colour
            cells[0].setText(_dot(colour))
            cells[0].setToolTip(words)
            cells[1].setToolTip(words)
            if q.warming_up:
                for w in cells[2:]:
                    w.setText("…")
                continue
            cells[2].setText(f"{q.noise_floor_uv_rms:.1f}")
            cells[3].setText(f"{q.mains_uv:.0f} µV @ {q.mains_hz:g} Hz" if q.mains_hz else f"{q.mains_uv:.0f} µV")
            cells[4].setText(f"{100 * q.clipping_fraction:.2f} %")
            cells[5].setText(f"{q.ecg_bpm:.0f} bpm" if q.ecg_present and q.ecg_bpm else
                             ("yes" if q.ecg_present else "—"))
            if colour != theme.QUALITY_OK:
                problems.append(f"{self.labels[q.channel]}: {words}")
        if not quality:
            self.overall.setText("")
        elif all(q.warming_up for q in quality):
            self.overall.setText(f"<span style='color:{theme.MUTED}'>learning the noise (first seconds)…</span>")
        elif problems:
            self.overall.setText(f"<span style='color:{theme.QUALITY_WARN}'>" + "; ".join(problems) + "</span>")
        else:
            self.overall.setText(f"<span style='color:{theme.QUALITY_OK}'>all channels good</span>")

    def show_stream(self, state: str, *, fs_hz: float | None = None, health=None,
                    since_data_s: float | None = None, extra: str = "") -> None:
        words, colour = theme.STATE_WORDS.get(state, (state, theme.MUTED))
        parts = [f"<b style='color:{colour}'>{_dot(colour)} {words}</b>"]
        if fs_hz:
            parts.append(f"{fs_hz:g} Hz")
        if health is not None:
            if health.effective_rate_hz:
                parts.append(f"{health.effective_rate_hz:.0f} Hz measured")
            if health.gaps:
                parts.append(f"{health.gaps} gaps ({health.missing_samples} samples missing)")
            if health.reconnects:
                parts.append(f"{health.reconnects} reconnects")
            if health.since_last_sample_s is not None and health.since_last_sample_s > 1.0:
                parts.append(f"last sample {health.since_last_sample_s:.0f} s ago")
            if health.note:
                parts.append(health.note)
        elif since_data_s is not None and since_data_s > 1.0 and state in ("stalled", "lost"):
            parts.append(f"no data for {since_data_s:.0f} s")
        if extra:
            parts.append(extra)
        self.stream.setText("Stream: " + " · ".join(parts))
