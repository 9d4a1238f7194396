"""How good is an embedding (and its map) for finding sounds by example?

Measures: QbE mAP (:func:`qbe_map`, :func:`qbe_map_multi`), P@k, Recall@k, MRR and nDCG@k
(:func:`ranking_scores`), leave-one-out k-NN accuracy, cluster NMI/ARI and map trustworthiness.

All measures take L2-normalised vectors ``[N, D]`` (rows are re-normalised defensively)
and rank by cosine similarity. Each item in turn is the query; its candidates are all
other items, minus those sharing its ``groups`` value when ``groups`` is given (e.g. clips
cut from the same source recording, which would otherwise be trivially similar).
Queries without any relevant candidate are skipped. Similarities are computed in chunks
of queries, so memory stays at a few ``[chunk, N]`` blocks (fine for tens of thousands).

Ties in similarity are ranked by ascending row index (a stable sort), which makes the
numbers deterministic.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from core.vectors import unit_rows

CHUNK_ELEMS = 1 << 22  # similarities per chunk


def _codes(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Integer codes of arbitrary hashable labels (strings, ints...)."""
    arr = np.asarray(values)
    if arr.dtype == object:
        arr = np.array([str(v) for v in arr])
    return np.unique(arr, return_inverse=True)[1].reshape(-1)


def _ranked(
    vectors: np.ndarray,
    relevant: Callable[[np.ndarray], np.ndarray],
    groups: Sequence[Any] | np.ndarray | None,
    queries: np.ndarray | None = None,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per chunk of query rows ``q`` (every row, or the rows ``queries``; each ranks every other row):
    ``(order, rel_sorted, n_rel, n_valid)``.

    ``order`` ``[c, N]`` candidate rows by descending similarity (excluded rows last),
    ``rel_sorted`` bool ``[c, N]`` relevance in that order, ``n_rel``/``n_valid`` ``[c]``.
    ``relevant(q)`` returns bool ``[c, N]`` before exclusions.
    """
    x = unit_rows(vectors)
    n = x.shape[0]
    rows = np.arange(n) if queries is None else np.asarray(queries, dtype=np.int64)
    g = None if groups is None else _codes(groups)
    chunk = max(1, min(n, CHUNK_ELEMS // max(n, 1)))
    for s in range(0, len(rows), chunk):
        q = rows[s:s + chunk]
        c = len(q)
        sims = x[q] @ x.T
        valid = np.ones((c, n), dtype=bool)
        valid[np.arange(c), q] = False
        if g is not None:
            valid &= g[q, None] != g[None, :]
        rel = relevant(q) & valid
        sims = np.where(valid, sims, -np.inf)
        order = np.argsort(-sims, axis=1, kind="stable")
        yield order, np.take_along_axis(rel, order, axis=1), rel.sum(axis=1), valid.sum(axis=1)


def _average_precision(rel_sorted: np.ndarray, n_rel: np.ndarray) -> np.ndarray:
    hits = np.cumsum(rel_sorted, axis=1)
    ranks = np.arange(1, rel_sorted.shape[1] + 1)
    return (hits / ranks * rel_sorted).sum(axis=1) / np.maximum(n_rel, 1)


def qbe_map(
    vectors: np.ndarray,
    labels: Sequence[Any] | np.ndarray,
    groups: Sequence[Any] | np.ndarray | None = None,
) -> float:
    """Query-by-example mean average precision; relevant = same label. NaN if no query counts."""
    lab = _codes(labels)
    aps: list[np.ndarray] = []
    for _, rel_sorted, n_rel, _ in _ranked(vectors, lambda q: lab[q, None] == lab[None, :], groups):
        aps.append(_average_precision(rel_sorted, n_rel)[n_rel > 0])
    allap = np.concatenate(aps) if aps else np.zeros(0)
    return float(allap.mean()) if allap.size else float("nan")


def qbe_ap_multi(
    vectors: np.ndarray,
    label_sets: Sequence[set[str] | frozenset[str] | Sequence[str]],
    groups: Sequence[Any] | np.ndarray | None = None,
    queries: np.ndarray | None = None,
) -> np.ndarray:
    """Per-query average precision (float64 ``[N]``, or ``[len(queries)]`` for the rows ``queries``,
    each ranking every other row) where relevant = shares at least one tag with the query; NaN for
    queries without any relevant candidate (for bootstrap intervals)."""
    vocab = sorted({t for tags in label_sets for t in tags})
    pos = {t: i for i, t in enumerate(vocab)}
    onehot = np.zeros((len(label_sets), max(1, len(vocab))), dtype=np.float32)
    for i, tags in enumerate(label_sets):
        for t in tags:
            onehot[i, pos[t]] = 1.0
    aps: list[np.ndarray] = []
    for _, rel_sorted, n_rel, _ in _ranked(vectors, lambda q: (onehot[q] @ onehot.T) > 0, groups, queries):
        aps.append(np.where(n_rel > 0, _average_precision(rel_sorted, n_rel), np.nan))
    return np.concatenate(aps) if aps else np.zeros(0)


def qbe_map_multi(
    vectors: np.ndarray,
    label_sets: Sequence[set[str] | frozenset[str] | Sequence[str]],
    groups: Sequence[Any] | np.ndarray | None = None,
) -> float:
    """Query-by-example mAP where relevant = shares at least one tag with the query."""
    ap = qbe_ap_multi(vectors, label_sets, groups)
    ap = ap[np.isfinite(ap)]
    return float(ap.mean()) if ap.size else float("nan")


def precision_at_k(
    vectors: np.ndarray,
    labels: Sequence[Any] | np.ndarray,
    k: int = 10,
    groups: Sequence[Any] | np.ndarray | None = None,
) -> float:
    """Mean fraction of the top-``k`` candidates with the query's label (``k`` clamped to the
    number of candidates; queries without any relevant candidate skipped)."""
    lab = _codes(labels)
    vals: list[np.ndarray] = []
    for _, rel_sorted, n_rel, n_valid in _ranked(vectors, lambda q: lab[q, None] == lab[None, :], groups):
        kk = np.minimum(k, n_valid)
        top = np.cumsum(rel_sorted[:, : max(1, k)], axis=1)
        hits = top[np.arange(len(kk)), np.maximum(kk, 1) - 1]
        keep = n_rel > 0
        vals.append(hits[keep] / np.maximum(kk[keep], 1))
    allv = np.concatenate(vals) if vals else np.zeros(0)
    return float(allv.mean()) if allv.size else float("nan")


def knn_accuracy(
    vectors: np.ndarray,
    labels: Sequence[Any] | np.ndarray,
    k: int = 1,
    groups: Sequence[Any] | np.ndarray | None = None,
) -> float:
    """Leave-one-out k-NN classification accuracy (majority vote of the ``k`` most similar
    candidates; a tie goes to the label with the larger summed similarity)."""
    lab = _codes(labels)
    n_classes = int(lab.max()) + 1 if lab.size else 0
    x = unit_rows(vectors)
    correct, total = 0, 0
    start = 0
    for order, _, _, n_valid in _ranked(vectors, lambda q: np.zeros((len(q), len(lab)), bool), groups):
        c = order.shape[0]
        q = np.arange(start, start + c)
        kk = np.minimum(k, n_valid)
        top = order[:, : max(1, k)]
        sims = np.einsum("cd,ckd->ck", x[q], x[top])
        in_k = np.arange(top.shape[1])[None, :] < kk[:, None]
        votes = np.zeros((c, n_classes))
        np.add.at(votes, (np.repeat(np.arange(c), top.shape[1]), lab[top].reshape(-1)),
                  (in_k * (1.0 + 1e-6 * sims)).reshape(-1))  # fmt: skip
        ok = kk > 0
        correct += int((votes.argmax(axis=1) == lab[q])[ok].sum())
        total += int(ok.sum())
        start += c
    return correct / total if total else float("nan")


def _relevance(labels: Sequence[Any] | np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    """``relevant(q)`` for single labels (same label) or label sets (at least one shared label)."""
    seq = list(labels) if not isinstance(labels, np.ndarray) else labels
    if len(seq) and isinstance(seq[0], (set, frozenset, list, tuple)):
        vocab = sorted({t for tags in seq for t in tags})
        pos = {t: i for i, t in enumerate(vocab)}
        onehot = np.zeros((len(seq), max(1, len(vocab))), dtype=np.float32)
        for i, tags in enumerate(seq):
            for t in tags:
                onehot[i, pos[t]] = 1.0
        return lambda q: (onehot[q] @ onehot.T) > 0
    lab = _codes(seq)
    return lambda q: lab[q, None] == lab[None, :]


def ranking_scores(
    vectors: np.ndarray,
    labels: Sequence[Any] | np.ndarray,
    k: int = 10,
    groups: Sequence[Any] | np.ndarray | None = None,
) -> dict[str, float]:
    """Recall@k, mean reciprocal rank and nDCG@k in one pass (NaN when no query counts).

    ``labels`` are single labels (relevant = same label) or label sets (relevant = shares one).
    Per query with at least one relevant candidate, with binary relevance ``rel_i`` at rank ``i``
    and ``R`` relevant candidates, ``k`` clamped to the number of candidates:

    - ``recall@k = Σ_{i≤k} rel_i / R``;
    - ``rr = 1 / (rank of the first relevant candidate)``; its mean is the MRR;
    - ``ndcg@k = Σ_{i≤k} rel_i / log2(i + 1)  /  Σ_{i≤min(k, R)} 1 / log2(i + 1)``.
    """
    k = max(1, int(k))
    rec: list[np.ndarray] = []
    rr: list[np.ndarray] = []
    nd: list[np.ndarray] = []
    disc = 1.0 / np.log2(np.arange(2, k + 2))  # 1 / log2(i + 1), i = 1..k
    ideal = np.concatenate([[0.0], np.cumsum(disc)])
    for _, rel_sorted, n_rel, n_valid in _ranked(vectors, _relevance(labels), groups):
        keep = n_rel > 0
        top = rel_sorted[:, :k]
        in_k = np.arange(top.shape[1])[None, :] < np.minimum(k, n_valid)[:, None]
        top = top & in_k
        rec.append((top.sum(axis=1) / np.maximum(n_rel, 1))[keep])
        first = np.argmax(rel_sorted, axis=1)
        rr.append((1.0 / (first + 1.0))[keep])
        dcg = (top * disc[: top.shape[1]]).sum(axis=1)
        idcg = ideal[np.minimum(np.minimum(n_rel, k), n_valid)]
        nd.append((dcg / np.maximum(idcg, 1e-12))[keep])

    def mean(parts: list[np.ndarray]) -> float:
        allv = np.concatenate(parts) if parts else np.zeros(0)
        return float(allv.mean()) if allv.size else float("nan")

    return {f"recall@{k}": mean(rec), "mrr": mean(rr), f"ndcg@{k}": mean(nd)}


def recall_at_k(vectors: np.ndarray, labels: Sequence[Any] | np.ndarray, k: int = 10,
                groups: Sequence[Any] | np.ndarray | None = None) -> float:
    """Mean fraction of a query's relevant candidates found in its top ``k`` (see :func:`ranking_scores`)."""
    return ranking_scores(vectors, labels, k, groups)[f"recall@{max(1, int(k))}"]


def mean_reciprocal_rank(vectors: np.ndarray, labels: Sequence[Any] | np.ndarray,
                         groups: Sequence[Any] | np.ndarray | None = None) -> float:
    """Mean over queries of 1 / the rank of the first relevant candidate (see :func:`ranking_scores`)."""
    return ranking_scores(vectors, labels, 1, groups)["mrr"]


def ndcg_at_k(vectors: np.ndarray, labels: Sequence[Any] | np.ndarray, k: int = 10,
              groups: Sequence[Any] | np.ndarray | None = None) -> float:
    """Mean binary-relevance nDCG of the top ``k`` (see :func:`ranking_scores`)."""
    return ranking_scores(vectors, labels, k, groups)[f"ndcg@{max(1, int(k))}"]


def cluster_scores(labels_true: Sequence[Any] | np.ndarray, labels_pred: Sequence[Any] | np.ndarray) -> dict[str, float]:
    """Agreement of a clustering with reference labels: ``{"nmi": ..., "ari": ...}``."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    t, p = _codes(labels_true), _codes(labels_pred)
    return {"nmi": float(normalized_mutual_info_score(t, p)), "ari": float(adjusted_rand_score(t, p))}


def trustworthiness(vectors: np.ndarray, xy: np.ndarray, k: int = 10) -> float:
    """Map faithfulness in ``[0, 1]``: are map neighbours true (cosine) neighbours? NaN below 3 points.

    Computed, with continuity and per-point preservation, by :mod:`core.maps.faithfulness`
    (exact, memory-bounded chunks).
    """
    from core.maps.faithfulness import map_faithfulness

    return map_faithfulness(vectors, xy, k).trustworthiness
