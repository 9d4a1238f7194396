"""An inverted-file (IVF) cosine index: spherical k-means lists, searched a few lists at a time.

:func:`build_lists` (a job) trains ``L`` unit centroids on a sample of the rows (spherical k-means,
BLAS only) and assigns every row to its nearest centroid. The caller reorders its storage by
``order`` so that list ``l`` is the contiguous slice ``offsets[l]:offsets[l + 1]``.

:func:`search` scores each query against its ``n_probe`` most similar centroids' lists only. Queries
are grouped by list, so a batch (e.g. a whole kNN graph) runs as one matrix product per list rather
than one per query. A query left with fewer than ``k`` candidates falls back to the exact scan.
Recall against the exact result is measured in ``benchmarks/bench_neighbors.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from core.jobs import Job, Progress
from core.maps.params import NeighborParams

if TYPE_CHECKING:
    from core.maps.neighbors import NeighborIndex

INDEX = "index"  #: progress stage of building a neighbour index


def topk_rows(sims: np.ndarray, cols: np.ndarray | None, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per row, the ``k`` largest ``sims`` ``[b, c]`` (unordered) and their column ids (``cols`` or positions)."""
    b, c = sims.shape
    if c > k:
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        return np.take_along_axis(sims, part, 1), part if cols is None else np.take_along_axis(cols, part, 1)
    if cols is None:
        return sims, np.broadcast_to(np.arange(c, dtype=np.int64), (b, c)).copy()
    return sims, np.array(cols, dtype=np.int64)


@dataclass(frozen=True, slots=True)
class IvfLists:
    centroids: np.ndarray  # float32 [L, D], unit rows
    order: np.ndarray  # int64 [N]: rows sorted by list (storage order -> original row)
    offsets: np.ndarray  # int64 [L + 1]
    n_probe: int

    @property
    def n_lists(self) -> int:
        return int(self.centroids.shape[0])


def _f32(block: np.ndarray) -> np.ndarray:
    return np.asarray(block, dtype=np.float32)


def nearest_centroid(x: np.ndarray, centroids: np.ndarray, chunk: int = 16384) -> np.ndarray:
    """Index of the most similar centroid of each row of ``x`` (int64 ``[N]``)."""
    out = np.empty(x.shape[0], np.int64)
    for s in range(0, x.shape[0], chunk):
        out[s : s + chunk] = np.argmax(_f32(x[s : s + chunk]) @ centroids.T, axis=1)
    return out


def _mean_directions(x: np.ndarray, assign: np.ndarray, n_lists: int) -> tuple[np.ndarray, np.ndarray]:
    import scipy.sparse

    onehot = scipy.sparse.csr_matrix(
        (np.ones(len(assign), np.float32), (assign, np.arange(len(assign)))), shape=(n_lists, len(assign))
    )
    sums = np.asarray(onehot @ x, dtype=np.float32)
    counts = np.bincount(assign, minlength=n_lists)
    return sums, counts


def spherical_kmeans(
    x: np.ndarray, n_lists: int, iters: int, seed: int
) -> Job[np.ndarray]:
    """Job: ``n_lists`` unit centroids of the unit rows ``x`` ``[S, D]`` (float32)."""
    rng = np.random.default_rng(seed)
    c = x[rng.choice(len(x), n_lists, replace=False)].copy()
    for it in range(iters):
        assign = nearest_centroid(x, c)
        sums, counts = _mean_directions(x, assign, n_lists)
        empty = np.flatnonzero(counts == 0)
        if len(empty):  # re-seed empty cells on random rows
            sums[empty] = x[rng.choice(len(x), len(empty), replace=False)]
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        c = (sums / norms).astype(np.float32)
        yield Progress(stage=INDEX, done=it + 1, total=iters, message=f"k-means {n_lists} lists")
    return c


def build_lists(db: np.ndarray, params: NeighborParams) -> Job[IvfLists]:
    """Job: the IVF lists of the unit rows ``db`` ``[N, D]`` (float32 or float16)."""
    n = db.shape[0]
    n_lists = params.lists_for(n)
    rng = np.random.default_rng(params.seed)
    sample_rows = np.sort(rng.choice(n, min(n, max(params.train_sample, n_lists)), replace=False))
    sample = _f32(db[sample_rows])
    centroids = yield from spherical_kmeans(sample, n_lists, params.train_iters, params.seed)
    del sample
    assign = np.empty(n, np.int64)
    step = 131072
    for s in range(0, n, step):
        assign[s : s + step] = nearest_centroid(db[s : s + step], centroids)
        yield Progress(stage=INDEX, done=min(n, s + step), total=n, message="assigning rows to lists")
    order = np.argsort(assign, kind="stable").astype(np.int64)
    offsets = np.zeros(n_lists + 1, np.int64)
    np.cumsum(np.bincount(assign, minlength=n_lists), out=offsets[1:])
    return IvfLists(centroids, order, offsets, int(params.n_probe))


def search(
    index: NeighborIndex, state: Any, q: np.ndarray, k: int, excl: np.ndarray | None, n_probe: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """Approximate top-``k`` of unit queries ``q`` ``[Q, D]``: ``(sims [Q, k], storage rows [Q, k])``.

    ``excl`` (storage rows ``[Q]``, -1 = none) is excluded per query.
    """
    ivf: IvfLists = state.ivf
    n_q = q.shape[0]
    p = int(min(ivf.n_lists, n_probe or ivf.n_probe))
    cs = q @ ivf.centroids.T
    probes = np.argpartition(-cs, p - 1, axis=1)[:, :p] if p < ivf.n_lists else np.tile(np.arange(p), (n_q, 1))
    cand_s = np.full((n_q, p, k), -np.inf, np.float32)
    cand_i = np.full((n_q, p, k), -1, np.int64)
    flat_l = probes.reshape(-1)
    flat_q = np.repeat(np.arange(n_q), p)
    slot = np.tile(np.arange(p), n_q)
    order = np.argsort(flat_l, kind="stable")
    cuts = np.flatnonzero(np.diff(flat_l[order])) + 1
    for group in np.split(order, cuts):
        lst = int(flat_l[group[0]])
        a, b = int(ivf.offsets[lst]), int(ivf.offsets[lst + 1])
        if b == a:
            continue
        qi, sl = flat_q[group], slot[group]
        sims = index.scores(state.db[a:b], q[qi])
        if excl is not None:
            local = excl[qi] - a
            hit = (local >= 0) & (local < b - a)
            sims[np.flatnonzero(hit), local[hit]] = -np.inf
        s, i = topk_rows(sims, None, k)
        cand_s[qi, sl, : s.shape[1]] = s
        cand_i[qi, sl, : i.shape[1]] = i + a
    sims, rows = topk_rows(cand_s.reshape(n_q, p * k), cand_i.reshape(n_q, p * k), k)
    short = np.flatnonzero(~np.isfinite(sims).all(axis=1) | (rows < 0).any(axis=1))
    if len(short):  # too few candidates in the probed lists: the exact scan for those queries
        es, ei = index._exact(state, q[short], k, None if excl is None else excl[short])
        sims[short], rows[short] = es, ei
    return sims, rows
