"""Suggested tags in the catalog (table ``tag_suggestions``): a tag, its confidence, the model it
came from, and its review status — ``pending``, ``accepted`` or ``rejected``.

A new round of suggestions replaces the *pending* ones only: accepted and rejected tags keep their
status, and a rejected tag is never suggested again for that sound. Nothing here touches the
user's files; accepted tags are read back with :meth:`SuggestionStore.accepted_tags` (search uses
them) and exported as a sidecar CSV by :func:`core.finding.suggest_tags.write_suggestions_csv`.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from core.catalog.db import Catalog

STATUSES = ("pending", "accepted", "rejected")


@dataclass(slots=True)
class TagSuggestion:
    sound_id: int
    tag: str
    confidence: float  # in [0, 1]
    status: str = "pending"
    model: str = ""


class SuggestionStore:
    """The suggested tags of one catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    def replace_pending(self, suggestions: Iterable[TagSuggestion], model: str) -> int:
        """Drop the pending suggestions and store these (reviewed tags are kept as they are)."""
        now = time.time()
        rows = [(int(s.sound_id), s.tag, float(s.confidence), model, now, int(s.sound_id)) for s in suggestions]
        with self.catalog.transaction() as c:
            c.execute("DELETE FROM tag_suggestions WHERE status = 'pending'")
            return c.executemany(
                "INSERT INTO tag_suggestions(sound_id, tag, confidence, status, model, created) "
                "SELECT ?, ?, ?, 'pending', ?, ? WHERE EXISTS (SELECT 1 FROM sounds WHERE id = ?) "
                "ON CONFLICT(sound_id, tag) DO NOTHING", rows).rowcount

    def suggestions(self, status: str | None = None, sound_id: int | None = None) -> list[TagSuggestion]:
        """Suggestions (optionally of one status or one sound), the most confident first."""
        where, args = [], []
        if status is not None:
            _check(status)
            where.append("status = ?")
            args.append(status)
        if sound_id is not None:
            where.append("sound_id = ?")
            args.append(int(sound_id))
        sql = ("SELECT sound_id, tag, confidence, status, model FROM tag_suggestions"
               + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY confidence DESC, sound_id, tag")
        return [TagSuggestion(int(r[0]), r[1], float(r[2]), r[3], r[4]) for r in self.catalog._all(sql, args)]

    def set_status(self, items: Sequence[tuple[int, str]], status: str) -> int:
        """Accept or reject (or reset to pending) ``(sound_id, tag)`` suggestions; returns rows changed."""
        _check(status)
        with self.catalog.transaction() as c:
            return c.executemany("UPDATE tag_suggestions SET status = ? WHERE sound_id = ? AND tag = ?",
                                 [(status, int(sid), tag) for sid, tag in items]).rowcount

    def accept(self, sound_id: int, tag: str) -> bool:
        return self.set_status([(sound_id, tag)], "accepted") == 1

    def reject(self, sound_id: int, tag: str) -> bool:
        return self.set_status([(sound_id, tag)], "rejected") == 1

    def accepted_tags(self) -> dict[int, list[str]]:
        """``{sound_id: [tags]}`` of the accepted suggestions."""
        out: dict[int, list[str]] = defaultdict(list)
        for sid, tag in self.catalog._all(
                "SELECT sound_id, tag FROM tag_suggestions WHERE status = 'accepted' ORDER BY sound_id, tag"):
            out[int(sid)].append(tag)
        return dict(out)

    def rejected(self) -> set[tuple[int, str]]:
        return {(int(s), t) for s, t in self.catalog._all(
            "SELECT sound_id, tag FROM tag_suggestions WHERE status = 'rejected'")}


def _check(status: str) -> None:
    if status not in STATUSES:
        raise ValueError(f"a suggestion's status is one of {', '.join(STATUSES)}, not '{status}'")
