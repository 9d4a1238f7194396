"""The cluster tour: clusters by size, each played from its most typical sound outwards."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.vectors import medoid_rows, unit_rows


@dataclass(frozen=True, slots=True)
class TourStop:
    """One cluster of a guided tour: where to look and what to play.

    ``rows`` starts with the medoid, then members from near to far from it (to show the range).
    ``center`` and ``span`` frame the cluster's points on the map.
    """

    label: int
    rows: list[int]
    center: tuple[float, float]
    span: float


def tour_stops(vectors: np.ndarray, xy: np.ndarray, labels: np.ndarray, members: int = 3,
               noise_label: int = -1, max_stops: int | None = None) -> list[TourStop]:
    """Tour plan: clusters by decreasing size; each plays its medoid then ``members`` others.

    Members are picked at evenly spaced quantiles of cosine distance to the medoid, so the tour
    plays a typical sound, then a close relative, then the edge of the cluster.
    """
    v = unit_rows(vectors)
    xy = np.asarray(xy, dtype=np.float64)
    labels = np.asarray(labels)
    medoids = medoid_rows(vectors, labels, noise_label)
    order = sorted(medoids, key=lambda lab: (-int((labels == lab).sum()), lab))
    stops: list[TourStop] = []
    for lab in order[:max_stops]:
        rows = np.flatnonzero(labels == lab)
        m = medoids[lab]
        others = rows[rows != m]
        picked: list[int] = []
        if len(others) and members > 0:
            dist = 1.0 - v[others] @ v[m]
            ranked = others[np.argsort(dist, kind="stable")]
            idx = np.unique(np.linspace(0, len(ranked) - 1, min(members, len(ranked))).round().astype(int))
            picked = [int(ranked[i]) for i in idx]
        pts = xy[rows]
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        center = (float((lo[0] + hi[0]) / 2), float((lo[1] + hi[1]) / 2))
        span = float(max(hi[0] - lo[0], hi[1] - lo[1]))
        stops.append(TourStop(int(lab), [m, *picked], center, span))
    return stops
