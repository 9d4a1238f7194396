"""desktop_app.views.map.spatial against brute-force answers on random clustered data."""

from __future__ import annotations

import numpy as np
import pytest

from desktop_app.views.map.draw_order import DrawOrder
from desktop_app.views.map.spatial import PointIndex, points_in_polygon


def blobs(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 10, (12, 2))
    lab = rng.integers(0, 12, n)
    return (centres[lab] + rng.normal(0, 1.0, (n, 2)) * rng.uniform(0.2, 2.0, 12)[lab, None]).astype(np.float32)


def brute_nearest(xy, x, y, r, scale=(1.0, 1.0), mask=None):
    d2 = ((xy[:, 0] - x) * scale[0]) ** 2 + ((xy[:, 1] - y) * scale[1]) ** 2
    d2 = d2.astype(np.float64)
    if mask is not None:
        d2[~mask] = np.inf
    k = int(np.argmin(d2))
    return k if d2[k] <= r * r else -1


@pytest.mark.parametrize("n", [1, 7, 5000])
def test_nearest_matches_brute_force(n: int) -> None:
    xy = blobs(n)
    idx = PointIndex(xy)
    rng = np.random.default_rng(1)
    found = 0
    for x, y in rng.normal(0, 12, (300, 2)):
        for r in (0.05, 0.5, 3.0):
            got = idx.nearest(x, y, r)
            want = brute_nearest(xy, x, y, r)
            if want == -1:
                assert got == -1
            else:
                found += 1
                # ties are possible in principle; compare distances
                dg = np.hypot(*(xy[got] - (x, y)))
                dw = np.hypot(*(xy[want] - (x, y)))
                assert dg == pytest.approx(dw, abs=1e-5)
    assert found > 0


def test_nearest_anisotropic_scale_and_mask() -> None:
    xy = blobs(3000, seed=3)
    idx = PointIndex(xy)
    mask = np.random.default_rng(0).random(3000) < 0.5
    rng = np.random.default_rng(2)
    hits = 0
    for x, y in xy[rng.integers(0, 3000, 200)] + rng.normal(0, 0.05, (200, 2)):
        got = idx.nearest(x, y, 6.0, scale=(40.0, 10.0), mask=mask)
        want = brute_nearest(xy, x, y, 6.0, scale=(40.0, 10.0), mask=mask)
        assert (got == -1) == (want == -1)
        if want >= 0:
            hits += 1
            assert mask[got]
            d = lambda k: np.hypot((xy[k, 0] - x) * 40.0, (xy[k, 1] - y) * 10.0)  # noqa: E731
            assert d(got) == pytest.approx(d(want), rel=1e-5)
    assert hits > 50


def test_nearest_outside_and_nan() -> None:
    xy = blobs(100)
    xy[5] = np.nan
    idx = PointIndex(xy)
    assert idx.nearest(1e6, 1e6, 1.0) == -1
    assert idx.nearest(float("nan"), 0.0, 1.0) == -1
    assert idx.nearest(*xy[7], 1e-3) == 7
    assert PointIndex(np.zeros((0, 2))).nearest(0, 0, 1) == -1


def test_update_rebuilds() -> None:
    xy = blobs(500)
    idx = PointIndex(xy)
    assert idx.nearest(*xy[3], 1e-4) == 3
    moved = xy + 100.0
    idx.update(moved)
    assert idx.nearest(*xy[3], 1e-4) == -1
    assert idx.nearest(*moved[3], 1e-4) == 3


def test_in_rect_matches_mask() -> None:
    xy = blobs(20000, seed=5)
    idx = PointIndex(xy)
    rng = np.random.default_rng(4)
    for _ in range(30):
        a, b = rng.normal(0, 12, (2, 2))
        got = idx.in_rect(a[0], a[1], b[0], b[1])
        x0, x1 = sorted((a[0], b[0]))
        y0, y1 = sorted((a[1], b[1]))
        m = (xy[:, 0] >= x0) & (xy[:, 0] <= x1) & (xy[:, 1] >= y0) & (xy[:, 1] <= y1)
        np.testing.assert_array_equal(got, np.flatnonzero(m))
    mask = rng.random(20000) < 0.3
    got = idx.in_rect(-100, -100, 100, 100, mask=mask)
    np.testing.assert_array_equal(got, np.flatnonzero(mask))


def brute_polygon(px, py, v):
    inside = np.zeros(px.shape[0], dtype=bool)
    m = len(v)
    for i in range(m):
        (xi, yi), (xj, yj) = v[i], v[i - 1]
        cond = (yi > py) != (yj > py)
        with np.errstate(divide="ignore", invalid="ignore"):
            xc = (xj - xi) * (py - yi) / (yj - yi) + xi
        inside ^= cond & (px < xc)
    return inside


def test_polygon_concave_star() -> None:
    xy = blobs(20000, seed=6)
    idx = PointIndex(xy)
    ang = np.linspace(0, 2 * np.pi, 23, endpoint=False)
    rad = np.where(np.arange(23) % 2 == 0, 15.0, 4.0)
    star = np.c_[rad * np.cos(ang) + 1.0, rad * np.sin(ang) - 2.0]
    got = idx.in_polygon(star)
    want = np.flatnonzero(brute_polygon(xy[:, 0].astype(np.float64), xy[:, 1].astype(np.float64), star))
    assert want.size > 100
    np.testing.assert_array_equal(got, want)
    # a square: every point inside the square's rect and nothing else
    sq = np.array([[-3, -3], [3, -3], [3, 3], [-3, 3]], dtype=float)
    np.testing.assert_array_equal(idx.in_polygon(sq), idx.in_rect(-3, -3, 3, 3))
    assert idx.in_polygon(sq[:2]).size == 0


def test_points_in_polygon_simple() -> None:
    tri = np.array([[0, 0], [4, 0], [0, 4]], dtype=float)
    px = np.array([1.0, 3.0, -1.0, 1.0])
    py = np.array([1.0, 3.0, 1.0, 2.5])
    np.testing.assert_array_equal(points_in_polygon(px, py, tri), [True, False, False, True])


def test_draw_order_lod_is_grouped_stable_and_complete() -> None:
    n = 50000
    xy = blobs(n, seed=7)
    groups = np.random.default_rng(0).integers(0, 7, n)
    lod = DrawOrder(xy, groups)
    big = (-100.0, -100.0, 100.0, 100.0)
    f = lod.select(big, 5000)
    assert f.visible == n
    assert f.rows.size == 5000
    # grouped: each run has one group, groups increasing
    assert np.all(np.diff(f.groups) > 0)
    for k, g in enumerate(f.groups):
        assert np.all(groups[f.rows[f.bounds[k] : f.bounds[k + 1]]] == g)
    np.testing.assert_array_equal(f.xy, xy[f.rows])
    # thinning keeps the lowest-priority ranks
    pr = lod.priority
    assert pr[f.rows].max() < np.sort(pr)[5000 + 200]
    # stable: a larger budget is a superset
    f2 = lod.select(big, 20000)
    assert np.isin(f.rows, f2.rows).all()
    # zoomed in enough: everything visible in the rect is returned
    r = (0.0, 0.0, 2.0, 2.0)
    f3 = lod.select(r, 100000)
    m = (xy[:, 0] >= 0) & (xy[:, 0] <= 2) & (xy[:, 1] >= 0) & (xy[:, 1] <= 2)
    np.testing.assert_array_equal(np.sort(f3.rows), np.flatnonzero(m))
    # hidden rows never come back; regrouping changes the runs
    en = groups != 3
    lod.set_enabled(en)
    assert en[lod.select(big, n).rows].all()
    lod.set_groups((groups + 1) % 7)
    f4 = lod.select(big, n)
    assert f4.rows.size == int(en.sum())
    for k, g in enumerate(f4.groups):
        assert np.all((groups[f4.rows[f4.bounds[k] : f4.bounds[k + 1]]] + 1) % 7 == g)
    lod.set_positions(xy + 1000)
    assert lod.select(big, n).rows.size == 0


def test_step_towards_picks_the_next_point_in_that_direction() -> None:
    from desktop_app.views.map.spatial import step_towards

    xy = np.array([[0, 0], [1, 0.1], [3, 0], [0, 1], [-1, 0], [0.5, 1.3], [0, -2]], dtype=np.float32)
    assert step_towards(xy, 0, 1, 0) == 1  # right: the nearest point on that side
    assert step_towards(xy, 0, 0, 1) == 3  # up
    assert step_towards(xy, 0, -1, 0) == 4
    assert step_towards(xy, 0, 0, -1) == 6
    assert step_towards(xy, 4, -1, 0) == -1  # nothing further left
    hidden = np.ones(len(xy), bool)
    hidden[1] = False
    assert step_towards(xy, 0, 1, 0, hidden) == 2  # hidden points are skipped
    assert step_towards(xy, 99, 1, 0) == -1


def test_wide_views_of_many_points_match_the_exact_selection(monkeypatch) -> None:
    """Above ``SAMPLED_ABOVE`` points a wide view is selected from the low-rank prefix of each group:
    the same kind of subset as the exact path (inside the view, about ``max_points``, the lowest
    ranks), a visible count within a few per cent, and zooming in still only adds points."""
    n = 300_000
    xy = blobs(n, seed=3)
    groups = np.random.default_rng(3).integers(0, 7, n)
    exact = DrawOrder(xy, groups)
    fast = DrawOrder(xy, groups)
    monkeypatch.setattr(fast, "SAMPLED_ABOVE", 1000)  # take the sampled path at a test-sized N
    monkeypatch.setattr(fast, "SAMPLE", 1 << 14)
    wide = (-40.0, -40.0, 40.0, 40.0)
    inner = (-5.0, -5.0, 15.0, 15.0)
    budget = 5000
    a, b = exact.select(wide, budget), fast.select(wide, budget)
    assert abs(b.visible - a.visible) <= 0.05 * a.visible
    assert budget * 0.9 <= b.rows.size <= budget + budget // 32
    x, y = xy[b.rows, 0], xy[b.rows, 1]
    assert ((x >= -40) & (x <= 40) & (y >= -40) & (y <= 40)).all()
    # the lowest ranks in view: nothing drawn has a higher rank than the best undrawn point in view
    pr = fast.priority
    in_view = np.flatnonzero((xy[:, 0] >= -40) & (xy[:, 0] <= 40) & (xy[:, 1] >= -40) & (xy[:, 1] <= 40))
    undrawn = np.setdiff1d(in_view, b.rows)
    assert pr[b.rows].max() < pr[undrawn].min()
    # grouped runs, as the painter needs them
    g = np.asarray(groups)
    assert list(b.groups) == sorted(set(g[b.rows].tolist()))
    for k, grp in enumerate(b.groups):
        assert (g[b.rows[b.bounds[k]:b.bounds[k + 1]]] == grp).all()
    # zooming in only adds points
    c = fast.select(inner, budget)
    x, y = xy[b.rows, 0], xy[b.rows, 1]
    kept = b.rows[(x >= -5) & (x <= 15) & (y >= -5) & (y <= 15)]
    assert set(kept.tolist()) <= set(c.rows.tolist())
