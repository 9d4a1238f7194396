"""Map faithfulness: core.maps.faithfulness (preservation + trustworthiness + continuity, chunked)
vs scikit-learn's trustworthiness alone (the previous implementation, an N×N distance matrix), same run.

    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/bench_faithfulness.py [--sizes 1000 4000]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def data(n: int, d: int = 64, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(12, d))[rng.integers(0, 12, n)] + 0.6 * rng.normal(size=(n, d))
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    return x, (x[:, :2] + 0.2 * rng.normal(size=(n, 2))).astype(np.float32)


def timed(fn):
    tracemalloc.start()
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return out, dt, peak / 2**20


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 4000])
    args = ap.parse_args()
    from sklearn.manifold import trustworthiness

    from core.maps.faithfulness import map_faithfulness

    print(f"cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")
    for n in args.sizes:
        x, xy = data(n)
        ours, t_ours, m_ours = timed(lambda: map_faithfulness(x, xy, 10))
        ref, t_ref, m_ref = timed(lambda: trustworthiness(x, xy, n_neighbors=10, metric="cosine"))
        print(f"N={n}: ours {t_ours:.2f} s, peak {m_ours:.0f} MiB (T={ours.trustworthiness:.4f}, "
              f"C={ours.continuity:.4f}, preservation {ours.mean_preservation:.3f}) | sklearn T only "
              f"{t_ref:.2f} s, peak {m_ref:.0f} MiB (T={ref:.4f}) | time ratio {t_ours / t_ref:.2f}x, "
              f"memory ratio {m_ours / max(m_ref, 1e-9):.2f}x, load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
