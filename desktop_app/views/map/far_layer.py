"""The "true neighbours far on the map" overlay: orange rings on the selected sound's true
neighbours (nearest in the embedding) that the map put far away, and dashed lines to them.

An extra layer on the map's ViewBox, owned by :class:`~desktop_app.views.map.binding.MapBinding`;
it draws what the state says (``state.true_neighbours``) and computes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore

__all__ = ["FAR_COLOR", "FarNeighbourLayer"]

FAR_COLOR = "#ff9f43"


class FarNeighbourLayer:
    """Rings and dashed lines from the selected row to its far true neighbours."""

    def __init__(self, vb: pg.ViewBox) -> None:
        pen = pg.mkPen(FAR_COLOR, width=1.6, style=QtCore.Qt.PenStyle.DashLine)
        self.lines = pg.PlotCurveItem(pen=pen, connect="pairs", antialias=True)
        self.rings = pg.ScatterPlotItem(pxMode=True, size=18, pen=pg.mkPen(FAR_COLOR, width=2.4),
                                        brush=pg.mkBrush(0, 0, 0, 0))
        for z, item in ((3.5, self.lines), (4.5, self.rings)):
            item.setZValue(z)
            vb.addItem(item, ignoreBounds=True)
        self.rows = np.zeros(0, np.int64)

    def set(self, xy: np.ndarray, row: int | None, far_rows: Sequence[int], enabled: np.ndarray | None = None,
            point_size: float = 6.0) -> None:
        """Draw the far neighbours ``far_rows`` of ``row`` at positions ``xy`` ``[N, 2]``; hidden rows
        (``enabled`` False) are left out. ``row`` None or no rows clears."""
        rows = np.asarray(list(far_rows), dtype=np.int64)
        n = len(xy)
        if row is None or not 0 <= row < n or not rows.size:
            self.clear()
            return
        rows = rows[(rows >= 0) & (rows < n)]
        if enabled is not None:
            rows = rows[enabled[rows]]
        self.rows = rows
        pts = np.asarray(xy, np.float64)
        self.rings.setData(pts[rows, 0], pts[rows, 1], size=point_size * 2 + 8)
        seg = np.empty((rows.size * 2, 2), np.float64)
        seg[0::2] = pts[row]
        seg[1::2] = pts[rows]
        self.lines.setData(seg[:, 0], seg[:, 1], connect="pairs")

    def clear(self) -> None:
        self.rows = np.zeros(0, np.int64)
        self.rings.setData([], [])
        self.lines.setData([], [])
