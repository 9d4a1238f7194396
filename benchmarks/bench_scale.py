"""The scale ladder: one command from 1k to 100k sounds and 1M vectors, written into docs/benchmarks.md.

    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/bench_scale.py \
        [--sizes 1000 10000 100000] [--vectors 1000000] [--timeout 2400]

For each library size N it writes (once; kept under ``benchmarks/data/scale/``, git-ignored) a
synthetic library: N short FLAC sounds (0.2–1.2 s, 22.05 kHz; 8 kinds of sound with random
parameters) in a nested folder tree, and runs every stage in a fresh process, as a user would:

- ``scan``: index the folder (a new catalog); ``embed``: ``mfcc`` vectors (the pretrained CNN at
  100k would take hours on 2 cores); ``map``: the default UMAP map; ``cluster``: the default
  clustering (kNN-graph communities) and ``hdbscan``; ``neighbours``: a process that answers one
  neighbour query; ``reopen``: a process that reads the cached library back (``Library.snapshot``,
  what the GUI shows on open) and reports which heavy modules it imported (it should import none).

At ``--vectors`` M (synthetic 120-d vectors from a Gaussian mixture, no audio, no catalog) it runs
the map, HDBSCAN, k-means and the neighbour index (IVF build, approximate and exact queries).
Each stage reports its wall time (the whole process for neighbours and reopen) and peak RSS. A
stage that exceeds ``--timeout`` is recorded as such. Results: ``benchmarks/out/scale.json``,
the plots ``docs/img/scale_time.png`` and ``docs/img/scale_rss.png``, and the section between the
``scale`` markers of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "benchmarks" / "data" / "scale"
OUT = ROOT / "benchmarks" / "out"
DOC = ROOT / "docs" / "benchmarks.md"
KINDS = ("tone", "noise", "click", "chirp", "hum", "sweep", "pulse", "rumble")
LIB_STAGES = ("scan", "embed", "map", "cluster", "hdbscan", "neighbours", "reopen")
VEC_STAGES = ("map", "hdbscan", "kmeans", "ann build", "ann query", "exact query")
HEAVY = ("torch", "umap", "hdbscan", "numba", "pynndescent", "sklearn")


# ---------------------------------------------------------------------------------- data
def _sound(kind: str, rng: np.random.Generator, sr: int = 22050) -> np.ndarray:
    n = int(sr * rng.uniform(0.2, 1.2))
    t = np.arange(n) / sr
    f = rng.uniform(100, 2000)
    if kind in ("tone", "hum"):
        x = np.sin(2 * np.pi * f * t) + (0.5 * np.sin(4 * np.pi * f * t) if kind == "hum" else 0)
    elif kind in ("noise", "rumble"):
        x = rng.standard_normal(n)
        if kind == "rumble":
            x = np.convolve(x, np.ones(64) / 64, mode="same")
    elif kind in ("click", "pulse"):
        x = np.zeros(n)
        x[:: int(sr / rng.uniform(3, 30))] = 1.0
        if kind == "pulse":
            x = np.convolve(x, np.hanning(200), mode="same")
    else:
        f1 = f * rng.uniform(2, 6) if kind == "chirp" else f / rng.uniform(2, 6)
        x = np.sin(2 * np.pi * (f * t + (f1 - f) * t**2 / (2 * t[-1] + 1e-9)))
    x = x * np.exp(-t * rng.uniform(0.5, 6.0))
    return (0.8 * x / (np.abs(x).max() + 1e-9)).astype(np.float32)


def _write_range(args: tuple[str, int, int]) -> int:
    import soundfile as sf

    root, start, stop = Path(args[0]), args[1], args[2]
    for i in range(start, stop):
        rng = np.random.default_rng(i)
        kind = KINDS[i % len(KINDS)]
        path = root / kind / f"set{(i // len(KINDS)) % 40:02d}" / f"{kind}_{i:06d}.flac"
        path.parent.mkdir(parents=True, exist_ok=True)
        sf.write(path, _sound(kind, rng), 22050, subtype="PCM_16")
    return stop - start


def library(n: int) -> Path:
    """The synthetic library of ``n`` sounds (written once)."""
    root = DATA / f"lib{n}"
    done = root / ".complete"
    if done.exists():
        return root
    step = 2000
    with ProcessPoolExecutor(2) as pool:
        list(pool.map(_write_range, [(str(root), s, min(n, s + step)) for s in range(0, n, step)]))
    done.write_text(str(n))
    return root


def vectors(m: int, d: int = 120) -> np.ndarray:
    from bench_neighbors import clustered  # noqa: PLC0415 (benchmarks/ is on the path)

    return clustered(m, d, seed=3, noise=1.0)


# ---------------------------------------------------------------------------------- stages
def _lib_stage(stage: str, root: Path, db: Path) -> dict:
    from core.jobs import run_job
    from core.library import Library

    out: dict = {}
    lib = Library.open(root, db)
    if stage == "scan":
        out["added"] = run_job(lib.scan()).added
    elif stage == "embed":
        out["embedded"] = run_job(lib.embed("mfcc")).embedded
    elif stage == "map":
        out["points"] = len(run_job(lib.map("mfcc")).xy)
    elif stage in ("cluster", "hdbscan"):
        lab = run_job(lib.cluster("mfcc", "graph" if stage == "cluster" else "hdbscan"))
        out["clusters"] = lab.n_clusters
    elif stage == "neighbours":
        t0 = time.perf_counter()
        first = lib.neighbors("mfcc", int(lib.vectors("mfcc")[0][0]), k=10)
        out["first query incl. index load (s)"] = round(time.perf_counter() - t0, 3)
        ids, index = lib.neighbor_index("mfcc")
        t0 = time.perf_counter()
        for i in ids[:20]:
            lib.neighbors("mfcc", int(i), k=10)
        out["query (ms)"] = round((time.perf_counter() - t0) / 20 * 1e3, 2)
        out["k"] = len(first)
    elif stage == "reopen":
        snap = run_job(lib.snapshot("mfcc", method="graph"))
        out["cached map"] = snap.map is not None
        out["cached clusters"] = snap.labelling is not None
    lib.close()
    out["heavy imports"] = sorted(m for m in HEAVY if m in sys.modules)
    return out


def _vec_stage(stage: str, m: int) -> dict:
    from core.jobs import run_job
    from core.maps.clustering import cluster
    from core.maps.neighbors import NeighborIndex
    from core.maps.params import NeighborParams, ProjectionParams
    from core.maps.projection import project

    x = vectors(m)
    t0 = time.perf_counter()
    out: dict = {}
    if stage == "map":
        run_job(project(x, ProjectionParams()))
    elif stage in ("hdbscan", "kmeans"):
        out["clusters"] = run_job(cluster(x, stage)).n_clusters
    else:
        index = NeighborIndex(x)
        qs = vectors(200)
        if stage == "exact query":
            index.query(qs[0], 10)
            t0 = time.perf_counter()
            for q in qs[:20]:
                index.query(q, 10)
            return {"per query (ms)": round((time.perf_counter() - t0) / 20 * 1e3, 2), "seconds": None}
        truth = index.query(qs, 10)[0]
        t0 = time.perf_counter()
        run_job(index.build_ann(NeighborParams()))
        build = time.perf_counter() - t0
        if stage == "ann build":
            return {"lists": index.lists.n_lists, "seconds": build}
        t0 = time.perf_counter()
        got = np.concatenate([index.query(q, 10)[0] for q in qs])
        per = (time.perf_counter() - t0) / len(qs)
        rec = float(np.mean([len(set(a) & set(b)) / 10 for a, b in zip(got, truth)]))
        return {"per query (ms)": round(per * 1e3, 2), "recall@10": round(rec, 3), "seconds": None}
    out["seconds"] = time.perf_counter() - t0
    return out


def stage_main(args: argparse.Namespace) -> None:
    t0 = time.perf_counter()
    if args.vectors_stage:
        out = _vec_stage(args.stage, args.n)
    else:
        out = _lib_stage(args.stage, Path(args.root), Path(args.db))
    if out.get("seconds", 0) is not None:
        out["seconds"] = out.get("seconds") or time.perf_counter() - t0
    out["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(out), flush=True)


def run_stage(argv: list[str], timeout: float) -> dict:
    """One stage in a fresh interpreter; ``wall`` is the whole process, imports included."""
    t0 = time.perf_counter()
    try:
        r = subprocess.run([sys.executable, __file__, *argv], cwd=ROOT, capture_output=True, text=True,
                           timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"timeout": timeout}
    wall = time.perf_counter() - t0
    line = next((ln for ln in r.stdout.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        return {"error": (r.stderr.strip().splitlines() or ["no output"])[-1][:200], "wall": wall}
    out = json.loads(line[7:])
    out["wall"] = wall
    return out


# ---------------------------------------------------------------------------------- ladder
def ladder(args: argparse.Namespace) -> dict:
    if args.fresh:
        (OUT / "scale.json").unlink(missing_ok=True)
    results: dict = {"libraries": {}, "vectors": {}, "load_start": os.getloadavg()[0], "cpus": os.cpu_count()}
    for n in args.sizes:
        t0 = time.perf_counter()
        root = library(n)
        res: dict = {"generate (s)": round(time.perf_counter() - t0, 1)}
        db = DATA / f"lib{n}.sqlite"
        for suffix in ("", "-wal", "-shm") if not args.stages else ():  # a full run starts from a new catalog
            Path(str(db) + suffix).unlink(missing_ok=True)
        for stage in args.stages or LIB_STAGES:
            res[stage] = run_stage(["--stage", stage, "--root", str(root), "--db", str(db)], args.timeout)
            res[stage]["load"] = round(os.getloadavg()[0], 1)
            print(f"N={n:>7} {stage:<11} {json.dumps(res[stage])}", flush=True)
            if "timeout" in res[stage] or "error" in res[stage]:
                break
        results["libraries"][str(n)] = res
        _save(results)
    for m in args.vectors:
        res = {}
        for stage in args.stages or VEC_STAGES:
            res[stage] = run_stage(["--stage", stage, "--vectors-stage", "--n", str(m)], args.timeout)
            res[stage]["load"] = round(os.getloadavg()[0], 1)
            print(f"M={m:>8} {stage:<12} {json.dumps(res[stage])}", flush=True)
        results["vectors"][str(m)] = res
        _save(results)
    results["load_end"] = os.getloadavg()[0]
    _save(results)
    return results


def _save(results: dict) -> None:
    """Write ``results`` merged into what is on disk (two ladders may run side by side on other sizes)."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "scale.json"
    disk = json.loads(path.read_text()) if path.exists() else {"libraries": {}, "vectors": {}}
    for part in ("libraries", "vectors"):
        for size, stages in results[part].items():
            disk.setdefault(part, {}).setdefault(size, {}).update(stages)
    disk.update({k: v for k, v in results.items() if k not in ("libraries", "vectors")})
    path.write_text(json.dumps(disk, indent=1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="*", default=[1000, 10_000, 100_000])
    ap.add_argument("--vectors", type=int, nargs="*", default=[1_000_000])
    ap.add_argument("--timeout", type=float, default=2400)
    ap.add_argument("--stages", nargs="*", help="only these stages (on the catalogs of an earlier full run)")
    ap.add_argument("--report-only", action="store_true", help="rewrite the docs from benchmarks/out/scale.json")
    ap.add_argument("--fresh", action="store_true", help="forget earlier results (default: the sizes run now replace theirs)")
    ap.add_argument("--generate-only", action="store_true", help="only write the synthetic libraries")
    ap.add_argument("--stage")
    ap.add_argument("--vectors-stage", action="store_true")
    ap.add_argument("--root")
    ap.add_argument("--db")
    ap.add_argument("--n", type=int)
    args = ap.parse_args()
    if args.stage:
        return stage_main(args)
    if args.generate_only:
        for n in args.sizes:
            t0 = time.perf_counter()
            print(f"{library(n)}: {time.perf_counter() - t0:.0f} s", flush=True)
        return None
    from bench_scale_report import write_report  # noqa: PLC0415

    if not args.report_only:
        ladder(args)
        path = OUT / "scale.json"
        saved = json.loads(path.read_text())
        saved["commands"] = [*saved.get("commands", []), " ".join(["benchmarks/bench_scale.py", *sys.argv[1:]])]
        path.write_text(json.dumps(saved, indent=1))
    command = "benchmarks/bench_scale.py" + ("" if args.report_only else " " + " ".join(sys.argv[1:]))
    write_report(json.loads((OUT / "scale.json").read_text()), command.strip())


if __name__ == "__main__":
    main()
