"""Dragging sounds out of the map, as files, into a DAW or a file manager."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from PySide6 import QtCore, QtGui

from desktop_app.views.map.overlays import make_drag_mime

_EMPTY = np.zeros(0, dtype=np.int64)


class FileDrag:
    """The drag-out of one :class:`~desktop_app.views.map.view.MapView`: only selected sounds drag."""

    def __init__(self, view: Any) -> None:
        self.view = view

    def rows_for(self, row: int) -> np.ndarray:
        """Rows a drag starting on ``row`` carries: the multi-selection if ``row`` is in it, the
        selected sound if it is ``row``, else nothing."""
        v = self.view
        if v._paths is None or row < 0:  # noqa: SLF001 - the view's own drag helper
            return _EMPTY
        selection = v.selection()
        if selection.size and row in selection:
            return selection
        if row == v.selected():
            return np.array([row], dtype=np.int64)
        return _EMPTY

    def mime(self, rows: Sequence[int] | np.ndarray) -> QtCore.QMimeData:
        """Mime data (file URLs) for dragging these rows out."""
        paths = self.view._paths  # noqa: SLF001
        return make_drag_mime([] if paths is None else [paths[int(r)] for r in rows])

    def start(self, rows: np.ndarray) -> None:
        """Start a QDrag of these rows' files (blocks until dropped, like every QDrag)."""
        v = self.view
        drag = QtGui.QDrag(v.plot.viewport())
        drag.setMimeData(self.mime(rows))
        names = v._names  # noqa: SLF001
        label = names[int(rows[0])] if rows.size == 1 else f"{rows.size} sounds"
        fm = QtGui.QFontMetrics(v.font())
        pm = QtGui.QPixmap(fm.horizontalAdvance(label) + 16, fm.height() + 8)
        pm.fill(QtGui.QColor(30, 32, 40, 220))
        p = QtGui.QPainter(pm)
        p.setPen(QtGui.QColor("#ffffff"))
        p.drawText(pm.rect(), QtCore.Qt.AlignmentFlag.AlignCenter, label)
        p.end()
        drag.setPixmap(pm)
        v.dragStarted.emit(np.asarray(rows).copy())
        drag.exec(QtCore.Qt.DropAction.CopyAction)
