from __future__ import annotations

import numpy as np

from core.maps.pca import pca_2d


def test_pca_separates_two_groups_and_keeps_sign() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(0, 0.1, (20, 8)) + np.eye(8)[0] * 3
    b = rng.normal(0, 0.1, (20, 8)) - np.eye(8)[0] * 3
    v = np.concatenate([a, b]).astype(np.float32)
    xy = pca_2d(v)
    assert xy.shape == (40, 2) and xy.dtype == np.float32
    assert np.sign(xy[:20, 0]).sum() * np.sign(xy[20:, 0]).sum() < 0
    # Adding points with a flipped reference: the result follows the reference's sign.
    more = np.concatenate([v, rng.normal(0, 0.1, (5, 8)).astype(np.float32)])
    flipped = -xy
    xy2 = pca_2d(more, reference=flipped)
    assert np.dot(xy2[:40, 0], flipped[:, 0]) > 0
    assert pca_2d(v[:1]).shape == (1, 2)
    assert pca_2d(v[:0]).shape == (0, 2)
