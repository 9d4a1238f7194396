"""Plots and the docs section of ``benchmarks/bench_scale.py`` (its results dict in, files out)."""

from __future__ import annotations

import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
IMG = ROOT / "docs" / "img"
BEGIN, END = "<!-- scale:begin -->", "<!-- scale:end -->"
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
           "#bcbd22", "#17becf", "#000000", "#aec7e8")


WHOLE_PROCESS = ("neighbours", "reopen")  # what a user waits for: the process, start-up included


def _seconds(r: dict, stage: str = "") -> float | None:
    if not isinstance(r, dict) or "timeout" in r or "error" in r:
        return None
    if stage in WHOLE_PROCESS:
        return r.get("wall")
    return r.get("seconds")  # None for per-query stages: their process time means nothing


def _series(results: dict, key: str) -> dict[str, list[tuple[int, float]]]:
    out: dict[str, list[tuple[int, float]]] = {}
    for n, stages in results["libraries"].items():
        for stage, r in stages.items():
            if not isinstance(r, dict):
                continue
            v = _seconds(r, stage) if key == "time" else r.get("peak_rss_mb")
            if v:
                out.setdefault(stage, []).append((int(n), float(v)))
    for m, stages in results["vectors"].items():
        for stage, r in stages.items():
            v = _seconds(r) if key == "time" else r.get("peak_rss_mb")
            if v and stage in ("map", "hdbscan", "kmeans", "ann build"):
                out.setdefault(f"{stage} (vectors)", []).append((int(m), float(v)))
    return out


def plot(series: dict[str, list[tuple[int, float]]], path: Path, ylabel: str) -> bool:
    """A log-log line plot per stage, written as PNG with pyqtgraph's exporter (offscreen Qt)."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    try:
        import pyqtgraph as pg
        from pyqtgraph.exporters import ImageExporter
    except ImportError:
        return False
    app = pg.mkQApp()
    pg.setConfigOptions(background="w", foreground="k", antialias=True)
    w = pg.PlotWidget()
    w.resize(900, 560)
    w.setLogMode(x=True, y=True)
    w.setLabel("bottom", "N (sounds, or vectors for '(vectors)')")
    w.setLabel("left", ylabel)
    w.showGrid(x=True, y=True, alpha=0.3)
    w.addLegend(offset=(10, 10))
    for i, (name, pts) in enumerate(sorted(series.items())):
        pts = sorted(pts)
        pen = pg.mkPen(COLOURS[i % len(COLOURS)], width=2, style=pg.QtCore.Qt.PenStyle.DashLine if "vectors" in name else pg.QtCore.Qt.PenStyle.SolidLine)
        w.plot([p[0] for p in pts], [p[1] for p in pts], pen=pen, symbol="o", symbolSize=6,
               symbolBrush=COLOURS[i % len(COLOURS)], name=name)
    app.processEvents()
    path.parent.mkdir(parents=True, exist_ok=True)
    ImageExporter(w.plotItem).export(str(path))
    return True


def _fmt(r: dict, stage: str = "") -> str:
    if "timeout" in r:
        return f"timeout ({r['timeout']:.0f} s)"
    if "error" in r:
        return "error: " + r["error"]
    s = _seconds(r, stage)
    extra = {k: v for k, v in r.items() if k not in ("seconds", "wall", "peak_rss_mb", "load")}
    time_s = f"{s:.2f} s" if s is not None and s < 10 else (f"{s:.0f} s" if s is not None else "")
    if stage in WHOLE_PROCESS and r.get("seconds") is not None:
        time_s += f" (its work {r['seconds']:.2f} s)"
    bits = [time_s, f"{r.get('peak_rss_mb', 0):.0f} MB", f"load {r['load']}" if "load" in r else ""]
    bits += [f"{k} {v}" for k, v in extra.items() if v not in ([], None)]
    if "heavy imports" in extra and not extra["heavy imports"]:
        bits.append("no heavy import")
    return "; ".join(b for b in bits if b)


def section(results: dict, command: str) -> str:
    lines = [BEGIN, "## The scale ladder: 1k → 100k sounds, 1M vectors (issue 12)", "",
             "Commands, in order: " + "; ".join(f"`OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python {c}`"
                                                for c in results.get("commands", [command])) + ". "
             "2 cores, shared with other work; the load average when each stage finished is in its cell. "
             "Synthetic data (no real library of this size is at hand): short FLAC sounds in a nested tree, "
             "embedded with `mfcc`; the 1M rows are 120-d vectors from a Gaussian mixture. Each stage runs in a "
             "fresh process; times are the stage's own work, except `neighbours` and `reopen`, which are whole "
             "processes (interpreter start-up and imports included): a process that answers one query, and "
             "one that reads a cached library back as the GUI does on open. Peak RSS is per process. "
             "`heavy imports` lists which of torch, umap, hdbscan, numba, pynndescent and scikit-learn a "
             "stage imported.", "",
             "![time per stage against N](img/scale_time.png)", "",
             "![peak RSS per stage against N](img/scale_rss.png)", ""]
    sizes = list(results["libraries"])
    if sizes:
        stages = [st for st, r in next(iter(results["libraries"].values())).items() if isinstance(r, dict)]
        lines += ["| stage | " + " | ".join(f"{int(n):,} sounds" for n in sizes) + " |",
                  "|---|" + "---|" * len(sizes)]
        for st in stages:
            cells = [(_fmt(results["libraries"][n][st], st) if st in results["libraries"][n] and isinstance(results["libraries"][n][st], dict) else str(results["libraries"][n].get(st, "—"))) for n in sizes]
            lines.append(f"| {st} | " + " | ".join(cells) + " |")
        lines.append("")
    for m, stages in results["vectors"].items():
        lines += [f"| {int(m):,} vectors × 120 | result |", "|---|---|"]
        lines += [f"| {st} | {_fmt(r, st)} |" for st, r in stages.items()]
        lines.append("")
    lines.append(END)
    return "\n".join(lines)


def write_report(results: dict, command: str) -> None:
    plot(_series(results, "time"), IMG / "scale_time.png", "seconds")
    plot(_series(results, "rss"), IMG / "scale_rss.png", "peak RSS (MB)")
    text = DOC.read_text(encoding="utf-8")
    new = section(results, command)
    if BEGIN in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: new, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + new + "\n"
    DOC.write_text(text, encoding="utf-8")
