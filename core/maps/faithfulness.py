"""Where does a 2-D map lie? Neighbourhood preservation per point, trustworthiness and continuity,
and the true neighbours of one sound that the map puts far away.

Neighbours in the embedding are by cosine similarity (vectors are L2-normalised here), neighbours on
the map by Euclidean distance; a point is never its own neighbour. Everything is computed exactly,
in chunks of query rows, so memory stays at a few ``[chunk, N]`` blocks (tens of thousands of
points are fine; time grows as ``N²``).

- **Neighbourhood preservation** of point ``i``: ``|N_emb(i) ∩ N_map(i)| / k`` with ``N_·(i)`` its
  ``k`` nearest neighbours in that space, a fraction in ``[0, 1]`` (1: the map keeps all of them).
- **Trustworthiness** (Venna & Kaski): ``T = 1 − 2/(N k (2N − 3k − 1)) · Σ_i Σ_{j ∈ U_i} (r(i, j) − k)``
  where ``U_i`` are the map neighbours of ``i`` that are not among its embedding neighbours and
  ``r(i, j)`` is the rank of ``j`` among ``i``'s embedding neighbours (1 = nearest). Are the points
  near on the map really similar?
- **Continuity**: the same with the roles swapped (embedding neighbours missing from the map
  neighbourhood, ranked on the map). Are similar sounds kept near on the map?

A rank is one plus the number of points strictly nearer, so exact ties share a rank. The k-NN sets
break ties at the k-th place by row order. ``k`` is clamped to ``N − 1`` (preservation) and to
``(N − 1) // 2`` (trustworthiness and continuity, whose normalisation needs ``k < N / 2``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from core.jobs import EVALUATE, Job, Progress, run_job
from core.vectors import unit_rows

#: at most this many float64 values per chunk block
CHUNK_ELEMS = 1 << 22
#: a true neighbour is "far on the map" when more than ``FAR_FACTOR · k`` sounds are nearer on the map
FAR_FACTOR = 3


def _inputs(vectors: np.ndarray, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = unit_rows(vectors).astype(np.float64)
    p = np.asarray(xy, dtype=np.float64)
    if p.ndim != 2 or p.shape[0] != x.shape[0]:
        raise ValueError(f"the map has {p.shape[0] if p.ndim else 0} points but there are {x.shape[0]} vectors")
    return x, p


def _distances(x: np.ndarray, p: np.ndarray, s: int, e: int) -> tuple[np.ndarray, np.ndarray]:
    """Cosine distances and squared map distances of queries ``[s, e)`` to all rows; self = +inf."""
    de = 1.0 - x[s:e] @ x.T
    dm = ((p[s:e, None, :] - p[None, :, :]) ** 2).sum(axis=2)
    r = np.arange(e - s)
    de[r, np.arange(s, e)] = np.inf
    dm[r, np.arange(s, e)] = np.inf
    return de, dm


def _knn(d: np.ndarray, k: int) -> np.ndarray:
    """Rows of the ``k`` smallest entries per row, nearest first; ties (also at the k-th place) by row."""
    t = np.partition(d, k - 1, axis=1)[:, k - 1 : k]  # the k-th smallest value per row
    less = d < t
    eq = d == t
    select = less | (eq & (np.cumsum(eq, axis=1) <= k - less.sum(axis=1, keepdims=True)))
    cols = np.nonzero(select)[1].reshape(d.shape[0], k)  # ascending row index within each query
    order = np.argsort(np.take_along_axis(d, cols, axis=1), axis=1, kind="stable")
    return np.take_along_axis(cols, order, axis=1)


def _ranks(d: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """``1 + #{l : d[q, l] < d[q, cols[q, m]]}`` for each ``(q, m)``."""
    target = np.take_along_axis(d, cols, axis=1)
    return 1 + (d[:, None, :] < target[:, :, None]).sum(axis=2)


def _chunks(n: int, per_row: int) -> Iterator[tuple[int, int]]:
    c = max(1, min(n, CHUNK_ELEMS // max(per_row, 1)))
    for s in range(0, n, c):
        yield s, min(n, s + c)


@dataclass(frozen=True, slots=True)
class Faithfulness:
    """How faithful a map is: per-point preservation (a colour-by) and the two global scores."""

    k: int
    preservation: np.ndarray  # float32 [N] in [0, 1]
    trustworthiness: float
    continuity: float

    @property
    def mean_preservation(self) -> float:
        return float(self.preservation.mean()) if self.preservation.size else float("nan")

    def legend(self) -> str:
        """One line for the legend of the colour-by."""
        return (f"neighbourhood preservation (k = {self.k}): mean {self.mean_preservation:.2f} · "
                f"trustworthiness {self.trustworthiness:.3f} · continuity {self.continuity:.3f}")


def faithfulness_job(vectors: np.ndarray, xy: np.ndarray, k: int = 10) -> Job[Faithfulness]:
    """Job: :class:`Faithfulness` of the map ``xy`` ``[N, 2]`` of ``vectors`` ``[N, D]`` (one chunked pass)."""
    x, p = _inputs(vectors, xy)
    n = x.shape[0]
    kp = int(max(0, min(k, n - 1)))
    kt = int(max(1, min(k, (n - 1) // 2)))
    kq = max(kp, kt, 1)
    pres = np.zeros(n, dtype=np.float32)
    t_sum = c_sum = 0.0
    progress = Progress(stage=EVALUATE, done=0, total=n, message="map faithfulness")
    yield progress
    for s, e in _chunks(n, n * (kt + 3)):
        if n < 2:
            break
        de, dm = _distances(x, p, s, e)
        ne, nm = _knn(de, kq), _knn(dm, kq)
        if kp:
            pres[s:e] = (ne[:, :kp, None] == nm[:, None, :kp]).any(axis=2).sum(axis=1) / kp
        ne_t, nm_t = ne[:, :kt], nm[:, :kt]
        in_e = (nm_t[:, :, None] == ne_t[:, None, :]).any(axis=2)  # map neighbour is an embedding neighbour
        in_m = (ne_t[:, :, None] == nm_t[:, None, :]).any(axis=2)
        t_sum += float(np.where(in_e, 0, _ranks(de, nm_t) - kt).sum())
        c_sum += float(np.where(in_m, 0, _ranks(dm, ne_t) - kt).sum())
        progress.done = e
        yield progress
    if n < 3:
        return Faithfulness(kp, pres, float("nan"), float("nan"))
    norm = 2.0 / (n * kt * (2.0 * n - 3.0 * kt - 1.0))
    return Faithfulness(kp, pres, 1.0 - norm * t_sum, 1.0 - norm * c_sum)


def map_faithfulness(vectors: np.ndarray, xy: np.ndarray, k: int = 10) -> Faithfulness:
    """:func:`faithfulness_job` run to completion."""
    return run_job(faithfulness_job(vectors, xy, k))


def neighbourhood_preservation(vectors: np.ndarray, xy: np.ndarray, k: int = 10) -> np.ndarray:
    """Per point, the fraction of its ``k`` embedding neighbours that are among its ``k`` map neighbours."""
    return map_faithfulness(vectors, xy, k).preservation


def trustworthiness_continuity(vectors: np.ndarray, xy: np.ndarray, k: int = 10) -> tuple[float, float]:
    f = map_faithfulness(vectors, xy, k)
    return f.trustworthiness, f.continuity


@dataclass(frozen=True, slots=True)
class TrueNeighbour:
    row: int
    distance: float  # cosine distance in the embedding
    rank: int  # 1 = the most similar sound
    map_rank: int  # 1 + how many sounds are nearer on the map
    map_distance: float  # Euclidean, in map units
    far: bool  # more than ``far_rank`` sounds are nearer on the map


@dataclass(frozen=True, slots=True)
class TrueNeighbours:
    """The ``k`` true neighbours of one sound and where the map put them."""

    row: int
    far_rank: int
    neighbours: list[TrueNeighbour] = field(default_factory=list)

    @property
    def far(self) -> list[TrueNeighbour]:
        return [nb for nb in self.neighbours if nb.far]

    @property
    def score(self) -> float:
        """Fraction of the true neighbours that are far on the map (0 when the map keeps them all near)."""
        return len(self.far) / len(self.neighbours) if self.neighbours else 0.0

    def message(self) -> str:
        """The panel line: empty when none is far."""
        f = len(self.far)
        if not f:
            return ""
        these = "this neighbour is" if f == 1 else "these neighbours are"
        return f"{f} of {len(self.neighbours)}: {these} far on the map"


def true_neighbours(vectors: np.ndarray, xy: np.ndarray, row: int, k: int = 10,
                    far_rank: int | None = None) -> TrueNeighbours:
    """The ``k`` nearest sounds to row ``row`` in the embedding, with their rank and distance on the map.

    A neighbour is *far on the map* when more than ``far_rank`` (default ``FAR_FACTOR · k``) other
    sounds lie nearer to the selected one on the map.
    """
    x, p = _inputs(vectors, xy)
    n = x.shape[0]
    if not 0 <= row < n:
        raise IndexError(f"row {row} is not in the map ({n} points)")
    k = int(max(0, min(k, n - 1)))
    far_rank = FAR_FACTOR * k if far_rank is None else int(far_rank)
    if k == 0:
        return TrueNeighbours(row, far_rank)
    de, dm = _distances(x, p, row, row + 1)
    nb = _knn(de, k)
    ranks = _ranks(dm, nb)[0]
    rows = [TrueNeighbour(int(j), float(de[0, j]), i + 1, int(r), float(np.sqrt(dm[0, j])), bool(r > far_rank))
            for i, (j, r) in enumerate(zip(nb[0], ranks))]
    return TrueNeighbours(row, far_rank, rows)
