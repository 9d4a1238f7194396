from __future__ import annotations

import numpy as np
import pytest

from core.maps.tour import tour_stops
from core.vectors import medoid_rows


def test_medoids_and_tour_plan() -> None:

    rng = np.random.default_rng(3)
    centres = np.eye(6, dtype=np.float32)[:3] * 4
    labels = np.repeat([0, 1, 2], [10, 6, 3])
    v = centres[labels] + rng.normal(0, 0.3, (19, 6)).astype(np.float32)
    v[0] = centres[0]  # an exact centre is the medoid of cluster 0
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    labels = labels.copy()
    labels[18] = -1  # noise never gets a stop
    med = medoid_rows(v, labels)
    assert med[0] == 0 and set(med) == {0, 1, 2}
    xy = rng.normal(0, 1, (19, 2)) + labels[:, None] * 10
    stops = tour_stops(v, xy, labels, members=3)
    assert [s.label for s in stops] == [0, 1, 2]  # by decreasing size
    assert stops[0].rows[0] == 0 and len(stops[0].rows) == 4
    assert len(set(stops[0].rows)) == 4 and all(labels[r] == 0 for r in stops[0].rows)
    assert stops[2].rows[0] == med[2] and len(stops[2].rows) == 2  # only one other member
    pts = xy[labels == 1]
    assert stops[1].span == pytest.approx(max(np.ptp(pts[:, 0]), np.ptp(pts[:, 1])))
    assert tour_stops(v, xy, np.full(19, -1)) == []
