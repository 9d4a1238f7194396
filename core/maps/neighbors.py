"""Cosine nearest neighbours: exact blocked top-k, and an approximate index built in the background.

:class:`NeighborIndex` holds the database vectors ``[N, D]`` (L2-normalised; rows that are not
are normalised once at construction) and answers top-k queries by cosine similarity.
Distances are cosine distances ``1 − cos`` in ``[0, 2]``, returned ascending (ties by row).

Storage and compute, chosen for speed on a CPU (measured in ``benchmarks/bench_neighbors.py``):

- ``storage='float32'`` (default): numpy/BLAS. One query is one ``sgemv`` over the database plus an
  ``argpartition``: the same work as naive numpy, so never slower. Batches run blocked ``sgemm``
  with a running top-k, so ``[Q, N]`` is never materialised. torch is not imported.
- ``storage='float16'``: half the memory and half the bytes read per query. numpy has no fast
  float16 kernels, so scores come from torch's CPU float16 ``mv``/``mm`` (fp32 accumulation);
  torch is imported then, and only then. Distances carry an error of about 1e-3.
- ``device='cuda…'``: the database lives on the GPU as float16 (torch).

:meth:`NeighborIndex.build_ann` is a job (:mod:`core.jobs`) that adds an inverted-file index
(:mod:`core.maps.ivf`): k-means lists over the rows, the storage reordered so that each list is a
contiguous slice. Once built, queries are approximate by default (``exact=False``; pass
``exact=True`` for the exact scan, which stays available). Readers never see a half-built index:
the storage, its row order and the lists are swapped in as one immutable state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from core.jobs import Job, Progress, run_job
from core.maps.ivf import INDEX, IvfLists, build_lists, search, topk_rows
from core.maps.params import NeighborParams

# At most this many float32 similarities (query rows × database rows) exist at once: 64 MiB.
DEFAULT_BLOCK_ELEMS = 1 << 24
STORAGES = ("float32", "float16")


@dataclass(frozen=True, slots=True)
class _State:
    """Storage rows in their current order and what maps them back to the caller's rows."""

    db: Any  # np.ndarray [N, D] float32/float16, or a torch tensor on CUDA
    perm: np.ndarray | None  # storage row -> original row (None: identity)
    inv: np.ndarray | None  # original row -> storage row
    ivf: IvfLists | None


def _normalised(x: np.ndarray, dtype: np.dtype, chunk: int = 65536) -> np.ndarray:
    """``x`` as unit rows of ``dtype`` (zero rows stay zero); no copy when it already is."""
    x = np.asarray(x)
    if x.ndim != 2:
        raise ValueError(f"vectors must be [N, D], got shape {x.shape}")
    n = x.shape[0]
    ok = x.dtype == dtype and x.flags.c_contiguous
    for s in range(0, n, chunk) if ok else ():
        norms = np.linalg.norm(x[s : s + chunk].astype(np.float32, copy=False), axis=1)
        if not np.all(np.abs(norms - 1.0) <= 1e-3):
            ok = False
            break
    if ok:
        return x
    out = np.empty(x.shape, dtype=dtype)
    for s in range(0, n, chunk):
        block = np.asarray(x[s : s + chunk], dtype=np.float32)
        norms = np.linalg.norm(block, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        out[s : s + chunk] = block / norms
    return out


def sort_hits(sims: np.ndarray, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows sorted by similarity descending, ties by ascending index (deterministic)."""
    order = np.lexsort((idx, -sims), axis=-1)
    return np.take_along_axis(sims, order, -1), np.take_along_axis(idx, order, -1)


class NeighborIndex:
    """Cosine top-k over ``vectors`` ``[N, D]``.

    ``device``: ``None``/``'cpu'`` (numpy) or ``'cuda…'`` (torch). ``ids`` (optional, int64 ``[N]``)
    maps rows to external ids for :meth:`query_ids`; results are always row indices (``index.ids[idx]``
    maps them back). ``storage``: ``'float32'`` or ``'float16'`` (see the module doc).
    """

    def __init__(
        self,
        vectors: Any,
        device: str | None = None,
        *,
        ids: np.ndarray | None = None,
        max_block_elems: int = DEFAULT_BLOCK_ELEMS,
        storage: str = "float32",
    ) -> None:
        if storage not in STORAGES:
            raise ValueError(f"storage must be one of {STORAGES}, not {storage!r}")
        self.device = "cpu" if device is None else str(device)
        self.storage = "float16" if self.device.startswith("cuda") else storage
        if hasattr(vectors, "detach"):  # a torch tensor
            vectors = vectors.detach().cpu().numpy()
        db = _normalised(vectors, np.dtype(self.storage))
        if self.device.startswith("cuda"):
            import torch

            db = torch.from_numpy(db).to(self.device)
        self.n, self.dim = int(db.shape[0]), int(db.shape[1])
        self.max_block_elems = int(max_block_elems)
        self._state = _State(db, None, None, None)
        self.ids: np.ndarray | None = None
        self._id_order: np.ndarray | None = None
        if ids is not None:
            ids = np.asarray(ids, dtype=np.int64)
            if ids.shape != (self.n,):
                raise ValueError("ids must be [N]")
            self.ids = ids
            self._id_order = np.argsort(ids, kind="stable")

    def __len__(self) -> int:
        return self.n

    @property
    def has_ann(self) -> bool:
        """An approximate index is built: queries are approximate unless ``exact=True``."""
        return self._state.ivf is not None

    @property
    def lists(self) -> IvfLists | None:
        """The IVF lists (rows by k-means cell) when an approximate index is built."""
        return self._state.ivf

    # ------------------------------------------------------------------ scoring
    def scores(self, db_block: Any, qb: np.ndarray) -> np.ndarray:
        """Cosine similarities float32 ``[b, rows]`` of unit queries ``qb`` ``[b, D]`` against a storage block."""
        if isinstance(db_block, np.ndarray) and db_block.dtype == np.float32:
            return qb @ db_block.T if qb.shape[0] > 1 else (db_block @ qb[0])[None, :]
        import torch  # float16 on CPU, or CUDA

        with torch.inference_mode():
            block = torch.from_numpy(db_block) if isinstance(db_block, np.ndarray) else db_block
            q = torch.from_numpy(np.ascontiguousarray(qb)).to(block.device, block.dtype)
            sims = (block @ q[0])[None, :] if q.shape[0] == 1 else q @ block.T
            return sims.float().cpu().numpy()

    def _prepare(self, q_vectors: Any) -> np.ndarray:
        if hasattr(q_vectors, "detach"):
            q_vectors = q_vectors.detach().cpu().numpy()
        q = np.asarray(q_vectors, dtype=np.float32)
        if q.ndim == 1:
            q = q[None, :]
        if q.ndim != 2 or q.shape[1] != self.dim:
            raise ValueError(f"query dim {q.shape[-1]} != index dim {self.dim}")
        return np.ascontiguousarray(_normalised(q, np.dtype(np.float32)))

    # ------------------------------------------------------------------ queries
    def query(
        self, q_vectors: Any, k: int, exclude_self_ids: np.ndarray | None = None, *, exact: bool | None = None,
        n_probe: int | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Top-``k`` rows for each query ``[Q, D]`` (or ``[D]``).

        ``exclude_self_ids`` (int ``[Q]``, row indices; negative = none) removes one database row per
        query from its candidates. ``exact``: ``None`` = approximate when an ANN index is built.
        Returns ``(idx int64 [Q, k], dist float32 [Q, k])``, ``dist = 1 − cos`` ascending; ``k`` is
        clamped to the number of candidates.
        """
        q = self._prepare(q_vectors)
        n_q = q.shape[0]
        state = self._state
        excl = None
        if exclude_self_ids is not None:
            excl = np.asarray(exclude_self_ids, dtype=np.int64).reshape(-1)
            if excl.shape[0] != n_q:
                raise ValueError("exclude_self_ids must have one entry per query")
            if state.inv is not None:
                excl = np.where(excl >= 0, state.inv[np.clip(excl, 0, max(self.n - 1, 0))], -1)
        k_eff = min(int(k), self.n - (1 if excl is not None else 0))
        if k_eff <= 0 or n_q == 0:
            return np.zeros((n_q, 0), np.int64), np.zeros((n_q, 0), np.float32)
        if state.ivf is not None and not exact:
            sims, idx = search(self, state, q, k_eff, excl, n_probe)
        else:
            sims, idx = self._exact(state, q, k_eff, excl)
        if state.perm is not None:
            idx = state.perm[idx]
        sims, idx = sort_hits(sims, idx)
        return idx.astype(np.int64), np.clip(1.0 - sims, 0.0, 2.0).astype(np.float32)

    def _exact(self, state: _State, q: np.ndarray, k: int, excl: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """Blocked exact scan in storage order: ``(sims [Q, k], storage rows [Q, k])``, unsorted."""
        n_q = q.shape[0]
        q_chunk = max(1, min(n_q, 4096, self.max_block_elems // max(k, 1)))
        db_chunk = max(k, min(self.n, self.max_block_elems // q_chunk))
        out_sim = np.empty((n_q, k), np.float32)
        out_idx = np.empty((n_q, k), np.int64)
        for qs in range(0, n_q, q_chunk):
            qb = q[qs : qs + q_chunk]
            rows = np.arange(qb.shape[0])
            best_s: np.ndarray | None = None
            best_i: np.ndarray | None = None
            for ds in range(0, self.n, db_chunk):
                sims = self.scores(state.db[ds : ds + db_chunk], qb)
                if excl is not None:
                    local = excl[qs : qs + q_chunk] - ds
                    hit = (local >= 0) & (local < sims.shape[1])
                    sims[rows[hit], local[hit]] = -np.inf
                s, i = topk_rows(sims, None, k)
                i = i + ds
                if best_s is not None:
                    s, i = topk_rows(np.concatenate([best_s, s], 1), np.concatenate([best_i, i], 1), k)
                best_s, best_i = s, i
            out_sim[qs : qs + q_chunk], out_idx[qs : qs + q_chunk] = best_s, best_i
        return out_sim, out_idx

    def rows_for(self, ids_or_rows: np.ndarray | list[int] | int) -> np.ndarray:
        """Row indices for external ids (when ``ids`` were given) or rows themselves."""
        arr = np.atleast_1d(np.asarray(ids_or_rows, dtype=np.int64))
        if self.ids is None or self._id_order is None:
            if arr.size and (arr.min() < 0 or arr.max() >= self.n):
                raise IndexError("row out of range")
            return arr
        pos = np.clip(np.searchsorted(self.ids, arr, sorter=self._id_order), 0, max(self.n - 1, 0))
        rows = self._id_order[pos] if self.n else pos
        bad = (self.ids[rows] != arr) if self.n else np.ones(arr.shape, bool)
        if bad.any():
            raise KeyError(f"unknown id {int(arr[np.flatnonzero(bad)[0]])}")
        return rows.astype(np.int64)

    def vectors_of(self, rows: np.ndarray) -> np.ndarray:
        """The stored (unit) vectors of original ``rows``, float32 ``[len(rows), D]``."""
        state = self._state
        srows = rows if state.inv is None else state.inv[rows]
        block = state.db[srows]
        if not isinstance(block, np.ndarray):
            block = block.float().cpu().numpy()
        return np.asarray(block, dtype=np.float32)

    def query_ids(
        self, ids_or_rows: np.ndarray | list[int] | int, k: int, *, exact: bool | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Neighbours of stored items (by id when the index has ``ids``, else by row), excluding each item
        itself. Returns rows ``idx int64 [Q, k]`` and ``dist float32 [Q, k]``."""
        rows = self.rows_for(ids_or_rows)
        return self.query(self.vectors_of(rows), k, exclude_self_ids=rows, exact=exact)

    def knn_graph(self, k: int, *, exact: bool | None = None, step: int = 8192) -> tuple[np.ndarray, np.ndarray]:
        """k nearest other rows of every row: ``(idx int64 [N, k], dist float32 [N, k])``."""
        return run_job(self.knn_graph_job(k, exact=exact, step=step))

    def knn_graph_job(self, k: int, *, exact: bool | None = None, step: int = 8192) -> Job[tuple[np.ndarray, np.ndarray]]:
        """:meth:`knn_graph` as a job, yielding ``Progress(stage='index', done=rows)``."""
        if self.n == 0:
            return np.zeros((0, 0), np.int64), np.zeros((0, 0), np.float32)
        if self._state.ivf is not None and not exact:
            step = max(step, 32768)  # the IVF search groups queries by list: bigger batches, better BLAS
        idx_parts, dist_parts = [], []
        for s in range(0, self.n, step):
            rows = np.arange(s, min(self.n, s + step), dtype=np.int64)
            i, d = self.query(self.vectors_of(rows), k, exclude_self_ids=rows, exact=exact)
            idx_parts.append(i)
            dist_parts.append(d)
            yield Progress(stage=INDEX, done=int(rows[-1]) + 1, total=self.n, message="kNN graph")
        return np.concatenate(idx_parts), np.concatenate(dist_parts)

    # ------------------------------------------------------------------ approximate index
    def build_ann(self, params: NeighborParams | None = None) -> Job[None]:
        """Job: build the inverted-file index (k-means lists) and swap it in when complete.

        Yields ``Progress(stage='index')``; cancelling leaves the index exact and unchanged.
        """
        params = params or NeighborParams()
        state = self._state
        if state.ivf is not None or self.n == 0:
            return None
        db = state.db if isinstance(state.db, np.ndarray) else state.db.float().cpu().numpy()
        lists = yield from build_lists(db, params)
        perm = lists.order
        inv = np.empty_like(perm)
        inv[perm] = np.arange(self.n, dtype=np.int64)
        yield Progress(stage=INDEX, done=0, total=1, message="reordering the vectors by list")
        new_db = np.empty_like(db)
        for s in range(0, self.n, 65536):
            new_db[s : s + 65536] = db[perm[s : s + 65536]]
        if not isinstance(state.db, np.ndarray):
            import torch

            new_db = torch.from_numpy(new_db).to(state.db.device)
        self._state = _State(new_db, perm, inv, lists)
        yield Progress(stage=INDEX, done=1, total=1, message=f"{lists.n_lists} lists")
        return None

