"""Map faithfulness against plain-Python references (and sklearn's trustworthiness)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.manifold import trustworthiness as sk_trustworthiness

from core.maps import faithfulness as fa
from core.jobs import run_job


def _unit(x):
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _nn(dist_row, q, k):
    cands = [j for j in range(len(dist_row)) if j != q]
    return sorted(cands, key=lambda j: (dist_row[j], j))[:k]


def _rank(dist_row, q, j):
    return 1 + sum(1 for l in range(len(dist_row)) if l != q and dist_row[l] < dist_row[j])


def _reference(x, xy, k):
    x = _unit(x.astype(np.float64))
    n = len(x)
    de = 1.0 - x @ x.T
    dm = np.array([[float(np.sum((xy[i] - xy[j]) ** 2)) for j in range(n)] for i in range(n)])
    pres, t, c = [], 0.0, 0.0
    for i in range(n):
        ne, nm = _nn(de[i], i, k), _nn(dm[i], i, k)
        pres.append(len(set(ne) & set(nm)) / k)
        t += sum(_rank(de[i], i, j) - k for j in nm if j not in ne)
        c += sum(_rank(dm[i], i, j) - k for j in ne if j not in nm)
    norm = 2.0 / (n * k * (2 * n - 3 * k - 1))
    return np.array(pres), 1 - norm * t, 1 - norm * c


@pytest.mark.parametrize(("n", "k", "quantised"), [(30, 3, False), (45, 10, False), (40, 5, True)])
def test_matches_brute_force(n, k, quantised, monkeypatch) -> None:
    rng = np.random.default_rng(n + k)
    x = rng.normal(size=(n, 4))
    xy = x[:, :2] + 0.8 * rng.normal(size=(n, 2))
    if quantised:  # many exact ties in both spaces
        x = np.round(x).clip(-1, 1) + np.array([3.0, 0, 0, 0])
        xy = np.round(xy)
    monkeypatch.setattr(fa, "CHUNK_ELEMS", n * (k + 3) * 4)  # several chunks
    pres, t, c = _reference(x, xy, k)
    got = run_job(fa.faithfulness_job(x, xy, k))
    np.testing.assert_allclose(got.preservation, pres, atol=1e-6)
    assert got.trustworthiness == pytest.approx(t, abs=1e-9)
    assert got.continuity == pytest.approx(c, abs=1e-9)
    assert got.k == k and "trustworthiness" in got.legend()


def test_agrees_with_sklearn_and_the_metrics_module() -> None:
    rng = np.random.default_rng(5)
    x = _unit(rng.normal(size=(80, 6)))
    xy = x[:, :2] + 0.3 * rng.normal(size=(80, 2))
    t, c = fa.trustworthiness_continuity(x, xy, 7)
    assert t == pytest.approx(sk_trustworthiness(x, xy, n_neighbors=7, metric="cosine"), abs=1e-9)
    # continuity is trustworthiness with the spaces swapped (Euclidean order on unit vectors = cosine order)
    assert c == pytest.approx(sk_trustworthiness(xy, x, n_neighbors=7), abs=1e-9)
    from core.evaluation.metrics import trustworthiness

    assert trustworthiness(x, xy, 7) == pytest.approx(t, abs=1e-6)


def test_a_perfect_map_preserves_everything_and_a_shuffled_one_does_not() -> None:
    rng = np.random.default_rng(0)
    xy = rng.normal(size=(60, 2))
    x = np.c_[xy, np.zeros((60, 1))] + np.array([0, 0, 100.0])  # cosine order ≈ planar order
    good = fa.map_faithfulness(x, xy, 5)
    assert good.preservation.min() == 1.0 and good.trustworthiness > 0.999 and good.continuity > 0.999
    bad = fa.map_faithfulness(x, rng.permutation(xy), 5)
    assert bad.mean_preservation < 0.3 and bad.trustworthiness < 0.75


def test_true_neighbours_far_on_the_map() -> None:
    rng = np.random.default_rng(2)
    n = 50
    xy = rng.normal(size=(n, 2))
    x = np.c_[xy, np.zeros((n, 1))] + np.array([0, 0, 100.0])
    xy_bad = xy.copy()
    near = _nn(1 - _unit(x) @ _unit(x)[0], 0, 3)
    xy_bad[near[0]] = [40.0, 40.0]  # the nearest true neighbour of row 0 is moved far away
    res = fa.true_neighbours(x, xy_bad, 0, k=3, far_rank=5)
    assert [nb.row for nb in res.neighbours] == near
    assert [nb.rank for nb in res.neighbours] == [1, 2, 3]
    assert [nb.row for nb in res.far] == [near[0]]
    far = res.far[0]
    dm = ((xy_bad - xy_bad[0]) ** 2).sum(axis=1)
    assert far.map_rank == _rank(dm, 0, near[0]) and far.map_rank == n - 1
    assert far.map_distance == pytest.approx(np.sqrt(dm[near[0]]))
    assert res.score == pytest.approx(1 / 3) and "far on the map" in res.message()
    assert fa.true_neighbours(x, xy, 0, k=3).message() == ""
    with pytest.raises(IndexError):
        fa.true_neighbours(x, xy, n, k=3)


def test_tiny_inputs() -> None:
    f = fa.map_faithfulness(np.eye(2), np.zeros((2, 2)), 10)
    assert f.preservation.shape == (2,) and np.isnan(f.trustworthiness)
    with pytest.raises(ValueError, match="points"):
        fa.map_faithfulness(np.eye(3), np.zeros((2, 2)))
