"""Mouse handling of the map: an event filter on the plot's viewport.

It sees every press/move/release before pyqtgraph does, so hover does not depend on pyqtgraph's
mouse-rate limit, and selection/drag-out gestures can be taken away from pyqtgraph's panning:

* press with Shift → rectangle; Ctrl/Alt/Meta → lasso; on a selected point → drag-out;
  otherwise the selection mode decides ('rect'/'lasso') or pyqtgraph pans ('none');
* a release within the start-drag distance is a click (any mode);
* double click → ``pointDoubleClicked``; right click → ``contextMenuRequested``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets


if TYPE_CHECKING:
    from desktop_app.views.map.view import MapView

__all__ = ["MapMouse", "SELECTION_MODES"]

SELECTION_MODES = ("none", "rect", "lasso")
_EMPTY = np.zeros(0, dtype=np.int64)
_T = QtCore.QEvent.Type
_KM = QtCore.Qt.KeyboardModifier
_LEFT = QtCore.Qt.MouseButton.LeftButton
_K = QtCore.Qt.Key
_ARROWS = {_K.Key_Left: (-1, 0), _K.Key_Right: (1, 0), _K.Key_Up: (0, 1), _K.Key_Down: (0, -1)}


class MapMouse(QtCore.QObject):
    """Turns viewport mouse events into MapView hover/click/selection/drag actions."""

    def __init__(self, view: MapView) -> None:
        super().__init__(view)
        self.view = view
        self.mode = "none"
        self._press: dict | None = None
        vp = view.plot.viewport()
        vp.setMouseTracking(True)
        vp.setFocusPolicy(QtCore.Qt.FocusPolicy.StrongFocus)  # a click focuses the map: arrows walk it
        vp.installEventFilter(self)

    def eventFilter(self, obj: QtCore.QObject, ev: QtCore.QEvent) -> bool:  # noqa: N802
        t = ev.type()
        if t == _T.MouseMove:
            return self._move(ev)
        if t == _T.MouseButtonPress:
            return self._press_event(ev)
        if t == _T.MouseButtonRelease:
            return self._release(ev)
        if t == _T.MouseButtonDblClick and ev.button() == _LEFT:
            row = self.view.pick(ev.position())
            if row >= 0:
                self.view.pointDoubleClicked.emit(row)
            return False
        if t == _T.Leave:
            self.view._set_hover(-1)  # noqa: SLF001
        if t == _T.KeyPress and ev.key() in _ARROWS and not ev.modifiers():
            dx, dy = _ARROWS[ev.key()]
            self.view.step_selection(dx, dy)
            return True
        return False

    # ------------------------------------------------------------------------------------------
    def _move(self, ev: QtGui.QMouseEvent) -> bool:
        v = self.view
        pos = ev.position()
        pr = self._press
        if pr is not None and ev.buttons() & _LEFT:
            moved = (pos - pr["pos"]).manhattanLength() >= QtWidgets.QApplication.startDragDistance()
            pr["moved"] = pr["moved"] or moved
            mode = pr["mode"]
            if mode == "rect":
                if pr["moved"]:
                    a, b = pr["data"], v.to_data(pos)
                    v.rubber_band().show_rect(a.x(), a.y(), b.x(), b.y())
                return True
            if mode == "lasso":
                if pr["moved"]:
                    p = v.to_data(pos)
                    if not pr.get("lasso"):
                        a = pr["data"]
                        v.rubber_band().start_lasso(a.x(), a.y())
                        pr["lasso"] = True
                    v.rubber_band().add_lasso_point(p.x(), p.y())
                return True
            if mode == "dragout":
                if pr["moved"]:
                    self._press = None
                    v.drag.start(pr["rows"])
                return True
        v._set_hover(v.pick(pos))  # noqa: SLF001
        return False

    def _press_event(self, ev: QtGui.QMouseEvent) -> bool:
        v = self.view
        pos = ev.position()
        if ev.button() != _LEFT:
            if ev.button() == QtCore.Qt.MouseButton.RightButton:
                self._press = {"pos": pos, "mode": "context", "moved": False, "row": v.pick(pos)}
            return False
        v.stop_fly()
        mods = ev.modifiers()
        row = v.pick(pos)
        rows = v.drag.rows_for(row)
        if mods & _KM.ShiftModifier:
            mode = "rect"
        elif mods & (_KM.ControlModifier | _KM.AltModifier | _KM.MetaModifier):
            mode = "lasso"
        elif rows.size:
            mode = "dragout"
        elif self.mode in ("rect", "lasso"):
            mode = self.mode
        else:
            mode = "pan"  # pyqtgraph gets the press and pans
        self._press = {"pos": pos, "mode": mode, "moved": False, "row": row, "mods": mods,
                       "data": v.to_data(pos), "rows": rows if mode == "dragout" else _EMPTY}
        return mode != "pan"

    def _release(self, ev: QtGui.QMouseEvent) -> bool:
        v = self.view
        pr, self._press = self._press, None
        if pr is None:
            return False
        if pr["mode"] == "context":
            moved = (ev.position() - pr["pos"]).manhattanLength() >= QtWidgets.QApplication.startDragDistance()
            if ev.button() == QtCore.Qt.MouseButton.RightButton and not moved:
                v.contextMenuRequested.emit(int(pr["row"]), ev.globalPosition().toPoint())
            return False
        if ev.button() != _LEFT:
            return False
        mode = pr["mode"]
        moved = pr["moved"] or (
            (ev.position() - pr["pos"]).manhattanLength() >= QtWidgets.QApplication.startDragDistance())
        band = v.rubber_band()
        if not moved:
            band.hide()
            v.click(pr["row"], pr["mods"])
            return mode != "pan"
        if mode == "rect":
            a, b = pr["data"], v.to_data(ev.position())
            band.hide()
            v.finish_selection(v.index().in_rect(a.x(), a.y(), b.x(), b.y(), mask=v.enabled_mask()))
            return True
        if mode == "lasso":
            verts = band.lasso_vertices()
            band.hide()
            v.finish_selection(v.index().in_polygon(verts, mask=v.enabled_mask()))
            return True
        return mode != "pan"
