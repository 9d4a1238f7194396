"""2-D point maths for the map: a spatial index for picking/selection and level-of-detail helpers.

Qt-free. Everything works on ``xy`` float arrays of shape ``[N, 2]`` (map coordinates).

* :class:`PointIndex` — a uniform-grid index (cells stored CSR-style, one contiguous slice per
  grid row) answering ``nearest`` (hover pick), ``in_rect`` and ``in_polygon`` (lasso). A grid
  rebuilds in tens of milliseconds at 1M points (a KD-tree takes ~0.5 s), which matters while a
  UMAP layout animates; ``benchmarks/bench_map.py`` compares both.
The level-of-detail draw order is in :mod:`desktop_app.views.map.draw_order`.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "PointIndex",
    "points_in_polygon",
]

_EMPTY = np.zeros(0, dtype=np.int64)


def points_in_polygon(px: np.ndarray, py: np.ndarray, vertices: np.ndarray) -> np.ndarray:
    """Even-odd (ray casting) test of points ``(px[k], py[k])`` against a polygon.

    ``vertices`` is ``[M, 2]`` (closed implicitly). Returns bool ``[K]``. Points are sorted by y
    once, so each edge only touches the points inside its y-span: the cost is roughly
    ``K log K + sum over edges of the points in that edge's y-span``.
    """
    px = np.asarray(px, dtype=np.float64)
    py = np.asarray(py, dtype=np.float64)
    v = np.asarray(vertices, dtype=np.float64).reshape(-1, 2)
    k = px.shape[0]
    inside = np.zeros(k, dtype=bool)
    if k == 0 or v.shape[0] < 3:
        return inside
    order = np.argsort(py, kind="stable")
    sy = py[order]
    sx = px[order]
    flips = np.zeros(k, dtype=bool)
    xi, yi = v[:, 0], v[:, 1]
    xj, yj = np.roll(xi, 1), np.roll(yi, 1)
    ymin = np.minimum(yi, yj)
    ymax = np.maximum(yi, yj)
    lo = np.searchsorted(sy, ymin, side="left")
    hi = np.searchsorted(sy, ymax, side="left")
    for e in np.flatnonzero(hi > lo):
        a, b = lo[e], hi[e]
        # points with ymin <= y < ymax: does a ray to +x cross this edge?
        t = (sy[a:b] - yi[e]) / (yj[e] - yi[e])
        xc = xi[e] + t * (xj[e] - xi[e])
        flips[a:b] ^= sx[a:b] < xc
    inside[order] = flips
    return inside


def auto_point_size(n: int) -> float:
    """A point diameter (px) that suits ``n`` points: big for a few dozen, small for a million."""
    return float(np.clip(15.0 - 2.2 * np.log10(max(1, n)), 3.0, 13.0))


def step_towards(xy: np.ndarray, row: int, dx: float, dy: float, enabled: np.ndarray | None = None) -> int:
    """The point to move to from ``row`` in direction ``(dx, dy)`` (arrow keys on the map), or -1.

    Candidates lie within 60° of the direction; the nearest wins, with points off the axis counting
    as farther (distance × (1 + 2·(1 − cos θ))), so "right" means the next point to the right.
    """
    n = xy.shape[0]
    if not 0 <= row < n:
        return -1
    d = np.asarray(xy, dtype=np.float64) - xy[row]
    dist = np.hypot(d[:, 0], d[:, 1])
    norm = float(np.hypot(dx, dy)) or 1.0
    cos = (d[:, 0] * dx + d[:, 1] * dy) / (norm * np.where(dist > 0, dist, 1.0))
    ok = (dist > 0) & (cos > 0.5) & np.isfinite(dist)
    if enabled is not None:
        ok &= enabled
    if not ok.any():
        return -1
    score = np.where(ok, dist * (1.0 + 2.0 * (1.0 - cos)), np.inf)
    return int(np.argmin(score))


class PointIndex:
    """Uniform-grid spatial index over ``xy`` ``[N, 2]``; answers return row numbers into ``xy``.

    Non-finite points are never returned. ``update(xy)`` swaps positions (same N or not) and
    rebuilds lazily on the next query, so animating a layout costs one rebuild per query burst.
    """

    def __init__(self, xy: np.ndarray, points_per_cell: float = 4.0, max_cells: int = 1 << 21) -> None:
        self._ppc = float(points_per_cell)
        self._max_cells = int(max_cells)
        self._xy = np.zeros((0, 2), dtype=np.float32)
        self._dirty = True
        self.update(xy)

    # -- building -------------------------------------------------------------------------
    @property
    def n(self) -> int:
        return int(self._xy.shape[0])

    def update(self, xy: np.ndarray) -> None:
        """Replace the positions (``[N, 2]``). The grid is rebuilt on the next query."""
        xy = np.asarray(xy, dtype=np.float32).reshape(-1, 2)
        self._xy = xy
        self._dirty = True

    def _build(self) -> None:
        xy = self._xy
        n = xy.shape[0]
        finite = np.isfinite(xy).all(axis=1)
        rows = np.flatnonzero(finite) if not finite.all() else None
        pts = xy if rows is None else xy[rows]
        if pts.shape[0] == 0:
            self._x0 = self._y0 = 0.0
            self._cw = self._ch = 1.0
            self._nx = self._ny = 1
            self._starts = np.zeros(2, dtype=np.int64)
            self._order = _EMPTY
            self._sx = self._sy = np.zeros(0, dtype=np.float32)
            self._dirty = False
            return
        x0, y0 = pts.min(axis=0).astype(np.float64)
        x1, y1 = pts.max(axis=0).astype(np.float64)
        w = max(x1 - x0, 1e-12)
        h = max(y1 - y0, 1e-12)
        cells = int(min(self._max_cells, max(1.0, pts.shape[0] / self._ppc)))
        side = np.sqrt(w * h / cells)
        nx = int(np.clip(np.ceil(w / side), 1, cells))
        ny = int(np.clip(np.ceil(h / side), 1, max(1, cells // nx)))
        cw, ch = w / nx * (1 + 1e-9), h / ny * (1 + 1e-9)
        ix = np.minimum(((pts[:, 0] - x0) / cw).astype(np.int32), nx - 1)
        iy = np.minimum(((pts[:, 1] - y0) / ch).astype(np.int32), ny - 1)
        cell = iy * np.int32(nx) + ix  # < max_cells, fits int32
        order = np.argsort(cell)  # stability not needed; int32 sorts are SIMD-accelerated
        counts = np.bincount(cell, minlength=nx * ny)
        starts = np.zeros(nx * ny + 1, dtype=np.int64)
        np.cumsum(counts, out=starts[1:])
        self._order = order if rows is None else rows[order]
        self._sx = np.ascontiguousarray(pts[order, 0])
        self._sy = np.ascontiguousarray(pts[order, 1])
        self._x0, self._y0, self._cw, self._ch = float(x0), float(y0), float(cw), float(ch)
        self._nx, self._ny = nx, ny
        self._starts = starts
        self._dirty = False
        assert n == self._xy.shape[0]

    def prepare(self) -> None:
        """Build the grid now (otherwise it is built by the first query)."""
        self._ensure()

    def _ensure(self) -> None:
        if self._dirty:
            self._build()

    def _candidates(self, x0: float, y0: float, x1: float, y1: float) -> np.ndarray:
        """Positions (into the grid-sorted arrays) of points in cells overlapping the rectangle."""
        nx, ny = self._nx, self._ny
        ix0 = int(np.floor((x0 - self._x0) / self._cw))
        ix1 = int(np.floor((x1 - self._x0) / self._cw))
        iy0 = int(np.floor((y0 - self._y0) / self._ch))
        iy1 = int(np.floor((y1 - self._y0) / self._ch))
        if ix1 < 0 or iy1 < 0 or ix0 >= nx or iy0 >= ny:
            return _EMPTY
        ix0, iy0 = max(ix0, 0), max(iy0, 0)
        ix1, iy1 = min(ix1, nx - 1), min(iy1, ny - 1)
        if ix0 == 0 and ix1 == nx - 1:  # full grid rows are one contiguous slice
            return np.arange(self._starts[iy0 * nx], self._starts[iy1 * nx + nx])
        r = np.arange(iy0, iy1 + 1) * nx
        a = self._starts[r + ix0]
        b = self._starts[r + ix1 + 1]
        if a.size == 1:
            return np.arange(a[0], b[0])
        lens = b - a
        total = int(lens.sum())
        if total == 0:
            return _EMPTY
        # concatenated aranges without a Python loop
        offs = np.repeat(a - np.concatenate(([0], np.cumsum(lens)[:-1])), lens)
        return np.arange(total) + offs

    # -- queries --------------------------------------------------------------------------
    def nearest(
        self,
        x: float,
        y: float,
        max_dist: float,
        *,
        scale: tuple[float, float] = (1.0, 1.0),
        mask: np.ndarray | None = None,
    ) -> int:
        """Row of the point nearest to ``(x, y)`` within ``max_dist``, or -1.

        Distances are measured after scaling by ``scale`` = (sx, sy), so a view can pass pixels
        per data unit and ``max_dist`` in pixels. ``mask`` (bool ``[N]``) excludes rows that are
        False (hidden clusters).
        """
        self._ensure()
        sx, sy = float(scale[0]), float(scale[1])
        if self._order.size == 0 or not (max_dist >= 0 and sx > 0 and sy > 0):
            return -1
        if not (np.isfinite(x) and np.isfinite(y) and np.isfinite(max_dist / sx) and np.isfinite(max_dist / sy)):
            return -1
        rx, ry = max_dist / sx, max_dist / sy
        cand = self._candidates(x - rx, y - ry, x + rx, y + ry)
        if cand.size == 0:
            return -1
        dx = (self._sx[cand] - x) * sx
        dy = (self._sy[cand] - y) * sy
        d2 = dx * dx + dy * dy
        if mask is not None:
            d2[~np.asarray(mask, dtype=bool)[self._order[cand]]] = np.inf
        k = int(np.argmin(d2))
        if not d2[k] <= max_dist * max_dist:
            return -1
        return int(self._order[cand[k]])

    def in_rect(self, x0: float, y0: float, x1: float, y1: float, mask: np.ndarray | None = None) -> np.ndarray:
        """Sorted rows (int64) inside the closed rectangle (corners in any order)."""
        self._ensure()
        x0, x1 = min(x0, x1), max(x0, x1)
        y0, y1 = min(y0, y1), max(y0, y1)
        if not np.isfinite([x0, y0, x1, y1]).all():
            return _EMPTY
        cand = self._candidates(x0, y0, x1, y1)
        if cand.size == 0:
            return _EMPTY
        px, py = self._sx[cand], self._sy[cand]
        keep = (px >= x0) & (px <= x1) & (py >= y0) & (py <= y1)
        rows = self._order[cand[keep]]
        if mask is not None:
            rows = rows[np.asarray(mask, dtype=bool)[rows]]
        return np.sort(rows)

    def in_polygon(self, vertices: np.ndarray, mask: np.ndarray | None = None) -> np.ndarray:
        """Sorted rows inside the polygon ``vertices`` ``[M, 2]`` (even-odd rule, lasso)."""
        self._ensure()
        v = np.asarray(vertices, dtype=np.float64).reshape(-1, 2)
        v = v[np.isfinite(v).all(axis=1)]
        if v.shape[0] < 3:
            return _EMPTY
        (x0, y0), (x1, y1) = v.min(axis=0), v.max(axis=0)
        cand = self._candidates(x0, y0, x1, y1)
        if cand.size == 0:
            return _EMPTY
        px, py = self._sx[cand], self._sy[cand]
        box = (px >= x0) & (px <= x1) & (py >= y0) & (py <= y1)
        cand, px, py = cand[box], px[box], py[box]
        inside = points_in_polygon(px, py, v)
        rows = self._order[cand[inside]]
        if mask is not None:
            rows = rows[np.asarray(mask, dtype=bool)[rows]]
        return np.sort(rows)
