"""How good is an embedding (and its map) for finding sounds by example?

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

CHUNK_ELEMS = 1 << 22  # similarities per chunk


def _unit(vectors: np.ndarray) -> np.ndarray:
    x = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return x / norms


def _codes(values: Sequence[Any] | np.ndarray) -> np.ndarray:
    """Integer codes of arbitrary hashable labels (strings, ints...)."""
    arr = np.asarray(values)
    if arr.dtype == object:
        arr = np.array([str(v) for v in arr])
    return np.unique(arr, return_inverse=True)[1].reshape(-1)


def _ranked(
    vectors: np.ndarray,
    relevant: Callable[[int, int], np.ndarray],
    groups: Sequence[Any] | np.ndarray | None,
) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """Per chunk of queries ``[s, e)``: ``(order, rel_sorted, n_rel, n_valid)``.

    ``order`` ``[c, N]`` candidate rows by descending similarity (excluded rows last),
    ``rel_sorted`` bool ``[c, N]`` relevance in that order, ``n_rel``/``n_valid`` ``[c]``.
    ``relevant(s, e)`` returns bool ``[c, N]`` before exclusions.
    """
    x = _unit(vectors)
    n = x.shape[0]
    g = None if groups is None else _codes(groups)
    chunk = max(1, min(n, CHUNK_ELEMS // max(n, 1)))
    for s in range(0, n, chunk):
        e = min(n, s + chunk)
        c = e - s
        sims = x[s:e] @ x.T
        valid = np.ones((c, n), dtype=bool)
        valid[np.arange(c), np.arange(s, e)] = False
        if g is not None:
            valid &= g[s:e, None] != g[None, :]
        rel = relevant(s, e) & valid
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
    for _, rel_sorted, n_rel, _ in _ranked(vectors, lambda s, e: lab[s:e, None] == lab[None, :], groups):
        aps.append(_average_precision(rel_sorted, n_rel)[n_rel > 0])
    allap = np.concatenate(aps) if aps else np.zeros(0)
    return float(allap.mean()) if allap.size else float("nan")


def qbe_ap_multi(
    vectors: np.ndarray,
    label_sets: Sequence[set[str] | frozenset[str] | Sequence[str]],
    groups: Sequence[Any] | np.ndarray | None = None,
) -> np.ndarray:
    """Per-query average precision (float64 ``[N]``) where relevant = shares at least one tag with
    the query; NaN for queries without any relevant candidate (for bootstrap intervals)."""
    vocab = sorted({t for tags in label_sets for t in tags})
    pos = {t: i for i, t in enumerate(vocab)}
    onehot = np.zeros((len(label_sets), max(1, len(vocab))), dtype=np.float32)
    for i, tags in enumerate(label_sets):
        for t in tags:
            onehot[i, pos[t]] = 1.0
    aps: list[np.ndarray] = []
    for _, rel_sorted, n_rel, _ in _ranked(vectors, lambda s, e: (onehot[s:e] @ onehot.T) > 0, groups):
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
    for _, rel_sorted, n_rel, n_valid in _ranked(vectors, lambda s, e: lab[s:e, None] == lab[None, :], groups):
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
    x = _unit(vectors)
    correct, total = 0, 0
    start = 0
    for order, _, _, n_valid in _ranked(vectors, lambda s, e: np.zeros((e - s, len(lab)), bool), groups):
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


def cluster_scores(labels_true: Sequence[Any] | np.ndarray, labels_pred: Sequence[Any] | np.ndarray) -> dict[str, float]:
    """Agreement of a clustering with reference labels: ``{"nmi": ..., "ari": ...}``."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    t, p = _codes(labels_true), _codes(labels_pred)
    return {"nmi": float(normalized_mutual_info_score(t, p)), "ari": float(adjusted_rand_score(t, p))}


def trustworthiness(vectors: np.ndarray, xy: np.ndarray, k: int = 10) -> float:
    """Map faithfulness in ``[0, 1]`` (sklearn): are map neighbours true (cosine) neighbours?"""
    from sklearn.manifold import trustworthiness as _tw

    x = _unit(vectors)
    n = x.shape[0]
    if n < 3:
        return float("nan")
    kk = int(max(1, min(k, (n - 1) // 2)))
    return float(_tw(x, np.asarray(xy, dtype=np.float32), n_neighbors=kk, metric="cosine"))
