"""Per-sound acoustic descriptors in the catalog (table ``descriptors``, schema version 2).

Rows are keyed by sound and descriptor version (:data:`core.audio.descriptors.VERSION`) and carry
the sound's content hash: a row whose hash differs from the sound's current one is stale and
counts as missing. Functions rather than :class:`~core.catalog.db.Catalog` methods, so the catalog
class stays as it is; they use its transaction and read helpers.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from core.catalog.rows import SOUND_COLUMNS, SoundRow


def put_descriptors(catalog, version: str, items: Sequence[tuple[int, str | None, np.ndarray]]) -> int:
    """Store ``(sound_id, content hash, values float [K])`` in one transaction; non-finite rows raise."""
    rows = []
    for sid, h, values in items:
        v = np.ascontiguousarray(np.asarray(values), dtype="<f4").reshape(-1)
        if not np.isfinite(v).all():
            raise ValueError(f"descriptors of sound {sid} are not finite")
        rows.append((int(sid), version, h, int(v.size), v.tobytes(), time.time(), int(sid)))
    with catalog.transaction() as c:
        return c.executemany(
            "INSERT OR REPLACE INTO descriptors(sound_id, version, hash, n, data, created) "
            "SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM sounds WHERE id = ?)", rows).rowcount


_CURRENT = ("FROM descriptors d JOIN sounds s ON s.id = d.sound_id WHERE s.error IS NULL AND d.version = ? "
            "AND d.hash IS s.hash")


def load_descriptors(catalog, version: str) -> tuple[np.ndarray, np.ndarray]:
    """``(ids int64 [N], values float32 [N, K])`` of the usable sounds with current descriptors, by id."""
    rows = catalog._all(f"SELECT d.sound_id, d.data {_CURRENT} ORDER BY d.sound_id", (version,))
    if not rows:
        return np.zeros(0, np.int64), np.zeros((0, 0), np.float32)
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    values = np.frombuffer(b"".join(r[1] for r in rows), dtype="<f4").reshape(len(rows), -1)
    return ids, values.astype(np.float32)


def missing_descriptors(catalog, version: str) -> list[SoundRow]:
    """Usable sounds without current descriptors of ``version`` (none yet, or the file changed), by id."""
    rows = catalog._all(
        f"SELECT {SOUND_COLUMNS} FROM sounds s WHERE s.error IS NULL AND NOT EXISTS (SELECT 1 FROM descriptors d "
        "WHERE d.sound_id = s.id AND d.version = ? AND d.hash IS s.hash) ORDER BY s.id", (version,))
    return [SoundRow.from_row(r) for r in rows]
