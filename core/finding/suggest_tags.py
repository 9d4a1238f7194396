"""Suggested tags: the user's tags spread from tagged sounds to their untagged neighbours.

Label spreading (Zhou et al., "Learning with local and global consistency", NIPS 2004) over the
kNN graph of one model's embeddings:

- graph: each sound's ``k`` nearest sounds by cosine similarity, weight = similarity (≥ 0),
  symmetrised; ``S = D^-1/2 W D^-1/2``;
- labels ``Y [N, T]``: 1 where a sound carries tag ``t`` of the *vocabulary* (tags in their
  normalised form: lower case, singular, no stopwords or junk) — tags on at least
  ``min_tag_count`` sounds and on at most ``max_tag_share`` of them (a folder name every sound
  shares says nothing);
- ``F ← α·S·F + (1 − α)·Y`` for ``iterations`` steps;
- a sound's confidence in tag ``t`` is ``F[i, t] / Σ_t F[i, t]``: the tag's share of the label mass
  that reaches it.

Sounds with at most ``weak_tags`` vocabulary tags get up to ``max_suggestions`` tags they do not
have, each with confidence ≥ ``min_confidence``. Rejected suggestions are never made again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from core.maps.params import param_field
from core.catalog.suggestions import TagSuggestion
from core.jobs import Job, Progress

PROPAGATE = "propagate tags"  #: progress stage


@dataclass(frozen=True, slots=True)
class PropagationParams:
    k: int = param_field(10, "", "neighbours per sound in the kNN graph", 1, 200)
    alpha: float = param_field(0.9, "", "how much a sound takes from its neighbours rather than its own tags", 0.0, 0.999, 0.05)
    iterations: int = param_field(30, "", "propagation steps", 1, 500)
    min_confidence: float = param_field(0.5, "", "smallest confidence suggested", 0.0, 1.0, 0.05)
    max_suggestions: int = param_field(3, "", "most tags suggested per sound", 1, 20)
    weak_tags: int = param_field(0, "", "sounds with at most this many vocabulary tags get suggestions", 0, 20)
    min_tag_count: int = param_field(2, "", "a tag must be on at least this many sounds to spread", 1, 1000)
    max_tag_share: float = param_field(0.5, "", "a tag on more than this share of the sounds does not spread", 0.0, 1.0, 0.05)

    def __post_init__(self) -> None:
        for name, f in PropagationParams.__dataclass_fields__.items():
            lo, hi = f.metadata["range"]
            if not lo <= getattr(self, name) <= hi:
                raise ValueError(f"{name} must be in [{lo}, {hi}], got {getattr(self, name)}")


def tag_vocabulary(tag_lists: Sequence[Iterable[str]], params: PropagationParams) -> list[str]:
    """The tags that spread: on ≥ ``min_tag_count`` and ≤ ``max_tag_share`` of the sounds; sorted."""
    counts = Counter(t for tags in tag_lists for t in set(tags))
    cap = params.max_tag_share * len(tag_lists)
    return sorted(t for t, c in counts.items() if params.min_tag_count <= c <= cap)


def _words(tags: Iterable[str]) -> set[str]:
    """A sound's tags in vocabulary form (lower case, singular; stopwords such as "by" and junk such
    as "v3" dropped), so that "drums" and "drum" spread as one tag and "by" never spreads."""
    from core.audio.words import normalise_tag

    return {w for w in (normalise_tag(t) for t in tags) if w}


def propagate(vectors: np.ndarray, labels: np.ndarray, params: PropagationParams) -> Job[np.ndarray]:
    """Job: label spreading. ``vectors`` float ``[N, D]``, ``labels`` float ``[N, T]`` (0/1) →
    confidences float32 ``[N, T]`` (rows sum to 1, or 0 where no label mass arrives)."""
    from scipy import sparse

    from core.maps.neighbors import NeighborIndex

    n = len(vectors)
    k = min(params.k, n - 1)
    if n < 2 or k < 1 or labels.shape[1] == 0:
        return np.zeros(labels.shape, np.float32)
    yield Progress(stage=PROPAGATE, done=0, total=params.iterations, message="neighbour graph")
    idx, dist = NeighborIndex(np.asarray(vectors, np.float32), device="cpu").knn_graph(k)
    w = np.clip(1.0 - dist.astype(np.float64), 0.0, None)
    graph = sparse.csr_matrix((w.ravel(), (np.repeat(np.arange(n), k), idx.ravel())), shape=(n, n))
    graph = graph.maximum(graph.T)
    deg = np.asarray(graph.sum(axis=1)).ravel()
    inv = np.where(deg > 0, 1.0 / np.sqrt(np.maximum(deg, 1e-12)), 0.0)
    s = sparse.diags(inv) @ graph @ sparse.diags(inv)
    y = np.asarray(labels, dtype=np.float64)
    f = y.copy()
    for it in range(params.iterations):
        f = params.alpha * (s @ f) + (1.0 - params.alpha) * y
        yield Progress(stage=PROPAGATE, done=it + 1, total=params.iterations)
    total = f.sum(axis=1, keepdims=True)
    conf = np.divide(f, total, out=np.zeros_like(f), where=total > 0)
    return conf.astype(np.float32)


def suggest_tags(sounds: Sequence[Any], ids: np.ndarray, vectors: np.ndarray,
                 params: PropagationParams | None = None, *, extra_tags: Mapping[int, Iterable[str]] | None = None,
                 exclude: Iterable[tuple[int, str]] = ()) -> Job[list[TagSuggestion]]:
    """Job: suggestions for the weakly tagged ``sounds`` (catalog rows with ``id`` and ``tags``).

    ``ids`` int64 ``[N]`` and ``vectors`` float ``[N, D]``: one model's embeddings (sounds without a
    vector neither give nor get tags). ``extra_tags``: more tags by id (accepted suggestions count as
    the user's). ``exclude``: ``(sound_id, tag)`` pairs never to suggest (the rejected ones).
    """
    params = params or PropagationParams()
    extra = extra_tags or {}
    by_id = {int(s.id): s for s in sounds}
    rows = [i for i, sid in enumerate(np.asarray(ids)) if int(sid) in by_id]
    sid_of = [int(ids[i]) for i in rows]
    tag_lists = [_words(set(by_id[sid].tags or []) | set(extra.get(sid, ()))) for sid in sid_of]
    vocab = tag_vocabulary(tag_lists, params)
    col = {t: j for j, t in enumerate(vocab)}
    y = np.zeros((len(rows), len(vocab)), np.float32)
    for r, tags in enumerate(tag_lists):
        for t in tags:
            if t in col:
                y[r, col[t]] = 1.0
    conf = yield from propagate(np.asarray(vectors)[rows], y, params)
    banned = set(exclude)
    out: list[TagSuggestion] = []
    for r, sid in enumerate(sid_of):
        if y[r].sum() > params.weak_tags:
            continue
        order = np.argsort(-conf[r], kind="stable")
        picked = [j for j in order if conf[r, j] >= params.min_confidence and y[r, j] == 0
                  and (sid, vocab[j]) not in banned][: params.max_suggestions]
        out += [TagSuggestion(sid, vocab[j], float(conf[r, j])) for j in picked]
    return out


def write_suggestions_csv(suggestions: Sequence[TagSuggestion], rows: Mapping[int, Any], root: Path,
                          path: Path) -> Path:
    """A sidecar CSV ``path,tag,confidence,status`` (atomic); ``rows`` maps sound ids to catalog rows.

    Never written into the sounds themselves. (Its name should not be one the scanner reads as the
    user's own tags, ``tags.csv`` or ``sound-explorer-tags.csv``, unless that is what is wanted.)
    """
    import csv

    from core.export.writers import atomic_write

    with atomic_write(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["path", "tag", "confidence", "status"])
        for s in suggestions:
            if s.sound_id in rows:
                w.writerow([str(Path(root) / rows[s.sound_id].relpath), s.tag, f"{s.confidence:.3f}", s.status])
    return Path(path)
