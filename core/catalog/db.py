"""The :class:`Catalog`: one SQLite file per sound folder, holding what Sound Explorer knows about it.

Connection settings: WAL journal (readers never block the writer), ``synchronous=NORMAL``
(a committed transaction survives a ``kill -9`` of the process; a power cut may lose the last
few commits but never corrupts the file), foreign keys on, a busy timeout so that a second
connection (another thread or process) waits instead of failing.
Every write runs inside :meth:`Catalog.transaction` (``BEGIN IMMEDIATE`` … ``COMMIT``).

A :class:`Catalog` may be shared between threads (calls are serialised by a lock); for
concurrent reads while a worker writes, open a second ``Catalog`` on the same file.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from core import __version__
from core.catalog.embeddings import EmbeddingsMixin
from core.catalog.results import ResultsMixin
from core.catalog.rows import SOUND_COLUMNS, SoundRow, relpath_from_db, relpath_to_db, shown_path
from core.catalog.schema import PAGE_SIZE, migrate
from core.paths import default_catalog_path

BUSY_TIMEOUT_S = 30.0
# No memory-mapped I/O: a mapped catalog counts in the process's RSS page by page as it is read, so
# reading 100k vectors peaked at 2.5x their array size, against 1.4x through SQLite's small page
# cache, at the same speed (benchmarks/bench_catalog.py).
MMAP_BYTES = 0


def _one_line(message: str) -> str:
    return " ".join(str(message).split()) or "error: unknown"


class Catalog(EmbeddingsMixin, ResultsMixin):
    """Open with :meth:`Catalog.open`; use as a context manager or call :meth:`close`."""

    def __init__(self, conn: sqlite3.Connection, root: Path, path: Path) -> None:
        self._conn = conn
        self._root = root
        self._path = path
        self._lock = threading.RLock()
        self._depth = 0

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def open(cls, root: Path, catalog_path: Path | None = None, *, relocate: bool = False) -> Catalog:
        """Open (creating and migrating as needed) the catalog of the sound folder ``root``.

        ``catalog_path`` defaults to :func:`core.paths.default_catalog_path`. A catalog file that
        belongs to another folder raises ``ValueError``, unless ``relocate=True`` (the user moved
        their folder), which re-points it at ``root``. The folder itself need not exist (an
        unplugged drive can still be browsed); :func:`core.catalog.scan.scan` checks it.
        """
        root = Path(root).expanduser().resolve()
        path = Path(catalog_path).expanduser() if catalog_path is not None else default_catalog_path(root)
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
        try:
            try:
                conn.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
                conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # no-op unless the file is new
                conn.execute("PRAGMA journal_mode = WAL").fetchone()
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute("PRAGMA foreign_keys = ON")
                conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
                migrate(conn)
            except sqlite3.DatabaseError as exc:
                raise ValueError(f"{path} is not a usable Sound Explorer catalog ({exc})") from exc
            cat = cls(conn, root, path)
            with cat.transaction():
                stored = cat.meta("root")
                if stored is None:
                    cat.set_meta("root", str(root))
                    cat.set_meta("created", f"{time.time():.3f}")
                    cat.set_meta("app_version", __version__)
                elif stored != str(root):
                    if not relocate:
                        raise ValueError(
                            f"the catalog {path} belongs to the folder {stored}, not to {root}"
                        )
                    cat.set_meta("root", str(root))
        except BaseException:
            conn.close()
            raise
        return cat

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None  # type: ignore[assignment]

    def __enter__(self) -> Catalog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def root(self) -> Path:
        """The sound folder (resolved absolute path)."""
        return self._root

    @property
    def path(self) -> Path:
        """The catalog file."""
        return self._path

    # ------------------------------------------------------------------ plumbing
    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """``with cat.transaction() as conn:`` — one atomic write (nested calls join the outer one)."""
        with self._lock:
            if self._conn is None:
                raise ValueError("the catalog is closed")
            if self._depth:
                self._depth += 1
                try:
                    yield self._conn
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield self._conn
            except BaseException:
                self._depth = 0
                self._conn.execute("ROLLBACK")
                raise
            self._depth = 0
            try:
                self._conn.execute("COMMIT")
            except BaseException:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                raise

    _tx = transaction

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self._lock:
            if self._conn is None:
                raise ValueError("the catalog is closed")
            return self._conn.execute(sql, params).fetchall()

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self._lock:
            if self._conn is None:
                raise ValueError("the catalog is closed")
            return self._conn.execute(sql, params).fetchone()

    @contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """Several reads from one consistent snapshot (a deferred read transaction)."""
        with self._lock:
            if self._conn is None:
                raise ValueError("the catalog is closed")
            if self._conn.in_transaction:
                yield self._conn
                return
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            finally:
                self._conn.execute("COMMIT")

    def meta(self, key: str) -> str | None:
        row = self._one("SELECT value FROM meta WHERE key = ?", (key,))
        return None if row is None else row[0]

    def set_meta(self, key: str, value: str) -> None:
        with self._tx() as c:
            c.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                      "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, str(value)))

    def integrity_ok(self) -> bool:
        """``PRAGMA integrity_check`` reports ``ok`` (and no foreign key points nowhere)."""
        rows = self._all("PRAGMA integrity_check")
        return [r[0] for r in rows] == ["ok"] and not self._all("PRAGMA foreign_key_check")

    # ------------------------------------------------------------------ sounds
    def sounds(self, include_failed: bool = False) -> list[SoundRow]:
        """All usable sounds (and the failed ones too with ``include_failed``), by id."""
        where = "" if include_failed else "WHERE error IS NULL"
        return [SoundRow.from_row(r) for r in self._all(f"SELECT {SOUND_COLUMNS} FROM sounds {where} ORDER BY id")]

    def sound(self, sound_id: int) -> SoundRow:
        """The sound ``sound_id``; ``KeyError`` when there is none."""
        row = self._one(f"SELECT {SOUND_COLUMNS} FROM sounds WHERE id = ?", (int(sound_id),))
        if row is None:
            raise KeyError(f"no sound with id {sound_id} in the catalog")
        return SoundRow.from_row(row)

    def sound_by_relpath(self, relpath: str) -> SoundRow | None:
        row = self._one(f"SELECT {SOUND_COLUMNS} FROM sounds WHERE relpath = ?", (relpath_to_db(relpath),))
        return None if row is None else SoundRow.from_row(row)

    def abspath(self, row_or_relpath: SoundRow | str | int) -> Path:
        """Absolute path of a sound given its row, its relpath (POSIX) or its id."""
        if isinstance(row_or_relpath, SoundRow):
            rel = row_or_relpath.relpath
        elif isinstance(row_or_relpath, (int, np.integer)):
            rel = self.sound(int(row_or_relpath)).relpath
        else:
            rel = str(row_or_relpath)
        return self._root.joinpath(*rel.split("/"))

    def count(self, include_failed: bool = False) -> int:
        """Number of usable sounds (all rows with ``include_failed``)."""
        where = "" if include_failed else "WHERE error IS NULL"
        return int(self._one(f"SELECT COUNT(*) FROM sounds {where}")[0])

    def failures(self) -> list[tuple[str, str]]:
        """``(relpath, error)`` of every sound that cannot be used, by relpath."""
        rows = self._all("SELECT relpath, error FROM sounds WHERE error IS NOT NULL ORDER BY relpath")
        return [(shown_path(relpath_from_db(r[0])), r[1]) for r in rows]

    def record_error(self, sound_id: int, message: str) -> None:
        """Mark a sound as unusable (e.g. decoding failed while embedding); kept until the file changes."""
        with self._tx() as c:
            c.execute("UPDATE sounds SET error = ? WHERE id = ?", (_one_line(message), int(sound_id)))

    def clear_error(self, sound_id: int) -> None:
        with self._tx() as c:
            c.execute("UPDATE sounds SET error = NULL WHERE id = ?", (int(sound_id),))

    def set_tags(self, items: Iterable[tuple[int, list[str]]]) -> None:
        """Replace the tags of several sounds in one transaction."""
        rows = [(json.dumps([str(t) for t in tags]), int(sid)) for sid, tags in items]
        with self._tx() as c:
            c.executemany("UPDATE sounds SET tags = ? WHERE id = ?", rows)

