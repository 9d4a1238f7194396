"""Labels for the map: integer labels for string keys (folder, tag) and a caption anchor per cluster."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def group_labels(keys: Sequence[str | None]) -> tuple[np.ndarray, dict[int, str]]:
    """Integer labels for string keys (``[N]`` → int64 ``[N]``), in sorted key order.

    Empty/``None`` keys get ``-1`` (shown as "none"). Returns ``(labels, names)`` with
    ``names[label] = key``.
    """
    uniq = sorted({k for k in keys if k})
    index = {k: i for i, k in enumerate(uniq)}
    labels = np.fromiter((index.get(k, -1) if k else -1 for k in keys), dtype=np.int64, count=len(keys))
    return labels, {i: k for k, i in index.items()}


def label_centroids(xy: np.ndarray, labels: np.ndarray, noise_label: int = -1) -> dict[int, tuple[float, float]]:
    """Per-label anchor for a cluster's caption: the point of the cluster nearest its median.

    ``xy`` float ``[N, 2]``, ``labels`` int ``[N]``. Noise is skipped. Anchoring on an actual
    point keeps the caption inside non-convex clusters.
    """
    xy = np.asarray(xy, dtype=np.float64)
    labels = np.asarray(labels)
    out: dict[int, tuple[float, float]] = {}
    for lab in np.unique(labels):
        if int(lab) == noise_label:
            continue
        pts = xy[labels == lab]
        med = np.median(pts, axis=0)
        best = pts[int(np.argmin(((pts - med) ** 2).sum(axis=1)))]
        out[int(lab)] = (float(best[0]), float(best[1]))
    return out


def cluster_number(label: int) -> int:
    """The number a person sees for cluster ``label`` (labels count from 0, people from 1; noise is 0)."""
    return int(label) + 1 if int(label) >= 0 else 0


def cluster_name(label: int) -> str:
    """The default name of cluster ``label``: "Cluster 1" for label 0, "Noise" for -1. The CLI, the
    legend, the map captions, the tour and the exports all use it."""
    return f"Cluster {cluster_number(label)}" if int(label) >= 0 else "Noise"
