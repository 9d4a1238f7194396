"""Exact cosine nearest neighbours with chunked torch matrix products.

:class:`NeighborIndex` holds the database vectors ``[N, D]`` (L2-normalised; rows that are
not are normalised once at construction) and answers exact top-k queries by cosine
similarity. Scores are computed block by block: a block of at most ``max_block_elems``
query×database similarities is materialised at a time and reduced with ``torch.topk``, so
memory stays bounded whatever ``Q·N`` is (``[Q, N]`` is never materialised for large
``Q·N``).

Distances are cosine distances ``1 − cos`` in ``[0, 2]``, returned ascending. On CUDA the
database is kept as float16 (half the memory, tensor cores); distances there carry an
error of about 1e-3. On CPU it stays float32 and a float32 contiguous numpy array is used
without a copy.
"""

from __future__ import annotations

import numpy as np
import torch

# At most this many float32 similarities (query rows × database rows) exist at once: 64 MiB.
DEFAULT_BLOCK_ELEMS = 1 << 24


def _pick_device(device: str | None) -> torch.device:
    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(device)


def _as_tensor(x: np.ndarray | torch.Tensor) -> torch.Tensor:
    if isinstance(x, torch.Tensor):
        return x.detach()
    arr = np.asarray(x)
    if arr.dtype != np.float32:
        arr = arr.astype(np.float32)
    return torch.from_numpy(np.ascontiguousarray(arr))


def _normalised_rows(t: torch.Tensor, chunk: int = 65536) -> torch.Tensor:
    """``t`` itself when every row already has unit norm (±1e-3), else a normalised copy.

    Zero rows stay zero (their similarity to everything is 0, i.e. distance 1).
    """
    n = t.shape[0]
    ok = True
    for s in range(0, n, chunk):
        norms = torch.linalg.vector_norm(t[s : s + chunk].float(), dim=1)
        if not bool(torch.all((norms - 1.0).abs() <= 1e-3)):
            ok = False
            break
    if ok:
        return t
    out = torch.empty_like(t, dtype=torch.float32)
    for s in range(0, n, chunk):
        block = t[s : s + chunk].float()
        norms = torch.linalg.vector_norm(block, dim=1, keepdim=True).clamp_min(1e-12)
        out[s : s + chunk] = block / norms
    return out


class NeighborIndex:
    """Exact cosine top-k over ``vectors`` ``[N, D]``.

    ``device`` ``None`` picks ``'cuda'`` when available else ``'cpu'``. ``ids`` (optional,
    int64 ``[N]``) maps rows to external ids for :meth:`query_ids`; results are always row
    indices (``index.ids[idx]`` maps them back).
    """

    def __init__(
        self,
        vectors: np.ndarray | torch.Tensor,
        device: str | None = None,
        *,
        ids: np.ndarray | None = None,
        max_block_elems: int = DEFAULT_BLOCK_ELEMS,
    ) -> None:
        self.device = _pick_device(device)
        base = _as_tensor(vectors)
        if base.ndim != 2:
            raise ValueError(f"vectors must be [N, D], got shape {tuple(base.shape)}")
        base = _normalised_rows(base)
        if self.device.type == "cuda":
            base = base.to(self.device, dtype=torch.float16)
        else:
            base = base.to(self.device, dtype=torch.float32)
        self._db = base.contiguous()
        self.n, self.dim = int(base.shape[0]), int(base.shape[1])
        self.max_block_elems = int(max_block_elems)
        self.ids: np.ndarray | None = None
        self._row_of: dict[int, int] | None = None
        if ids is not None:
            ids = np.asarray(ids, dtype=np.int64)
            if ids.shape != (self.n,):
                raise ValueError("ids must be [N]")
            self.ids = ids
            self._row_of = {int(v): i for i, v in enumerate(ids)}

    def __len__(self) -> int:
        return self.n

    # ------------------------------------------------------------------ queries
    def query(
        self,
        q_vectors: np.ndarray | torch.Tensor,
        k: int,
        exclude_self_ids: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` rows for each query ``[Q, D]`` (or ``[D]``).

        ``exclude_self_ids`` (int ``[Q]``, row indices; negative = none) removes one database
        row per query from its candidates. Returns ``(idx int64 [Q, k], dist float32 [Q, k])``
        with ``dist = 1 − cos`` ascending; ``k`` is clamped to the number of candidates.
        """
        q = _as_tensor(q_vectors)
        if q.ndim == 1:
            q = q[None, :]
        if q.shape[1] != self.dim:
            raise ValueError(f"query dim {q.shape[1]} != index dim {self.dim}")
        n_q = int(q.shape[0])
        excl = None
        if exclude_self_ids is not None:
            excl = torch.as_tensor(np.asarray(exclude_self_ids, dtype=np.int64).reshape(-1))
            if excl.shape[0] != n_q:
                raise ValueError("exclude_self_ids must have one entry per query")
        k_eff = min(int(k), self.n - (1 if excl is not None else 0))
        if k_eff <= 0 or n_q == 0:
            return np.zeros((n_q, 0), np.int64), np.zeros((n_q, 0), np.float32)
        q = _normalised_rows(q).to(self.device, dtype=self._db.dtype)

        # Block shape: up to 4096 queries per block, database blocks filling the budget.
        q_chunk = max(1, min(n_q, 4096, self.max_block_elems // max(k_eff, 1)))
        db_chunk = max(k_eff, min(self.n, self.max_block_elems // q_chunk))
        out_idx = np.empty((n_q, k_eff), np.int64)
        out_sim = np.empty((n_q, k_eff), np.float32)
        with torch.inference_mode():
            for qs in range(0, n_q, q_chunk):
                qb = q[qs : qs + q_chunk]
                eb = None if excl is None else excl[qs : qs + q_chunk].to(self.device)
                best_sim, best_idx = self._scan(qb, k_eff, db_chunk, eb)
                out_idx[qs : qs + q_chunk] = best_idx.cpu().numpy()
                out_sim[qs : qs + q_chunk] = best_sim.float().cpu().numpy()
        dist = np.clip(1.0 - out_sim, 0.0, 2.0).astype(np.float32)
        return out_idx, dist

    def _scan(
        self, qb: torch.Tensor, k: int, db_chunk: int, excl: torch.Tensor | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Running top-k of one query block over database blocks: ``(sim [b,k], idx [b,k])``."""
        best_sim: torch.Tensor | None = None
        best_idx: torch.Tensor | None = None
        rows = torch.arange(qb.shape[0], device=self.device)
        for ds in range(0, self.n, db_chunk):
            block = self._db[ds : ds + db_chunk]
            sims = qb @ block.T  # [b, chunk]
            if excl is not None:
                local = excl - ds
                hit = (local >= 0) & (local < block.shape[0])
                if bool(hit.any()):
                    sims[rows[hit], local[hit]] = float("-inf")
            kk = min(k, sims.shape[1])
            s, i = torch.topk(sims, kk, dim=1)
            i = i + ds
            if best_sim is None:
                best_sim, best_idx = s, i
            else:
                cat_s = torch.cat([best_sim, s], dim=1)
                cat_i = torch.cat([best_idx, i], dim=1)
                s2, pos = torch.topk(cat_s, min(k, cat_s.shape[1]), dim=1)
                best_sim, best_idx = s2, torch.gather(cat_i, 1, pos)
        assert best_sim is not None and best_idx is not None
        # topk does not promise an order among equal values; make ties deterministic
        # (ascending row index) with a stable sort on (−sim).
        by_row = torch.argsort(best_idx, dim=1)
        best_sim, best_idx = torch.gather(best_sim, 1, by_row), torch.gather(best_idx, 1, by_row)
        order = torch.sort(-best_sim.float(), dim=1, stable=True).indices
        return torch.gather(best_sim, 1, order), torch.gather(best_idx, 1, order)

    def rows_for(self, ids_or_rows: np.ndarray | list[int] | int) -> np.ndarray:
        """Row indices for external ids (when ``ids`` were given) or rows themselves."""
        arr = np.atleast_1d(np.asarray(ids_or_rows, dtype=np.int64))
        if self._row_of is None:
            if arr.size and (arr.min() < 0 or arr.max() >= self.n):
                raise IndexError("row out of range")
            return arr
        try:
            return np.array([self._row_of[int(v)] for v in arr], dtype=np.int64)
        except KeyError as exc:
            raise KeyError(f"unknown id {exc.args[0]}") from None

    def query_ids(
        self, ids_or_rows: np.ndarray | list[int] | int, k: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Neighbours of stored items (by id when the index has ``ids``, else by row),
        excluding each item itself. Returns rows ``idx int64 [Q, k]`` and ``dist float32 [Q, k]``."""
        rows = self.rows_for(ids_or_rows)
        q = self._db[torch.as_tensor(rows, device=self.device)].float()
        return self.query(q, k, exclude_self_ids=rows)

    def knn_graph(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """k nearest other rows of every row: ``(idx int64 [N, k], dist float32 [N, k])``."""
        rows = np.arange(self.n, dtype=np.int64)
        idx_parts, dist_parts = [], []
        step = 8192
        for s in range(0, self.n, step):
            r = rows[s : s + step]
            i, d = self.query(self._db[s : s + step].float(), k, exclude_self_ids=r)
            idx_parts.append(i)
            dist_parts.append(d)
        if not idx_parts:
            return np.zeros((0, 0), np.int64), np.zeros((0, 0), np.float32)
        return np.concatenate(idx_parts), np.concatenate(dist_parts)
