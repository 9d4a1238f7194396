"""CCA against a direct eigen-solution, the held-out CCA table, and the MLP probe protocol."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.cross_decomposition import CCA

from core.evaluation import probes


def _ref_canonical(x, y):
    """Canonical correlations as sqrt of the eigenvalues of Cxx⁻¹ Cxy Cyy⁻¹ Cyx (plain linear algebra)."""
    x, y = x - x.mean(0), y - y.mean(0)
    cxx, cyy, cxy = x.T @ x, y.T @ y, x.T @ y
    m = np.linalg.solve(cxx, cxy) @ np.linalg.solve(cyy, cxy.T)
    return np.sqrt(np.clip(np.sort(np.linalg.eigvals(m).real)[::-1], 0, None))


def test_cca_matches_the_eigen_solution_and_sklearn() -> None:
    rng = np.random.default_rng(0)
    z = rng.normal(size=(200, 2))
    x = np.c_[z, rng.normal(size=(200, 3))] @ rng.normal(size=(5, 5))
    y = np.c_[z[:, :1] + 0.5 * rng.normal(size=(200, 1)), rng.normal(size=(200, 2))]
    fit = probes.cca_fit(x, y, n_components=3, reg=0.0)
    np.testing.assert_allclose(fit.corrs, _ref_canonical(x, y)[:3], atol=1e-9)
    a, b = fit.transform(x, y)
    np.testing.assert_allclose(probes._corr_cols(a, b), fit.corrs, atol=1e-9)  # the projections realise them
    sk = CCA(n_components=1, max_iter=2000, tol=1e-10).fit(x, y)
    xs, ys = sk.transform(x, y)
    assert abs(np.corrcoef(xs[:, 0], ys[:, 0])[0, 1]) == pytest.approx(fit.corrs[0], abs=1e-4)
    assert probes.cca_fit(x, y, 1, reg=1.0).corrs[0] < fit.corrs[0]  # the ridge shrinks


def test_cca_table_held_out_separates_related_from_unrelated() -> None:
    rng = np.random.default_rng(1)
    n = 240
    emb = rng.normal(size=(n, 40))
    related = emb[:, :3] @ rng.normal(size=(3, 4)) + 0.3 * rng.normal(size=(n, 4))
    unrelated = rng.normal(size=(n, 4))
    d = np.c_[related, unrelated]
    groups = {"related": [0, 1, 2, 3], "unrelated": [4, 5, 6, 7]}
    rows = {r.group: r for r in probes.cca_table(emb, d, groups, sample_groups=np.arange(n) // 4, n_components=2)}
    assert rows["related"].heldout[0] > 0.8
    assert rows["unrelated"].heldout[0] < 0.35
    assert rows["unrelated"].train[0] > rows["unrelated"].heldout[0]  # training correlations are optimistic
    md = probes.format_cca_table({"m": list(rows.values())})
    assert md.splitlines()[2].startswith("| related (4) |")


def test_probe_splits_keep_groups_apart() -> None:
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 3, 90)
    groups = rng.integers(0, 30, 90)
    splits = probes.probe_splits(labels, groups, 5, seed=3)
    assert len(splits) == 5
    assert sorted(np.concatenate([te for _, te in splits]).tolist()) == list(range(90))
    for tr, te in splits:
        assert not set(groups[tr]) & set(groups[te])
    assert [te.tolist() for _, te in splits] != [te.tolist() for _, te in probes.probe_splits(labels, groups, 5, 4)]


def test_mlp_probe_learns_separable_classes_and_not_noise() -> None:
    rng = np.random.default_rng(3)
    n = 90
    y = np.repeat([0, 1, 2], n // 3)
    x = rng.normal(size=(n, 6)) + 3.0 * np.eye(3)[y] @ rng.normal(size=(3, 6))
    good = probes.mlp_probe(x, y, groups=np.arange(n) // 3, repeats=3, folds=3, max_iter=200)
    assert good.mean > 0.9 and len(good.repeats) == 3 and good.folds == 3 and good.std >= 0
    assert good.std == pytest.approx(np.std(good.repeats)) and "± " in good.summary()
    noise = probes.mlp_probe(rng.normal(size=(n, 6)), y, repeats=2, folds=3, max_iter=200)
    assert noise.mean < 0.6 and noise.chance == pytest.approx(1 / 3)
    again = probes.mlp_probe(x, y, groups=np.arange(n) // 3, repeats=3, folds=3, max_iter=200)
    assert again.repeats == good.repeats  # seeded
    with pytest.raises(ValueError, match="two classes"):
        probes.mlp_probe(x, np.zeros(n), repeats=1)
