"""`EventList`: the detected events as a table, newest first; selecting a row shows it close up.

The model keeps the last `MAX_EVENTS` events and the waveforms of the last `KEEP_WAVEFORMS`
(older rows stay listed, their close-up is no longer available), so memory stays bounded in a
session of any length. Rows are added in batches as the worker sends them.
"""

from __future__ import annotations

import dataclasses

from twitchwatch.gui.qt import QtCore, QtGui, QtWidgets

from twitchwatch.gui import theme
from twitchwatch.gui.model import EventItem

MAX_EVENTS = 5000
KEEP_WAVEFORMS = 1000
COLUMNS = ("time", "what", "channel", "µV p-p", "ms", "flags")
FILTERS = (("all events", None), ("twitches", ("fasciculation",)),
           ("cramps & contractions", ("cramp", "contraction")), ("artefacts", ("artifact",)))


def clock_text(seconds: float) -> str:
    """83.25 -> "1:23.3"; 3725.0 -> "1:02:05.0"."""
    m, s = divmod(max(0.0, seconds), 60.0)
    h, m = divmod(int(m), 60)
    return f"{h}:{m:02d}:{s:04.1f}" if h else f"{m}:{s:04.1f}"


def _count_text(n: int, word: str) -> str:
    """(1, "twitch") -> "1 twitch"; (2, "twitch") -> "2 twitches"."""
    if n == 1:
        return f"1 {word}"
    return f"{n} {word}{'es' if word.endswith(('ch', 'sh', 's', 'x')) else 's'}"


class EventTableModel(QtCore.QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self._items: list[EventItem] = []  # oldest first; row 0 shows the newest
        self._stripped = 0  # items before this index have had their waveform dropped

    # ---- data --------------------------------------------------------------------------------
    def add(self, items: list[EventItem]) -> None:
        if not items:
            return
        self.beginInsertRows(QtCore.QModelIndex(), 0, len(items) - 1)
        self._items.extend(items)
        self.endInsertRows()
        excess = len(self._items) - MAX_EVENTS
        if excess > 0:
            n = len(self._items)
            self.beginRemoveRows(QtCore.QModelIndex(), n - excess, n - 1)
            del self._items[:excess]
            self._stripped = max(0, self._stripped - excess)
            self.endRemoveRows()
        limit = len(self._items) - KEEP_WAVEFORMS
        while self._stripped < limit:
            it = self._items[self._stripped]
            if it.waveform is not None:
                self._items[self._stripped] = dataclasses.replace(
                    it, waveform=None, waveform_note="no longer kept (only the latest "
                    f"{KEEP_WAVEFORMS} events keep their close-up)")
            self._stripped += 1

    def clear(self) -> None:
        self.beginResetModel()
        self._items = []
        self._stripped = 0
        self.endResetModel()

    def item(self, row: int) -> EventItem:
        return self._items[len(self._items) - 1 - row]

    def items(self) -> list[EventItem]:
        """Oldest first."""
        return list(self._items)

    def row_of(self, item: EventItem) -> int | None:
        for i in range(len(self._items) - 1, -1, -1):
            if self._items[i].event == item.event and self._items[i].generation == item.generation:
                return len(self._items) - 1 - i
        return None

    # ---- Qt ----------------------------------------------------------------------------------
    def rowCount(self, parent=QtCore.QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self._items)

    def columnCount(self, parent=QtCore.QModelIndex()) -> int:  # noqa: N802
        return len(COLUMNS)

    def headerData(self, section, orientation, role=QtCore.Qt.ItemDataRole.DisplayRole):  # noqa: N802
        if orientation == QtCore.Qt.Orientation.Horizontal and role == QtCore.Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index, role=QtCore.Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        it = self.item(index.row())
        col = index.column()
        if role == QtCore.Qt.ItemDataRole.DisplayRole:
            e = it.event
            return (clock_text(it.t_s), theme.kind_word(e.kind), it.label, f"{e.peak_to_peak_uv:.0f}",
                    f"{it.duration_ms:.0f}" if it.duration_ms < 10000 else f"{it.duration_ms / 1000:.1f} s",
                    ", ".join(e.flags))[col]
        if role == QtCore.Qt.ItemDataRole.ForegroundRole and col == 1:
            return QtGui.QBrush(QtGui.QColor(theme.KIND_COLOURS.get(it.kind, "#000000")))
        if role == QtCore.Qt.ItemDataRole.TextAlignmentRole and col in (0, 3, 4):
            return int(QtCore.Qt.AlignmentFlag.AlignRight | QtCore.Qt.AlignmentFlag.AlignVCenter)
        if role == QtCore.Qt.ItemDataRole.UserRole:
            return it.kind
        return None


class _KindFilter(QtCore.QSortFilterProxyModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.kinds: tuple[str, ...] | None = None

    def set_kinds(self, kinds) -> None:
        self.kinds = kinds
        self.invalidateFilter()

    def filterAcceptsRow(self, row, parent):  # noqa: N802
        if self.kinds is None:
            return True
        return self.sourceModel().item(row).kind in self.kinds


class EventList(QtWidgets.QWidget):
    eventSelected = QtCore.Signal(object)  # EventItem

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.model = EventTableModel(self)
        self.proxy = _KindFilter(self)
        self.proxy.setSourceModel(self.model)
        self.view = QtWidgets.QTableView()
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(20)
        self.view.setAlternatingRowColors(True)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        for col, width in enumerate((54, 68, 52, 46, 46)):
            header.resizeSection(col, width)
        self.view.clicked.connect(self._clicked)
        self.view.selectionModel().currentRowChanged.connect(lambda cur, _prev: self._clicked(cur))
        self.filter_box = QtWidgets.QComboBox()
        self.filter_box.setSizeAdjustPolicy(QtWidgets.QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.filter_box.setToolTip("Which events the list shows (with how many there are)")
        for text, kinds in FILTERS:
            self.filter_box.addItem(text, kinds)
        self.filter_box.currentIndexChanged.connect(
            lambda i: self.proxy.set_kinds(self.filter_box.itemData(i)))
        self.count_label = QtWidgets.QLabel("no events yet")
        self.count_label.setStyleSheet(f"color: {theme.MUTED};")
        self.count_label.setSizePolicy(QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred)
        top = QtWidgets.QHBoxLayout()
        title = QtWidgets.QLabel("<b>Events</b>")
        top.addWidget(title)
        top.addWidget(self.filter_box)
        top.addWidget(self.count_label, 1)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)

    def add(self, items: list[EventItem]) -> None:
        self.model.add(items)

    def clear(self) -> None:
        self.model.clear()
        self.count_label.setText("no events yet")

    def set_counts(self, counts: dict) -> None:
        """Counts by kind (the session's, not only the rows kept) in the filter's items."""
        counts = counts or {}
        for i, (text, kinds) in enumerate(FILTERS):
            n = sum(counts.values()) if kinds is None else sum(counts.get(k, 0) for k in kinds)
            self.filter_box.setItemText(i, f"{text} ({n})")
        self.count_label.setText("" if any(counts.values()) else "no events yet")
        parts = [_count_text(counts[k], theme.kind_word(k))
                 for k in ("fasciculation", "cramp", "contraction", "artifact") if counts.get(k)]
        self.count_label.setToolTip(", ".join(parts))

    def select_row(self, row: int) -> EventItem:
        """Select the row (in the shown, filtered order) and announce its event."""
        index = self.proxy.index(row, 0)
        self.view.setCurrentIndex(index)
        return self._clicked(index)

    def show_item(self, item: EventItem) -> None:
        """Highlight ``item``'s row (after a click on the plot), without announcing it again."""
        row = self.model.row_of(item)
        if row is None:
            return
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if index.isValid():
            self.view.blockSignals(True)
            self.view.selectionModel().blockSignals(True)
            self.view.setCurrentIndex(index)
            self.view.selectionModel().blockSignals(False)
            self.view.blockSignals(False)
            self.view.scrollTo(index)

    def _clicked(self, index) -> EventItem | None:
        if not index.isValid():
            return None
        item = self.model.item(self.proxy.mapToSource(index).row())
        self.eventSelected.emit(item)
        return item
