"""The training timelapse: one map per epoch, aligned so that sounds move rather than jump, and a GIF.

Epoch 0 (the network before training) gets an ordinary UMAP map (:func:`core.maps.projection.project`,
spectral initialisation, fixed seed). Every later epoch's UMAP starts from the previous epoch's
layout (umap's ``init=`` array: the kNN graph of the new vectors, optimised for
``ALIGNED_EPOCHS`` epochs at half umap's learning rate from where the points were) and is then Procrustes-aligned to it
(translation, rotation, uniform scale; no reflection): what is left is the movement the new
vectors cause. ``align='procrustes'`` aligns independent maps only, ``'none'`` does neither (the
maps as a naive loop would draw them: for comparison).

:func:`tween` interpolates frames between epochs (smoothstep easing); :func:`render_frames` draws
them (numpy, :mod:`core.maps.raster`) with a caption "epoch k/N", a progress bar and a legend,
in colours fixed per sound for the whole animation; :func:`write_timelapse_gif` writes the GIF
(:mod:`core.maps.gif`). Nothing here needs Qt or an imaging library.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from core.jobs import TIMELAPSE, UMAP, Job, Progress
from core.maps.palette import NOISE_RGB, TAB20
from core.maps.params import ProjectionParams
from core.maps.raster import Canvas, fit_text, hex_rgb, text_width

ALIGN_MODES = ("init", "procrustes", "none")
ALIGNED_EPOCHS = 100  # UMAP epochs of a map started from the previous epoch's layout …
ALIGNED_ALPHA = 0.5  # … and its initial learning rate (umap's default 1.0 moves points about twice as far)
MAX_GROUPS = 12  # legend entries (and distinct colours) in a GIF; the rest are grey "other"


@dataclass(slots=True)
class Timelapse:
    """Aligned maps of one training run. ``layouts[k]`` float32 ``[N, 2]`` is the map after epoch
    ``epochs[k]`` of ``total`` (epoch 0: before training); row ``i`` is the sound ``ids[i]`` in
    every layout. ``labels`` int ``[N]`` (−1: none) and ``names`` colour the sounds."""

    ids: np.ndarray
    epochs: list[int] = field(default_factory=list)
    layouts: list[np.ndarray] = field(default_factory=list)
    total: int = 0
    labels: np.ndarray | None = None
    names: dict[int, str] = field(default_factory=dict)
    title: str = ""


def procrustes(xy: np.ndarray, ref: np.ndarray) -> np.ndarray:
    """``xy`` moved onto ``ref`` (both ``[N, 2]``): the rotation (no reflection) that minimises the
    squared distances, scaled to ``ref``'s size (RMS distance from the centre) and centred on it, float32.

    (The least-squares scale would shrink a layout that changed a lot, epoch after epoch.)"""
    a = np.asarray(xy, dtype=np.float64)
    b = np.asarray(ref, dtype=np.float64)
    ma, mb = a.mean(0), b.mean(0)
    a0, b0 = a - ma, b - mb
    u, _s, vt = np.linalg.svd(a0.T @ b0)
    d = np.sign(np.linalg.det(u @ vt)) or 1.0
    rot = u @ np.diag([1.0, d]) @ vt
    na, nb = np.sqrt((a0 ** 2).sum()), np.sqrt((b0 ** 2).sum())
    scale = nb / na if na > 0 else 1.0
    return (scale * a0 @ rot + mb).astype(np.float32)


def displacement(layouts: list[np.ndarray]) -> np.ndarray:
    """Mean distance a point moves between consecutive layouts (``[len − 1]``), in units of each
    pair's layout size (RMS distance of the points from their centre)."""
    out = []
    for a, b in zip(layouts, layouts[1:]):
        size = np.sqrt(((b - b.mean(0)) ** 2).sum(1).mean()) or 1.0
        out.append(float(np.linalg.norm(b - a, axis=1).mean() / size))
    return np.array(out)


def _umap_from(x: np.ndarray, init: np.ndarray, params: ProjectionParams, n_epochs: int) -> Job[np.ndarray]:
    """UMAP of ``x`` whose optimisation starts at ``init`` ``[N, 2]`` (umap's ``init=`` array)."""
    from core.maps.projection import normalise_xy
    from core.maps.umap_pieces import find_ab_params, fuzzy_graph, knn, sgd

    n = len(x)
    k = int(max(2, min(params.n_neighbors, n - 1)))
    knn_idx, knn_dist = yield from knn(np.asarray(x, dtype=np.float32), k, params.metric)
    graph = fuzzy_graph(knn_idx, knn_dist)
    if graph.nnz:
        graph.data[graph.data < graph.data.max() / float(n_epochs)] = 0.0
        graph.eliminate_zeros()
    span = init.max(axis=0) - init.min(axis=0)
    span[span == 0] = 1.0
    emb = (10.0 * (init - init.min(axis=0)) / span).astype(np.float32, order="C")  # as umap scales an init
    if graph.nnz == 0:
        return normalise_xy(emb)
    a, b = find_ab_params(1.0, params.min_dist)
    rng = np.random.RandomState(params.seed)
    for p in sgd(emb, emb, graph.row, graph.col, graph.data, n_epochs, a, b, rng, ALIGNED_ALPHA, True):
        if p.done % 25 == 0:
            yield Progress(stage=UMAP, done=p.done, total=n_epochs, message="aligned map")
    return normalise_xy(emb)


def next_layout(vectors: np.ndarray, previous: np.ndarray | None, params: ProjectionParams | None = None,
                align: str = "init", n_epochs: int = ALIGNED_EPOCHS) -> Job[np.ndarray]:
    """Job: the map of ``vectors`` for the epoch after the one mapped as ``previous`` (``None``: the
    first map). ``align``: ``init`` (start from ``previous``, then Procrustes), ``procrustes``
    (an independent map, Procrustes-aligned) or ``none``."""
    from core.maps.projection import project

    if align not in ALIGN_MODES:
        raise ValueError(f"align must be one of {', '.join(ALIGN_MODES)}")
    params = params or ProjectionParams()
    x = np.asarray(vectors, dtype=np.float32)
    if len(x) < 3:
        raise ValueError(f"a timelapse needs at least 3 sounds, not {len(x)}")
    if previous is None or align != "init":
        xy = yield from project(x, params)
    else:
        xy = yield from _umap_from(x, np.asarray(previous, dtype=np.float32), params, n_epochs)
    if previous is not None and align != "none":
        xy = procrustes(xy, previous)
    return np.asarray(xy, dtype=np.float32)


def aligned_layouts(vector_sets: list[np.ndarray], params: ProjectionParams | None = None, align: str = "init",
                    n_epochs: int = ALIGNED_EPOCHS) -> Job[list[np.ndarray]]:
    """Job: one aligned map per vector set (``[N, D]`` each, the same sounds in the same order)."""
    out: list[np.ndarray] = []
    total = len(vector_sets)
    for k, v in enumerate(vector_sets):
        yield Progress(stage=TIMELAPSE, done=k, total=total, message=f"map {k + 1} of {total}")
        xy = yield from next_layout(v, out[-1] if out else None, params, align, n_epochs)
        out.append(xy)
    yield Progress(stage=TIMELAPSE, done=total, total=total, message=f"{total} maps")
    return out


def _smoothstep(t: float) -> float:
    return t * t * (3.0 - 2.0 * t)


def tween(layouts: list[np.ndarray], steps: int) -> list[tuple[int, float, np.ndarray]]:
    """Frames ``(k, t, xy)``: each layout ``k`` (``t = 0``), then ``steps`` frames easing towards the next."""
    frames: list[tuple[int, float, np.ndarray]] = []
    for k, xy in enumerate(layouts):
        frames.append((k, 0.0, xy))
        if k + 1 < len(layouts):
            for s in range(1, steps + 1):
                t = s / (steps + 1)
                e = _smoothstep(t)
                frames.append((k, t, ((1 - e) * xy + e * layouts[k + 1]).astype(np.float32)))
    return frames


# -- rendering ------------------------------------------------------------------------------------
BG, TEXT, DIM, OUTLINE, NONE, TRACK, FILL = range(7)
_FIXED = ["#1e1f22", "#e8eaed", "#9aa0a6", "#0b0c0e", "#%02x%02x%02x" % NOISE_RGB, "#3c4043", "#8ab4f8"]


def _box(xy: np.ndarray) -> tuple[np.ndarray, float]:
    """Centre and side of the square that frames a layout (its 1st–99th percentiles, plus 6 %):
    the camera, eased between epochs like the points; far outliers sit on the edge."""
    lo, hi = np.percentile(xy, 1, axis=0), np.percentile(xy, 99, axis=0)
    return (lo + hi) / 2, float(max(hi - lo)) * 1.06 or 1.0


@dataclass(slots=True)
class Frames:
    """Rendered frames: uint8 index images, the palette (uint8 ``[P, 3]``) and per-frame delays (1/100 s)."""

    images: list[np.ndarray]
    palette: np.ndarray
    delays_cs: list[int]
    epochs: list[int]  # the epoch each frame shows (tween frames: the epoch they leave)

    def rgb(self, k: int) -> np.ndarray:
        """Frame ``k`` as uint8 RGB ``[H, W, 3]``."""
        return self.palette[self.images[k]]


def group_colours(labels: np.ndarray | None, n: int, names: dict[int, str]) -> tuple[np.ndarray, list[tuple[str, int]]]:
    """Palette index per sound (``[n]``) and the legend ``[(name, index)]``: the ``MAX_GROUPS``
    biggest groups keep their own colour, the others and unlabelled sounds are grey."""
    idx = np.full(n, NONE, dtype=np.int64)
    legend: list[tuple[str, int]] = []
    if labels is None:
        return idx, legend
    labels = np.asarray(labels)
    groups = [int(g) for g in np.unique(labels) if g >= 0]
    groups.sort(key=lambda g: (-int((labels == g).sum()), g))
    for rank, g in enumerate(sorted(groups[:MAX_GROUPS])):
        idx[labels == g] = len(_FIXED) + rank
        legend.append((names.get(g, f"group {g + 1}"), len(_FIXED) + rank))
    if len(groups) > MAX_GROUPS or (labels < 0).any():
        legend.append(("other" if len(groups) > MAX_GROUPS else "none", NONE))
    return idx, legend


def render_frames(tl: Timelapse, *, width: int = 560, height: int = 440, fps: float = 12.0, tween_steps: int = 8,
                  hold_s: float = 0.8) -> Frames:
    """Draw the timelapse: ``tween_steps`` eased frames between epochs at ``fps``, each epoch held
    ``hold_s`` seconds (the last one twice as long). Sounds keep one colour for the whole run."""
    if not tl.layouts:
        raise ValueError("the timelapse has no maps")
    n = len(tl.ids)
    colours, legend = group_colours(tl.labels, n, tl.names)
    palette = np.array([hex_rgb(c) for c in _FIXED] + [hex_rgb(TAB20[k % len(TAB20)]) for k in range(MAX_GROUPS)],
                       dtype=np.uint8)
    order = np.argsort(colours != NONE, kind="stable")  # grey first, coloured on top, same order every frame
    legend_w = 0 if not legend else min(200, 22 + max(text_width(name, 2) for name, _ in legend))
    top, bottom, pad = 40, 14, 10
    side = max(60, min(width - legend_w - 2 * pad, height - top - bottom - pad))
    boxes = [_box(xy) for xy in tl.layouts]
    radius = 3 if n <= 300 else 2 if n <= 1500 else 1
    frames = tween(tl.layouts, tween_steps)
    images, delays, epochs = [], [], []
    step_cs = max(2, int(round(100 / fps)))
    for k, t, xy in frames:
        c = Canvas(width, height, BG)
        e = _smoothstep(t)
        centre, span = ((1 - e) * boxes[k][0] + e * boxes[min(k + 1, len(boxes) - 1)][0],
                        (1 - e) * boxes[k][1] + e * boxes[min(k + 1, len(boxes) - 1)][1])
        u = np.clip((xy[:, 0] - centre[0]) / span + 0.5, 0.0, 1.0)
        v = np.clip(0.5 - (xy[:, 1] - centre[1]) / span, 0.0, 1.0)
        px = pad + (side - 2 * radius - 2) * u + radius + 1
        py = top + (side - 2 * radius - 2) * v + radius + 1
        c.discs(px[order], py[order], np.full(n, OUTLINE), radius + 1)
        c.discs(px[order], py[order], colours[order], radius)
        epoch = tl.epochs[k]
        label = f"epoch {epoch}/{tl.total}" if epoch > 0 else f"epoch 0/{tl.total} (untrained)"
        c.text(pad, 10, label, TEXT, 2)
        if tl.title:
            c.text(width - pad - text_width(fit_text(tl.title, 200, 1), 1), 14, fit_text(tl.title, 200, 1), DIM, 1)
        frac = (epoch + t * (tl.epochs[min(k + 1, len(tl.epochs) - 1)] - epoch)) / max(tl.total, 1)
        c.rect(pad, height - 8, width - pad, height - 4, TRACK)
        c.rect(pad, height - 8, pad + int(round((width - 2 * pad) * min(1.0, frac))), height - 4, FILL)
        y = top
        for name, colour in legend:
            if y + 14 > height - bottom:
                break
            c.rect(width - legend_w, y + 2, width - legend_w + 10, y + 12, colour)
            c.text(width - legend_w + 16, y, fit_text(name, legend_w - 18, 2), DIM, 2)
            y += 20
        images.append(c.pixels)
        last = k == len(tl.layouts) - 1
        delays.append(int(round(100 * hold_s * (2 if last else 1))) if t == 0.0 else step_cs)
        epochs.append(epoch)
    return Frames(images, palette, delays, epochs)


def write_timelapse_gif(path, frames: Frames):
    """Write rendered frames as a looping GIF; returns the path."""
    from core.maps.gif import write_gif

    return write_gif(path, frames.images, frames.palette, frames.delays_cs)
