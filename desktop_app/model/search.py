"""Search by word over the session's sounds (:func:`core.finding.search.search`), in row order."""

from __future__ import annotations

from typing import Any

import numpy as np

Result = tuple[int, float, tuple[str, ...]]  # (row, score, the query words it matched)


def search_rows(state: Any, query: str, similar: int = 20) -> list[Result]:
    """Ranked results for ``query`` among ``state``'s rows: sounds whose names or tags match (through
    synonyms), more words first, then up to ``similar`` sounds near them in embedding space."""
    from core.finding.search import search

    infos = [state.sounds.get(int(i)) for i in state.ids.tolist()]
    rows = [r for r, s in enumerate(infos) if s is not None]
    vectors = state.vectors if state.vectors is not None and len(state.vectors) == len(state.ids) else None
    hits = search([infos[r] for r in rows], query, ids=state.ids[rows] if vectors is not None else None,
                  vectors=None if vectors is None else vectors[rows])
    matched = sum(1 for h in hits if h.matched)
    hits = hits[: matched + similar]
    return [(r, h.score, h.matched) for h in hits if (r := state.row_of(h.sound_id)) is not None]


def rows_matching_all(query: str, results: list[Result]) -> np.ndarray:
    """The rows of ``results`` that matched every word of ``query``, sorted."""
    words = {" ".join(w.lower().split()) for w in query.split()}
    return np.asarray(sorted(r for r, _s, m in results if words <= set(m)), dtype=np.int64)
