"""View-range animation (``fly_to``) and the bounding box of a set of points."""

from __future__ import annotations

from collections.abc import Sequence


import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore


__all__ = ["ViewAnimator", "rows_box"]

Rect = tuple[float, float, float, float]  # centre x, centre y, width, height


class ViewAnimator(QtCore.QObject):
    """Animates a ViewBox from its current range to a target (centre, size): the centre moves
    linearly and the size geometrically (uniform-feeling zoom), eased in and out. The last step
    sets exactly the target; ``finished`` is emitted then (also for ``duration_ms <= 0``)."""

    finished = QtCore.Signal()

    def __init__(self, viewbox: pg.ViewBox, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.vb = viewbox
        self._anim = QtCore.QVariantAnimation(self)
        self._anim.setStartValue(0.0)
        self._anim.setEndValue(1.0)
        self._anim.setEasingCurve(QtCore.QEasingCurve.Type.InOutCubic)
        self._anim.valueChanged.connect(self._step)
        self._anim.finished.connect(self._done)
        self._from: Rect | None = None
        self._to: Rect | None = None

    def fly(self, cx: float, cy: float, w: float, h: float, duration_ms: int) -> None:
        self.stop()
        (x0, x1), (y0, y1) = self.vb.viewRange()
        self._from = ((x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, 1e-12), max(y1 - y0, 1e-12))
        self._to = (float(cx), float(cy), max(float(w), 1e-12), max(float(h), 1e-12))
        if duration_ms <= 0:
            self._done()
            return
        self._anim.setDuration(int(duration_ms))
        self._anim.start()

    def is_running(self) -> bool:
        return self._anim.state() == QtCore.QAbstractAnimation.State.Running

    def stop(self) -> None:
        """Stop where it is (a user grabbed the map); no ``finished``."""
        if self.is_running():
            self._anim.stop()

    def _step(self, t: object) -> None:
        if self._from is None or self._to is None:
            return
        t = float(t)
        (ax, ay, aw, ah), (bx, by, bw, bh) = self._from, self._to
        cx, cy = ax + (bx - ax) * t, ay + (by - ay) * t
        w = aw * (bw / aw) ** t
        h = ah * (bh / ah) ** t
        self.vb.setRange(xRange=(cx - w / 2, cx + w / 2), yRange=(cy - h / 2, cy + h / 2), padding=0)

    def _done(self) -> None:
        if self._to is not None:
            self._step(1.0)
        self.finished.emit()


def rows_box(xy: np.ndarray, rows: Sequence[int] | np.ndarray, margin: float = 0.15
             ) -> tuple[np.ndarray, np.ndarray] | None:
    """``(centre [2], size [2])`` of the bounding box of ``xy[rows]`` grown by ``margin`` on each side
    (at least a small fraction of the map, so one point still gives a view); None without points."""
    rows = np.asarray(rows, dtype=np.int64)
    pts = xy[rows[(rows >= 0) & (rows < xy.shape[0])]]
    pts = pts[np.isfinite(pts).all(axis=1)]
    if pts.shape[0] == 0:
        return None
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    size = np.maximum(hi - lo, 1e-3 * max(1.0, float(np.abs(xy).max(initial=1.0))))
    return (lo + hi) / 2, size * (1 + 2 * margin)
