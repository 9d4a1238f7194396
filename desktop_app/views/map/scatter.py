"""A scatter item for up to millions of points: level-of-detail, sprites, a per-view raster cache.

Why not ``pg.ScatterPlotItem``: at 1M points it spends ~240 ms a frame and rebuilds per-spot
records when brushes change. :class:`PointCloudItem` instead

* keeps the points in a :class:`desktop_app.views.map.draw_order.DrawOrder` (sorted by draw group, then a random
  priority), so each frame selects at most ``max_points`` visible points — all of them when
  zoomed in, a stable random thinning when zoomed out — already grouped by style;
* draws each group with one ``QPainter.drawPixmapFragments`` call from a pre-rendered,
  antialiased sprite (≈0.2 µs a point; ``drawPoints`` with round caps is 6× slower);
* renders into a device-sized ``QImage`` cached per (view transform, data/style version), so
  repaints caused by overlays (hover ring, rubber band) only blit the cached image;
* recolours by swapping its group array and style table: the item is never rebuilt.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from pyqtgraph.Qt import compat
from PySide6 import QtCore, QtGui


from desktop_app.views.map.draw_order import DrawOrder

__all__ = ["PointStyle", "PointCloudItem", "render_sprite"]


@dataclass(frozen=True, slots=True)
class PointStyle:
    """How one draw group looks: fill colour (``#AARRGGBB`` int), diameter in px, optional outline."""

    rgba: int
    size: float
    outline_rgba: int | None = None
    outline_width: float = 1.5

    @staticmethod
    def of(color: QtGui.QColor | str, size: float, outline: QtGui.QColor | str | None = None,
           outline_width: float = 1.5) -> PointStyle:
        c = QtGui.QColor(color)
        o = None if outline is None else QtGui.QColor(outline).rgba()
        return PointStyle(int(c.rgba()), float(size), o, float(outline_width))


def render_sprite(style: PointStyle, dpr: float = 1.0) -> QtGui.QPixmap:
    """An antialiased disc for ``style`` at device pixel ratio ``dpr`` (square pixmap)."""
    ow = style.outline_width if style.outline_rgba is not None else 0.0
    d = style.size + 2 * ow
    side = max(1, int(math.ceil((d + 1) * dpr)))  # +1: room for the antialiased rim
    pm = QtGui.QPixmap(side, side)
    pm.fill(QtCore.Qt.GlobalColor.transparent)
    p = QtGui.QPainter(pm)
    p.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing, True)
    if style.outline_rgba is not None:
        pen = QtGui.QPen(QtGui.QColor.fromRgba(style.outline_rgba))
        pen.setWidthF(ow * dpr)
        p.setPen(pen)
    else:
        p.setPen(QtCore.Qt.PenStyle.NoPen)
    p.setBrush(QtGui.QColor.fromRgba(style.rgba))
    r = style.size * dpr / 2 + ow * dpr / 2
    c = side / 2
    p.drawEllipse(QtCore.QPointF(c, c), r, r)
    p.end()
    return pm


class PointCloudItem(pg.GraphicsObject):
    """Draws ``xy`` ``[N, 2]`` points in data coordinates with per-group :class:`PointStyle`.

    ``set_groups(groups [N], styles)`` recolours without rebuilding anything; ``set_enabled``
    hides rows; ``max_points`` bounds the points drawn per frame.
    """

    def __init__(self, max_points: int = 40_000, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.max_points = int(max_points)
        self._xy = np.zeros((0, 2), dtype=np.float32)
        self._lod: DrawOrder | None = None
        self._groups = np.zeros(0, dtype=np.int32)
        self._styles: list[PointStyle] = [PointStyle.of("#4c9be8", 5.0)]
        self._sprites: dict[tuple[PointStyle, float], QtGui.QPixmap] = {}
        self._bounds = QtCore.QRectF()
        self._version = 0
        self._cache_key: tuple | None = None
        self._cache_img: QtGui.QImage | None = None
        self._cache_origin = QtCore.QPoint()
        self._frag = np.zeros((0, 10), dtype=np.float64)
        #: diagnostics of the last render: points drawn, points in view before thinning, ms
        self.last_drawn = 0
        self.last_visible = 0
        self.last_render_ms = 0.0
        self.renders = 0

    # -- data -------------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return int(self._xy.shape[0])

    def set_data(self, xy: np.ndarray, groups: np.ndarray | None = None,
                 styles: Sequence[PointStyle] | None = None) -> None:
        """New point set (any N). Groups default to 0 for all rows."""
        xy = np.asarray(xy, dtype=np.float32).reshape(-1, 2)
        self._xy = xy
        g = np.zeros(xy.shape[0], dtype=np.int32) if groups is None else np.asarray(groups, dtype=np.int32)
        self._groups = g
        if styles is not None:
            self._styles = list(styles)
        self._lod = DrawOrder(xy, g)
        self._update_bounds()

    def set_positions(self, xy: np.ndarray) -> None:
        """Move the points (same N and row order)."""
        xy = np.asarray(xy, dtype=np.float32).reshape(-1, 2)
        if self._lod is None or xy.shape[0] != self.n:
            self.set_data(xy, None, None)
            return
        self._xy = xy
        self._lod.set_positions(xy)
        self._update_bounds()

    def set_groups(self, groups: np.ndarray, styles: Sequence[PointStyle]) -> None:
        """Recolour: ``groups`` int ``[N]`` indexes ``styles``; lower groups draw underneath."""
        g = np.asarray(groups, dtype=np.int32).reshape(-1)
        if g.shape[0] != self.n:
            raise ValueError(f"groups has {g.shape[0]} rows, expected {self.n}")
        if len(styles) == 0 or (g.size and (g.min() < 0 or g.max() >= len(styles))):
            raise ValueError("every group needs a style")
        self._groups = g
        self._styles = list(styles)
        if self._lod is not None:
            self._lod.set_groups(g)
        self._invalidate()

    def set_styles(self, styles: Sequence[PointStyle]) -> None:
        """Replace the style table only (e.g. a new point size), same groups."""
        if len(styles) < len(self._styles) and self._groups.size and self._groups.max() >= len(styles):
            raise ValueError("every group needs a style")
        self._styles = list(styles)
        self.prepareGeometryChange()
        self._invalidate()

    def set_enabled(self, enabled: np.ndarray | None) -> None:
        """Bool ``[N]`` of rows to draw (None = all)."""
        if self._lod is not None:
            self._lod.set_enabled(enabled)
        self._invalidate()

    def styles(self) -> list[PointStyle]:
        return list(self._styles)

    def groups(self) -> np.ndarray:
        """int32 ``[N]`` style index per row."""
        return self._groups

    def row_colors(self) -> np.ndarray:
        """uint32 ``[N]`` ARGB fill colour per row (what each point is painted with)."""
        table = np.array([s.rgba for s in self._styles], dtype=np.uint32)
        return table[self._groups] if self._groups.size else np.zeros(0, dtype=np.uint32)

    def _update_bounds(self) -> None:
        self.prepareGeometryChange()
        xy = self._xy
        self._bounds = QtCore.QRectF()
        if xy.shape[0]:
            x, y = xy[:, 0], xy[:, 1]
            if np.isfinite(x).all() and np.isfinite(y).all():
                x0, x1, y0, y1 = x.min(), x.max(), y.min(), y.max()
            else:
                fin = np.isfinite(xy).all(axis=1)
                if not fin.any():
                    return self._invalidate()
                x, y = x[fin], y[fin]
                x0, x1, y0, y1 = x.min(), x.max(), y.min(), y.max()
            self._bounds = QtCore.QRectF(float(x0), float(y0), float(x1 - x0), float(y1 - y0))
        self._invalidate()
        self.informViewBoundsChanged()

    def _invalidate(self) -> None:
        self._version += 1
        self.update()

    # -- pyqtgraph / QGraphicsItem protocol --------------------------------------------------
    def dataBounds(self, ax: int, frac: float = 1.0, orthoRange=None):  # noqa: ANN001, N802
        if self._bounds.isNull():
            return (None, None)
        if ax == 0:
            return (self._bounds.left(), self._bounds.right())
        return (self._bounds.top(), self._bounds.bottom())

    def pixelPadding(self) -> float:  # noqa: N802
        return max((s.size / 2 + (s.outline_width if s.outline_rgba else 0) for s in self._styles), default=0) + 1

    def boundingRect(self) -> QtCore.QRectF:  # noqa: N802
        if self._bounds.isNull():
            return QtCore.QRectF()
        pad = self.pixelPadding()
        px, py = self.pixelVectors()
        dx = 0.0 if px is None else px.length() * pad
        dy = 0.0 if py is None else py.length() * pad
        return self._bounds.adjusted(-dx, -dy, dx, dy)

    def viewTransformChanged(self) -> None:  # noqa: N802
        super().viewTransformChanged()  # drops pyqtgraph's cached viewRect
        self.prepareGeometryChange()

    # -- painting ----------------------------------------------------------------------------
    #: points drawn per point-area of screen before thinning (≈ how many distinguishable dots fit)
    FILL = 1.2
    MIN_BUDGET = 5_000

    def frame_budget(self, area_px: float) -> int:
        """Points to draw in ``area_px`` pixels: ``FILL × area / size²`` for the largest point
        size, between ``MIN_BUDGET`` and ``max_points``. Bigger dots need fewer points to fill the
        view; at 6 px on a 1000×800 plot this is ~27k."""
        size = max((st.size for st in self._styles), default=6.0)
        want = int(self.FILL * float(area_px) / max(1.0, size * size))
        return int(min(self.max_points, max(min(self.MIN_BUDGET, self.max_points), want)))

    def _sprite(self, style: PointStyle, dpr: float) -> QtGui.QPixmap:
        key = (style, dpr)
        pm = self._sprites.get(key)
        if pm is None:
            if len(self._sprites) > 512:
                self._sprites.clear()
            pm = self._sprites[key] = render_sprite(style, dpr)
        return pm

    def paint(self, p: QtGui.QPainter, opt, widget=None) -> None:  # noqa: ANN001
        if self._lod is None or self.n == 0:
            return
        vr = self.viewRect()
        if vr is None:
            return
        tr = p.transform()
        dev = p.device()
        dpr = float(dev.devicePixelRatioF()) if dev is not None else 1.0
        pad = self.pixelPadding() + 1
        drect = tr.mapRect(vr.intersected(self.boundingRect()) if not vr.isNull() else vr)
        region = drect.adjusted(-pad, -pad, pad, pad).toAlignedRect()
        if region.isEmpty() or region.width() > 32768 or region.height() > 32768:
            return
        key = (tr.m11(), tr.m12(), tr.m21(), tr.m22(), tr.m31(), tr.m32(),
               region.x(), region.y(), region.width(), region.height(), dpr, self._version)
        if key != self._cache_key or self._cache_img is None:
            self._render(tr, vr, region, dpr)
            self._cache_key = key
        p.save()
        p.resetTransform()
        p.drawImage(region.topLeft(), self._cache_img)
        p.restore()

    def _render(self, tr: QtGui.QTransform, vr: QtCore.QRectF, region: QtCore.QRect, dpr: float) -> None:
        t0 = QtCore.QElapsedTimer()
        t0.start()
        img = QtGui.QImage(max(1, int(region.width() * dpr)), max(1, int(region.height() * dpr)),
                           QtGui.QImage.Format.Format_ARGB32_Premultiplied)
        img.setDevicePixelRatio(dpr)
        img.fill(0)
        # data rect padded by the largest point radius so edge points are not cut off
        px, py = self.pixelVectors()
        pad = self.pixelPadding()
        ex = 0.0 if px is None else px.length() * pad
        ey = 0.0 if py is None else py.length() * pad
        rect = (vr.left() - ex, vr.top() - ey, vr.right() + ex, vr.bottom() + ey)
        frame = self._lod.select(rect, self.frame_budget(region.width() * region.height()))
        k = frame.rows.size
        self.last_visible = frame.visible
        self.last_drawn = k
        if k:
            x = frame.xy[:, 0].astype(np.float64)
            y = frame.xy[:, 1].astype(np.float64)
            if self._frag.shape[0] < k:
                self._frag = np.zeros((int(k * 1.25) + 16, 10), dtype=np.float64)
            f = self._frag[:k]
            np.multiply(x, tr.m11(), out=f[:, 0])
            f[:, 0] += tr.m31() - region.x()
            np.multiply(y, tr.m22(), out=f[:, 1])
            f[:, 1] += tr.m32() - region.y()
            if tr.m21() or tr.m12():  # rotated views (pyqtgraph never does this by default)
                f[:, 0] += y * tr.m21()
                f[:, 1] += x * tr.m12()
            np.clip(f[:, :2], -1e6, 1e6, out=f[:, :2])
            f[:, 2:4] = 0.0
            f[:, 6:8] = 1.0 / dpr
            f[:, 8] = 0.0
            f[:, 9] = 1.0
            painter = QtGui.QPainter(img)
            base = self._frag.ctypes.data
            sprites = [self._sprite(st, dpr) for st in self._styles]
            for gi, g in enumerate(frame.groups.tolist()):
                a, b = int(frame.bounds[gi]), int(frame.bounds[gi + 1])
                sprite = sprites[g]
                f[a:b, 4] = sprite.width()
                f[a:b, 5] = sprite.height()
                ptr = compat.wrapinstance(base + a * 80, QtGui.QPainter.PixmapFragment)
                painter.drawPixmapFragments(ptr, b - a, sprite)
            painter.end()
        self._cache_img = img
        self.renders += 1
        self.last_render_ms = t0.nsecsElapsed() / 1e6
