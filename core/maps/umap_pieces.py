"""umap-learn's layout algorithm in pieces, arrays in and out, so that callers can stream it.

Owns the steps :func:`core.maps.projection.umap_job`, :func:`core.maps.projection.place_new` and the
training timelapse (:mod:`core.maps.timelapse`) assemble a UMAP layout from: the kNN graph with each row
itself first (:func:`knn`), umap's fuzzy simplicial set (:func:`fuzzy_graph`), the ``a, b`` of the
low-dimensional similarity curve (:func:`find_ab_params`), and the epoch loop of
``umap.layouts.optimize_layout_euclidean`` run one epoch per step (:func:`sgd`) with umap's own epoch
kernel (cached clones from :mod:`core.maps.numba_cache`). No layout normalisation here: the callers
own their output convention.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from core.jobs import Job, Progress
from core.maps.neighbors import NeighborIndex

INT32_MIN = np.iinfo(np.int32).min + 1
INT32_MAX = np.iinfo(np.int32).max - 1


def knn(x: np.ndarray, k: int, metric: str, index: NeighborIndex | None = None) -> Job[tuple[np.ndarray, np.ndarray]]:
    """Job: umap-style kNN of every row, the row itself first at distance 0: ``[N, k]`` each.

    Cosine: :class:`NeighborIndex` (``index`` when given, approximate when it has an IVF index;
    exact otherwise). Other metrics: scikit-learn brute force.
    """
    n = x.shape[0]
    if metric == "cosine":
        idx, dist = yield from (index or NeighborIndex(x)).knn_graph_job(k - 1)
    else:
        from sklearn.neighbors import NearestNeighbors

        nn = NearestNeighbors(n_neighbors=k, metric=metric, algorithm="brute").fit(x)
        dist, idx = nn.kneighbors(x)
        # drop the row itself (or, when duplicates pushed it out, the farthest neighbour)
        drop = idx == np.arange(n)[:, None]
        drop[~drop.any(axis=1), -1] = True
        idx, dist = idx[~drop].reshape(n, k - 1), dist[~drop].reshape(n, k - 1)
    self_col = np.arange(n, dtype=np.int64)[:, None]
    idx = np.concatenate([self_col, idx.astype(np.int64)], axis=1)
    dist = np.concatenate([np.zeros((n, 1), np.float32), dist.astype(np.float32)], axis=1)
    return idx, dist


def fuzzy_graph(knn_idx: np.ndarray, knn_dist: np.ndarray) -> Any:
    """UMAP's fuzzy simplicial set (fuzzy union of local sets) as a scipy COO ``[N, N]``.

    Same maths as ``umap.umap_.fuzzy_simplicial_set`` (local_connectivity 1, set_op_mix 1).
    """
    import scipy.sparse

    from core.maps.numba_cache import umap_kernels

    kern = umap_kernels()
    n, k = knn_idx.shape
    knn_dist = np.ascontiguousarray(knn_dist, dtype=np.float32)
    knn_idx = np.ascontiguousarray(knn_idx, dtype=np.int64)
    sigmas, rhos = kern.smooth_knn_dist(knn_dist, float(k), 64, 1.0, 1.0)
    rows, cols, vals, _ = kern.compute_membership_strengths(knn_idx, knn_dist, sigmas, rhos, False, False)
    result = scipy.sparse.coo_matrix((vals, (rows, cols)), shape=(n, n))
    result.eliminate_zeros()
    transpose = result.transpose()
    result = (result + transpose - result.multiply(transpose)).tocoo()
    result.eliminate_zeros()
    return result


def find_ab_params(spread: float, min_dist: float) -> tuple[float, float]:
    """UMAP's ``a, b`` for the low-dimensional similarity curve (as ``umap.umap_``)."""
    from scipy.optimize import curve_fit

    def curve(x: np.ndarray, a: float, b: float) -> np.ndarray:
        return 1.0 / (1.0 + a * x ** (2 * b))

    xv = np.linspace(0, spread * 3, 300)
    yv = np.where(xv < min_dist, 1.0, np.exp(-(xv - min_dist) / spread))
    params, _ = curve_fit(curve, xv, yv)
    return float(params[0]), float(params[1])


def _epochs_per_sample(weights: np.ndarray, n_epochs: int) -> np.ndarray:
    result = -1.0 * np.ones(weights.shape[0], dtype=np.float64)
    n_samples = n_epochs * (weights / weights.max())
    result[n_samples > 0] = float(n_epochs) / np.float64(n_samples[n_samples > 0])
    return result


def sgd(
    head_emb: np.ndarray, tail_emb: np.ndarray, head: np.ndarray, tail: np.ndarray,
    weights: np.ndarray, n_epochs: int, a: float, b: float, rng: np.random.RandomState,
    initial_alpha: float, move_other: bool,
) -> Job[None]:  # fmt: skip
    """umap.layouts.optimize_layout_euclidean (densMAP off), one epoch per step.

    Optimises ``head_emb`` ``[H, 2]`` in place; yields ``Progress(done=epoch)`` after each epoch.
    """
    from core.maps.numba_cache import umap_kernels

    kernel = umap_kernels().sgd_epoch
    epochs_per_sample = _epochs_per_sample(weights, n_epochs)
    rng_state = rng.randint(INT32_MIN, INT32_MAX, 3).astype(np.int64)
    negative_sample_rate, gamma = 5.0, 1.0
    alpha = initial_alpha
    epochs_per_negative_sample = epochs_per_sample / negative_sample_rate
    epoch_of_next_negative_sample = epochs_per_negative_sample.copy()
    epoch_of_next_sample = epochs_per_sample.copy()
    rng_state_per_sample = np.full(
        (head_emb.shape[0], len(rng_state)), rng_state, dtype=np.int64
    ) + head_emb[:, 0].astype(np.float64).view(np.int64).reshape(-1, 1)
    zeros1 = np.zeros(1, dtype=np.float32)
    n_vertices = tail_emb.shape[0]
    for epoch in range(n_epochs):
        kernel(
            head_emb, tail_emb, head, tail, n_vertices, epochs_per_sample, a, b,
            rng_state_per_sample, gamma, 2, move_other, alpha, epochs_per_negative_sample,
            epoch_of_next_negative_sample, epoch_of_next_sample, epoch, False,
            zeros1, zeros1, 0.0, 0.0, 0.0, 0.0, zeros1, zeros1, 0.0,
        )  # fmt: skip
        alpha = initial_alpha * (1.0 - (float(epoch) / float(n_epochs)))
        yield Progress(stage="sgd", done=epoch + 1, total=n_epochs)
