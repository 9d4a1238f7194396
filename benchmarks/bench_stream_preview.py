"""Streaming map preview: GUI-thread cost of adding embedded batches to the session state.

Compares ``SessionState.add_embedded`` (PCA basis refitted only when the collection has grown by
a third, new points placed with the current basis, names cached) with the naive approach of a
full PCA of everything embedded so far after every batch. Prints the ratio.

    .venv/bin/python benchmarks/bench_stream_preview.py [N] [D]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from core.maps.pca import pca_2d
from desktop_app.model.session import SessionState


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000
    d = int(sys.argv[2]) if len(sys.argv) > 2 else 64
    batch = 16
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(n, d)).astype(np.float32)
    rows = [SimpleNamespace(id=i, relpath=f"folder{i % 20}/sound_{i}.wav", tags=[]) for i in range(n)]

    st = SessionState()
    st.set_library(None, root=Path("/library"))
    st.set_sounds(rows)
    t = time.perf_counter()
    for s in range(0, n, batch):
        st.add_embedded(np.arange(s, min(n, s + batch)), vectors[s:s + batch])
        st.names()  # what the map binding asks for on each flush
    ours = time.perf_counter() - t

    t = time.perf_counter()
    xy = np.zeros((0, 2), np.float32)
    for s in range(0, n, batch):
        xy = pca_2d(vectors[: s + batch], reference=xy)  # naive: refit on everything, every batch
        [Path(r.relpath).name for r in rows[: s + batch]]  # naive: rebuild names with pathlib
    naive = time.perf_counter() - t

    print(f"N={n} D={d} batches={n // batch}: state.add_embedded {ours:.2f} s "
          f"({1000 * ours / (n / batch):.2f} ms/batch) vs naive {naive:.2f} s "
          f"({1000 * naive / (n / batch):.2f} ms/batch) -> {naive / ours:.1f}x faster")


if __name__ == "__main__":
    main()
