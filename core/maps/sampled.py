"""Maps and clusters of large collections: fit on a sample, then extend to everything.

- :func:`core.maps.projection.umap_sampled` (maps) uses :func:`sample_rows` and :func:`sample_index`.
- :func:`sample_index`: the neighbour index of the sample (an IVF index above a few thousand rows)
  that gives both the sample's kNN graph and the placement's neighbours.
- :func:`extend_labels`: labels of a sample extended to every point by its nearest sampled point.
"""

from __future__ import annotations

import numpy as np

from core.jobs import CLUSTER, Job, Progress
from core.maps.neighbors import NeighborIndex
from core.maps.params import NeighborParams

ANN_MIN_ROWS = 5_000  # below this a sample's neighbours are searched exactly


def sample_rows(n: int, size: int, seed: int) -> np.ndarray:
    """A sorted random subset of ``range(n)`` of ``min(n, size)`` rows (deterministic for ``seed``)."""
    if size >= n:
        return np.arange(n, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(n, size, replace=False)).astype(np.int64)


def sample_index(x: np.ndarray, seed: int = 42) -> Job[NeighborIndex]:
    """Job: a neighbour index of ``x``; an IVF index above ``ANN_MIN_ROWS`` rows."""
    index = NeighborIndex(x)
    if len(x) >= ANN_MIN_ROWS:
        yield from index.build_ann(NeighborParams(seed=seed))
    return index


def extend_labels(
    x: np.ndarray, rows: np.ndarray, labels: np.ndarray, scores: np.ndarray | None, seed: int = 42
) -> Job[tuple[np.ndarray, np.ndarray | None]]:
    """Job: every point of ``x`` takes the label (and score) of its nearest point among ``x[rows]``."""
    if len(rows) == len(x):
        return labels, scores
    index = yield from sample_index(x[rows], seed)
    nearest = np.empty(len(x), np.int64)
    nearest[rows] = np.arange(len(rows))
    rest = np.setdiff1d(np.arange(len(x), dtype=np.int64), rows, assume_unique=True)
    step = 65_536
    for s in range(0, len(rest), step):
        chunk = rest[s : s + step]
        nearest[chunk] = index.query(x[chunk], 1)[0][:, 0]
        yield Progress(stage=CLUSTER, done=s + len(chunk), total=len(rest), message="labelling the others")
    return labels[nearest], None if scores is None else scores[nearest]

