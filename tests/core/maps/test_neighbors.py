from __future__ import annotations

import numpy as np
import pytest

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
    index = NeighborIndex(db, device="cpu", max_block_elems=1000)
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


def _clustered(n: int, d: int, centres: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    c = rng.normal(size=(centres, d))
    return _unit(c[rng.integers(0, centres, n)] + 0.35 * rng.normal(size=(n, d)))


@pytest.mark.parametrize("storage", ["float32", "float16"])
def test_exact_storage_matches_brute_force(storage: str) -> None:
    db = _clustered(3000, 32, 20, 4)
    q = _clustered(25, 32, 20, 5)
    index = NeighborIndex(db, storage=storage, max_block_elems=20_000)
    idx, dist = index.query(q, 10)
    ref_idx, ref_dist = _brute(db, q, 10)
    if storage == "float32":
        np.testing.assert_array_equal(idx, ref_idx)
    else:  # float16 rounding may swap near-ties: compare the sets and the distances
        assert np.mean([len(set(a) & set(b)) / 10 for a, b in zip(idx, ref_idx)]) >= 0.97
    np.testing.assert_allclose(dist, ref_dist, atol=2e-3 if storage == "float16" else 1e-5)


def test_exact_single_query_never_imports_torch() -> None:
    import subprocess
    import sys

    code = ("import sys, numpy as np\nfrom core.maps.neighbors import NeighborIndex\n"
            "x = np.random.default_rng(0).normal(size=(500, 16)).astype(np.float32)\n"
            "i = NeighborIndex(x); i.query(x[3], 5); i.query_ids([1, 2], 3); i.knn_graph(4)\n"
            "assert 'torch' not in sys.modules, 'torch was imported'\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("storage", ["float32", "float16"])
def test_ann_recall_and_exact_fallback(storage: str) -> None:
    from core.jobs import run_job
    from core.maps.params import NeighborParams

    db = _clustered(6000, 24, 40, 6)
    ids = np.arange(6000, dtype=np.int64)[::-1] * 3  # not sorted: rows are mapped back through ids
    index = NeighborIndex(db, ids=ids, storage=storage)
    q = _clustered(200, 24, 40, 7)
    exact_before = index.query(q, 10)
    stages = []
    run_job(index.build_ann(NeighborParams(n_lists=64, n_probe=8, train_sample=2000)), stages.append)
    assert index.has_ann and stages and stages[-1].stage == "index"
    idx, dist = index.query(q, 10)
    ref_idx, ref_dist = _brute(db, q, 10)
    recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(idx, ref_idx)])
    assert recall >= 0.95
    assert np.all(np.diff(dist, axis=1) >= 0)
    # the exact scan stays available after the reorder and returns the original rows
    e_idx, e_dist = index.query(q, 10, exact=True)
    np.testing.assert_allclose(e_dist, exact_before[1], atol=2e-3)
    if storage == "float32":  # float16 blocks may order near-ties differently
        np.testing.assert_array_equal(e_idx, exact_before[0])
    # neighbours of stored items exclude the item itself, by id
    rows = np.array([0, 17, 5999])
    n_idx, _ = index.query_ids(ids[rows], 5)
    assert not np.any(n_idx == rows[:, None])
    g_idx, g_dist = index.knn_graph(5)
    ref_g, _ = _brute(db, db, 5, exclude=np.arange(6000))
    assert np.mean([len(set(a) & set(b)) / 5 for a, b in zip(g_idx, ref_g)]) >= 0.95
    assert not np.any(g_idx == np.arange(6000)[:, None])
    # probing every list is exact
    all_idx, _ = index.query(q, 10, n_probe=64)
    if storage == "float32":
        np.testing.assert_array_equal(all_idx, ref_idx)


def test_ann_with_tiny_lists_falls_back_to_exact() -> None:
    from core.jobs import run_job
    from core.maps.params import NeighborParams

    db = _clustered(300, 8, 5, 8)
    index = NeighborIndex(db)
    run_job(index.build_ann(NeighborParams(n_lists=150, n_probe=1, train_sample=1000)))
    idx, _ = index.query(db[:20], 30)  # one list of ~2 rows cannot hold 30 neighbours
    ref_idx, _ = _brute(db, db[:20], 30)
    np.testing.assert_array_equal(idx, ref_idx)


@pytest.mark.parametrize("storage", ["float32", "float16"])
def test_library_neighbors_with_a_background_ann_index(tmp_path, storage: str) -> None:
    from core.catalog import Catalog
    from core.jobs import run_job
    from core.library import Library
    from core.maps.params import NeighborParams

    db = _clustered(800, 16, 10, 9)
    with Library(Catalog.open(tmp_path)) as lib:
        lib.catalog.set_vector_storage(storage)
        with lib.catalog.transaction() as c:
            c.executemany("INSERT INTO sounds(id, relpath, size, mtime_ns, seen_at) VALUES (?, ?, 1, 1, 0)",
                          ((i + 1, f"s{i}.wav") for i in range(800)))
        version = lib.model_version("mfcc")
        lib.catalog.put_embeddings("mfcc", version, [(i + 1, db[i] * 3.0, None) for i in range(800)])
        before = lib.neighbors("mfcc", 5, k=8)
        assert run_job(lib.build_neighbor_index("mfcc", NeighborParams(ann_above=10_000))) is False
        built = run_job(lib.build_neighbor_index("mfcc", NeighborParams(ann_above=100, n_lists=8, n_probe=8)))
        assert built and lib.neighbor_index("mfcc")[1].has_ann
        after = lib.neighbors("mfcc", 5, k=8)  # probing every list: the exact answer
        assert [i for i, _ in after] == [i for i, _ in before] and 5 not in [i for i, _ in after]
        np.testing.assert_allclose([d for _, d in after], [d for _, d in before], atol=2e-3)
        by_vector = lib.neighbors_of_vector("mfcc", db[4], k=3)
        assert by_vector[0][0] == 5 and by_vector[0][1] == pytest.approx(0.0, abs=2e-3)
