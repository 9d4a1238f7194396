"""Small numpy helpers on embedding matrices, used across core: unit rows and cluster medoids.

Vectors are float ``[N, D]``; ``labels`` int ``[N]`` with ``-1`` for noise.
"""

from __future__ import annotations

import numpy as np


def unit_rows(x: np.ndarray) -> np.ndarray:
    """Each row scaled to unit L2 norm (zero rows stay zero); float32 ``[N, D]``."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return (x / norms).astype(np.float32, copy=False)


def medoid_rows(vectors: np.ndarray, labels: np.ndarray, noise_label: int = -1) -> dict[int, int]:
    """For each label, the row whose vector is most similar to the label's mean direction.

    ``vectors`` float ``[N, D]`` (normalised here), ``labels`` int ``[N]``.
    Cosine medoid approximated by the point nearest the normalised centroid: O(N·D).
    """
    v = unit_rows(vectors)
    labels = np.asarray(labels)
    out: dict[int, int] = {}
    for lab in np.unique(labels):
        if int(lab) == noise_label:
            continue
        rows = np.flatnonzero(labels == lab)
        c = v[rows].mean(axis=0)
        out[int(lab)] = int(rows[int(np.argmax(v[rows] @ c))])
    return out


