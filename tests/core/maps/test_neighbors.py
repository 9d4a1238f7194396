from __future__ import annotations

import numpy as np
import pytest
import torch

from core.maps.neighbors import NeighborIndex


def _unit(x: np.ndarray) -> np.ndarray:
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def _brute(db: np.ndarray, q: np.ndarray, k: int, exclude: np.ndarray | None = None):
    d = 1.0 - q.astype(np.float64) @ db.astype(np.float64).T
    if exclude is not None:
        d[np.arange(len(q)), exclude] = np.inf
    idx = np.argsort(d, axis=1, kind="stable")[:, :k]
    return idx, np.take_along_axis(d, idx, axis=1)


@pytest.mark.parametrize("block", [1 << 24, 2000])  # one block / many small blocks
def test_query_matches_brute_force(block: int) -> None:
    rng = np.random.default_rng(0)
    db = _unit(rng.normal(size=(1000, 24)))
    q = _unit(rng.normal(size=(37, 24)))
    index = NeighborIndex(db, device="cpu", max_block_elems=block)
    idx, dist = index.query(q, 10)
    ref_idx, ref_dist = _brute(db, q, 10)
    assert idx.dtype == np.int64 and dist.dtype == np.float32
    assert idx.shape == (37, 10)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(dist, ref_dist, atol=1e-5)
    assert np.all(np.diff(dist, axis=1) >= 0)


def test_exclude_self_and_query_ids() -> None:
    rng = np.random.default_rng(1)
    db = _unit(rng.normal(size=(300, 16)))
    ids = np.arange(300, dtype=np.int64) * 10 + 7
    index = NeighborIndex(db, device="cpu", ids=ids, max_block_elems=500)
    rows = np.array([0, 5, 299])
    idx, dist = index.query_ids(ids[rows], 5)
    ref_idx, ref_dist = _brute(db, db[rows], 5, exclude=rows)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(dist, ref_dist, atol=1e-5)
    assert not np.any(idx == rows[:, None])
    with pytest.raises(KeyError):
        index.query_ids([3], 2)  # 3 is not an id


def test_knn_graph_and_duplicates() -> None:
    rng = np.random.default_rng(2)
    db = _unit(rng.normal(size=(200, 8)))
    db[1] = db[0]  # an exact duplicate is a real neighbour at distance 0
    index = NeighborIndex(torch.from_numpy(db), device="cpu", max_block_elems=1000)
    idx, dist = index.knn_graph(4)
    assert idx.shape == (200, 4)
    assert not np.any(idx == np.arange(200)[:, None])
    assert idx[0, 0] == 1 and idx[1, 0] == 0
    assert dist[0, 0] == pytest.approx(0.0, abs=1e-6)
    ref_idx, _ = _brute(db, db, 4, exclude=np.arange(200))
    np.testing.assert_array_equal(idx[2:], ref_idx[2:])


def test_unnormalised_input_and_clamped_k() -> None:
    rng = np.random.default_rng(3)
    raw = rng.normal(size=(6, 5)).astype(np.float64) * 7.0
    index = NeighborIndex(raw, device="cpu")
    idx, dist = index.query(raw[2] * 0.1, 50)  # single [D] query, k > N
    assert idx.shape == (1, 6)
    assert idx[0, 0] == 2
    assert dist[0, 0] == pytest.approx(0.0, abs=1e-6)
    ref_idx, ref_dist = _brute(_unit(raw), _unit(raw[2:3]), 6)
    np.testing.assert_array_equal(idx, ref_idx)
    np.testing.assert_allclose(dist, ref_dist, atol=1e-5)
    i2, _ = index.query_ids(2, 50)
    assert i2.shape == (1, 5) and 2 not in i2
