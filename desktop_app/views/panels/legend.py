"""Cluster legend: colour swatch, name and size per label, with a checkbox to show/hide each.

It floats over the map's top-right corner (it takes no room from the map), collapses to its title
with one click, and each row has a context menu: select the cluster's sounds, show only it, describe
it, export it, rename it. The widget only asks (``actionRequested``); the window does the work.

A continuous colouring (entries carrying a ``scale``) is shown as a colour bar instead: the scale's
title, its low/middle/high values and its caption (for map faithfulness: the trustworthiness and
continuity of the map).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets


__all__ = ["LegendEntry", "LegendWidget", "ColourBar", "swatch_icon", "scale_colors"]


def scale_colors(scale: Any, n: int | None = None) -> list[QtGui.QColor]:
    """``n`` (default: the scale's bins) colours of the scale's colour map, low to high."""
    n = int(scale.bins if n is None else n)
    return list(pg.colormap.get(scale.cmap).map((np.arange(n) + 0.5) / n, mode="qcolor"))


@dataclass(frozen=True, slots=True)
class LegendEntry:
    """One legend row: cluster ``label``, its colour, display ``name`` and member count."""

    label: int
    color: QtGui.QColor
    name: str
    size: int
    scale: Any = None  # a continuous colouring's ColourScale (the legend draws a colour bar)


class ColourBar(QtWidgets.QWidget):
    """A horizontal colour bar: the bins' colours left to right, with the low, middle and high value."""

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("ColourBar")
        self.colors: list[QtGui.QColor] = []
        self.scale: Any = None
        self.setMinimumHeight(40)

    def set_scale(self, scale: Any, colors: Sequence[QtGui.QColor]) -> None:
        self.scale, self.colors = scale, list(colors)
        self.update()

    def tick_texts(self) -> list[str]:
        s = self.scale
        return [] if s is None else [s.text(s.lo), s.text((s.lo + s.hi) / 2), s.text(s.hi)]

    def paintEvent(self, _ev: QtGui.QPaintEvent) -> None:  # noqa: N802 - Qt API
        if not self.colors:
            return
        p = QtGui.QPainter(self)
        r = QtCore.QRectF(4, 2, self.width() - 8, 14)
        grad = QtGui.QLinearGradient(r.topLeft(), r.topRight())
        n = len(self.colors)
        for i, c in enumerate(self.colors):
            grad.setColorAt((i + 0.5) / n, c)
        p.fillRect(r, grad)
        p.setPen(QtGui.QColor("#e6e8ee"))
        fm = p.fontMetrics()
        y = r.bottom() + 4 + fm.ascent()
        for i, text in enumerate(self.tick_texts()):
            w = fm.horizontalAdvance(text)
            x = r.left() + (r.width() - w) * i / 2
            p.drawText(QtCore.QPointF(x, y), text)
        p.end()


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
    actionRequested = QtCore.Signal(str, int)  # (action, label): select | only | export_folder | export_m3u | export_csv | rename
    collapsedChanged = QtCore.Signal(bool)

    LABEL_ROLE = int(QtCore.Qt.ItemDataRole.UserRole) + 1
    ACTIONS = (("select", "Select these sounds"), ("only", "Show only this cluster"),
               ("describe", "Describe this cluster…"), (None, None),
               ("export_folder", "Copy its sounds to a folder…"), ("export_m3u", "Save as a playlist…"),
               ("export_csv", "Save as a table…"), (None, None), ("rename", "Rename…"))

    def __init__(self, parent: QtWidgets.QWidget | None = None, *, floating: bool = False) -> None:
        """With ``floating`` the legend sits over its parent's top-right corner and follows its size."""
        super().__init__(parent)
        self._floating = floating and parent is not None
        if self._floating:
            parent.installEventFilter(self)
        self._list = QtWidgets.QListWidget(self)
        self._list.setUniformItemSizes(True)
        self._list.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.NoSelection)
        self._list.itemChanged.connect(self._on_item_changed)
        self._list.setContextMenuPolicy(QtCore.Qt.ContextMenuPolicy.CustomContextMenu)
        self._list.customContextMenuRequested.connect(self._context_menu)
        self.setObjectName("MapLegend")
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_StyledBackground, True)
        self._collapse = QtWidgets.QToolButton(self)
        self._collapse.setObjectName("LegendCollapse")
        self._collapse.setCheckable(True)
        self._collapse.setText("▾")
        self._collapse.setToolTip("Collapse or expand the legend")
        self._collapse.toggled.connect(self.set_collapsed)
        self.collapsedChanged.connect(lambda _c: self.place())
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
        head.addWidget(self._collapse)
        head.addWidget(self._title, 1)
        head.addWidget(self._all)
        head.addWidget(self._none)
        lay = QtWidgets.QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        self._bar = ColourBar(self)
        self._caption = QtWidgets.QLabel("", self)
        self._caption.setObjectName("LegendCaption")
        self._caption.setWordWrap(True)
        self._bar.hide()
        self._caption.hide()
        lay.addLayout(head)
        lay.addWidget(self._list, 1)
        lay.addWidget(self._bar)
        lay.addWidget(self._caption)
        self.scale: Any = None
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
            self._show_scale(next((e.scale for e in self._entries if e.scale is not None), None))
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
        self.place()

    def entries(self) -> list[LegendEntry]:
        return list(self._entries)

    def _show_scale(self, scale: Any) -> None:
        """A continuous colouring: the colour bar and caption replace the list."""
        self.scale = scale
        on = scale is not None
        if on:
            self._bar.set_scale(scale, scale_colors(scale))
            self._caption.setText(scale.caption)
        self._title.setText(scale.title if on else "Clusters")
        self._refresh_parts()

    def caption(self) -> str:
        return self._caption.text() if self.scale is not None else ""

    def colour_bar(self) -> ColourBar:
        return self._bar

    def _refresh_parts(self) -> None:
        collapsed, on = self.is_collapsed(), self.scale is not None
        self._list.setVisible(not collapsed and not on)
        self._all.setVisible(not collapsed and not on)
        self._none.setVisible(not collapsed and not on)
        self._bar.setVisible(not collapsed and on)
        self._caption.setVisible(not collapsed and on and bool(self._caption.text()))

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

    def set_collapsed(self, collapsed: bool) -> None:
        """Show only the title row (the map gets the corner back)."""
        self._collapse.setText("▸" if collapsed else "▾")
        if self._collapse.isChecked() != collapsed:
            self._collapse.setChecked(collapsed)
        self._refresh_parts()
        self.collapsedChanged.emit(collapsed)

    def is_collapsed(self) -> bool:
        return self._collapse.isChecked()

    def preferred_height(self, limit: int) -> int:
        """Height for the content (title + rows), at most ``limit`` pixels."""
        head = self._collapse.sizeHint().height() + 10
        if self.is_collapsed():
            return head
        if self.scale is not None:
            cap = self._caption.heightForWidth(max(100, self.width() - 8)) if self._caption.text() else 0
            return min(limit, head + self._bar.minimumHeight() + cap + 16)
        rows = self._list.count() * max(18, self._list.sizeHintForRow(0)) + 8
        return min(limit, head + rows + 6)

    def eventFilter(self, obj: QtCore.QObject, ev: QtCore.QEvent) -> bool:  # noqa: N802 - Qt API
        if ev.type() == QtCore.QEvent.Type.Resize:
            self.place()
        return False

    def place(self) -> None:
        """Floating: the parent's top-right corner, as tall as the rows (at most 60 % of the parent)."""
        parent = self.parentWidget()
        if not self._floating or parent is None:
            return
        w = min(260, max(150, parent.width() // 4))
        h = self.preferred_height(int(parent.height() * 0.6))
        self.setGeometry(parent.width() - w - 10, 10, w, h)
        self.raise_()

    def menu_for(self, label: int) -> QtWidgets.QMenu:
        """The context menu of one cluster row (each action emits ``actionRequested``)."""
        menu = QtWidgets.QMenu(self)
        for key, text in self.ACTIONS:
            if key is None:
                menu.addSeparator()
            else:
                menu.addAction(text, lambda k=key: self.actionRequested.emit(k, int(label)))
        return menu

    def _context_menu(self, pos: QtCore.QPoint) -> None:
        item = self._list.itemAt(pos)
        if item is not None and self.scale is None:
            self.menu_for(int(item.data(self.LABEL_ROLE))).popup(self._list.viewport().mapToGlobal(pos))

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
