from __future__ import annotations

import numpy as np
import pytest

from core.vectors import medoid_rows
from core.maps.clustering import (
    Labelling,
    cluster,
    graph_communities,
    hdbscan_labels,
    kmeans_labels,
    renumber_by_size,
)
from core.evaluation.metrics import cluster_scores
from core.jobs import Progress, run_job


def _blobs(sizes=(60, 45, 30), d: int = 16, spread: float = 0.15, seed: int = 0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(sizes), d))
    labels = np.concatenate([np.full(s, i) for i, s in enumerate(sizes)])
    x = centres[labels] + spread * rng.normal(size=(len(labels), d))
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    perm = rng.permutation(len(labels))
    return x[perm].astype(np.float32), labels[perm]


@pytest.mark.parametrize(
    "method,params",
    [("hdbscan", {"min_cluster_size": 10}), ("kmeans", {"k": 3}), ("graph", {"graph_k": 10, "resolution": 1.0})],
)
def test_methods_recover_separated_blobs(method: str, params: dict) -> None:
    x, truth = _blobs()
    seen: list[Progress] = []
    lab = run_job(cluster(x, method, params), seen.append)
    assert isinstance(lab, Labelling) and lab.method == method
    assert lab.labels.dtype == np.int64 and lab.labels.shape == (len(x),)
    assert len(seen) >= 2 and seen[-1].done == seen[-1].total
    assert cluster_scores(truth, lab.labels)["nmi"] > 0.9
    assert lab.params["space"] == "embedding"
    # renumbered by size: label 0 is the biggest blob (60 points)
    sizes = lab.sizes()
    real = [c for lbl, c in sizes.items() if lbl >= 0]
    assert real == sorted(real, reverse=True)
    assert set(truth[lab.labels == 0]) == {0}
    assert lab.scores is not None and lab.scores.dtype == np.float32 and np.isfinite(lab.scores).all()


def test_hdbscan_marks_outliers_as_noise() -> None:
    x, _ = _blobs(sizes=(50, 50), spread=0.1)
    rng = np.random.default_rng(9)
    outliers = rng.normal(size=(8, x.shape[1])).astype(np.float32)
    outliers /= np.linalg.norm(outliers, axis=1, keepdims=True)
    data = np.concatenate([x, outliers])
    lab = hdbscan_labels(data, min_cluster_size=10)
    assert lab.n_clusters == 2
    assert (lab.labels == -1).any()
    assert (lab.labels[-8:] == -1).mean() >= 0.75
    # outlier scores are higher for the outliers than for the cluster members
    assert lab.scores is not None
    assert lab.scores[-8:].mean() > lab.scores[:100].mean()
    assert -1 in lab.sizes()


def test_louvain_two_disconnected_cliques() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(2, 12))
    a /= np.linalg.norm(a)
    b -= (b @ a) * a  # orthogonal to a: cosine similarity 0 between the cliques
    b /= np.linalg.norm(b)
    x = np.concatenate([np.tile(a, (10, 1)), np.tile(b, (8, 1))]).astype(np.float32)
    x += 1e-3 * rng.normal(size=x.shape).astype(np.float32)
    lab = graph_communities(x, k=5, resolution=1.0)
    assert lab.n_clusters == 2
    assert len(set(lab.labels[:10])) == 1 and len(set(lab.labels[10:])) == 1
    assert lab.labels[0] == 0 and lab.labels[-1] == 1


def test_map_space_and_medoids() -> None:
    x, truth = _blobs()
    rng = np.random.default_rng(1)
    xy = (np.array([[0, 0], [5, 0], [0, 5]])[truth] + 0.3 * rng.normal(size=(len(truth), 2))).astype(np.float32)
    lab = run_job(cluster(x, "kmeans", {"k": 3}, xy=xy, space="map"))
    assert lab.params["space"] == "map"
    assert cluster_scores(truth, lab.labels)["nmi"] > 0.9
    med = medoid_rows(x, lab.labels)
    assert sorted(med) == [0, 1, 2]
    for label, row in med.items():
        members = np.nonzero(lab.labels == label)[0]
        assert row in members
        mean_sim = (x[members] @ x[members].T).mean(axis=1)
        assert mean_sim[list(members).index(row)] >= mean_sim.max() - 1e-5
    with pytest.raises(ValueError):
        run_job(cluster(x, "kmeans", {"k": 3}, space="map"))
    with pytest.raises(ValueError):
        run_job(cluster(x, "spectral", {}))
    with pytest.raises(ValueError, match="graph_k"):  # a misspelt parameter is refused, not ignored
        run_job(cluster(x, "graph", {"k": 10}))


def test_renumber_and_tiny_inputs() -> None:
    np.testing.assert_array_equal(renumber_by_size(np.array([5, 5, -1, 2, 2, 2, 9])), [1, 1, -1, 0, 0, 0, 2])
    x, _ = _blobs(sizes=(2,), d=4)
    for method in ("hdbscan", "kmeans", "graph"):
        lab = run_job(cluster(x[:1], method, {}))
        assert lab.labels.shape == (1,)
        lab = run_job(cluster(x, method, {}))
        assert lab.labels.shape == (2,)
    assert kmeans_labels(np.tile(x[:1], (5, 1)), k=3).n_clusters == 1


@pytest.mark.parametrize("method,params,large", [
    ("hdbscan", {"min_cluster_size": 10}, {"fit_sample": 1500}),
    ("graph", {"graph_k": 10, "resolution": 1.0}, {"ann_above": 1000}),
])
def test_large_n_paths_agree_with_the_exact_result(method: str, params: dict, large: dict) -> None:
    from core.maps.params import cluster_params

    x, truth = _blobs(sizes=(2500, 1800, 1200, 500), d=24, spread=0.3, seed=3)
    exact = run_job(cluster(x, method, params))
    p = cluster_params(method, {**params, **large})
    assert p.as_dict() == cluster_params(method, params).as_dict()  # the large-N settings are no cache key
    seen: list[Progress] = []
    approx = run_job(cluster(x, method, p), seen.append)
    assert any("sample" in s.message or s.stage == "index" for s in seen)
    assert approx.labels.shape == (len(x),) and approx.scores is not None and approx.scores.shape == (len(x),)
    agreement = cluster_scores(exact.labels, approx.labels)
    assert agreement["ari"] > 0.9 and agreement["nmi"] > 0.9
