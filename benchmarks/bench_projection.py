"""Map making: core.maps.projection vs plain umap-learn, same run; numba cold vs warm start.

1. ``project(UMAP)`` (streaming, ~50 live layouts) vs ``umap.UMAP(...).fit_transform``
   (no live layouts) on random clustered unit vectors, with trustworthiness of both maps.
2. ``place_new`` (arrays only) vs ``UMAP.transform`` (needs the fitted model).
3. First call in a fresh process, numba cache empty (cold) vs populated (warm):
   ``projection.warm_up()`` (our path) and a plain ``umap.UMAP().fit_transform`` (umap's
   own path, which recompiles its uncached kernels in every process).

    .venv/bin/python benchmarks/bench_projection.py [--sizes 2000 10000] [--skip-cold]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def blobs(n: int, d: int = 64, k: int = 12, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(k, d))
    x = centres[rng.integers(0, k, n)] + 0.6 * rng.normal(size=(n, d))
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


COLD_SNIPPET = """
import time, warnings, numpy as np
t0 = time.perf_counter()
from core.maps import numba_cache
numba_cache.configure()
from core.maps import projection
if MODE == "ours":
    projection.warm_up()
else:
    import umap
    x = np.random.default_rng(0).normal(size=(64, 8)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        umap.UMAP(n_neighbors=10, random_state=0, n_jobs=1).fit(x[:60]).transform(x[60:])
print(f"{time.perf_counter() - t0:.2f}")
"""


def first_call(mode: str, cache: str) -> float:
    env = dict(os.environ, NUMBA_CACHE_DIR=cache, PYTHONPATH=str(ROOT))
    code = f"MODE = {mode!r}\n" + COLD_SNIPPET
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 10000])
    ap.add_argument("--skip-cold", action="store_true")
    args = ap.parse_args()
    print(f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")

    if not args.skip_cold:
        rows = []
        for mode in ("ours", "umap"):
            with tempfile.TemporaryDirectory() as cache:
                cold = first_call(mode, cache)
                warm = first_call(mode, cache)
                warm2 = first_call(mode, cache)
            rows.append((mode, cold, min(warm, warm2)))
        print("\nfirst call in a fresh process (process start + imports + compile/load + tiny fit)")
        print(f"{'path':<28} | {'cold cache s':>12} | {'warm cache s':>12} | ratio")
        for mode, cold, warm in rows:
            name = "projection.warm_up()" if mode == "ours" else "umap.UMAP fit+transform"
            print(f"{name:<28} | {cold:12.1f} | {warm:12.1f} | {cold / warm:4.1f}x")

    from core.maps import numba_cache

    numba_cache.configure()
    from core.maps import projection

    projection.warm_up()
    import umap

    from core.evaluation.metrics import trustworthiness
    from core.jobs import run_job
    from core.maps.params import ProjectionParams
    from core.maps.projection import normalise_xy, place_new, project

    with warnings.catch_warnings():  # compile umap's own kernels (both kNN paths) before timing it
        warnings.simplefilter("ignore")
        umap.UMAP(n_neighbors=10, random_state=0, n_jobs=1).fit_transform(blobs(300))
        umap.UMAP(n_neighbors=10, random_state=0, n_jobs=1, force_approximation_algorithm=True).fit(
            blobs(300)
        ).transform(blobs(20, seed=1))

    print("\nUMAP map: core.maps.projection.project (streaming) vs umap.UMAP.fit_transform")
    print(f"{'N x D':>12} | {'ours s':>7} | {'umap s':>7} | {'ours/umap':>9} | frames | trust ours | trust umap")
    for n in args.sizes:
        x = blobs(n)
        frames = []
        t0 = time.perf_counter()
        xy = run_job(project(x, ProjectionParams()), lambda p: frames.append(p) if p.partial is not None else None)
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = umap.UMAP(n_neighbors=15, min_dist=0.1, metric="cosine", random_state=42, n_jobs=1).fit_transform(x)
        t_umap = time.perf_counter() - t0
        sub = np.random.default_rng(0).choice(n, size=min(n, 3000), replace=False)
        tw_o = trustworthiness(x[sub], xy[sub], k=10)
        tw_u = trustworthiness(x[sub], normalise_xy(ref)[sub], k=10)
        print(f"{n:>8,} x {x.shape[1]:<2} | {t_ours:7.1f} | {t_umap:7.1f} | {t_ours / t_umap:8.2f}x | {len(frames):>6} | {tw_o:10.3f} | {tw_u:10.3f}", flush=True)  # fmt: skip

    n, m = 5000, 500
    x = blobs(n + m, seed=3)
    ref_x, new_x = x[:n], x[n:]
    xy = run_job(project(ref_x, ProjectionParams()))
    t0 = time.perf_counter()
    placed = place_new(ref_x, xy, new_x)
    t_place = time.perf_counter() - t0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = umap.UMAP(n_neighbors=15, metric="cosine", random_state=42, n_jobs=1).fit(ref_x)
        t0 = time.perf_counter()
        model.transform(new_x)
        t_tr = time.perf_counter() - t0
    full = np.concatenate([xy, placed])
    print(f"\nplace_new {m} onto {n}: {t_place:.2f} s vs UMAP.transform {t_tr:.2f} s "
          f"({t_place / t_tr:.2f}x); trustworthiness of grown map {trustworthiness(x[-2000:], full[-2000:]):.3f}")  # fmt: skip


if __name__ == "__main__":
    main()
