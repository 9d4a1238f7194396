"""The map's overlay layers, drawn above the point cloud in data coordinates.

Highlight (search matches: same colours, bigger, outlined; the cloud is dimmed), multi-selection
rings, the selected sound's ring, neighbour lines, the hover ring, and large cluster
annotations. Each ``set_*`` touches only its own layer; ``set_positions`` moves them all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtGui

from desktop_app.views.map.scatter import PointCloudItem, PointStyle

__all__ = ["MapLayers"]

_WHITE = QtGui.QColor("#ffffff").rgba()
_NO_XY = np.zeros((0, 2), np.float32)


class MapLayers:
    """Owns the overlay items of one ViewBox; ``cloud`` is the main point item (dimmed on
    highlight)."""

    DIM_OPACITY = 0.22

    def __init__(self, vb: pg.ViewBox, cloud: PointCloudItem, max_points: int) -> None:
        self.vb = vb
        self.cloud = cloud
        self.hl = PointCloudItem(max_points=max_points)
        self.sel = PointCloudItem(max_points=max_points)
        self.lines = pg.PlotCurveItem(pen=pg.mkPen(255, 255, 255, 170, width=1.3), connect="pairs", antialias=True)
        clear = pg.mkBrush(0, 0, 0, 0)
        self.selected = pg.ScatterPlotItem(pxMode=True, size=16, pen=pg.mkPen("#ffffff", width=2.2), brush=clear)
        self.hover = pg.ScatterPlotItem(pxMode=True, size=12, pen=pg.mkPen("#ffe680", width=1.8), brush=clear)
        for z, item in enumerate((self.hl, self.sel, self.lines, self.selected, self.hover), 1):
            item.setZValue(z)
            vb.addItem(item, ignoreBounds=True)
        self.annotations: list[tuple[int, pg.TextItem]] = []
        self._hidden_notes: set[int] = set()
        self._xy = _NO_XY
        self._enabled: np.ndarray | None = None
        self._groups = np.zeros(0, np.int32)
        self._styles: list[PointStyle] = []
        self._size = 6.0
        self._highlight: np.ndarray | None = None
        self._selection = np.zeros(0, np.int64)
        self._selected = -1
        self._nbr: tuple[int, np.ndarray] | None = None
        self._hover = -1

    # ------------------------------------------------------------------ context
    def set_context(self, xy: np.ndarray, enabled: np.ndarray | None, groups: np.ndarray,
                    styles: Sequence[PointStyle], point_size: float) -> None:
        """Positions / visibility / colours / size changed: redraw every layer."""
        self._xy, self._enabled, self._groups, self._styles = xy, enabled, groups, list(styles)
        self._size = float(point_size)
        self._draw_highlight()
        self._draw_selection()
        self._draw_selected()
        self._draw_lines()
        self._draw_hover()

    # ------------------------------------------------------------------ layers
    def set_highlight(self, rows: np.ndarray | None) -> None:
        self._highlight = rows
        self._draw_highlight()

    def set_selection(self, rows: np.ndarray) -> None:
        self._selection = rows
        self._draw_selection()

    def set_selected(self, row: int) -> None:
        self._selected = row
        self._draw_selected()

    def set_neighbors(self, nbr: tuple[int, np.ndarray] | None) -> None:
        self._nbr = nbr
        self._draw_lines()

    def set_hover(self, row: int) -> None:
        self._hover = row
        self._draw_hover()

    def _valid(self, rows: np.ndarray) -> np.ndarray:
        """Rows that exist and are not hidden (a hidden cluster shows no ring, line or highlight)."""
        rows = rows[(rows >= 0) & (rows < self._xy.shape[0])]
        return rows if self._enabled is None else rows[self._enabled[rows]]

    def _shown(self, row: int) -> bool:
        return 0 <= row < self._xy.shape[0] and (self._enabled is None or bool(self._enabled[row]))

    def _draw_highlight(self) -> None:
        hl = self._highlight
        if hl is None or not self._styles:
            self.hl.set_data(_NO_XY)
            self.cloud.setOpacity(1.0)
            return
        hl = self._valid(hl)
        styles = [PointStyle(st.rgba | 0xFF000000, self._size * 1.7, _WHITE, 1.5) for st in self._styles]
        self.hl.set_data(self._xy[hl], self._groups[hl], styles)
        self.cloud.setOpacity(self.DIM_OPACITY)

    def _draw_selection(self) -> None:
        sel = self._valid(self._selection)
        ring = PointStyle(0x00000000, self._size * 1.5 + 2, _WHITE, 1.6)
        self.sel.set_data(self._xy[sel], None, [ring])

    def _draw_selected(self) -> None:
        r = self._selected
        if self._shown(r):
            self.selected.setData([float(self._xy[r, 0])], [float(self._xy[r, 1])], size=self._size * 2 + 6)
        else:
            self.selected.setData([], [])

    def _draw_lines(self) -> None:
        if self._nbr is None or not self._shown(self._nbr[0]):
            self.lines.setData([], [])
            return
        a, nb = self._nbr
        nb = self._valid(nb)
        seg = np.empty((nb.size * 2, 2), dtype=np.float64)
        seg[0::2] = self._xy[a]
        seg[1::2] = self._xy[nb]
        self.lines.setData(seg[:, 0], seg[:, 1], connect="pairs")

    def _draw_hover(self) -> None:
        r = self._hover
        if not self._shown(r):
            self.hover.setData([], [])
            return
        self.hover.setData([float(self._xy[r, 0])], [float(self._xy[r, 1])], size=self._size + 8)

    # ------------------------------------------------------------------ annotations
    def set_annotations(self, notes: dict[int, tuple[float, float, str]],
                        color_of: Callable[[int], QtGui.QColor], hidden: set[int]) -> None:
        """Cluster captions at (x, y); the largest clusters' captions win where two would overlap."""
        for _, item in self.annotations:
            self.vb.removeItem(item)
        self.annotations = []
        self._hidden_notes = set(hidden)
        font = QtGui.QFont()
        font.setPointSize(13)
        font.setBold(True)
        for lab, (x, y, text) in sorted(notes.items()):  # label 0 is the largest cluster
            item = pg.TextItem(str(text), color="#ffffff", anchor=(0.5, 0.5), fill=pg.mkBrush(15, 17, 22, 140),
                               border=pg.mkPen(color_of(int(lab)), width=2))
            item.setFont(font)
            item.setPos(float(x), float(y))
            item.setZValue(8)
            self.vb.addItem(item, ignoreBounds=True)
            self.annotations.append((int(lab), item))
        self.declutter()

    def declutter(self) -> None:
        """Show each caption unless it would overlap one of a larger cluster (at the current zoom)."""
        placed: list = []
        for lab, item in self.annotations:
            if lab in self._hidden_notes:
                item.setVisible(False)
                continue
            rect = item.mapRectToScene(item.boundingRect())
            clash = any(rect.intersects(other) for other in placed)
            item.setVisible(not clash)
            if not clash:
                placed.append(rect)

    def show_annotations_except(self, hidden: set[int]) -> None:
        self._hidden_notes = set(hidden)
        self.declutter()
