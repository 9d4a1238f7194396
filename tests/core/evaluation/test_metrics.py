from __future__ import annotations

import numpy as np
import pytest

from core.evaluation import metrics as evaluation
from core.evaluation.metrics import (
    cluster_scores,
    knn_accuracy,
    precision_at_k,
    qbe_map,
    qbe_map_multi,
    trustworthiness,
)


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _ref_ranking(x, q, groups):
    """Candidates of query q, most similar first (ties by row), plain Python."""
    cands = [j for j in range(len(x)) if j != q and (groups is None or groups[j] != groups[q])]
    sims = {j: float(np.dot(x[q], x[j])) for j in cands}
    return sorted(cands, key=lambda j: (-sims[j], j))


def _ref_map(x, relevant, groups=None) -> float:
    aps = []
    for q in range(len(x)):
        ranking = _ref_ranking(x, q, groups)
        rel = [relevant(q, j) for j in ranking]
        if not any(rel):
            continue
        hits, precs = 0, []
        for rank, r in enumerate(rel, start=1):
            if r:
                hits += 1
                precs.append(hits / rank)
        aps.append(sum(precs) / sum(rel))
    return float(np.mean(aps))


@pytest.mark.parametrize("use_groups", [False, True])
def test_map_matches_brute_force(use_groups: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(0)
    x = _unit(rng.normal(size=(60, 6)))
    labels = rng.integers(0, 4, 60)
    labels[0] = 99  # a query without relevant candidates is skipped
    groups = rng.integers(0, 10, 60) if use_groups else None
    monkeypatch.setattr(evaluation, "CHUNK_ELEMS", 60 * 7)  # several chunks
    ref = _ref_map(x, lambda q, j: labels[q] == labels[j], groups)
    assert qbe_map(x, labels, groups) == pytest.approx(ref, abs=1e-9)
    tags = [{f"t{v}" for v in rng.choice(6, size=rng.integers(0, 3), replace=False)} for _ in range(60)]
    ref_multi = _ref_map(x, lambda q, j: bool(tags[q] & tags[j]), groups)
    assert qbe_map_multi(x, tags, groups) == pytest.approx(ref_multi, abs=1e-9)


def test_precision_and_knn_against_reference() -> None:
    rng = np.random.default_rng(1)
    x = _unit(rng.normal(size=(50, 5)))
    labels = np.array(["a", "b", "c"])[rng.integers(0, 3, 50)]
    groups = rng.integers(0, 8, 50)
    for k in (1, 5):
        precs, correct = [], []
        for q in range(50):
            ranking = _ref_ranking(x, q, groups)
            rel = [labels[j] == labels[q] for j in ranking]
            if any(rel):
                precs.append(sum(rel[:k]) / min(k, len(ranking)))
            top = ranking[:k]
            votes: dict[str, float] = {}
            for j in top:
                votes[labels[j]] = votes.get(labels[j], 0.0) + 1.0 + 1e-6 * float(x[q] @ x[j])
            correct.append(max(votes, key=votes.get) == labels[q])
        assert precision_at_k(x, labels, k=k, groups=groups) == pytest.approx(np.mean(precs))
        assert knn_accuracy(x, labels, k=k, groups=groups) == pytest.approx(np.mean(correct))


def test_perfectly_separated_classes_score_one() -> None:
    rng = np.random.default_rng(2)
    centres = _unit(rng.normal(size=(3, 16)))
    labels = np.repeat(np.arange(3), 10)
    x = _unit(centres[labels] + 0.01 * rng.normal(size=(30, 16)))
    assert qbe_map(x, labels) == pytest.approx(1.0)
    assert precision_at_k(x, labels, k=5) == pytest.approx(1.0)
    assert knn_accuracy(x, labels, k=1) == 1.0 and knn_accuracy(x, labels, k=5) == 1.0
    assert qbe_map_multi(x, [{str(v), "x" if v == 0 else "y"} for v in labels]) < 1.0  # tags 1,2 share "y"
    assert qbe_map_multi(x, [{str(v)} for v in labels]) == pytest.approx(1.0)
    # a random embedding is clearly worse
    noise = _unit(rng.normal(size=(30, 16)))
    assert qbe_map(noise, labels) < 0.6


def test_cluster_scores_and_trustworthiness() -> None:
    s = cluster_scores([0, 0, 1, 1, 2, 2], ["b", "b", "a", "a", "c", "c"])
    assert s == {"nmi": pytest.approx(1.0), "ari": pytest.approx(1.0)}
    assert cluster_scores([0, 0, 1, 1], [0, 1, 0, 1])["ari"] < 0.1
    rng = np.random.default_rng(3)
    low = rng.normal(size=(80, 2))
    x = np.concatenate([low, np.ones((80, 1)) * 5.0, np.zeros((80, 3))], axis=1)  # 2-D data on a sphere patch
    good = trustworthiness(x, low, k=5)
    bad = trustworthiness(x, rng.normal(size=(80, 2)), k=5)
    assert good > 0.95 and bad < good - 0.2
    assert np.isnan(trustworthiness(x[:2], low[:2]))
