"""Recall@k, reciprocal rank and nDCG@k (and the older measures) against plain-Python references,
on random cases, on heavily tied cases and with group exclusion."""

from __future__ import annotations

import math

import numpy as np
import pytest

from core.evaluation import metrics as ev


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _tied(n: int, rng: np.random.Generator) -> np.ndarray:
    """Rows that are ±basis vectors of R^3: every cosine is exactly -1, 0 or 1 (massive ties)."""
    eye = np.concatenate([np.eye(3), -np.eye(3)]).astype(np.float32)
    return eye[rng.integers(0, 6, n)]


def _ranking(x, q, groups):
    sims = {j: float(np.dot(x[q].astype(np.float64), x[j].astype(np.float64)))
            for j in range(len(x)) if j != q and (groups is None or groups[j] != groups[q])}
    return sorted(sims, key=lambda j: (-sims[j], j))


def _reference(x, relevant, k, groups):
    rec, rr, nd, ap, prec = [], [], [], [], []
    for q in range(len(x)):
        ranking = _ranking(x, q, groups)
        rel = [bool(relevant(q, j)) for j in ranking]
        n_rel = sum(rel)
        if not n_rel:
            continue
        kk = min(k, len(ranking))
        rec.append(sum(rel[:kk]) / n_rel)
        rr.append(1.0 / (rel.index(True) + 1))
        dcg = sum(1.0 / math.log2(i + 2) for i in range(kk) if rel[i])
        idcg = sum(1.0 / math.log2(i + 2) for i in range(min(kk, n_rel)))
        nd.append(dcg / idcg)
        hits, precs = 0, []
        for rank, r in enumerate(rel, start=1):
            if r:
                hits += 1
                precs.append(hits / rank)
        ap.append(sum(precs) / n_rel)
        prec.append(sum(rel[:kk]) / kk)
    return {f"recall@{k}": np.mean(rec), "mrr": np.mean(rr), f"ndcg@{k}": np.mean(nd), "map": np.mean(ap),
            "p": np.mean(prec)}


CASES = [(tied, grouped, k) for tied in (False, True) for grouped in (False, True) for k in (1, 3, 10)]


@pytest.mark.parametrize(("tied", "grouped", "k"), CASES)
def test_single_label_measures_match_brute_force(tied, grouped, k, monkeypatch) -> None:
    rng = np.random.default_rng(7 + k + 2 * tied + grouped)
    n = 40
    x = _tied(n, rng) if tied else _unit(rng.normal(size=(n, 5)))
    labels = rng.integers(0, 4, n)
    labels[0] = 99  # no relevant candidate: skipped
    groups = rng.integers(0, 9, n) if grouped else None
    monkeypatch.setattr(ev, "CHUNK_ELEMS", n * 7)  # several chunks of queries
    ref = _reference(x, lambda q, j: labels[q] == labels[j], k, groups)
    got = ev.ranking_scores(x, labels, k, groups)
    assert got[f"recall@{k}"] == pytest.approx(ref[f"recall@{k}"], abs=1e-12)
    assert got["mrr"] == pytest.approx(ref["mrr"], abs=1e-12)
    assert got[f"ndcg@{k}"] == pytest.approx(ref[f"ndcg@{k}"], abs=1e-12)
    assert ev.recall_at_k(x, labels, k, groups) == got[f"recall@{k}"]
    assert ev.mean_reciprocal_rank(x, labels, groups) == got["mrr"]
    assert ev.ndcg_at_k(x, labels, k, groups) == got[f"ndcg@{k}"]
    # the older measures, on the same tied / grouped cases
    assert ev.qbe_map(x, labels, groups) == pytest.approx(ref["map"], abs=1e-9)
    assert ev.precision_at_k(x, labels, k, groups) == pytest.approx(ref["p"], abs=1e-12)


@pytest.mark.parametrize("tied", [False, True])
def test_label_sets_match_brute_force(tied) -> None:
    rng = np.random.default_rng(3)
    n = 36
    x = _tied(n, rng) if tied else _unit(rng.normal(size=(n, 4)))
    tags = [frozenset(f"t{v}" for v in rng.choice(6, size=rng.integers(0, 3), replace=False)) for _ in range(n)]
    groups = rng.integers(0, 6, n)
    ref = _reference(x, lambda q, j: bool(tags[q] & tags[j]), 5, groups)
    got = ev.ranking_scores(x, tags, 5, groups)
    for key in ("recall@5", "mrr", "ndcg@5"):
        assert got[key] == pytest.approx(ref[key], abs=1e-12), key
    assert ev.qbe_map_multi(x, tags, groups) == pytest.approx(ref["map"], abs=1e-9)


def test_tied_knn_accuracy_matches_brute_force() -> None:
    rng = np.random.default_rng(11)
    n = 30
    x = _tied(n, rng)
    labels = rng.integers(0, 3, n)
    groups = rng.integers(0, 5, n)
    for k in (1, 4):
        correct = []
        for q in range(n):
            votes: dict[int, float] = {}
            for j in _ranking(x, q, groups)[:k]:
                votes[labels[j]] = votes.get(labels[j], 0.0) + 1.0 + 1e-6 * float(x[q] @ x[j])
            best = max(votes.values())
            correct.append(min(lab for lab, v in votes.items() if v == best) == labels[q])
        assert ev.knn_accuracy(x, labels, k, groups) == pytest.approx(np.mean(correct))


def test_perfect_and_worst_rankings() -> None:
    x = _unit(np.array([[1, 0], [1, 0.01], [0, 1], [0.01, 1]], dtype=np.float32))
    labels = ["a", "a", "b", "b"]
    got = ev.ranking_scores(x, labels, 1)
    assert got == {"recall@1": 1.0, "mrr": 1.0, "ndcg@1": 1.0}
    # rows 0 and 3 find their one relevant candidate third, rows 1 and 2 find theirs second
    worst = ev.ranking_scores(x, ["a", "b", "b", "a"], 3)
    assert worst["mrr"] == pytest.approx((1 / 3 + 1 / 2) / 2)
    assert worst["ndcg@3"] == pytest.approx((1 / math.log2(4) + 1 / math.log2(3)) / 2)
    assert worst["recall@3"] == 1.0
    assert math.isnan(ev.ranking_scores(x, ["a", "b", "c", "d"], 2)["mrr"])


def _ref_nmi_ari(a, b):
    """NMI (arithmetic-mean normalisation) and ARI from the contingency table, in plain Python."""
    n = len(a)
    pairs: dict[tuple, int] = {}
    for x, y in zip(a, b):
        pairs[(x, y)] = pairs.get((x, y), 0) + 1
    ca = {x: sum(1 for v in a if v == x) for x in set(a)}
    cb = {y: sum(1 for v in b if v == y) for y in set(b)}
    mi = sum(c / n * math.log(c * n / (ca[x] * cb[y])) for (x, y), c in pairs.items())
    ha = -sum(c / n * math.log(c / n) for c in ca.values())
    hb = -sum(c / n * math.log(c / n) for c in cb.values())
    nmi = 1.0 if ha == hb == 0 else mi / ((ha + hb) / 2)

    def comb2(m):
        return m * (m - 1) / 2

    index = sum(comb2(c) for c in pairs.values())
    sa, sb = sum(comb2(c) for c in ca.values()), sum(comb2(c) for c in cb.values())
    expected = sa * sb / comb2(n)
    ari = (index - expected) / ((sa + sb) / 2 - expected)
    return nmi, ari


@pytest.mark.parametrize("seed", range(4))
def test_cluster_scores_match_brute_force(seed) -> None:
    rng = np.random.default_rng(seed)
    truth = [f"c{v}" for v in rng.integers(0, 4, 40)]
    pred = [int(v) for v in rng.integers(-1, 5, 40)]  # -1 (noise) counts as one more cluster
    nmi, ari = _ref_nmi_ari(truth, pred)
    got = ev.cluster_scores(truth, pred)
    assert got["nmi"] == pytest.approx(nmi, abs=1e-12) and got["ari"] == pytest.approx(ari, abs=1e-12)
