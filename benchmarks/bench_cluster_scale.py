"""Large-N clustering against the exact result, at a size where the exact one still runs.

- HDBSCAN on a random sample (``HdbscanParams.fit_sample``), the others labelled by their nearest
  sampled point, against HDBSCAN on everything;
- kNN-graph communities on the IVF index's kNN graph (``GraphParams.ann_above``) against the exact
  kNN graph;

both on the same synthetic vectors (a two-level Gaussian mixture, as ``bench_neighbors.py``), in one
run. Agreement: adjusted Rand index and normalised mutual information between the two labellings
(``core.evaluation.metrics.cluster_scores``), and each one's agreement with the mixture's groups.

    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/bench_cluster_scale.py --n 20000 --sample 5000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_neighbors import clustered  # noqa: E402

from core.evaluation.metrics import cluster_scores  # noqa: E402
from core.jobs import run_job  # noqa: E402
from core.maps.clustering import cluster  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--dim", type=int, default=120)
    ap.add_argument("--sample", type=int, default=5_000, help="HDBSCAN's fit_sample for the large-N path")
    ap.add_argument("--methods", default="hdbscan,graph")
    args = ap.parse_args()
    x = clustered(args.n, args.dim, seed=4, noise=1.0, groups=30, sub=5)
    print(f"N = {args.n:,} × {args.dim}; 2 CPUs; load {os.getloadavg()[0]:.1f}\n")
    print("| method | exact (s) | large-N path (s) | ARI | NMI | clusters exact / large-N |")
    print("|---|---|---|---|---|---|")
    for method in args.methods.split(","):
        base = {"min_cluster_size": 25} if method == "hdbscan" else {}
        large = {"fit_sample": args.sample} if method == "hdbscan" else {"ann_above": 0}
        exact_p = {**base, **({"fit_sample": args.n} if method == "hdbscan" else {"ann_above": args.n})}
        t0 = time.perf_counter()
        exact = run_job(cluster(x, method, exact_p))
        t_exact = time.perf_counter() - t0
        t0 = time.perf_counter()
        approx = run_job(cluster(x, method, {**base, **large}))
        t_approx = time.perf_counter() - t0
        s = cluster_scores(exact.labels, approx.labels)
        print(f"| {method} | {t_exact:.1f} | {t_approx:.1f} | {s['ari']:.3f} | {s['nmi']:.3f} | "
              f"{exact.n_clusters} / {approx.n_clusters} |", flush=True)
    print(f"\nload at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
