"""Cluster legend: colour swatch, name and size per label, with a checkbox to show/hide each."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from PySide6 import QtCore, QtGui, QtWidgets


__all__ = ["LegendEntry", "LegendWidget", "swatch_icon"]


@dataclass(frozen=True, slots=True)
class LegendEntry:
    """One legend row: cluster ``label``, its colour, display ``name`` and member count."""

    label: int
    color: QtGui.QColor
    name: str
    size: int


def swatch_icon(color: QtGui.QColor, side: int = 14) -> QtGui.QIcon:
    """A round colour swatch icon."""
    pm = QtGui.QPixmap(side, side)
    pm.fill(QtCore.Qt.GlobalColor.transparent)
    p = QtGui.QPainter(pm)
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    p.setPen(QtGui.QPen(QtGui.QColor(255, 255, 255, 90), 1))
    c = QtGui.QColor(color)
    c.setAlpha(255)
    p.setBrush(c)
    p.drawEllipse(QtCore.QRectF(1.5, 1.5, side - 3, side - 3))
    p.end()
    return QtGui.QIcon(pm)


class LegendWidget(QtWidgets.QWidget):
    """A checkable list of clusters. ``toggled(set[int])`` carries the set of *hidden* labels
    after every user change; :meth:`set_hidden` updates the checkboxes without emitting."""

    toggled = QtCore.Signal(object)

    LABEL_ROLE = int(QtCore.Qt.ItemDataRole.UserRole) + 1

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self._list = QtWidgets.QListWidget(self)
        self._list.setUniformItemSizes(True)
        self._list.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
        self._list.itemChanged.connect(self._on_item_changed)
        self._title = QtWidgets.QLabel("Clusters", self)
        self._all = QtWidgets.QToolButton(self)
        self._all.setText("All")
        self._all.setToolTip("Show every cluster")
        self._all.clicked.connect(lambda: self._set_all(True))
        self._none = QtWidgets.QToolButton(self)
        self._none.setText("None")
        self._none.setToolTip("Hide every cluster")
        self._none.clicked.connect(lambda: self._set_all(False))
        head = QtWidgets.QHBoxLayout()
        head.setContentsMargins(0, 0, 0, 0)
        head.addWidget(self._title, 1)
        head.addWidget(self._all)
        head.addWidget(self._none)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(head)
        lay.addWidget(self._list, 1)
        self._entries: list[LegendEntry] = []
        self._updating = False

    # -- API ----------------------------------------------------------------------------------
    def set_entries(self, entries: Sequence[LegendEntry], hidden: Iterable[int] = ()) -> None:
        """Replace the rows (shown in the given order)."""
        hid = set(int(h) for h in hidden)
        self._updating = True
        try:
            self._list.clear()
            self._entries = list(entries)
            for e in self._entries:
                item = QtWidgets.QListWidgetItem(swatch_icon(e.color), f"{e.name}  ({e.size})")
                item.setData(self.LABEL_ROLE, int(e.label))
                item.setFlags(item.flags() | QtCore.Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(
                    QtCore.Qt.CheckState.Unchecked if e.label in hid else QtCore.Qt.CheckState.Checked
                )
                item.setToolTip(f"{e.name}: {e.size} sounds")
                self._list.addItem(item)
        finally:
            self._updating = False

    def entries(self) -> list[LegendEntry]:
        return list(self._entries)

    def set_hidden(self, hidden: Iterable[int]) -> None:
        """Check/uncheck rows to match ``hidden`` (no signal)."""
        hid = set(int(h) for h in hidden)
        self._updating = True
        try:
            for i in range(self._list.count()):
                item = self._list.item(i)
                lab = int(item.data(self.LABEL_ROLE))
                item.setCheckState(
                    QtCore.Qt.CheckState.Unchecked if lab in hid else QtCore.Qt.CheckState.Checked
                )
        finally:
            self._updating = False

    def hidden(self) -> set[int]:
        """Labels whose checkbox is unchecked."""
        out: set[int] = set()
        for i in range(self._list.count()):
            item = self._list.item(i)
            if item.checkState() != QtCore.Qt.CheckState.Checked:
                out.add(int(item.data(self.LABEL_ROLE)))
        return out

    def set_label_checked(self, label: int, checked: bool) -> None:
        """Check/uncheck one label as if the user clicked it (emits ``toggled``)."""
        for i in range(self._list.count()):
            item = self._list.item(i)
            if int(item.data(self.LABEL_ROLE)) == int(label):
                item.setCheckState(QtCore.Qt.CheckState.Checked if checked else QtCore.Qt.CheckState.Unchecked)
                return
        raise KeyError(label)

    def list_widget(self) -> QtWidgets.QListWidget:
        return self._list

    # -- internals ----------------------------------------------------------------------------
    def _set_all(self, visible: bool) -> None:
        self._updating = True
        try:
            state = QtCore.Qt.CheckState.Checked if visible else QtCore.Qt.CheckState.Unchecked
            for i in range(self._list.count()):
                self._list.item(i).setCheckState(state)
        finally:
            self._updating = False
        self.toggled.emit(self.hidden())

    def _on_item_changed(self, _item: QtWidgets.QListWidgetItem) -> None:
        if not self._updating:
            self.toggled.emit(self.hidden())
