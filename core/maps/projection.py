"""2-D maps of embedding vectors: UMAP (with live layouts), PCA, t-SNE, and stable growth.

Output convention (every method, partial layouts included): ``xy`` float32 ``[N, 2]``,
centred on the mean and scaled so that the largest absolute coordinate is 1, i.e. every
point lies in ``[-1, 1]²``. (:func:`normalise_xy` does this.)

UMAP runs as a job that yields the layout while it is being optimised. It is umap-learn's
algorithm, assembled from its pieces (:mod:`core.maps.umap_pieces`) so that it can stream: kNN
graph (exact cosine top-k via :mod:`core.maps.neighbors`, or its IVF index when one is given),
umap's fuzzy simplicial set, umap's spectral initialisation, and the epoch loop of
``umap.layouts.optimize_layout_euclidean`` replayed one epoch at a time with umap's own
epoch kernel (cached clones from :mod:`core.maps.numba_cache`, so nothing recompiles per run).
Between epochs the job yields a copy of the current layout. Beyond ``ProjectionParams.fit_sample``
points, :func:`umap_sampled` fits on a sample and places the rest (every partial covers all points).

:func:`place_new` adds points to an existing map without moving it, like ``UMAP.transform``,
from arrays alone (no pickled model).
"""

from __future__ import annotations

import warnings

import numpy as np

from core.maps.neighbors import NeighborIndex
from core.jobs import KNN, PCA, PLACE, TSNE, UMAP, Job, Progress
from core.maps.params import ProjectionParams
from core.maps.pca import pca_2d
from core.maps.sampled import sample_index, sample_rows
from core.maps.umap_pieces import find_ab_params, fuzzy_graph, knn, sgd


def normalise_xy(xy: np.ndarray) -> np.ndarray:
    """Centre ``[N, 2]`` on its mean and scale so that max |coordinate| is 1 (float32).

    Non-finite rows are set to the centre. A degenerate layout (all points equal) becomes
    all zeros.
    """
    out = np.array(xy, dtype=np.float64, copy=True).reshape(-1, 2)
    bad = ~np.isfinite(out).all(axis=1)
    if bad.all():
        return np.zeros_like(out, dtype=np.float32)
    out[bad] = out[~bad].mean(axis=0)
    out -= out.mean(axis=0)
    scale = np.abs(out).max()
    if scale > 0:
        out /= scale
    return out.astype(np.float32)


def project(vectors: np.ndarray, params: ProjectionParams = ProjectionParams()) -> Job[np.ndarray]:
    """Job: a 2-D map of ``vectors`` ``[N, D]`` → ``xy`` float32 ``[N, 2]`` in ``[-1, 1]²``.

    UMAP yields ``Progress(stage=UMAP, done=epoch, total=n_epochs, partial=xy)`` about 50
    times during optimisation (``partial`` is a fresh normalised copy). Deterministic for a
    given ``params.seed``.
    """
    x = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))
    if x.ndim != 2:
        raise ValueError(f"vectors must be [N, D], got shape {x.shape}")
    n = x.shape[0]
    stage = params.method
    if n <= 3:
        yield Progress(stage=stage, done=0, total=1, message="trivial layout")
        return normalise_xy(pca_2d(x))
    if params.method == "pca":
        return (yield from _pca_job(x))
    if params.method == "tsne":
        return (yield from _tsne_job(x, params))
    if n > params.fit_sample:
        return (yield from umap_sampled(x, params))
    return (yield from umap_job(x, params))


def _pca_job(x: np.ndarray) -> Job[np.ndarray]:
    yield Progress(stage=PCA, done=0, total=1, message="PCA")
    xy = normalise_xy(pca_2d(x))
    yield Progress(stage=PCA, done=1, total=1, message="PCA done", partial=xy.copy())
    return xy


def _tsne_job(x: np.ndarray, params: ProjectionParams) -> Job[np.ndarray]:
    from sklearn.manifold import TSNE as SklearnTSNE

    n = x.shape[0]
    perplexity = float(min(params.perplexity, max(1.0, (n - 1) / 3.0)))
    yield Progress(stage=TSNE, done=0, total=1, message=f"t-SNE (perplexity {perplexity:g})")
    tsne = SklearnTSNE(
        n_components=2,
        perplexity=perplexity,
        metric=params.metric,
        init="pca",
        random_state=params.seed,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        coords = tsne.fit_transform(x)
    xy = normalise_xy(coords)
    yield Progress(stage=TSNE, done=1, total=1, message="t-SNE done", partial=xy.copy())
    return xy


ANN_KNN_MIN = 20_000  # from this many points the UMAP kNN graph comes from an IVF index


def umap_job(x: np.ndarray, params: ProjectionParams, index: NeighborIndex | None = None) -> Job[np.ndarray]:
    """Job: UMAP of all of ``x`` (``index``: a neighbour index of ``x`` to take the kNN graph from)."""
    n = x.shape[0]
    n_neighbors = int(max(2, min(params.n_neighbors, n - 1)))
    yield Progress(stage=KNN, done=0, total=1, message=f"kNN graph (k={n_neighbors})")
    from umap.spectral import spectral_layout

    random_state = np.random.RandomState(params.seed)
    if index is None and params.metric == "cosine" and n >= ANN_KNN_MIN:
        index = yield from sample_index(x, params.seed)
    knn_idx, knn_dist = yield from knn(x, n_neighbors, params.metric, index)
    graph = fuzzy_graph(knn_idx, knn_dist)
    n_epochs = 500 if n <= 10000 else 200
    if graph.nnz:
        graph.data[graph.data < (graph.data.max() / float(n_epochs))] = 0.0
        graph.eliminate_zeros()
    yield Progress(stage=KNN, done=1, total=1, message=f"{graph.nnz} edges")

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            init = spectral_layout(x, graph, 2, random_state, metric=params.metric, metric_kwds={})
            init = init * (10.0 / np.abs(init).max())
            init = (init + random_state.normal(scale=0.0001, size=init.shape)).astype(np.float32)
            if not np.isfinite(init).all():
                raise ValueError("non-finite spectral layout")
        except Exception:  # spectral init can fail on degenerate graphs: umap's own fallback
            init = random_state.uniform(low=-10.0, high=10.0, size=(n, 2)).astype(np.float32)
    span = init.max(axis=0) - init.min(axis=0)
    span[span == 0] = 1.0
    emb = (10.0 * (init - init.min(axis=0)) / span).astype(np.float32, order="C")
    if graph.nnz == 0:
        return normalise_xy(emb)

    a, b = find_ab_params(1.0, params.min_dist)
    every = max(1, n_epochs // 50)
    yield Progress(stage=UMAP, done=0, total=n_epochs, partial=normalise_xy(emb))
    steps = sgd(emb, emb, graph.row, graph.col, graph.data, n_epochs, a, b, random_state, 1.0, True)
    for p in steps:
        if p.done % every == 0 and p.done < n_epochs:
            yield Progress(stage=UMAP, done=p.done, total=n_epochs, partial=normalise_xy(emb))
    xy = normalise_xy(emb)
    yield Progress(stage=UMAP, done=n_epochs, total=n_epochs, partial=xy.copy())
    return xy


def umap_sampled(x: np.ndarray, params: ProjectionParams) -> Job[np.ndarray]:
    """Job: a UMAP map of ``x`` ``[N, D]`` fitted on ``params.fit_sample`` rows → ``[N, 2]`` in ``[-1, 1]²``.

    Yields ``Progress(UMAP, partial=[N, 2])`` while the sample is optimised, then
    ``Progress(PLACE, done, total, partial=[N, 2])`` after each placed chunk.
    """
    from core.maps.ivf import nearest_centroid

    n = x.shape[0]
    rows = sample_rows(n, params.fit_sample, params.seed)
    rest = np.setdiff1d(np.arange(n, dtype=np.int64), rows, assume_unique=True)
    index = yield from sample_index(x[rows], params.seed)
    # provisional positions for the points not placed yet: their IVF cell's mean sampled position
    lists = index.lists
    cell_of_sample = cell_of_rest = None
    if lists is not None:
        cell_of_sample = np.empty(len(rows), np.int64)
        cell_of_sample[lists.order] = np.repeat(np.arange(lists.n_lists), np.diff(lists.offsets))
        cell_of_rest = nearest_centroid(x[rest], lists.centroids)
    full = np.zeros((n, 2), np.float32)

    def spread(xy_sample: np.ndarray, placed: int = 0) -> np.ndarray:
        full[rows] = xy_sample
        if cell_of_sample is not None and placed < len(rest):
            counts = np.bincount(cell_of_sample, minlength=lists.n_lists).astype(np.float64)
            counts[counts == 0] = 1.0
            mean = np.stack([np.bincount(cell_of_sample, xy_sample[:, j], lists.n_lists) / counts
                             for j in (0, 1)], axis=1)
            full[rest[placed:]] = mean[cell_of_rest[placed:]]
        return full.copy()

    xy_s = None
    for p in umap_job(x[rows], params, index=index):
        if isinstance(p.partial, np.ndarray):
            xy_s = p.partial
            p = Progress(stage=p.stage, done=p.done, total=p.total, message=f"fitting on {len(rows):,} of {n:,}",
                         partial=spread(xy_s), started=p.started)
        yield p
    xy_s = normalise_xy(xy_s) if xy_s is not None else np.zeros((len(rows), 2), np.float32)
    full[rows] = xy_s
    ref = x[rows]
    step = max(1, int(params.place_chunk))
    yield Progress(stage=PLACE, done=0, total=len(rest), partial=spread(xy_s))
    for s in range(0, len(rest), step):
        chunk = rest[s : s + step]
        full[chunk] = place_new(ref, xy_s, x[chunk], params.n_neighbors, min_dist=params.min_dist, n_epochs=30,
                                seed=params.seed + s, index=index)
        done = s + len(chunk)
        yield Progress(stage=PLACE, done=done, total=len(rest), partial=spread(xy_s, done))
    xy = normalise_xy(full)
    yield Progress(stage=UMAP, done=1, total=1, partial=xy.copy(), message="map complete")
    return xy


def place_new(
    ref_vectors: np.ndarray,
    ref_xy: np.ndarray,
    new_vectors: np.ndarray,
    n_neighbors: int = 15,
    *,
    min_dist: float = 0.1,
    n_epochs: int | None = None,
    seed: int = 42,
    index: NeighborIndex | None = None,
) -> np.ndarray:
    """Place ``new_vectors`` ``[M, D]`` on an existing map without moving it → ``[M, 2]``.

    ``ref_vectors`` ``[N, D]`` and ``ref_xy`` ``[N, 2]`` (the normalised map) are all it needs.
    As in ``UMAP.transform``: exact cosine kNN of each new point among the reference points,
    UMAP membership strengths, initial position = membership-weighted mean of the
    neighbours' positions (an exact duplicate of a reference vector lands exactly on it),
    then ``n_epochs`` (default 100, or 30 for M > 10000; 0 = none) SGD epochs that move only
    the new points. The optimisation runs at umap's natural scale (reference span ≈ 20
    units) and the result is mapped back to the coordinates of ``ref_xy``. ``index``: a
    :class:`NeighborIndex` of ``ref_vectors`` to search (e.g. an approximate one); default exact.
    """
    from core.maps.numba_cache import umap_kernels

    kern = umap_kernels()
    ref = np.asarray(ref_vectors, dtype=np.float32)
    new = np.asarray(new_vectors, dtype=np.float32)
    ref_xy = np.asarray(ref_xy, dtype=np.float32).reshape(-1, 2)
    m, n = new.shape[0], ref.shape[0]
    if ref_xy.shape[0] != n:
        raise ValueError("ref_vectors and ref_xy must have the same number of rows")
    if m == 0:
        return np.zeros((0, 2), np.float32)
    if n == 0:
        return np.zeros((m, 2), np.float32)
    k = int(max(1, min(n_neighbors, n)))
    indices, dists = (index or NeighborIndex(ref)).query(new, k)
    dists = np.ascontiguousarray(dists, dtype=np.float32)
    dists[dists < 1e-6] = 0.0  # float noise must not hide an exact duplicate

    centre = ref_xy.mean(axis=0)
    scale = float(np.abs(ref_xy - centre).max()) or 1.0
    tail_emb = ((ref_xy - centre) * (10.0 / scale)).astype(np.float32, order="C")

    sigmas, rhos = kern.smooth_knn_dist(dists, float(k), 64, 0.0, 1.0)
    rows, cols, vals, _ = kern.compute_membership_strengths(indices, dists, sigmas, rhos, False, True)
    weights = np.zeros((m, k), np.float64)
    weights.reshape(-1)[:] = vals  # compute_membership_strengths emits rows in order, k per row
    dup = dists[:, 0] == 0.0
    wsum = weights.sum(axis=1, keepdims=True)
    wsum[wsum == 0] = 1.0
    emb = np.einsum("mk,mkd->md", weights / wsum, tail_emb[indices]).astype(np.float32)
    emb[dup] = tail_emb[indices[dup, 0]]
    no_w = weights.sum(axis=1) == 0
    emb[no_w] = tail_emb[indices[no_w, 0]]

    if n_epochs is None:
        n_epochs = 100 if m <= 10000 else 30
    free = ~dup
    if n_epochs > 0 and free.any():
        import scipy.sparse

        graph = scipy.sparse.coo_matrix((vals, (rows, cols)), shape=(m, n))
        keep = free[graph.row] & (graph.data >= graph.data.max() / float(n_epochs))
        head, tail, w = graph.row[keep], graph.col[keep], graph.data[keep]
        if w.size:
            a, b = find_ab_params(1.0, min_dist)
            emb = np.ascontiguousarray(emb)
            rng = np.random.RandomState(seed)
            for _ in sgd(emb, tail_emb, head, tail, w, int(n_epochs), a, b, rng, 0.25, False):
                pass
    return (emb * (scale / 10.0) + centre).astype(np.float32)


def warm_up(n: int = 64, dim: int = 8, seed: int = 0) -> float:
    """Compile (or load from the cache) everything a map needs; returns the seconds spent.

    Runs a tiny UMAP projection of ``n × dim`` random unit vectors and places a few new
    points on it. Thread-safe; a no-op apart from timing once the kernels are loaded.
    Call :func:`core.maps.numba_cache.configure` first (at application start, before anything imports umap).
    """
    import time

    from core.jobs import run_job

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    xy = run_job(project(x[: n - 4], ProjectionParams(n_neighbors=10)))
    place_new(x[: n - 4], xy, x[n - 4 :], n_neighbors=10)
    return time.perf_counter() - t0
