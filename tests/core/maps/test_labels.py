from __future__ import annotations

import numpy as np
import pytest

from core.maps.labels import group_labels, label_centroids


def test_label_centroids_skip_noise_and_sit_on_points() -> None:
    xy = np.array([[0, 0], [1, 0], [0.5, 0.1], [10, 10], [11, 10], [5, 5]], dtype=np.float32)
    labels = np.array([0, 0, 0, 1, 1, -1])
    c = label_centroids(xy, labels)
    assert set(c) == {0, 1}
    assert c[0] == (pytest.approx(0.5), pytest.approx(0.1))
    assert any(np.allclose(c[1], p) for p in xy[3:5])


def test_group_labels() -> None:
    labels, names = group_labels(["b", "a", None, "b", ""])
    assert labels.tolist() == [1, 0, -1, 1, -1]
    assert names == {0: "a", 1: "b"}
