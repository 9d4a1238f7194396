"""Clusters of sounds: HDBSCAN, k-means and kNN-graph communities (Louvain).

All methods work on L2-normalised embedding vectors ``[N, D]`` (cosine geometry) unless
``space='map'`` asks :func:`cluster` to use the 2-D map ``xy`` ``[N, 2]`` (euclidean).
Labels are int64 ``[N]`` with ``-1`` = noise, renumbered by descending cluster size
(``0`` = largest; ties by first appearance) so that colours stay stable.

Large N (embedding space): HDBSCAN above ``HdbscanParams.fit_sample`` points clusters a random
sample and gives every other point the label and score of its nearest sampled point; graph
communities above ``GraphParams.ann_above`` points take their kNN graph from an IVF index. Their
agreement with the exact results (ARI/NMI) is measured in ``benchmarks/bench_cluster_scale.py``.

Per-point ``scores`` (float32 ``[N]``) always mean "how atypical is this point in its
cluster", higher = more atypical: HDBSCAN's GLOSH outlier scores, and for k-means and graph
communities the distance to the cluster's centroid (cosine distance to the normalised
centroid in embedding space, euclidean in map space). Noise points get score 1.0 where
there is no centroid.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.jobs import CLUSTER, Job, Progress
from core.vectors import unit_rows
from core.maps.neighbors import NeighborIndex
from core.maps.params import ClusterParams, GraphParams, HdbscanParams, NeighborParams, cluster_params
from core.maps.sampled import extend_labels, sample_rows



@dataclass
class Labelling:
    """A clustering: ``labels`` int64 ``[N]`` (-1 = noise), ``scores`` float32 ``[N]`` or None."""

    labels: np.ndarray
    scores: np.ndarray | None
    method: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def n_clusters(self) -> int:
        return int(len(np.unique(self.labels[self.labels >= 0])))

    def sizes(self) -> dict[int, int]:
        """``{label: count}`` including ``-1`` when there is noise, largest cluster first."""
        values, counts = np.unique(self.labels, return_counts=True)
        pairs = sorted(zip(values.tolist(), counts.tolist()), key=lambda vc: (vc[0] < 0, -vc[1], vc[0]))
        return {int(v): int(c) for v, c in pairs}


def renumber_by_size(labels: np.ndarray) -> np.ndarray:
    """Relabel so that 0 is the largest cluster, 1 the next...; -1 (noise) is kept.

    Ties in size are broken by the first row where the cluster appears.
    """
    labels = np.asarray(labels, dtype=np.int64)
    out = np.full(labels.shape, -1, dtype=np.int64)
    valid = labels >= 0
    if not valid.any():
        return out
    values, first, counts = np.unique(labels[valid], return_index=True, return_counts=True)
    order = np.lexsort((first, -counts))
    mapping = {int(values[i]): new for new, i in enumerate(order)}
    out[valid] = np.array([mapping[int(v)] for v in labels[valid]], dtype=np.int64)
    return out


def _centroid_scores(x: np.ndarray, labels: np.ndarray, cosine: bool) -> np.ndarray:
    """Distance of each point to its cluster's centroid (1.0 for noise)."""
    scores = np.ones(len(labels), dtype=np.float32)
    for lab in np.unique(labels[labels >= 0]):
        members = labels == lab
        centre = x[members].mean(axis=0)
        if cosine:
            norm = np.linalg.norm(centre)
            centre = centre / norm if norm > 0 else centre
            scores[members] = 1.0 - x[members] @ centre
        else:
            scores[members] = np.linalg.norm(x[members] - centre, axis=1)
    return scores.astype(np.float32)


def hdbscan_labels(
    vectors: np.ndarray, min_cluster_size: int, min_samples: int | None = None
) -> Labelling:
    """HDBSCAN (euclidean on unit vectors, monotone with cosine); scores = outlier scores."""
    import hdbscan

    x = np.asarray(vectors, dtype=np.float64)
    n = x.shape[0]
    params = {"min_cluster_size": int(min_cluster_size), "min_samples": min_samples}
    if n < 3:
        return Labelling(np.full(n, -1, np.int64), np.zeros(n, np.float32), "hdbscan", params)
    mcs = int(max(2, min(min_cluster_size, n)))
    ms = None if min_samples is None else int(max(1, min(min_samples, n - 1)))
    if ms is None and mcs > n - 1:
        ms = n - 1
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = hdbscan.HDBSCAN(min_cluster_size=mcs, min_samples=ms, metric="euclidean")
        raw = model.fit_predict(x)
        scores = np.nan_to_num(np.asarray(model.outlier_scores_, dtype=np.float32), nan=0.0)
    return Labelling(renumber_by_size(raw), scores, "hdbscan", params)


def kmeans_labels(vectors: np.ndarray, k: int, seed: int = 42, *, cosine: bool = True) -> Labelling:
    """scikit-learn k-means (``n_init='auto'``); scores = distance to the centroid."""
    from sklearn.cluster import KMeans

    x = np.asarray(vectors, dtype=np.float32)
    n = x.shape[0]
    params = {"k": int(k), "seed": int(seed)}
    if n == 0:
        return Labelling(np.zeros(0, np.int64), np.zeros(0, np.float32), "kmeans", params)
    n_distinct = len(np.unique(x, axis=0))
    kk = int(max(1, min(k, n_distinct)))
    raw = KMeans(n_clusters=kk, n_init="auto", random_state=seed).fit_predict(x)
    labels = renumber_by_size(raw)
    return Labelling(labels, _centroid_scores(x, labels, cosine), "kmeans", params)


def knn_edges(
    vectors: np.ndarray, k: int, *, cosine: bool = True, index: NeighborIndex | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Undirected kNN graph: ``(i, j, w)`` with ``i < j``; an edge exists when either end has
    the other among its ``k`` nearest. Weights: cosine similarity clipped to ``[1e-6, 1]``
    (embedding space) or ``1 / (1 + d / median d)`` (map space). ``index``: a neighbour index of
    ``vectors`` (cosine; approximate when it has an IVF index), else an exact one."""
    x = np.asarray(vectors, dtype=np.float32)
    n = x.shape[0]
    kk = int(max(1, min(k, n - 1)))
    if cosine:
        idx, dist = (index or NeighborIndex(x)).knn_graph(kk)
        w = np.clip(1.0 - dist, 1e-6, 1.0)
    else:
        from sklearn.neighbors import NearestNeighbors

        dist, idx = NearestNeighbors(n_neighbors=kk + 1).fit(x).kneighbors(x)
        idx, dist = idx[:, 1:], dist[:, 1:]
        med = float(np.median(dist)) or 1.0
        w = 1.0 / (1.0 + dist / med)
    rows = np.repeat(np.arange(n), idx.shape[1])
    cols = idx.reshape(-1)
    ww = w.reshape(-1)
    lo, hi = np.minimum(rows, cols), np.maximum(rows, cols)
    keep = lo != hi
    key = lo[keep] * n + hi[keep]
    uniq, first = np.unique(key, return_index=True)
    return (uniq // n).astype(np.int64), (uniq % n).astype(np.int64), ww[keep][first].astype(np.float64)


def graph_communities(
    vectors: np.ndarray, k: int, resolution: float, seed: int = 42, *, cosine: bool = True,
    index: NeighborIndex | None = None,
) -> Labelling:
    """Louvain communities (networkx) of the undirected kNN graph weighted by similarity
    (``index``: as in :func:`knn_edges`)."""
    import networkx as nx

    x = np.asarray(vectors, dtype=np.float32)
    n = x.shape[0]
    params = {"k": int(k), "resolution": float(resolution), "seed": int(seed)}
    if n < 2:
        return Labelling(np.zeros(n, np.int64), np.zeros(n, np.float32), "graph", params)
    i, j, w = knn_edges(x, k, cosine=cosine, index=index)
    g = nx.Graph()
    g.add_nodes_from(range(n))
    g.add_weighted_edges_from(zip(i.tolist(), j.tolist(), w.tolist()))
    communities = nx.community.louvain_communities(g, weight="weight", resolution=resolution, seed=seed)
    raw = np.empty(n, dtype=np.int64)
    for c, members in enumerate(sorted(communities, key=min)):
        raw[list(members)] = c
    labels = renumber_by_size(raw)
    return Labelling(labels, _centroid_scores(x, labels, cosine), "graph", params)


def cluster(
    vectors: np.ndarray,
    method: str,
    params: dict[str, Any] | ClusterParams | None = None,
    xy: np.ndarray | None = None,
    space: str = "embedding",
) -> Job[Labelling]:
    """Job: cluster ``vectors`` ``[N, D]`` (or the map ``xy`` ``[N, 2]`` when ``space='map'``).

    ``params``: the method's parameters (:mod:`core.maps.params`), as an object or a dict of the
    fields to change from the defaults. The returned ``params`` include ``space``.
    """
    p = cluster_params(method, params, strict=True)
    if space not in ("embedding", "map"):
        raise ValueError("space must be 'embedding' or 'map'")
    if space == "map":
        if xy is None:
            raise ValueError("space='map' needs xy")
        data, cosine = np.asarray(xy, dtype=np.float32), False
    else:
        data, cosine = unit_rows(np.asarray(vectors, dtype=np.float32)), True
    yield Progress(stage=CLUSTER, done=0, total=1, message=f"{method} on {len(data)} points ({space})")
    n = len(data)
    if isinstance(p, HdbscanParams) and cosine and n > p.fit_sample:  # large N: a sample, then its labels
        rows = sample_rows(n, p.fit_sample, seed=42)
        yield Progress(stage=CLUSTER, done=0, total=1, message=f"hdbscan on a sample of {len(rows):,}")
        fitted = hdbscan_labels(data[rows], p.min_cluster_size, p.min_samples)
        labels, scores = yield from extend_labels(data, rows, fitted.labels, fitted.scores)
        result = Labelling(renumber_by_size(labels), scores, method)
    elif isinstance(p, HdbscanParams):
        result = hdbscan_labels(data, p.min_cluster_size, p.min_samples)
    elif isinstance(p, GraphParams):
        index = None
        if cosine and n > p.ann_above:  # large N: the kNN graph from an approximate index
            index = NeighborIndex(data)
            yield from index.build_ann(NeighborParams(seed=p.seed))
        result = graph_communities(data, p.graph_k, p.resolution, p.seed, cosine=cosine, index=index)
    else:
        result = kmeans_labels(data, p.k, p.seed, cosine=cosine)
    result.params = {**p.as_dict(), "space": space}
    yield Progress(stage=CLUSTER, done=1, total=1, message=f"{result.n_clusters} clusters")
    return result
