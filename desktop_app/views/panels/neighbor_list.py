"""The k nearest sounds of the selected one, nearest first, with their distances.

Click (or arrow keys) plays a neighbour; double-click or Enter selects it on the map (which makes
it the new centre). Neighbours that the map put far away (``set_far``: the state's true neighbours,
``core.maps.faithfulness.true_neighbours``) are marked, and a line says "these neighbours are far on
the map". The widget only shows what :class:`desktop_app.model.session.SessionState` says.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from PySide6.QtCore import QModelIndex, QRect, Qt, Signal
from PySide6.QtGui import QColor, QKeyEvent, QPainter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QSpinBox,
    QLabel,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.defaults import DEFAULT_NEIGHBORS_K

FAR_COLOR = "#ff9f43"  # the map's far-neighbour rings (desktop_app.views.map.far_layer)
ROW_ROLE = Qt.ItemDataRole.UserRole
SIMILARITY_ROLE = Qt.ItemDataRole.UserRole + 1


class _SimilarityDelegate(QStyledItemDelegate):
    """Paints the distance column as a thin similarity bar behind the number."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex) -> None:
        sim = index.data(SIMILARITY_ROLE)
        if sim is not None:
            r: QRect = option.rect.adjusted(2, option.rect.height() - 5, -2, -2)
            painter.save()
            painter.fillRect(r, QColor(255, 255, 255, 24))
            r.setWidth(max(1, int(r.width() * float(sim))))
            painter.fillRect(r, QColor(90, 200, 250, 170))
            painter.restore()
        super().paint(painter, option, index)


class _Tree(QTreeWidget):
    enterPressed = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt API
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.enterPressed.emit()
            return
        super().keyPressEvent(event)


class NeighborList(QWidget):
    """Signals: ``playRequested(row)``, ``selectRequested(row)`` (rows of the session state)."""

    playRequested = Signal(int)
    selectRequested = Signal(int)
    countChanged = Signal(int)  # how many neighbours to list

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("NeighbourList")
        self.title = QLabel("Select a sound to see its neighbours")
        self.title.setObjectName("PanelTitle")
        self.title.setWordWrap(True)
        self.far_label = QLabel("")
        self.far_label.setObjectName("FarNeighbours")
        self.far_label.setWordWrap(True)
        self.far_label.setStyleSheet(f"color: {FAR_COLOR}")
        self.far_label.setToolTip("Similar sounds that the 2-D map could not keep close: they are ringed in "
                                  "orange on the map, with dashed lines")
        self.far_label.hide()
        self._far: set[int] = set()
        self.tree = _Tree()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["#", "Sound", "Distance"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setItemDelegateForColumn(2, _SimilarityDelegate(self.tree))
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, header.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(1, header.ResizeMode.Stretch)
        header.setSectionResizeMode(2, header.ResizeMode.ResizeToContents)
        self.count = QSpinBox()
        self.count.setRange(1, 200)
        self.count.setValue(DEFAULT_NEIGHBORS_K)
        self.count.setKeyboardTracking(False)
        self.count.setToolTip("How many of the most similar sounds are listed")
        self.count.valueChanged.connect(self.countChanged.emit)
        row = QHBoxLayout()
        row.addWidget(QLabel("Show"))
        row.addWidget(self.count)
        row.addWidget(QLabel("most similar sounds"))
        row.addStretch(1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addWidget(self.title)
        lay.addLayout(row)
        lay.addWidget(self.far_label)
        lay.addWidget(self.tree)

        self._changed: tuple[QTreeWidgetItem | None, float] = (None, 0.0)
        self.tree.currentItemChanged.connect(self._on_current_changed)
        self.tree.itemClicked.connect(self._on_clicked)
        self.tree.itemDoubleClicked.connect(lambda item, _c: self._select(item))
        self.tree.enterPressed.connect(lambda: self._select(self.tree.currentItem()))

    # --------------------------------------------------------------------------- content
    def set_neighbors(self, centre: str | None, pairs: Sequence[tuple[int, float]], names: Sequence[str]) -> None:
        """Show ``pairs`` of ``(row, distance)`` (sorted here, nearest first); ``names[row]`` labels them."""
        self.tree.blockSignals(True)
        self.tree.clear()
        pairs = sorted(pairs, key=lambda p: p[1])
        far = max((d for _, d in pairs), default=1.0) or 1.0
        for rank, (row, dist) in enumerate(pairs, start=1):
            name = names[row] if 0 <= row < len(names) else f"#{row}"
            item = QTreeWidgetItem([str(rank), name, f"{dist:.3f}"])
            item.setData(0, ROW_ROLE, int(row))
            item.setData(2, SIMILARITY_ROLE, max(0.0, 1.0 - dist / (far * 1.15)))
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            item.setToolTip(1, name)
            self.tree.addTopLevelItem(item)
        self.tree.setCurrentItem(None)  # nothing current: the first arrow key/click plays
        self.tree.blockSignals(False)
        if centre is None:
            self.set_far((), "")
        self._mark_far()
        if centre is None:
            self.title.setText("Select a sound to see its neighbours")
        elif pairs:
            self.title.setText(f"Sounds like <b>{centre}</b>")
        else:
            self.title.setText(f"No neighbours for <b>{centre}</b>")

    def set_far(self, rows: Sequence[int], message: str) -> None:
        """Mark ``rows`` as far on the map and show ``message`` ("" hides the line)."""
        self._far = {int(r) for r in rows}
        self.far_label.setText(message)
        self.far_label.setVisible(bool(message))
        self._mark_far()

    def far_rows(self) -> list[int]:
        """Rows of the listed neighbours that are marked far on the map."""
        return [r for r in self.rows() if r in self._far]

    def _mark_far(self) -> None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            far = int(item.data(0, ROW_ROLE)) in self._far
            item.setData(1, Qt.ItemDataRole.ForegroundRole, QColor(FAR_COLOR) if far else None)
            name = item.toolTip(1).removesuffix(" — far on the map")
            item.setToolTip(1, name + (" — far on the map" if far else ""))
            item.setText(0, item.text(0).rstrip(" ↗") + (" ↗" if far else ""))

    def clear(self) -> None:
        self.set_neighbors(None, [], [])

    def rows(self) -> list[int]:
        return [int(self.tree.topLevelItem(i).data(0, ROW_ROLE)) for i in range(self.tree.topLevelItemCount())]

    def distances(self) -> list[float]:
        return [float(self.tree.topLevelItem(i).text(2)) for i in range(self.tree.topLevelItemCount())]

    # ----------------------------------------------------------------------- interaction
    def _on_current_changed(self, current: QTreeWidgetItem | None, _previous: QTreeWidgetItem | None) -> None:
        if current is None:
            return
        self._changed = (current, time.monotonic())  # the click that follows must not play twice
        self.playRequested.emit(int(current.data(0, ROW_ROLE)))

    def _on_clicked(self, item: QTreeWidgetItem, _column: int) -> None:
        changed_item, when = self._changed
        self._changed = (None, 0.0)
        if item is changed_item and time.monotonic() - when < 0.6:
            return
        self.playRequested.emit(int(item.data(0, ROW_ROLE)))  # click on the current item: play again

    def _select(self, item: QTreeWidgetItem | None) -> None:
        if item is not None:
            self.selectRequested.emit(int(item.data(0, ROW_ROLE)))

    def keyboard_focus(self) -> None:
        """Give focus to the list with the first neighbour current (arrow keys then walk it)."""
        self.tree.setFocus()
        if self.tree.currentItem() is None and self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
