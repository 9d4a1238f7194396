"""Embedding vectors in the catalog: writes, streamed reads, and a float16 storage option.

Mixed into :class:`core.catalog.db.Catalog`; relies on its ``_tx``/``_all``/``_one``/``_read`` helpers.

Storage: each vector is one little-endian BLOB; ``embeddings.dtype`` (schema v2) says ``'f4'``
(float32) or ``'f2'`` (float16). :meth:`EmbeddingsMixin.set_vector_storage` chooses what new vectors
are written as (``'float32'`` by default; ``'float16'`` halves the catalog and the memory of a
library's vectors, at a relative error of about 5e-4 per component). A vector that float16 cannot
hold (a component beyond ±65504) is kept as float32, so no non-finite value is ever stored.

Reads stream: :meth:`EmbeddingsMixin.iter_embeddings` yields chunks from one read snapshot, and
:meth:`EmbeddingsMixin.embeddings` fills one preallocated array from those chunks, so a load's peak
memory is the result plus one chunk (``benchmarks/bench_catalog.py`` measures it).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import numpy as np

from core.catalog.rows import SOUND_COLUMNS, SoundRow

VECTOR_STORAGES = {"float32": "f4", "float16": "f2"}
READ_CHUNK = 8192
_USABLE = ("FROM embeddings e JOIN sounds s ON s.id = e.sound_id "
           "WHERE s.error IS NULL AND e.model = ? AND e.model_version = ?")


class EmbeddingsMixin:
    """Embeddings of a :class:`~core.catalog.db.Catalog`."""

    if TYPE_CHECKING:  # provided by Catalog
        def _tx(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _read(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...
        def _one(self, sql: str, params: Sequence[Any] = ()) -> Any: ...
        def meta(self, key: str) -> str | None: ...
        def set_meta(self, key: str, value: str) -> None: ...

    # ------------------------------------------------------------------ storage option
    @property
    def vector_storage(self) -> str:
        """``'float32'`` or ``'float16'``: how new vectors are stored."""
        return self.meta("vector_storage") or "float32"

    def set_vector_storage(self, storage: str) -> None:
        """Store new vectors as ``'float32'`` or ``'float16'`` (vectors already stored are kept as they are)."""
        if storage not in VECTOR_STORAGES:
            raise ValueError(f"vector storage must be one of {sorted(VECTOR_STORAGES)}, not {storage!r}")
        self.set_meta("vector_storage", storage)

    # ------------------------------------------------------------------ writes
    def missing_embeddings(self, model: str, version: str) -> list[SoundRow]:
        """Usable sounds that have no embedding for ``model``/``version``, by id."""
        rows = self._all(
            f"SELECT {SOUND_COLUMNS} FROM sounds s WHERE s.error IS NULL AND NOT EXISTS "
            "(SELECT 1 FROM embeddings e WHERE e.sound_id = s.id AND e.model = ? AND e.model_version = ?) "
            "ORDER BY s.id", (model, version))
        return [SoundRow.from_row(r) for r in rows]

    def put_embeddings(
        self, model: str, version: str, items: Sequence[tuple[int, np.ndarray, np.ndarray | None]]
    ) -> int:
        """Store ``(sound_id, vector float32 [D], patches float32 [P, D] | None)`` items in ONE transaction.

        Idempotent (an existing embedding of the same sound/model/version is replaced). Items whose
        sound has meanwhile vanished from the catalog (a concurrent rescan) are skipped. All vectors
        of one model/version must share ``D``. Vectors are stored as :attr:`vector_storage` says;
        patches always as float32. Returns the number of embeddings written.
        """
        half = self.vector_storage == "float16"
        prepared: list[tuple[int, int, bytes, str, bytes | None, int]] = []
        dims = set()
        for sid, vec, patches in items:
            v = np.ascontiguousarray(np.asarray(vec), dtype="<f4")
            if v.ndim != 1 or v.size == 0:
                raise ValueError(f"embedding of sound {sid} must be a non-empty 1-D vector, got shape {v.shape}")
            if not np.isfinite(v).all():  # the last guard: a NaN row would poison maps and neighbours
                raise ValueError(f"embedding of sound {sid} is not finite; it was not stored")
            p_blob, n_p = None, 0
            if patches is not None:
                p = np.ascontiguousarray(np.asarray(patches), dtype="<f4")
                if p.ndim != 2 or p.shape[1] != v.size:
                    raise ValueError(f"patches of sound {sid} must have shape [P, {v.size}], got {p.shape}")
                p_blob, n_p = p.tobytes(), int(p.shape[0])
            dims.add(v.size)
            blob, code = v.tobytes(), "f4"
            if half:
                with np.errstate(over="ignore"):
                    v16 = v.astype("<f2")
                if np.isfinite(v16).all() or not np.isfinite(v).all():
                    blob, code = v16.tobytes(), "f2"
            prepared.append((int(sid), int(v.size), blob, code, p_blob, n_p))
        if len(dims) > 1:
            raise ValueError(f"embeddings of {model}/{version} have mixed dimensions {sorted(dims)}")
        if not prepared:
            return 0
        now = time.time()
        with self._tx() as c:
            row = c.execute("SELECT dim FROM embeddings WHERE model = ? AND model_version = ? LIMIT 1",
                            (model, version)).fetchone()
            if row is not None and row[0] not in dims:
                raise ValueError(f"{model}/{version} embeddings have dimension {row[0]}, not {dims.pop()}")
            written = c.executemany(
                "INSERT INTO embeddings(sound_id, model, model_version, dim, vector, dtype, n_patches, created) "
                "SELECT ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM sounds WHERE id = ?) "
                "ON CONFLICT(sound_id, model, model_version) DO UPDATE SET dim = excluded.dim, "
                "vector = excluded.vector, dtype = excluded.dtype, n_patches = excluded.n_patches, "
                "created = excluded.created",
                [(sid, model, version, dim, blob, code, n_p, now, sid)
                 for sid, dim, blob, code, _, n_p in prepared]).rowcount
            c.executemany("DELETE FROM embedding_patches WHERE sound_id = ? AND model = ? AND model_version = ?",
                          [(sid, model, version) for sid, _, _, _, p_blob, _ in prepared if p_blob is None])
            c.executemany(
                "INSERT OR REPLACE INTO embedding_patches(sound_id, model, model_version, patches) "
                "SELECT ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM embeddings WHERE sound_id = ? AND model = ? "
                "AND model_version = ?)",
                [(sid, model, version, p_blob, sid, model, version)
                 for sid, _, _, _, p_blob, _ in prepared if p_blob is not None])
        return written

    # ------------------------------------------------------------------ reads
    def count_embeddings(self, model: str, version: str) -> tuple[int, int]:
        """``(N, D)`` of the usable sounds' embeddings (``D`` 0 when there are none)."""
        row = self._one(f"SELECT COUNT(*), MAX(e.dim) {_USABLE}", (model, version))
        return int(row[0]), int(row[1] or 0)

    def iter_embeddings(
        self, model: str, version: str, chunk: int = READ_CHUNK, dtype: Any = np.float32
    ) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Chunks ``(ids int64 [n], vectors [n, D] of dtype)`` of the usable sounds, ordered by id.

        All chunks come from one read snapshot (held, with the catalog's lock, while iterating).
        """
        with self._read() as c:
            cur = c.execute(f"SELECT e.sound_id, e.dim, e.dtype, e.vector {_USABLE} ORDER BY e.sound_id",
                            (model, version))
            while rows := cur.fetchmany(chunk):
                yield _decode(rows, model, version, dtype)

    def embeddings(self, model: str, version: str, dtype: Any = np.float32) -> tuple[np.ndarray, np.ndarray]:
        """``(ids int64 [N], vectors [N, D])`` of the usable sounds, ordered by sound id.

        ``dtype`` float32 (default) or float16 (half the memory; components saturate at ±65504).
        ``N == 0`` gives shape ``[0, 0]``.
        """
        with self._read():  # count and rows from the same snapshot
            n, d = self.count_embeddings(model, version)
            ids = np.empty(n, np.int64)
            out = np.empty((n, d), dtype)
            pos = 0
            for chunk_ids, vecs in self.iter_embeddings(model, version, dtype=dtype):
                ids[pos : pos + len(chunk_ids)], out[pos : pos + len(chunk_ids)] = chunk_ids, vecs
                pos += len(chunk_ids)
        if n == 0:
            return ids, np.zeros((0, 0), np.float32)
        return ids, out

    def patch_embeddings(self, model: str, version: str, sound_id: int) -> np.ndarray | None:
        """Patch vectors float32 ``[P, D]`` of one sound, or ``None`` when none were stored."""
        row = self._one(
            "SELECT e.dim, p.patches FROM embedding_patches p JOIN embeddings e USING (sound_id, model, model_version) "
            "WHERE p.sound_id = ? AND p.model = ? AND p.model_version = ?", (int(sound_id), model, version))
        if row is None:
            return None
        return np.frombuffer(row[1], dtype="<f4").astype(np.float32).reshape(-1, int(row[0]))

    def embedded_models(self) -> list[tuple[str, str, int]]:
        """``(model, version, count of usable sounds embedded)``, by model then version."""
        rows = self._all(
            "SELECT e.model, e.model_version, COUNT(*) FROM embeddings e JOIN sounds s ON s.id = e.sound_id "
            "WHERE s.error IS NULL GROUP BY e.model, e.model_version ORDER BY e.model, e.model_version")
        return [(r[0], r[1], int(r[2])) for r in rows]

    def delete_embeddings(self, model: str, version: str | None = None) -> int:
        """Forget the embeddings of ``model`` (one version, or all with ``None``); returns rows deleted."""
        with self._tx() as c:
            if version is None:
                return c.execute("DELETE FROM embeddings WHERE model = ?", (model,)).rowcount
            return c.execute("DELETE FROM embeddings WHERE model = ? AND model_version = ?", (model, version)).rowcount


def _decode(rows: list[tuple[int, int, str, bytes]], model: str, version: str, dtype: Any) -> tuple[np.ndarray, np.ndarray]:
    """One chunk of ``(sound_id, dim, dtype code, blob)`` rows → ``(ids [n], vectors [n, D])``."""
    ids = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    dims = {r[1] for r in rows}
    if len(dims) != 1:
        raise ValueError(f"{model}/{version} embeddings have inconsistent dimensions in the catalog")
    d = dims.pop()
    codes = {r[2] for r in rows}
    if len(codes) == 1:  # the usual case: one join, one frombuffer, one cast
        raw = np.frombuffer(b"".join(r[3] for r in rows), dtype="<" + codes.pop())
        if raw.size != len(rows) * d:
            raise ValueError(f"{model}/{version} embeddings have inconsistent dimensions in the catalog")
        return ids, _cast(raw.reshape(len(rows), d), dtype)
    out = np.empty((len(rows), d), dtype)
    for i, r in enumerate(rows):
        out[i] = _cast(np.frombuffer(r[3], dtype="<" + r[2]), dtype)
    return ids, out


def _cast(x: np.ndarray, dtype: Any) -> np.ndarray:
    """``x`` as ``dtype``; float16 saturates at ±65504 instead of overflowing to ±inf."""
    if np.dtype(dtype) == np.float16 and x.dtype != np.float16:
        x = np.clip(x, -65504.0, 65504.0)
    return x.astype(dtype)
