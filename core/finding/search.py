"""Search by word: sounds whose names or tags match first (through synonyms), then sounds that
sound like them; and word suggestions from the library's vocabulary.

A sound's *words* are the tokens of its file name and folders (:func:`core.audio.tags.split_tokens`),
its tags, and adjacent token pairs as phrases (``bass drum``, ``bassdrum``). A query word matches
a sound when one of the word's synonyms (:mod:`core.finding.synonyms`) is among the sound's words:
an exact hit scores 1, a synonym 0.9, a word that merely starts with the query (3+ letters) 0.5.
Sounds are ranked by the sum over the query words. When vectors are given, the remaining places
are filled with the sounds nearest (cosine) to the centroid of the matched sounds' vectors.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

import numpy as np

from core.audio.tags import split_tokens
from core.finding.synonyms import BUILTIN, Synonyms
from core.vectors import unit_rows

if TYPE_CHECKING:
    from core.library import Library

EXACT, SYNONYM, PREFIX = 1.0, 0.9, 0.5


@dataclass(slots=True)
class SearchHit:
    """One result. ``matched``: the query words its name or tags matched (empty for a sound that is
    only similar); ``score``: the match score, or the cosine similarity to the matches' centroid."""

    sound_id: int
    score: float
    matched: tuple[str, ...] = field(default_factory=tuple)


def sound_words(relpath: str, tags: Iterable[str] = ()) -> set[str]:
    """The words a sound can be found by (lower case): name and folder tokens, tags, and phrases."""
    p = PurePosixPath(relpath)
    tokens = [t for part in (*p.parent.parts, p.stem) for t in split_tokens(part)]
    words = set(tokens) | {" ".join(t.lower().split()) for t in tags}
    for a, b in zip(tokens, tokens[1:]):
        words |= {f"{a} {b}", a + b}
    return words


def _match(word: str, words: set[str], synonyms: Synonyms) -> float:
    w = " ".join(word.lower().split())
    if w in words:
        return EXACT
    if synonyms.synonyms(w) & words:
        return SYNONYM
    if len(w) >= 3 and any(x.startswith(w) for x in words):
        return PREFIX
    return 0.0


def search(sounds: Sequence[Any], query: Sequence[str] | str, *, synonyms: Synonyms = BUILTIN,
           ids: np.ndarray | None = None, vectors: np.ndarray | None = None, k: int | None = None,
           extra_tags: Mapping[int, Iterable[str]] | None = None) -> list[SearchHit]:
    """Rank ``sounds`` (objects with ``id``, ``relpath``, ``tags``: catalog rows) for the query words.

    ``ids`` int64 ``[N]`` and ``vectors`` float ``[N, D]`` (one model's embeddings) add the sounds
    nearest to the matches' centroid after the matches; ``k`` caps the list (default: every match,
    plus as many similar sounds). ``extra_tags``: more tags by sound id (e.g. accepted suggestions).
    """
    words = query.split() if isinstance(query, str) else [w for q in query for w in q.split()]
    words = [w for w in (" ".join(x.lower().split()) for x in words) if w]
    if not words:
        return []
    extra = extra_tags or {}
    hits: list[SearchHit] = []
    for s in sounds:
        have = sound_words(s.relpath, [*(s.tags or []), *extra.get(s.id, ())])
        scores = [(_match(w, have, synonyms), w) for w in words]
        total = sum(sc for sc, _ in scores)
        if total > 0:
            hits.append(SearchHit(int(s.id), float(total), tuple(w for sc, w in scores if sc > 0)))
    hits.sort(key=lambda h: -h.score)  # stable: ties keep the catalog order
    limit = k if k is not None else 2 * len(hits)
    hits = hits[:limit]
    if vectors is None or ids is None or len(hits) >= limit or not hits:
        return hits
    return hits + _similar(hits, np.asarray(ids), vectors, limit - len(hits))


def _similar(hits: list[SearchHit], ids: np.ndarray, vectors: np.ndarray, n: int) -> list[SearchHit]:
    """The ``n`` sounds nearest to the centroid of the hits' vectors, hits excluded."""
    row_of = {int(i): r for r, i in enumerate(ids)}
    rows = [row_of[h.sound_id] for h in hits if h.sound_id in row_of]
    if not rows or n <= 0:
        return []
    v = unit_rows(vectors)
    centroid = unit_rows(v[rows].mean(axis=0, keepdims=True))[0]
    sims = v @ centroid
    sims[rows] = -np.inf
    order = np.argsort(-sims, kind="stable")[:n]
    return [SearchHit(int(ids[r]), float(sims[r])) for r in order if np.isfinite(sims[r])]


class Vocabulary:
    """The words of a library, for suggestions as a person types."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = Counter(counts)

    @classmethod
    def from_sounds(cls, sounds: Iterable[Any], synonyms: Synonyms = BUILTIN) -> Vocabulary:
        """Counts of every single word of the sounds (phrases left out); a synonym table's head words
        (``synonyms.heads()``, when it has them) count their synonyms too, so ``kick`` is offered,
        and first, when names say ``bd``."""
        counts: Counter[str] = Counter()
        for s in sounds:
            counts.update(w for w in sound_words(s.relpath, s.tags or []) if " " not in w)
        heads = getattr(synonyms, "heads", None)
        for w in (heads() if heads else ()):
            n = sum(counts.get(x, 0) for x in synonyms.synonyms(w))
            if n and " " not in w:
                counts[w] = n
        return cls({w: c for w, c in counts.items() if not w.isdigit()})

    def suggest(self, prefix: str, limit: int = 10) -> list[str]:
        """Words starting with ``prefix``, the most frequent first (then alphabetical)."""
        p = prefix.strip().lower()
        if not p:
            return []
        found = [(c, w) for w, c in self.counts.items() if w.startswith(p)]
        return [w for _, w in sorted(found, key=lambda cw: (-cw[0], cw[1]))[:limit]]


def search_library(lib: Library, words: Sequence[str] | str, model: str | None = None, *, k: int | None = None,
                   synonyms: Synonyms = BUILTIN) -> list[SearchHit]:
    """:func:`search` over a library: its sounds, accepted suggested tags, and ``model``'s vectors
    (when the library has them; without, only name and tag matches are returned)."""
    from core.catalog.suggestions import SuggestionStore

    ids = vectors = None
    if model is not None:
        ids, vectors = lib.vectors(model)
        if len(ids) == 0:
            ids = vectors = None
    return search(lib.sounds(), words, synonyms=synonyms, ids=ids, vectors=vectors, k=k,
                  extra_tags=SuggestionStore(lib.catalog).accepted_tags())
