"""What the user selects on the map: a mixin of :class:`desktop_app.views.map.view.MapView`.

Owns the current sound (drawn with a ring) and the multi-selection: the setters the model side calls
(no signal), and the gesture API :class:`desktop_app.views.map.mouse.MapMouse` drives — the selection
mode of a plain drag, viewport → data coordinates, the rubber band, the pickable rows, a click
(``pointClicked`` / ``backgroundClicked``; Shift/Ctrl toggles multi-selection), an arrow-key step
(``pointStepped``) and a finished rectangle or lasso (``selectionChanged``). The view owns the
points, the layers that draw the selection and the signals.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

from desktop_app.views.map.layers import MapLayers
from desktop_app.views.map.mouse import SELECTION_MODES, MapMouse
from desktop_app.views.map.overlays import RubberBand
from desktop_app.views.map.spatial import PointIndex, step_towards

__all__ = ["EMPTY_ROWS", "MapSelection"]

EMPTY_ROWS = np.zeros(0, dtype=np.int64)


class MapSelection:
    """The selected sound and the multi-selection of :class:`~desktop_app.views.map.view.MapView`
    (see the module docstring)."""

    pointClicked: QtCore.SignalInstance
    pointStepped: QtCore.SignalInstance
    backgroundClicked: QtCore.SignalInstance
    selectionChanged: QtCore.SignalInstance
    plot: pg.PlotWidget
    vb: pg.ViewBox
    _layers: MapLayers
    _mouse: MapMouse
    _band: RubberBand
    _index: PointIndex
    _xy: np.ndarray
    _enabled: np.ndarray | None
    _selection: np.ndarray
    _selected: int

    def set_selected(self, row: int | None) -> None:
        """Mark the current sound (ring); None/-1 clears."""
        self._selected = -1 if row is None or row < 0 else int(row)
        self._layers.set_selected(self._selected)

    def selected(self) -> int:
        return self._selected

    def set_selection(self, rows: np.ndarray | Sequence[int] | None) -> None:
        """Set the multi-selection (no signal)."""
        self._selection = EMPTY_ROWS if rows is None else np.unique(np.asarray(rows, dtype=np.int64))
        self._layers.set_selection(self._selection)

    def selection(self) -> np.ndarray:
        """int64 rows of the multi-selection (sorted)."""
        return self._selection.copy()

    def set_selection_mode(self, mode: str) -> None:
        """What a plain left-drag does: 'none' pans, 'rect'/'lasso' select. Shift-drag (rect) and
        Ctrl/Alt-drag (lasso) select in every mode."""
        mode = "none" if mode == "pan" else mode
        if mode not in SELECTION_MODES:
            raise ValueError(f"unknown selection mode {mode!r}")
        self._mouse.mode = mode

    def to_data(self, pos: QtCore.QPointF | QtCore.QPoint) -> QtCore.QPointF:
        """Data coordinates of a viewport position."""
        return self.vb.mapSceneToView(self.plot.mapToScene(QtCore.QPointF(pos).toPoint()))

    def rubber_band(self) -> RubberBand:
        return self._band

    def enabled_mask(self) -> np.ndarray | None:
        """bool ``[N]`` of pickable rows, or None when nothing is hidden."""
        return self._enabled

    def click(self, row: int, mods: QtCore.Qt.KeyboardModifier = QtCore.Qt.KeyboardModifier.NoModifier) -> None:
        """What a click on ``row`` (-1: background) does; Shift/Ctrl toggle multi-selection."""
        KM = QtCore.Qt.KeyboardModifier
        toggle = bool(mods & (KM.ShiftModifier | KM.ControlModifier | KM.MetaModifier))
        if row < 0:
            if self._selection.size and not toggle:
                self.finish_selection(EMPTY_ROWS)
            self.backgroundClicked.emit()
            return
        if toggle:
            sel = self._selection
            new = sel[sel != row] if row in sel else np.union1d(sel, [row])
            self.finish_selection(new.astype(np.int64))
            return
        if self._selection.size and row not in self._selection:
            self.finish_selection(EMPTY_ROWS)
        self.set_selected(row)
        self.pointClicked.emit(row)

    def step_selection(self, dx: float, dy: float) -> None:
        """Arrow keys: select the nearest visible point in that direction (``pointStepped(row)``);
        with nothing selected, the point nearest the middle of the view."""
        if self._selected < 0:
            x0, y0, x1, y1 = self.view_rect()
            row = self._index.nearest((x0 + x1) / 2, (y0 + y1) / 2, 1e9, mask=self._enabled)
        else:
            row = step_towards(self._xy, self._selected, dx, dy, self._enabled)
        if row >= 0:
            self.set_selected(row)
            self.pointStepped.emit(row)

    def finish_selection(self, rows: np.ndarray) -> None:
        """Set the multi-selection from a user gesture and emit ``selectionChanged``."""
        self._selection = np.asarray(rows, dtype=np.int64)
        self._refresh_layers()
        self.selectionChanged.emit(self._selection.copy())
