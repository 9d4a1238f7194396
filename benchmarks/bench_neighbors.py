"""Exact cosine kNN: core.maps.neighbors.NeighborIndex vs a naive numpy baseline, same run.

Baseline per query: ``np.argsort(1 - X @ q)[:k]`` (a loop over queries for a batch).
Sizes: 100k x 512 and 1M x 512 float32 (the 1M database is 2 GB; peak memory stays < 8 GB).

    .venv/bin/python benchmarks/bench_neighbors.py            # both sizes
    .venv/bin/python benchmarks/bench_neighbors.py --sizes 100000
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.maps.neighbors import NeighborIndex  # noqa: E402


def unit_random(n: int, d: int, seed: int = 0, chunk: int = 65536) -> np.ndarray:
    """[n, d] float32 unit vectors, generated in chunks (no float64 copy of the whole)."""
    rng = np.random.default_rng(seed)
    x = np.empty((n, d), np.float32)
    for s in range(0, n, chunk):
        block = rng.standard_normal((min(chunk, n - s), d), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        x[s : s + chunk] = block
    return x


def timed(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def naive(x: np.ndarray, qs: np.ndarray, k: int) -> np.ndarray:
    return np.stack([np.argsort(1 - x @ q)[:k] for q in qs])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--device", default=None)
    args = ap.parse_args()
    import torch

    print(f"torch {torch.__version__}, threads {torch.get_num_threads()}, cpus {os.cpu_count()}, "
          f"load {os.getloadavg()[0]:.1f}")  # fmt: skip
    rows = []
    for n in args.sizes:
        x = unit_random(n, args.dim, seed=1)
        qs = unit_random(100, args.dim, seed=2)
        t0 = time.perf_counter()
        index = NeighborIndex(x, device=args.device)
        build = time.perf_counter() - t0
        reps = 5 if n <= 200_000 else 3
        for label, q in (("1 query", qs[:1]), ("100 queries", qs)):
            r_naive = 1 if len(q) > 1 and n > 200_000 else reps
            t_naive, ref = timed(lambda: naive(x, q, args.k), r_naive)
            index.query(q, args.k)  # warm
            t_idx, (idx, _) = timed(lambda: index.query(q, args.k), reps)
            same = float(np.mean([len(set(a) & set(b)) / args.k for a, b in zip(idx, ref)]))
            rows.append((n, label, t_naive, t_idx, same))
            print(f"  n={n:>9,} {label:<12} naive {t_naive * 1e3:9.1f} ms  index {t_idx * 1e3:9.1f} ms", flush=True)
        print(f"  n={n:,}: index build {build * 1e3:.0f} ms (device {index.device})", flush=True)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    print()
    print(f"{'N x D':>16} | {'case':<12} | {'naive ms':>10} | {'index ms':>10} | {'speed-up':>8} | overlap")
    print("-" * 78)
    for n, label, tn, ti, same in rows:
        print(f"{n:>10,} x {args.dim:<3} | {label:<12} | {tn * 1e3:10.1f} | {ti * 1e3:10.1f} | {tn / ti:7.1f}x | {same:.3f}")
    print(f"peak RSS {peak:.2f} GB")


if __name__ == "__main__":
    main()
