from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from threadpoolctl import threadpool_limits

from core.jobs import Progress, run_job
from core.maps.params import ProjectionParams
from core.maps.projection import normalise_xy, place_new, project


def _blobs(n: int = 200, d: int = 32, k: int = 4, seed: int = 0, spread: float = 0.25):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d))
    labels = np.arange(n) % k
    x = centres[labels] + spread * rng.normal(size=(n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32), labels


def _run(x: np.ndarray, params: ProjectionParams) -> tuple[np.ndarray, list[Progress]]:
    seen: list[Progress] = []
    return run_job(project(x, params), seen.append), seen


def _knn_label_agreement(xy: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    d = ((xy[:, None, :] - xy[None, :, :]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    nn = np.argsort(d, axis=1)[:, :k]
    return float((labels[nn] == labels[:, None]).mean())


def test_params_as_dict_is_canonical() -> None:
    p = ProjectionParams()
    assert p.as_dict() == {"method": "umap", "n_neighbors": 15, "min_dist": 0.1, "metric": "cosine", "seed": 42}
    assert ProjectionParams(method="pca", seed=1).as_dict() == {"method": "pca"}
    t = ProjectionParams(method="tsne", perplexity=10, n_neighbors=99).as_dict()
    assert t == {"method": "tsne", "perplexity": 10.0, "metric": "cosine", "seed": 42}
    assert hash(p) == hash(ProjectionParams())
    with pytest.raises(ValueError):
        ProjectionParams(method="mds")
    with pytest.raises(ValueError):
        ProjectionParams(n_neighbors=1)


def test_umap_streams_changing_layouts_and_is_deterministic() -> None:
    x, labels = _blobs()
    xy, seen = _run(x, ProjectionParams())
    frames = [p for p in seen if p.stage == "umap" and p.partial is not None]
    assert len(frames) >= 10
    assert all(f.partial.shape == (200, 2) and f.partial.dtype == np.float32 for f in frames)
    dones = [f.done for f in frames]
    assert dones == sorted(dones) and frames[-1].done == frames[-1].total
    # the layout really moves during optimisation, and the last frame is the result
    first, mid = frames[0].partial, frames[len(frames) // 2].partial
    assert np.abs(first - mid).mean() > 0.01
    assert np.abs(mid - xy).mean() > 1e-3
    np.testing.assert_array_equal(frames[-1].partial, xy)
    # normalised: centred, max |coord| = 1
    assert xy.dtype == np.float32 and xy.shape == (200, 2)
    assert np.abs(xy).max() == pytest.approx(1.0)
    np.testing.assert_allclose(xy.mean(axis=0), 0.0, atol=1e-5)
    # a faithful map: neighbours on the map share the blob
    assert _knn_label_agreement(xy, labels) > 0.95
    again, _ = _run(x, ProjectionParams())
    np.testing.assert_array_equal(again, xy)
    other, _ = _run(x, ProjectionParams(seed=7))
    assert np.abs(other - xy).max() > 1e-3


@pytest.mark.parametrize("n", [1, 2, 3, 5, 12])
def test_tiny_inputs(n: int) -> None:
    x, _ = _blobs(n=n, d=8)
    for method in ("umap", "pca", "tsne"):
        with threadpool_limits(limits=1, user_api="openmp"):
            xy, seen = _run(x, ProjectionParams(method=method))
        assert xy.shape == (n, 2) and np.isfinite(xy).all(), method
        assert seen, method
        if n >= 2:
            assert np.abs(xy).max() == pytest.approx(1.0)


def test_duplicates_do_not_crash() -> None:
    x, _ = _blobs(n=120, d=16)
    x[60:100] = x[0]  # 41 identical rows
    xy, _ = _run(x, ProjectionParams(n_neighbors=10))
    assert np.isfinite(xy).all()
    same = np.full((30, 16), 0.25, np.float32)  # every row the same
    xy2, _ = _run(same, ProjectionParams())
    assert xy2.shape == (30, 2) and np.isfinite(xy2).all()


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_pca_and_tsne(method: str) -> None:
    x, labels = _blobs(n=120)
    # sklearn's OpenMP t-SNE crawls when the (shared) test machine is oversubscribed
    with threadpool_limits(limits=1, user_api="openmp"):
        xy, seen = _run(x, ProjectionParams(method=method, perplexity=20))
        again, _ = _run(x, ProjectionParams(method=method, perplexity=20))
    assert [p.done for p in seen if p.stage == method] == [0, 1]
    assert np.abs(xy).max() == pytest.approx(1.0)
    assert _knn_label_agreement(xy, labels) > 0.9, method
    np.testing.assert_allclose(again, xy, atol=1e-6)


def test_normalise_xy_handles_degenerate_input() -> None:
    np.testing.assert_array_equal(normalise_xy(np.ones((4, 2))), np.zeros((4, 2), np.float32))
    out = normalise_xy(np.array([[0, 0], [2, 0], [np.nan, 1.0]]))
    assert np.isfinite(out).all() and np.abs(out).max() == pytest.approx(1.0)


def test_place_new_keeps_old_points_and_lands_near_duplicates() -> None:
    x, labels = _blobs(n=240)
    ref, new = x[:200], x[200:]
    ref_xy, _ = _run(ref, ProjectionParams())
    frozen = ref_xy.copy()
    rng = np.random.default_rng(5)
    near = ref[:10] + 0.02 * rng.normal(size=(10, ref.shape[1])).astype(np.float32)
    near /= np.linalg.norm(near, axis=1, keepdims=True)
    queries = np.concatenate([ref[[3, 17]], near, new])  # exact duplicates, near-duplicates, unseen
    placed = place_new(ref, ref_xy, queries)
    np.testing.assert_array_equal(ref_xy, frozen)  # existing points never move
    assert placed.shape == (len(queries), 2) and placed.dtype == np.float32
    np.testing.assert_allclose(placed[:2], ref_xy[[3, 17]], atol=1e-5)
    # near-duplicates land much closer to their source than a typical pair of points
    typical = np.median(np.linalg.norm(ref_xy[:, None] - ref_xy[None], axis=-1))
    gap = np.linalg.norm(placed[2:12] - ref_xy[:10], axis=1)
    assert np.median(gap) < 0.1 * typical
    # unseen points land among their own blob
    d = np.linalg.norm(placed[12:, None] - ref_xy[None], axis=-1)
    nn = np.argsort(d, axis=1)[:, :5]
    assert (labels[:200][nn] == labels[200:, None]).mean() > 0.9
    # deterministic, and zero epochs = initial placement only
    np.testing.assert_array_equal(place_new(ref, ref_xy, queries), placed)
    init_only = place_new(ref, ref_xy, queries, n_epochs=0)
    assert init_only.shape == placed.shape and np.isfinite(init_only).all()


def test_numba_cache_configure_uses_app_cache_dir(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env["SOUND_EXPLORER_HOME"] = str(tmp_path)
    code = (
        "import os; from core.maps import numba_cache as nc; p = nc.configure(); "
        "from numba.core import config; print(p); print(os.environ['NUMBA_CACHE_DIR']); print(config.CACHE_DIR)"
    )
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                         cwd=Path(__file__).resolve().parents[3], check=True).stdout.split()  # fmt: skip
    expected = str(tmp_path / "cache" / "numba")
    assert out == [expected] * 3
    assert Path(expected).is_dir()


def test_warm_up_runs_in_a_background_thread() -> None:
    import threading

    from core.maps import projection

    result: dict[str, float | BaseException] = {}

    def work() -> None:
        try:
            result["s"] = projection.warm_up(n=40, dim=6)
        except BaseException as exc:  # pragma: no cover - reported below
            result["err"] = exc

    thread = threading.Thread(target=work)
    thread.start()
    x, _ = _blobs(n=80, d=8)
    xy, _ = _run(x, ProjectionParams(n_neighbors=8))  # concurrently on the main thread
    thread.join(timeout=120)
    assert "err" not in result and isinstance(result.get("s"), float)
    assert np.isfinite(xy).all()


def test_large_map_fits_a_sample_and_places_the_rest_with_full_partials() -> None:
    x, labels = _blobs(n=12_000, d=16, k=6, spread=0.3, seed=5)
    params = ProjectionParams(fit_sample=6000, place_chunk=2000, n_neighbors=10)
    with threadpool_limits(1):
        xy, seen = _run(x, params)
    assert xy.shape == (12_000, 2) and np.isfinite(xy).all() and np.abs(xy).max() <= 1.0 + 1e-6
    partials = [p for p in seen if isinstance(p.partial, np.ndarray)]
    assert partials and all(p.partial.shape == (12_000, 2) for p in partials)
    placing = [p for p in seen if p.stage == "place new sounds"]
    assert placing[-1].done == placing[-1].total == 6000 and len(placing) >= 3
    # the first visible map already separates the groups (provisional positions by IVF cell)
    first = partials[0].partial
    sub = np.random.default_rng(0).choice(12_000, 1500, replace=False)
    assert _knn_label_agreement(first[sub], labels[sub]) > 0.8
    assert _knn_label_agreement(xy[sub], labels[sub]) > 0.9
    assert ProjectionParams(fit_sample=6000).as_dict() == ProjectionParams().as_dict()  # not a cache key
