"""Helper process for test_catalog_kill.py: scan, then write embeddings forever (until SIGKILLed).

Usage: python -m tests.core.catalog._kill_worker ROOT CATALOG SEED

Every vector it writes for sound ``sid`` is filled with ``sid`` (and its patches too), so the
parent can detect a torn or misattributed row after the kill.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from core.catalog import Catalog
from core.catalog.scan import scan

DIM = 32


def main(root: str, catalog: str, seed: str) -> None:
    rng = np.random.default_rng(int(seed))
    with Catalog.open(Path(root), Path(catalog)) as cat:
        print("ready", flush=True)
        for p in scan(cat):
            print(f"scan {p.done}/{p.total}", flush=True)
        print("scanned", flush=True)
        ids = [s.id for s in cat.sounds()]
        step = 0
        while True:
            step += 1
            chunk = rng.choice(ids, size=min(len(ids), int(rng.integers(1, 8))), replace=False)
            version = str(step % 2)
            items = []
            for sid in chunk:
                vec = np.full(DIM, float(sid), np.float32)
                patches = np.full((int(rng.integers(1, 4)), DIM), float(sid), np.float32) if step % 3 else None
                items.append((int(sid), vec, patches))
            cat.put_embeddings("m", version, items)
            if step % 50 == 0:
                e_ids, _ = cat.embeddings("m", version)
                cat.put_projection("m", version, "pca", {"step": step % 7}, e_ids,
                                   np.zeros((len(e_ids), 2), np.float32))
                cat.put_labelling("m", version, "kmeans", {"k": step % 5}, e_ids, np.zeros(len(e_ids), np.int64))


if __name__ == "__main__":
    main(*sys.argv[1:4])
