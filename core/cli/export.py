"""The ``export`` command: gathers vectors, map, clusters and tags, then calls :mod:`core.export.writers`."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np


def export(lib, args: argparse.Namespace) -> Path:
    from core.export import writers as ex
    from core.cli.main import _cluster, _map, _neighbors

    fmt = args.format
    out = args.out or Path(f"{lib.root.name}-{args.model}.{ 'tsv' if fmt == 'projector' else fmt}")
    mapped = _map(lib, args)
    labelling, _ = _cluster(lib, args)
    ids, vectors = lib.vectors(args.model)
    assert np.array_equal(mapped.ids, ids), "map and vectors disagree on the sounds"
    rows = {r.id: r for r in lib.sounds()}
    paths = [str(lib.catalog.abspath(rows[int(i)])) for i in ids]
    labels = labelling.labels
    if fmt == "npz":
        ex.export_npz(out, paths, vectors, mapped.xy, labels)
    elif fmt in ("csv", "parquet"):
        out = out.with_suffix("." + fmt)
        table = [
            {"path": p, "x": float(x), "y": float(y), "cluster": int(c), "tags": rows[int(i)].tags, "vector": v}
            for p, (x, y), c, i, v in zip(paths, mapped.xy, labels, ids, vectors)
        ]
        ex.export_table(out, table)
    elif fmt == "projector":
        prefix = out.with_suffix("")
        meta = [[rows[int(i)].relpath, str(int(c)), ";".join(rows[int(i)].tags)] for i, c in zip(ids, labels)]
        ex.export_projector(prefix, vectors, meta, header=["path", "cluster", "tags"])
        out = Path(f"{prefix}_vectors.tsv")
    elif fmt == "m3u":
        if args.neighbors_of:
            hits = _neighbors(lib, args, args.neighbors_of, args.k)
            sel = [sid for sid, _ in hits]
        elif args.cluster is not None:
            sel = [int(i) for i, c in zip(ids, labels) if int(c) == args.cluster]
            if not sel:
                raise ValueError(f"cluster {args.cluster} is empty (labels: {sorted(set(map(int, labels)))})")
        else:
            sel = [int(i) for i in ids]
        ex.export_m3u(
            out,
            [str(lib.catalog.abspath(rows[s])) for s in sel],
            titles=[Path(rows[s].relpath).stem for s in sel],
            durations=[rows[s].duration for s in sel],
        )
    return out
