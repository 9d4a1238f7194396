"""The catalog's SQLite schema and its migrations.

The schema version lives in ``PRAGMA user_version``. :data:`MIGRATIONS` is an ordered list;
migration ``i`` (0-based) takes a database at version ``i`` to version ``i + 1``. Each migration
runs in its own transaction together with the ``user_version`` bump, so a crash mid-migration
leaves the database at the previous version. To add version 2, write ``def _v2(conn): ...``
and append it to :data:`MIGRATIONS`; nothing else changes.

Array data is stored as raw little-endian bytes (``ndarray.tobytes()``):

- ``embeddings.vector``: float32 ``[dim]``, or float16 where ``embeddings.dtype`` (v4) is ``'f2'``; ``embedding_patches.patches``: float32 ``[n_patches, dim]``
  (kept in a separate table so that loading the clip vectors never walks the large patch blobs).
- ``projections.ids``: int64 ``[n]``; ``projections.xy``: float32 ``[n, 2]``.
- ``labellings.ids``: int64 ``[n]``; ``labels``: int64 ``[n]``; ``scores``: float32 ``[n]`` or NULL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence

Migration = Callable[[sqlite3.Connection], None]

#: Page size for new catalogs: embedding rows are a few KiB, which would waste up to half of
#: every 4 KiB page; 16 KiB pages pack them densely. Only effective before the first table exists.
PAGE_SIZE = 16384


def _v1(conn: sqlite3.Connection) -> None:
    """Version 1: meta, sounds, embeddings (+ patches), projections, labellings, models."""
    for stmt in _V1:
        conn.execute(stmt)


_V1: tuple[str, ...] = (
    """CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
    )""",
    """CREATE TABLE sounds (
        id          INTEGER PRIMARY KEY,
        relpath     TEXT NOT NULL UNIQUE,       -- POSIX, relative to the library root
        size        INTEGER NOT NULL,
        mtime_ns    INTEGER NOT NULL,
        hash        TEXT,                       -- blake2b-128 hex of the content; NULL when unreadable
        duration    REAL,
        sample_rate INTEGER,
        channels    INTEGER,
        bit_depth   INTEGER,
        format      TEXT,
        tags        TEXT NOT NULL DEFAULT '[]', -- JSON list of strings
        error       TEXT,                       -- NULL when ok, else one readable line
        seen_at     REAL NOT NULL               -- unix time the scan last read this file
    )""",
    "CREATE INDEX sounds_hash ON sounds(hash)",
    """CREATE TABLE embeddings (
        sound_id      INTEGER NOT NULL REFERENCES sounds(id) ON DELETE CASCADE,
        model         TEXT NOT NULL,
        model_version TEXT NOT NULL,
        dim           INTEGER NOT NULL,
        vector        BLOB NOT NULL,            -- float32 [dim]
        n_patches     INTEGER NOT NULL DEFAULT 0,
        created       REAL NOT NULL,
        PRIMARY KEY (sound_id, model, model_version)
    )""",
    "CREATE INDEX embeddings_model ON embeddings(model, model_version, sound_id)",
    """CREATE TABLE embedding_patches (
        sound_id      INTEGER NOT NULL,
        model         TEXT NOT NULL,
        model_version TEXT NOT NULL,
        patches       BLOB NOT NULL,            -- float32 [n_patches, dim]
        PRIMARY KEY (sound_id, model, model_version),
        FOREIGN KEY (sound_id, model, model_version)
            REFERENCES embeddings(sound_id, model, model_version) ON DELETE CASCADE
    )""",
    """CREATE TABLE projections (
        id            INTEGER PRIMARY KEY,
        model         TEXT NOT NULL,
        model_version TEXT NOT NULL,
        method        TEXT NOT NULL,
        params        TEXT NOT NULL,            -- canonical JSON (sort_keys, compact)
        created       REAL NOT NULL,
        n             INTEGER NOT NULL,
        ids           BLOB NOT NULL,            -- int64 [n]
        xy            BLOB NOT NULL,            -- float32 [n, 2]
        UNIQUE (model, model_version, method, params)
    )""",
    """CREATE TABLE labellings (
        id            INTEGER PRIMARY KEY,
        model         TEXT NOT NULL,
        model_version TEXT NOT NULL,
        method        TEXT NOT NULL,
        params        TEXT NOT NULL,
        space         TEXT NOT NULL CHECK (space IN ('embedding', 'map')),
        created       REAL NOT NULL,
        n             INTEGER NOT NULL,
        ids           BLOB NOT NULL,            -- int64 [n]
        labels        BLOB NOT NULL,            -- int64 [n], -1 = noise
        scores        BLOB,                     -- float32 [n] or NULL
        UNIQUE (model, model_version, method, params, space)
    )""",
    """CREATE TABLE models (
        name          TEXT PRIMARY KEY,
        version       TEXT NOT NULL,
        kind          TEXT NOT NULL,
        config        TEXT NOT NULL DEFAULT '{}',
        history       TEXT NOT NULL DEFAULT '[]',
        metrics       TEXT NOT NULL DEFAULT '{}',
        weights_path  TEXT,
        created       REAL NOT NULL,
        is_default    INTEGER NOT NULL DEFAULT 0
    )""",
)

def _v_finding(conn: sqlite3.Connection) -> None:
    """Version 2: finding sounds (issue 10): per-sound analysis for duplicates and loops, favourites and
    ratings, collections, and suggested tags with their review status.

    A separate function so that it can be renumbered when migrations from other branches merge.
    """
    for stmt in _V_FINDING:
        conn.execute(stmt)


_V_FINDING: tuple[str, ...] = (
    # The decoded-content fingerprint of a sound (core.finding.fingerprint), valid while the
    # sound's content hash and the fingerprint version are unchanged.
    """CREATE TABLE sound_analysis (
        sound_id    INTEGER PRIMARY KEY REFERENCES sounds(id) ON DELETE CASCADE,
        version     TEXT NOT NULL,               -- fingerprint version
        hash        TEXT NOT NULL,               -- the sound's content hash when analysed
        duration    REAL NOT NULL,               -- seconds, after trimming silence
        lead        REAL NOT NULL,               -- seconds of leading silence trimmed
        level_db    REAL NOT NULL,               -- RMS level of the trimmed sound, dBFS
        loop        INTEGER NOT NULL,            -- 1 when the loop heuristic says loop
        n_frames    INTEGER NOT NULL,
        frames      BLOB NOT NULL                -- uint8 [n_frames, n_bands], quantised dB
    )""",
    """CREATE TABLE sound_marks (
        sound_id    INTEGER PRIMARY KEY REFERENCES sounds(id) ON DELETE CASCADE,
        favourite   INTEGER NOT NULL DEFAULT 0,
        rating      INTEGER NOT NULL DEFAULT 0 CHECK (rating BETWEEN 0 AND 5)
    )""",
    """CREATE TABLE collections (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        created     REAL NOT NULL
    )""",
    """CREATE TABLE collection_members (
        collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
        sound_id      INTEGER NOT NULL REFERENCES sounds(id) ON DELETE CASCADE,
        position      INTEGER NOT NULL,
        PRIMARY KEY (collection_id, sound_id)
    )""",
    "CREATE INDEX collection_members_sound ON collection_members(sound_id)",
    """CREATE TABLE tag_suggestions (
        sound_id    INTEGER NOT NULL REFERENCES sounds(id) ON DELETE CASCADE,
        tag         TEXT NOT NULL,
        confidence  REAL NOT NULL,
        status      TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'accepted', 'rejected')),
        model       TEXT NOT NULL,
        created     REAL NOT NULL,
        PRIMARY KEY (sound_id, tag)
    )""",
)


def _v_descriptors(conn: sqlite3.Connection) -> None:
    """Version 3: per-sound acoustic descriptors (:mod:`core.audio.descriptors`, :mod:`core.catalog.descriptors`).

    ``data`` is float32 ``[n]``; ``hash`` is the sound's content hash when they were computed, so a
    changed file makes its row stale without the scan knowing about descriptors.
    """
    conn.execute("""CREATE TABLE descriptors (
        sound_id  INTEGER NOT NULL REFERENCES sounds(id) ON DELETE CASCADE,
        version   TEXT NOT NULL,
        hash      TEXT,
        n         INTEGER NOT NULL,
        data      BLOB NOT NULL,              -- float32 [n]
        created   REAL NOT NULL,
        PRIMARY KEY (sound_id, version)
    )""")


def _v_vector_dtype(conn: sqlite3.Connection) -> None:
    """Version 4: ``embeddings.dtype`` ('f4' float32, 'f2' float16) for the float16 storage option."""
    conn.execute("ALTER TABLE embeddings ADD COLUMN dtype TEXT NOT NULL DEFAULT 'f4'")


#: Ordered migrations; ``len(MIGRATIONS)`` is the latest schema version.
MIGRATIONS: tuple[Migration, ...] = (_v1, _v_finding, _v_descriptors, _v_vector_dtype)
LATEST_VERSION = len(MIGRATIONS)


class SchemaTooNew(ValueError):
    """The catalog was written by a newer Sound Explorer than this one."""


def schema_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def migrate(conn: sqlite3.Connection, migrations: Sequence[Migration] = MIGRATIONS) -> list[int]:
    """Bring ``conn`` (autocommit mode) to ``len(migrations)``; returns the versions applied.

    Each step is one ``BEGIN IMMEDIATE`` transaction including the ``user_version`` bump, and the
    version is re-read inside it, so two processes opening the same new catalog at once do not
    apply a migration twice. A database newer than ``migrations`` raises :class:`SchemaTooNew`.
    """
    applied: list[int] = []
    target = len(migrations)
    while True:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = schema_version(conn)
            if current > target:
                raise SchemaTooNew(
                    f"this catalog has schema version {current} but this Sound Explorer only knows "
                    f"versions up to {target}; please update Sound Explorer"
                )
            if current == target:
                conn.execute("COMMIT")
                return applied
            migrations[current](conn)
            conn.execute(f"PRAGMA user_version = {current + 1}")
            conn.execute("COMMIT")
            applied.append(current + 1)
        except BaseException:
            conn.execute("ROLLBACK")
            raise
