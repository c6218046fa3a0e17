"""`StatusPanel`: the big coloured status with its reasons and what to do, the not-a-diagnostic-device
line right below it; what the user reports (symptoms, context); the "I am moving" button."""

from __future__ import annotations

import html

from twitchwatch.gui.qt import QtCore, QtWidgets

from twitchwatch.gui import theme
from twitchwatch.gui.disclaimer import disclaimer_label
from twitchwatch.gui.status_logic import StatusInfo, vocabulary

#: checkbox labels that fit two to a row; the full description is the tooltip
SHORT_LABELS = {
    "weakness": "Progressive weakness", "wasting": "Muscle wasting",
    "fine-motor": "Clumsy fine movements", "swallowing": "Trouble swallowing",
    "speech": "Trouble speaking",
    "exercise": "Intense exercise", "caffeine": "Caffeine, stimulants", "poor-sleep": "Poor sleep",
    "stress": "Stress, anxiety", "dehydration": "Dehydration", "electrolytes": "Low Mg, K or Ca",
}


def _bullets(items) -> str:
    return "".join(f"<p style='margin:0 0 4px 0'>• {html.escape(t)}</p>" for t in items)


class StatusPanel(QtWidgets.QWidget):
    tagsChanged = QtCore.Signal(object, object)  # symptoms, context (frozensets of names)
    movingToggled = QtCore.Signal(bool)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.status: str | None = None
        self.headline = QtWidgets.QLabel("Starting…")
        self.headline.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.headline.setMinimumHeight(58)
        self.sub = QtWidgets.QLabel("")
        self.sub.setAlignment(QtCore.Qt.AlignmentFlag.AlignCenter)
        self.sub.setWordWrap(True)
        self.reasons = QtWidgets.QLabel("")
        self.advice = QtWidgets.QLabel("")
        for w in (self.reasons, self.advice):
            w.setWordWrap(True)
            w.setTextFormat(QtCore.Qt.TextFormat.RichText)
            w.setAlignment(QtCore.Qt.AlignmentFlag.AlignTop | QtCore.Qt.AlignmentFlag.AlignLeft)
        self.disclaimer = disclaimer_label(11)
        self._set_colour("listening")

        self.moving = QtWidgets.QPushButton("I am moving")
        self.moving.setCheckable(True)
        self.moving.setMinimumHeight(36)
        self.moving.setToolTip("Hold this on while you move or tense the muscle on purpose: the "
                               "activity is then counted as voluntary contraction, not as cramp "
                               "or twitches.")
        self.moving.setStyleSheet("QPushButton { font-weight: bold; }"
                                  "QPushButton:checked { background: #1565c0; color: white; }")
        self.moving.toggled.connect(self._moving_toggled)

        symptoms, context = vocabulary()
        self.symptom_boxes = self._checklist(symptoms, "symptom")
        self.context_boxes = self._checklist(context, "context")
        sym_box = self._group("Do you notice any of these?", self.symptom_boxes)
        ctx_box = self._group("Anything that may explain the twitching?", self.context_boxes)

        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.headline)
        lay.addWidget(self.sub)
        lay.addWidget(self.reasons)
        what = QtWidgets.QLabel("<b>What to do</b>")
        lay.addWidget(what)
        lay.addWidget(self.advice)
        lay.addWidget(self.disclaimer)
        lay.addSpacing(4)
        lay.addWidget(self.moving)
        lay.addWidget(sym_box)
        lay.addWidget(ctx_box)

    def _checklist(self, names: dict[str, str], what: str) -> dict[str, QtWidgets.QCheckBox]:
        boxes = {}
        for name, text in names.items():
            cb = QtWidgets.QCheckBox(SHORT_LABELS.get(name, _short(text)))
            cb.setToolTip(text[:1].upper() + text[1:])
            cb.setObjectName(f"{what}-{name}")
            cb.toggled.connect(self._tags_changed)
            boxes[name] = cb
        return boxes

    @staticmethod
    def _group(title: str, boxes: dict[str, QtWidgets.QCheckBox]) -> QtWidgets.QGroupBox:
        box = QtWidgets.QGroupBox(title)
        grid = QtWidgets.QGridLayout(box)
        grid.setVerticalSpacing(2)
        grid.setContentsMargins(6, 4, 6, 4)
        for i, cb in enumerate(boxes.values()):
            grid.addWidget(cb, i // 2, i % 2)
        return box

    # ---- showing the status ------------------------------------------------------------------
    def _set_colour(self, status: str) -> None:
        if status == getattr(self, "_colour_of", None):
            return  # a style sheet set again re-polishes and re-lays out the whole panel
        self._colour_of = status
        bg, fg = theme.STATUS_COLOURS.get(status, theme.STATUS_COLOURS["listening"])
        self.headline.setStyleSheet(f"background: {bg}; color: {fg}; font-size: 26px; font-weight: bold;"
                                    "border-radius: 8px; padding: 6px;")

    def show_status(self, info: StatusInfo | None, *, observed_s: float = 0.0, note: str = "") -> None:
        if info is None:
            self.status = None
            self.headline.setText("Starting…")
            self._set_colour("listening")
            self.sub.setText(note)
            self.reasons.setText("")
            self.advice.setText("")
            return
        self.status = info.status
        self.headline.setText(theme.STATUS_HEADLINES.get(info.status, info.status.capitalize()))
        self._set_colour(info.status)
        extra = "" if info.from_assess else " · basic status (full assessment not available)"
        m, s = divmod(int(observed_s), 60)
        self.sub.setText((f"based on {m} min {s:02d} s of signal at rest" if observed_s > 0
                          else "listening to the signal") + extra + (f" · {note}" if note else ""))
        self.reasons.setText(_bullets(info.reasons))
        self.advice.setText(_bullets(info.advice))
        self.disclaimer.setText(info.disclaimer)

    # ---- user input --------------------------------------------------------------------------
    def symptoms(self) -> frozenset[str]:
        return frozenset(n for n, cb in self.symptom_boxes.items() if cb.isChecked())

    def context(self) -> frozenset[str]:
        return frozenset(n for n, cb in self.context_boxes.items() if cb.isChecked())

    def _tags_changed(self, _checked: bool = False) -> None:
        self.tagsChanged.emit(self.symptoms(), self.context())

    def _moving_toggled(self, on: bool) -> None:
        self.moving.setText("I am moving — on (press when you stop)" if on else "I am moving")
        self.movingToggled.emit(on)


def _short(text: str) -> str:
    """"muscle wasting (a muscle getting visibly thinner)" -> "muscle wasting"."""
    head = text.split(" (")[0]
    return head[:1].upper() + head[1:]
