"""Level-of-detail drawing order for the map: which points to draw in one frame.

Qt-free. :class:`DrawOrder` keeps the points sorted by (draw group, random priority), so one
frame's subset comes out already grouped by colour without a per-frame sort, and zooming in only
ever adds points. Wide views of very many points (≥ 2M) are selected from a sample first, so a
frame costs in proportion to the points drawn rather than to N.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DrawOrder", "LodFrame"]

_EMPTY = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class LodFrame:
    """One frame's drawable subset, grouped by draw group.

    ``rows`` int64 ``[K]`` (rows into the caller's arrays), ``xy`` float32 ``[K, 2]``,
    ``groups`` int ``[G]`` (group id of each run), ``bounds`` int64 ``[G+1]`` (run k is
    ``rows[bounds[k]:bounds[k+1]]``), ``visible`` = how many points were in view before thinning.
    """

    rows: np.ndarray
    xy: np.ndarray
    groups: np.ndarray
    bounds: np.ndarray
    visible: int


class DrawOrder:
    """Points kept sorted by (group, priority) for level-of-detail drawing.

    ``select(rect, max_points)`` returns at most ``max_points`` of the points inside ``rect``;
    when thinning, it keeps the points of lowest priority rank, so zooming in only ever adds
    points (no flicker) and zooming far enough in shows every point. Because the storage order is
    (group, priority), the subset comes out grouped without sorting. Per frame at 1M points this
    is a handful of vectorised comparisons (a few ms).
    """

    SAMPLED_ABOVE = 2_000_000  #: from this many points, wide views are selected from a sample first
    SAMPLE = 1 << 16

    def __init__(self, xy: np.ndarray, groups: np.ndarray | None = None, seed: int = 0) -> None:
        xy = np.asarray(xy, dtype=np.float32).reshape(-1, 2)
        self.n = int(xy.shape[0])
        # rows in priority order; rank of a row = its position here
        self._by_priority = np.random.default_rng(seed).permutation(self.n).astype(np.int64)
        self._priority = np.empty(self.n, dtype=np.uint32)
        self._priority[self._by_priority] = np.arange(self.n, dtype=np.uint32)
        self._groups = np.zeros(self.n, dtype=np.int32)
        self._perm = np.arange(self.n, dtype=np.int64)  # storage slot → priority position
        self._enabled: np.ndarray | None = None
        self._store_positions(xy)
        self.set_groups(groups if groups is not None else self._groups)

    @property
    def priority(self) -> np.ndarray:
        """uint32 ``[N]`` priority rank of each row (0 = always drawn)."""
        return self._priority

    def set_groups(self, groups: np.ndarray) -> None:
        """Group id per row (int ``[N]``, small non-negative ints; lower groups draw first).

        Cost at 1M rows: one random gather plus a radix sort; the rest are gathers along a
        permutation that is increasing inside each group (cache-friendly streams)."""
        g = np.asarray(groups).reshape(-1)
        if g.shape[0] != self.n:
            raise ValueError(f"groups has {g.shape[0]} rows, expected {self.n}")
        self._groups = g.astype(np.int32, copy=False)
        gp = self._groups[self._by_priority]
        small = gp.size == 0 or (int(gp.min()) >= 0 and int(gp.max()) < 32768)
        # a stable sort on a narrow integer type is a radix sort; stable keeps priority order
        perm = np.argsort(gp.astype(np.int16) if small else gp, kind="stable")
        self._perm = perm
        self._order = self._by_priority[perm]
        self._orank = perm.astype(np.uint32)  # in priority order the rank is the position
        if gp.size:
            vals, counts = np.unique(gp, return_counts=True) if not small else self._runs(gp)
            self._og = np.repeat(vals.astype(np.int32), counts)
            self._seg = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)  # each group's run
        else:
            self._og = np.zeros(0, dtype=np.int32)
            self._seg = np.zeros(1, dtype=np.int64)
        self._reorder_positions()
        self._reorder_enabled()

    @staticmethod
    def _runs(gp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        counts = np.bincount(gp)
        vals = np.flatnonzero(counts)
        return vals, counts[vals]

    def set_positions(self, xy: np.ndarray) -> None:
        """New positions (same N, same row order)."""
        xy = np.asarray(xy, dtype=np.float32).reshape(-1, 2)
        if xy.shape[0] != self.n:
            raise ValueError(f"xy has {xy.shape[0]} rows, expected {self.n}")
        self._store_positions(xy)
        self._reorder_positions()

    def set_enabled(self, enabled: np.ndarray | None) -> None:
        """Bool ``[N]`` (False = hidden, never selected) or None for all."""
        self._enabled = None if enabled is None else np.asarray(enabled, dtype=bool).reshape(-1)
        self._reorder_enabled()

    def _store_positions(self, xy: np.ndarray) -> None:
        self._xy = xy
        self._px = np.ascontiguousarray(xy[self._by_priority, 0])  # priority order
        self._py = np.ascontiguousarray(xy[self._by_priority, 1])

    def _reorder_positions(self) -> None:
        self._ox = self._px[self._perm]
        self._oy = self._py[self._perm]

    def _reorder_enabled(self) -> None:
        self._oen = None if self._enabled is None else self._enabled[self._order]

    def select(self, rect: tuple[float, float, float, float], max_points: int) -> LodFrame:
        """Points within ``rect`` = (x0, y0, x1, y1), thinned to about ``max_points`` (never more
        than 1/32 above it) by priority."""
        if self.n >= self.SAMPLED_ABOVE and max_points > 0:
            wide = self._select_wide(rect, max_points)
            if wide is not None:
                return wide
        x0, y0, x1, y1 = rect
        ox, oy = self._ox, self._oy
        m = ox >= x0
        m &= ox <= x1
        m &= oy >= y0
        m &= oy <= y1
        if self._oen is not None:
            m &= self._oen
        visible = int(np.count_nonzero(m))
        if visible > max_points > 0:
            # ranks are a random permutation, so ranks < K keep about K/N of the visible points
            # (binomial: within ~1% of max_points); trim exactly only on a rare overshoot
            k = int(self.n * max_points / visible)
            m &= self._orank < k
            pos = np.flatnonzero(m)
            if pos.size > max_points + max_points // 32:
                keep = np.argpartition(self._orank[pos], max_points - 1)[:max_points]
                pos = np.sort(pos[keep])
        elif max_points <= 0:
            pos = _EMPTY
        else:
            pos = np.flatnonzero(m)
        return self._frame(pos, visible)

    def _frame(self, pos: np.ndarray, visible: int) -> LodFrame:
        """The frame of the storage positions ``pos`` (increasing, hence grouped)."""
        g = self._og[pos]
        if pos.size:
            cuts = np.flatnonzero(g[1:] != g[:-1]) + 1
            bounds = np.concatenate(([0], cuts, [pos.size])).astype(np.int64)
            groups = g[bounds[:-1]]
        else:
            bounds = np.zeros(1, dtype=np.int64)
            groups = np.zeros(0, dtype=np.int32)
        xy = np.empty((pos.size, 2), dtype=np.float32)
        xy[:, 0] = self._ox[pos]
        xy[:, 1] = self._oy[pos]
        return LodFrame(rows=self._order[pos], xy=xy, groups=groups, bounds=bounds, visible=visible)

    # -- wide views of very many points: work in proportion to the points drawn, not to N ------
    def _prefix(self, k: int) -> np.ndarray:
        """Storage positions of every point of priority rank < ``k`` (a prefix of each group's run,
        whose ranks increase), in storage order."""
        o, seg = self._orank, self._seg
        parts = [np.arange(a, a + int(np.searchsorted(o[a:b], k)), dtype=np.int64) for a, b in zip(seg[:-1], seg[1:])]
        return np.concatenate(parts) if parts else _EMPTY

    def _inside(self, pos: np.ndarray, rect: tuple[float, float, float, float]) -> np.ndarray:
        x0, y0, x1, y1 = rect
        x, y = self._ox[pos], self._oy[pos]
        m = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
        if self._oen is not None:
            m &= self._oen[pos]
        return pos[m]

    def _select_wide(self, rect: tuple[float, float, float, float], max_points: int) -> LodFrame | None:
        """For N ≥ :attr:`SAMPLED_ABOVE`: estimate the visible share from the :attr:`SAMPLE` points
        of lowest rank (a uniform random sample), and when the view holds many more points than
        ``max_points``, test only the points of rank < k (about 1.25 × ``max_points`` of them in
        view) instead of all N. ``visible`` is then the estimate. None: not such a view."""
        sample = self._inside(self._prefix(self.SAMPLE), rect)
        est = sample.size * self.n / self.SAMPLE
        if est <= 4 * max_points:
            return None
        k = int(min(self.n, self.n * max_points / est * 1.25))
        pos = self._inside(self._prefix(k), rect)
        if pos.size < max_points:  # the estimate was high: fall back to the exact path
            return None
        if pos.size > max_points + max_points // 32:
            keep = np.argpartition(self._orank[pos], max_points - 1)[:max_points]
            pos = np.sort(pos[keep])
        return self._frame(pos, int(round(est)))
