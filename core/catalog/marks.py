"""Favourites, ratings and collections in the catalog (tables ``sound_marks``, ``collections``,
``collection_members``). Marks and memberships follow a sound through moves and renames (the scan
keeps its id) and go with it when the file is deleted (``ON DELETE CASCADE``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from core.catalog.db import Catalog

MAX_RATING = 5


@dataclass(slots=True)
class Collection:
    id: int
    name: str
    size: int


class MarkStore:
    """The user's marks on the sounds of one catalog."""

    def __init__(self, catalog: Catalog) -> None:
        self.catalog = catalog

    # -- favourites and ratings ----------------------------------------------------------------
    def set_favourite(self, sound_ids: int | Iterable[int], favourite: bool = True) -> None:
        rows = [(int(s), int(bool(favourite))) for s in _ids(sound_ids)]
        with self.catalog.transaction() as c:
            c.executemany("INSERT INTO sound_marks(sound_id, favourite) SELECT ?1, ?2 WHERE EXISTS "
                          "(SELECT 1 FROM sounds WHERE id = ?1) "
                          "ON CONFLICT(sound_id) DO UPDATE SET favourite = excluded.favourite", rows)

    def set_rating(self, sound_ids: int | Iterable[int], rating: int) -> None:
        """Rate sounds 0 (unrated) to :data:`MAX_RATING` stars."""
        if not 0 <= int(rating) <= MAX_RATING:
            raise ValueError(f"a rating is 0 to {MAX_RATING} stars, not {rating}")
        rows = [(int(s), int(rating)) for s in _ids(sound_ids)]
        with self.catalog.transaction() as c:
            c.executemany("INSERT INTO sound_marks(sound_id, rating) SELECT ?1, ?2 WHERE EXISTS "
                          "(SELECT 1 FROM sounds WHERE id = ?1) "
                          "ON CONFLICT(sound_id) DO UPDATE SET rating = excluded.rating", rows)

    def favourites(self) -> set[int]:
        return {int(r[0]) for r in self.catalog._all("SELECT sound_id FROM sound_marks WHERE favourite = 1")}

    def ratings(self) -> dict[int, int]:
        """``{sound_id: stars}`` of the rated sounds (unrated ones are absent, i.e. 0)."""
        return {int(s): int(r) for s, r in self.catalog._all("SELECT sound_id, rating FROM sound_marks WHERE rating > 0")}

    # -- collections -----------------------------------------------------------------------------
    def create_collection(self, name: str) -> int:
        name = _name(name)
        try:
            with self.catalog.transaction() as c:
                return int(c.execute("INSERT INTO collections(name, created) VALUES (?, ?)",
                                     (name, time.time())).lastrowid)
        except sqlite3.IntegrityError as exc:
            raise ValueError(f"there is already a collection called '{name}'") from exc

    def rename_collection(self, collection_id: int, name: str) -> None:
        name = _name(name)
        try:
            with self.catalog.transaction() as c:
                if not c.execute("UPDATE collections SET name = ? WHERE id = ?", (name, int(collection_id))).rowcount:
                    raise KeyError(f"no collection {collection_id}")
        except sqlite3.IntegrityError as exc:
            raise ValueError(f"there is already a collection called '{name}'") from exc

    def delete_collection(self, collection_id: int) -> None:
        """Delete the collection (its sounds stay in the library)."""
        with self.catalog.transaction() as c:
            c.execute("DELETE FROM collections WHERE id = ?", (int(collection_id),))

    def collections(self) -> list[Collection]:
        rows = self.catalog._all(
            "SELECT c.id, c.name, COUNT(m.sound_id) FROM collections c LEFT JOIN collection_members m "
            "ON m.collection_id = c.id GROUP BY c.id ORDER BY c.name COLLATE NOCASE")
        return [Collection(int(i), n, int(k)) for i, n, k in rows]

    def add_to_collection(self, collection_id: int, sound_ids: int | Iterable[int]) -> int:
        """Append sounds (those already in it stay where they are); returns how many were added."""
        with self.catalog.transaction() as c:
            if c.execute("SELECT 1 FROM collections WHERE id = ?", (int(collection_id),)).fetchone() is None:
                raise KeyError(f"no collection {collection_id}")
            start = c.execute("SELECT COALESCE(MAX(position), -1) + 1 FROM collection_members WHERE collection_id = ?",
                              (int(collection_id),)).fetchone()[0]
            added = 0
            for sid in _ids(sound_ids):
                added += c.execute(
                    "INSERT OR IGNORE INTO collection_members(collection_id, sound_id, position) "
                    "SELECT ?, ?, ? WHERE EXISTS (SELECT 1 FROM sounds WHERE id = ?)",
                    (int(collection_id), int(sid), start + added, int(sid))).rowcount
            return added

    def remove_from_collection(self, collection_id: int, sound_ids: int | Iterable[int]) -> None:
        with self.catalog.transaction() as c:
            c.executemany("DELETE FROM collection_members WHERE collection_id = ? AND sound_id = ?",
                          [(int(collection_id), int(s)) for s in _ids(sound_ids)])

    def members(self, collection_id: int) -> list[int]:
        """The collection's sound ids in the order they were added."""
        return [int(r[0]) for r in self.catalog._all(
            "SELECT sound_id FROM collection_members WHERE collection_id = ? ORDER BY position", (int(collection_id),))]


def _ids(sound_ids: int | Iterable[int]) -> list[int]:
    if isinstance(sound_ids, (int, np.integer)):
        return [int(sound_ids)]
    return [int(s) for s in sound_ids]


def _name(name: str) -> str:
    name = " ".join(str(name).split())
    if not name:
        raise ValueError("a collection needs a name")
    return name
