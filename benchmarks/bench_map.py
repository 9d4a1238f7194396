"""Map view at scale: naive ``pg.ScatterPlotItem`` vs ``MapView`` (offscreen), same run.

Measures, for clustered random points (30 Gaussian blobs + 10% uniform noise):

* frame time = ``PlotWidget.grab()`` (the QGraphicsView renders the whole scene into a QPixmap,
  i.e. one full repaint), after moving the view by a tiny amount so no cache can be reused;
  for MapView also a "static" repaint (same view, e.g. the hover ring moved: cached raster);
  three views: everything, one cluster (±2σ), close-up (±0.3σ);
* hover pick: naive ``ScatterPlotItem.pointsAt`` vs ``desktop_app.views.map.spatial.PointIndex.nearest`` (and
  ``MapView.pick`` end to end, and scipy ``cKDTree.query`` for reference); index build times;
* recolour: naive ``setBrush(list of QBrush)`` and rebuild ``setData(..., brush=list)`` vs
  ``MapView.set_labels`` (no item rebuild), each followed by nothing (paint is measured above).

Run:  QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_map.py [--sizes 100000 1000000] [--naive-max 2000000]
Writes the markdown table to benchmarks/out/bench_map.md as well.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6 import QtCore, QtWidgets  # noqa: E402
from scipy.spatial import cKDTree  # noqa: E402

from desktop_app.views.map.spatial import PointIndex  # noqa: E402
from desktop_app.views.map.overlays import cluster_color  # noqa: E402
from desktop_app.views.map.view import MapView  # noqa: E402

W, H = 1000, 800


def blobs(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """xy float32 [n,2], labels [n] (-1 noise), centres [30,2], sigmas [30]."""
    rng = np.random.default_rng(seed)
    k = 30
    centres = rng.uniform(-40, 40, (k, 2))
    sig = rng.uniform(0.8, 3.0, k)
    lab = rng.integers(0, k, n)
    xy = centres[lab] + rng.normal(0, 1, (n, 2)) * sig[lab, None]
    noise = rng.random(n) < 0.1
    xy[noise] = rng.uniform(-50, 50, (int(noise.sum()), 2))
    lab = np.where(noise, -1, lab)
    return xy.astype(np.float32), lab, centres, sig


def fmt(t: tuple[float, float], digits: int = 1) -> str:
    return "–" if t[0] != t[0] else f"{t[0]:.{digits}f} ({t[1]:.{digits}f}) ms"


def _ms(v: float, digits: int) -> str:
    return "–" if v != v else f"{v:.{digits}f} ms"


def _ratio(a: float, b: float, digits: int = 1) -> str:
    return "–" if a != a else f"{a / b:.{digits}f}×"


def timeit(fn, reps: int) -> tuple[float, float]:  # noqa: ANN001
    """(median, min) milliseconds over ``reps`` runs after one warm-up."""
    fn()
    ts = []
    for _ in range(reps):
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1e3)
    return statistics.median(ts), min(ts)


def frame_timer(app: QtWidgets.QApplication, plot: pg.PlotWidget, vb: pg.ViewBox, rect, moving: bool):  # noqa: ANN001
    x0, y0, x1, y1 = rect
    state = {"k": 0}

    def frame() -> None:
        if moving:  # shift the view by 1e-4 of its span so nothing cached can be reused
            state["k"] += 1
            d = (x1 - x0) * 1e-4 * (state["k"] % 2)
            vb.setRange(xRange=(x0 + d, x1 + d), yRange=(y0, y1), padding=0)
        plot.grab()

    vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
    app.processEvents()
    return frame


def brushes_for(labels: np.ndarray) -> list:
    table = {int(u): pg.mkBrush(cluster_color(i)) for i, u in enumerate(np.unique(labels))}
    table[-1] = pg.mkBrush(150, 155, 162, 85)
    return [table[int(v)] for v in labels]


def run_size(app: QtWidgets.QApplication, n: int, reps: int, naive_max: int = 2_000_000) -> list[tuple[str, str, str, str]]:
    """The rows for ``n`` points; the naive baseline only up to ``naive_max`` points (beyond it a
    list of one QBrush per point alone takes minutes and gigabytes): "–" in its column."""
    with_naive = n <= naive_max
    rows: list[tuple[str, str, str, str]] = []
    xy, lab, centres, sig = blobs(n)
    big = int(np.argmax(np.bincount(lab[lab >= 0])))
    cx, cy = centres[big]
    s = sig[big]
    views = {
        "all": (-52.0, -52.0, 52.0, 52.0),
        "one cluster (±2σ)": (cx - 2 * s, cy - 2 * s, cx + 2 * s, cy + 2 * s),
        "close-up (±0.3σ)": (cx - 0.3 * s, cy - 0.3 * s, cx + 0.3 * s, cy + 0.3 * s),
    }
    slow_reps = max(2, reps // 4) if n >= 500_000 else reps

    # ---------------------------------------------------------------- naive
    naive = pg.PlotWidget(background="#15171c")
    naive.getPlotItem().hideAxis("left")
    naive.getPlotItem().hideAxis("bottom")
    naive.resize(W, H)
    naive.show()
    nvb = naive.getPlotItem().getViewBox()
    nvb.setAspectLocked(True)
    naive_build, item = float("nan"), None
    if with_naive:
        brushes = brushes_for(lab)
        t = time.perf_counter()
        item = pg.ScatterPlotItem(x=xy[:, 0], y=xy[:, 1], size=6, pen=None, brush=brushes, pxMode=True)
        naive.addItem(item)
        naive_build = (time.perf_counter() - t) * 1e3
    app.processEvents()

    # ---------------------------------------------------------------- MapView
    view = MapView()
    view.resize(W, H)
    view.show()
    t = time.perf_counter()
    view.set_points(xy, [""] * n)
    view.set_labels(lab)
    mine_build = (time.perf_counter() - t) * 1e3
    view.legend.hide()
    view.resize(W, H)
    app.processEvents()
    assert view.plot.size() == naive.size(), (view.plot.size(), naive.size())

    rows.append((f"{n:,}: build (setData / set_points+set_labels)", _ms(naive_build, 0),
                 f"{mine_build:.0f} ms", _ratio(naive_build, mine_build)))

    for name, rect in views.items():
        nt = timeit(frame_timer(app, naive, nvb, rect, True), slow_reps) if with_naive else (float("nan"),) * 2
        mt = timeit(frame_timer(app, view.plot, view.vb, rect, True), reps)
        drawn, vis = view.cloud.last_drawn, view.cloud.last_visible
        st = timeit(frame_timer(app, view.plot, view.vb, rect, False), reps)
        rows.append((f"{n:,}: frame, view moved, {name} ({vis:,} in view, {drawn:,} drawn)",
                     fmt(nt), fmt(mt), _ratio(nt[0], mt[0])))
        rows.append((f"{n:,}: frame, static repaint (cached raster), {name}", fmt(nt), fmt(st),
                     _ratio(nt[0], st[0])))

    # ---------------------------------------------------------------- hover pick
    rng = np.random.default_rng(1)
    rect = views["one cluster (±2σ)"]
    view.vb.setRange(xRange=(rect[0], rect[2]), yRange=(rect[1], rect[3]), padding=0)
    nvb.setRange(xRange=(rect[0], rect[2]), yRange=(rect[1], rect[3]), padding=0)
    view.plot.grab()
    naive.grab()
    inview = np.flatnonzero((xy[:, 0] > rect[0]) & (xy[:, 0] < rect[2]) & (xy[:, 1] > rect[1]) & (xy[:, 1] < rect[3]))
    qs = xy[rng.choice(inview, 200)] + rng.normal(0, 0.02 * s, (200, 2)).astype(np.float32)
    nq = 3 if n >= 500_000 else 10
    naive_pick = float("nan")
    if with_naive:
        t = time.perf_counter()
        for x, y in qs[:nq]:
            item.pointsAt(QtCore.QPointF(float(x), float(y)))
        naive_pick = (time.perf_counter() - t) / nq * 1e3
    index = view.index()
    index.prepare()  # MapView builds the grid lazily on the first pick; its cost is the build row
    pw, ph = view.vb.viewPixelSize()
    scale = (1 / pw, 1 / ph)
    t = time.perf_counter()
    for x, y in qs:
        index.nearest(float(x), float(y), 7.0, scale=scale)
    grid_pick = (time.perf_counter() - t) / len(qs) * 1e3
    vpos = [view.view_to_viewport(float(x), float(y)) for x, y in qs]
    t = time.perf_counter()
    hits = sum(view.pick(p) >= 0 for p in vpos)
    view_pick = (time.perf_counter() - t) / len(qs) * 1e3
    assert hits > len(qs) // 2, hits  # the queries really are on points
    t = time.perf_counter()
    tree = cKDTree(xy)
    kd_build = (time.perf_counter() - t) * 1e3
    t = time.perf_counter()
    for x, y in qs:
        tree.query((x, y), distance_upper_bound=7.0 * pw)
    kd_pick = (time.perf_counter() - t) / len(qs) * 1e3
    t = time.perf_counter()
    PointIndex(xy).prepare()
    grid_build = (time.perf_counter() - t) * 1e3
    rows.append((f"{n:,}: hover pick (pointsAt vs PointIndex.nearest)", _ms(naive_pick, 2),
                 f"{grid_pick:.3f} ms", _ratio(naive_pick, grid_pick, 0)))
    rows.append((f"{n:,}: hover pick end to end (MapView.pick)", _ms(naive_pick, 2),
                 f"{view_pick:.3f} ms", _ratio(naive_pick, view_pick, 0)))
    rows.append((f"{n:,}: index build, paid once by the first pick (cKDTree vs grid)", f"{kd_build:.0f} ms",
                 f"{grid_build:.0f} ms", f"{kd_build / grid_build:.1f}×"))
    rows.append((f"{n:,}: pick query (cKDTree.query vs PointIndex.nearest)", f"{kd_pick:.3f} ms",
                 f"{grid_pick:.3f} ms", f"{kd_pick / grid_pick:.1f}×"))

    # ---------------------------------------------------------------- recolour
    lab2 = np.where(lab >= 0, (lab + 7) % 30, -1)
    item_before = view.cloud

    def naive_recolour() -> None:
        item.setBrush(brushes_for(lab2))

    def naive_rebuild() -> None:
        item.setData(x=xy[:, 0], y=xy[:, 1], size=6, pen=None, brush=brushes_for(lab2))

    flip = {"k": 0}

    def mine_recolour() -> None:
        flip["k"] += 1
        view.set_labels(lab2 if flip["k"] % 2 else lab)

    nan = (float("nan"),) * 2
    nrc = timeit(naive_recolour, slow_reps) if with_naive else nan
    nrb = timeit(naive_rebuild, slow_reps) if with_naive else nan
    mrc = timeit(mine_recolour, reps)
    assert view.cloud is item_before
    rows.append((f"{n:,}: recolour (setBrush list vs set_labels)", fmt(nrc, 0), fmt(mrc, 0),
                 _ratio(nrc[0], mrc[0])))
    rows.append((f"{n:,}: recolour (setData rebuild vs set_labels)", fmt(nrb, 0), fmt(mrc, 0),
                 _ratio(nrb[0], mrc[0])))
    naive.close()
    view.close()
    naive.deleteLater()
    view.deleteLater()
    app.processEvents()
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--reps", type=int, default=9)
    ap.add_argument("--naive-max", type=int, default=2_000_000, help="largest size the naive baseline runs at")
    args = ap.parse_args(argv)
    app = QtWidgets.QApplication.instance() or QtWidgets.QApplication([])
    rows: list[tuple[str, str, str, str]] = []
    load0 = os.getloadavg()
    for n in args.sizes:
        rows.extend(run_size(app, n, args.reps, args.naive_max))
    load1 = os.getloadavg()
    head = ("measure", "naive pyqtgraph", "MapView / PointIndex", "speed-up")
    lines = [
        f"# bench_map ({platform.machine()}, {os.cpu_count()} CPUs, Qt offscreen, "
        f"{W}×{H} plot, times = median (min) of {args.reps} runs (naive at 1M: fewer), "
        f"loadavg {load0[0]:.1f}→{load1[0]:.1f})",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / "bench_map.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
