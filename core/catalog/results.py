"""Derived results kept in the catalog: map projections, labellings (clusterings) and trained models.

Mixed into :class:`core.catalog.db.Catalog`; relies on its ``_tx``/``_all``/``_one`` helpers.
Arrays are stored as single BLOBs so that a 1M-point map loads with one row read.
Parameters are stored as canonical JSON (:func:`core.catalog.rows.canonical_json`) and matched exactly.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

import numpy as np

from core.catalog.rows import blob_f32, blob_ids, canonical_json, f32_blob, ids_blob

SPACES = ("embedding", "map")


class ResultsMixin:
    """Projections, labellings and models of a :class:`~core.catalog.db.Catalog`."""

    if TYPE_CHECKING:  # provided by Catalog
        def _tx(self) -> AbstractContextManager[sqlite3.Connection]: ...
        def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]: ...
        def _one(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    # ------------------------------------------------------------------ projections
    def put_projection(
        self, model: str, version: str, method: str, params: dict[str, Any], ids: np.ndarray, xy: np.ndarray
    ) -> int:
        """Store a 2-D map: ``ids`` int64 ``[N]``, ``xy`` float32 ``[N, 2]`` (same row order).

        Replaces an earlier projection with exactly the same model/version/method/params.
        Returns the projection id.
        """
        id_b = ids_blob(ids)
        xy_b = f32_blob(xy, (2,))
        n = len(id_b) // 8
        if len(xy_b) // 8 != n:
            raise ValueError(f"ids has {n} rows but xy has {len(xy_b) // 8}")
        with self._tx() as c:
            c.execute("DELETE FROM projections WHERE model = ? AND model_version = ? AND method = ? AND params = ?",
                      (model, version, method, canonical_json(params)))
            cur = c.execute(
                "INSERT INTO projections(model, model_version, method, params, created, n, ids, xy) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (model, version, method, canonical_json(params), time.time(), n, id_b, xy_b))
            return int(cur.lastrowid)

    def projection(
        self, model: str, version: str, method: str, params: dict[str, Any]
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """``(ids int64 [N], xy float32 [N, 2])`` of the projection with exactly these params, or ``None``."""
        row = self._one("SELECT ids, xy FROM projections WHERE model = ? AND model_version = ? AND method = ? "
                        "AND params = ?", (model, version, method, canonical_json(params)))
        return None if row is None else (blob_ids(row[0]), blob_f32(row[1], (2,)))

    @staticmethod
    def _projection_info(row: Sequence[Any]) -> dict[str, Any]:
        return {"id": int(row[0]), "model": row[1], "version": row[2], "method": row[3],
                "params": json.loads(row[4]), "created": float(row[5]), "n": int(row[6])}

    def projections(self, model: str | None = None, version: str | None = None) -> list[dict[str, Any]]:
        """Metadata (no arrays) of the stored projections, newest first."""
        sql = "SELECT id, model, model_version, method, params, created, n FROM projections"
        conds, args = self._model_filter(model, version)
        return [self._projection_info(r) for r in self._all(sql + conds + " ORDER BY created DESC, id DESC", args)]

    def delete_projections(self, model: str, version: str | None = None) -> int:
        """Forget the projections of ``model`` (one version or all); returns how many were deleted."""
        conds, args = self._model_filter(model, version)
        with self._tx() as c:
            return c.execute("DELETE FROM projections" + conds, args).rowcount

    @staticmethod
    def _model_filter(model: str | None, version: str | None) -> tuple[str, list[Any]]:
        parts, args = [], []
        if model is not None:
            parts.append("model = ?")
            args.append(model)
        if version is not None:
            parts.append("model_version = ?")
            args.append(version)
        return (" WHERE " + " AND ".join(parts) if parts else ""), args

    # ------------------------------------------------------------------ labellings
    def put_labelling(
        self, model: str, version: str, method: str, params: dict[str, Any], ids: np.ndarray,
        labels: np.ndarray, scores: np.ndarray | None = None, space: str = "embedding",
    ) -> int:
        """Store a labelling: ``ids`` int64 ``[N]``, ``labels`` int64 ``[N]`` (-1 = noise),
        ``scores`` float32 ``[N]`` or ``None``; ``space`` is ``'embedding'`` or ``'map'``.

        Replaces an earlier one with the same model/version/method/params/space. Returns its id.
        """
        if space not in SPACES:
            raise ValueError(f"space must be one of {SPACES}, not {space!r}")
        id_b, lab_b = ids_blob(ids), ids_blob(labels)
        sc_b = None if scores is None else f32_blob(scores)
        n = len(id_b) // 8
        if len(lab_b) // 8 != n or (sc_b is not None and len(sc_b) // 4 != n):
            raise ValueError("ids, labels and scores must have the same length")
        p = canonical_json(params)
        with self._tx() as c:
            c.execute("DELETE FROM labellings WHERE model = ? AND model_version = ? AND method = ? AND params = ? "
                      "AND space = ?", (model, version, method, p, space))
            cur = c.execute(
                "INSERT INTO labellings(model, model_version, method, params, space, created, n, ids, labels, scores) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (model, version, method, p, space, time.time(), n, id_b, lab_b, sc_b))
            return int(cur.lastrowid)

    def labelling(
        self, model: str, version: str, method: str, params: dict[str, Any], space: str | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None] | None:
        """``(ids int64 [N], labels int64 [N], scores float32 [N] | None)`` or ``None``.

        Exact params match; ``space=None`` takes the newest of either space.
        """
        sql = ("SELECT ids, labels, scores FROM labellings WHERE model = ? AND model_version = ? AND method = ? "
               "AND params = ?")
        args: list[Any] = [model, version, method, canonical_json(params)]
        if space is not None:
            sql += " AND space = ?"
            args.append(space)
        row = self._one(sql + " ORDER BY created DESC, id DESC LIMIT 1", args)
        if row is None:
            return None
        scores = None if row[2] is None else blob_f32(row[2])
        return blob_ids(row[0]), blob_ids(row[1]), scores

    def labellings(self, model: str, version: str) -> list[dict[str, Any]]:
        """Metadata of the stored labellings: ``id, method, params (dict), space, created, n``; newest first."""
        rows = self._all("SELECT id, method, params, space, created, n FROM labellings WHERE model = ? "
                         "AND model_version = ? ORDER BY created DESC, id DESC", (model, version))
        return [{"id": int(r[0]), "method": r[1], "params": json.loads(r[2]), "space": r[3],
                 "created": float(r[4]), "n": int(r[5])} for r in rows]

    def delete_labellings(self, model: str, version: str | None = None) -> int:
        conds, args = self._model_filter(model, version)
        with self._tx() as c:
            return c.execute("DELETE FROM labellings" + conds, args).rowcount

    # ------------------------------------------------------------------ trained models
    def put_model(
        self, name: str, version: str, kind: str, config: dict[str, Any] | None = None,
        history: list[Any] | None = None, metrics: dict[str, Any] | None = None,
        weights_path: str | None = None, is_default: bool = False,
    ) -> None:
        """Create or update the trained model ``name`` (JSON-able config/history/metrics).

        ``is_default=True`` also makes it the default model; otherwise the default is unchanged.
        """
        with self._tx() as c:
            c.execute(
                "INSERT INTO models(name, version, kind, config, history, metrics, weights_path, created) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET version = excluded.version, "
                "kind = excluded.kind, config = excluded.config, history = excluded.history, "
                "metrics = excluded.metrics, weights_path = excluded.weights_path, created = excluded.created",
                (name, version, kind, canonical_json(config or {}), canonical_json(history or []),
                 canonical_json(metrics or {}), None if weights_path is None else str(weights_path), time.time()))
            if is_default:
                self.set_default_model(name)

    def models(self) -> list[dict[str, Any]]:
        """All trained models (dicts with the table's columns, JSON decoded, ``is_default`` bool), by name."""
        rows = self._all("SELECT name, version, kind, config, history, metrics, weights_path, created, is_default "
                         "FROM models ORDER BY name")
        return [self._model_dict(r) for r in rows]

    def model(self, name: str) -> dict[str, Any] | None:
        row = self._one("SELECT name, version, kind, config, history, metrics, weights_path, created, is_default "
                        "FROM models WHERE name = ?", (name,))
        return None if row is None else self._model_dict(row)

    @staticmethod
    def _model_dict(r: Sequence[Any]) -> dict[str, Any]:
        return {"name": r[0], "version": r[1], "kind": r[2], "config": json.loads(r[3]),
                "history": json.loads(r[4]), "metrics": json.loads(r[5]), "weights_path": r[6],
                "created": float(r[7]), "is_default": bool(r[8])}

    def delete_model(self, name: str) -> None:
        with self._tx() as c:
            c.execute("DELETE FROM models WHERE name = ?", (name,))

    def set_default_model(self, name: str | None) -> None:
        """Make ``name`` the default trained model (``None``: no default). Unknown names raise ``KeyError``."""
        with self._tx() as c:
            if name is not None and c.execute("SELECT 1 FROM models WHERE name = ?", (name,)).fetchone() is None:
                raise KeyError(f"no trained model named {name!r}")
            c.execute("UPDATE models SET is_default = (name IS ?)", (name,))

    def default_model(self) -> str | None:
        row = self._one("SELECT name FROM models WHERE is_default = 1 ORDER BY name LIMIT 1")
        return None if row is None else row[0]
