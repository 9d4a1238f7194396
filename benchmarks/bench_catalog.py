"""Peak memory of reading a 100k-sound catalog's vectors: streamed reads and float16 storage.

Writes two catalogs of N sounds (default 100k) with D-dimensional vectors (default 512, the
``pretrained`` size; kept under ``benchmarks/data/catalog/``), one stored as float32 and one with
``Catalog.set_vector_storage('float16')``, then reads them in fresh processes and reports each
process's peak RSS above its RSS just before the read:

- ``one blob, mmap on`` (the baseline, the previous ``Catalog.embeddings``): every BLOB appended to
  one ``bytearray``, then viewed as an array, with the catalog memory-mapped (512 MB) as it was;
- ``streamed``: ``Catalog.embeddings`` now (chunks of 8192 rows into one preallocated array, no
  memory map), and the same with the old memory map;
- ``streamed, float16 storage`` read as float32 and as float16 (``embeddings(dtype=np.float16)``).

    nice -n 19 .venv/bin/python benchmarks/bench_catalog.py [--n 100000] [--dim 512]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / "benchmarks" / "data" / "catalog"


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def build(n: int, d: int, storage: str) -> Path:
    from core.catalog import Catalog

    db = DATA / f"c{n}x{d}-{storage}.sqlite"
    if db.exists():
        return db
    DATA.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    with Catalog.open(DATA, db) as cat:
        cat.set_vector_storage(storage)
        with cat.transaction() as c:
            c.executemany("INSERT INTO sounds(id, relpath, size, mtime_ns, seen_at) VALUES (?, ?, 1, 1, 0)",
                          ((i + 1, f"s{i:06d}.wav") for i in range(n)))
        for s in range(0, n, 10_000):
            v = rng.standard_normal((min(n, s + 10_000) - s, d)).astype(np.float32)
            v /= np.linalg.norm(v, axis=1, keepdims=True)
            cat.put_embeddings("m", "1", [(s + i + 1, v[i], None) for i in range(len(v))])
    return db


def read(db: Path, how: str) -> dict:
    from core.catalog import Catalog

    with Catalog.open(DATA, db) as cat:
        if how.endswith("mmap on"):  # what the catalog did before (a 512 MB map)
            cat._conn.execute(f"PRAGMA mmap_size = {512 << 20}")
        before = _rss_mb()
        t0 = time.perf_counter()
        if how.startswith("one blob"):
            buf, ids = bytearray(), []
            for sid, blob in cat._all("SELECT sound_id, vector FROM embeddings WHERE model = 'm' ORDER BY sound_id"):
                buf += blob
                ids.append(sid)
            x = np.frombuffer(buf, dtype="<f4").reshape(len(ids), -1)
        else:
            ids, x = cat.embeddings("m", "1", dtype=np.float16 if "as float16" in how else np.float32)
        secs = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"array_mb": x.nbytes / 2**20, "peak_above_mb": peak - before, "seconds": secs}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--dim", type=int, default=512)
    ap.add_argument("--read")
    ap.add_argument("--how")
    args = ap.parse_args()
    if args.read:
        print("RESULT " + json.dumps(read(Path(args.read), args.how)))
        return
    f32, f16 = build(args.n, args.dim, "float32"), build(args.n, args.dim, "float16")
    print(f"{args.n:,} sounds × {args.dim}: catalog {f32.stat().st_size / 2**20:.0f} MB (float32), "
          f"{f16.stat().st_size / 2**20:.0f} MB (float16 storage); load {os.getloadavg()[0]:.1f}\n")
    print("| read | array (MB) | peak RSS above the start (MB) | peak / array | seconds |")
    print("|---|---|---|---|---|")
    for label, db, how in (("one blob, mmap on (previous)", f32, "one blob mmap on"),
                           ("streamed, mmap on", f32, "streamed mmap on"), ("streamed", f32, "streamed"),
                           ("float16 storage, read as float32", f16, "streamed"),
                           ("float16 storage, read as float16", f16, "streamed as float16")):
        r = subprocess.run([sys.executable, __file__, "--read", str(db), "--how", how], capture_output=True,
                           text=True, check=True)
        res = json.loads(next(ln for ln in r.stdout.splitlines() if ln.startswith("RESULT "))[7:])
        print(f"| {label} | {res['array_mb']:.0f} | {res['peak_above_mb']:.0f} | "
              f"{res['peak_above_mb'] / res['array_mb']:.2f} | {res['seconds']:.2f} |", flush=True)


if __name__ == "__main__":
    main()
