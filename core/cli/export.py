"""The ``export`` command: gathers vectors, map, clusters and tags, then calls :mod:`core.export.writers`."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from core.cli.common import find_neighbors, make_clusters, make_map
from core.export.rows import export_rows
from core.maps.labels import cluster_number


def export(lib, args: argparse.Namespace) -> Path:
    from core.export import writers as ex

    fmt = args.format
    out = args.out or Path(f"{lib.root.name}-{args.model}.{ 'tsv' if fmt == 'projector' else fmt}")
    mapped = make_map(lib, args)
    labelling, _ = make_clusters(lib, args)
    ids, vectors = lib.vectors(args.model)
    assert np.array_equal(mapped.ids, ids), "map and vectors disagree on the sounds"
    rows = {r.id: r for r in lib.sounds()}
    paths = [str(lib.catalog.abspath(rows[int(i)])) for i in ids]
    labels = labelling.labels
    if fmt == "npz":
        ex.export_npz(out, paths, vectors, mapped.xy, labels)
    elif fmt in ("csv", "parquet"):
        out = out.with_suffix("." + fmt)
        ex.export_table(out, export_rows(lib.root, [rows[int(i)] for i in ids], mapped.xy, labels, vectors))
    elif fmt == "projector":
        prefix = out.with_suffix("")
        meta = [[rows[int(i)].relpath, str(cluster_number(c)), ";".join(rows[int(i)].tags)] for i, c in zip(ids, labels)]
        ex.export_projector(prefix, vectors, meta, header=["path", "cluster", "tags"])
        out = Path(f"{prefix}_vectors.tsv")
    elif fmt == "m3u":
        if args.neighbors_of:
            hits = find_neighbors(lib, args, args.neighbors_of, args.neighbors_k)
            sel = [sid for sid, _ in hits]
        elif args.cluster is not None:
            sel = [int(i) for i, c in zip(ids, labels) if cluster_number(c) == args.cluster]
            if not sel:
                shown = sorted({cluster_number(c) for c in labels if c >= 0})
                raise ValueError(f"there is no cluster {args.cluster} (clusters: {shown})")
        else:
            sel = [int(i) for i in ids]
        ex.export_m3u(
            out,
            [str(lib.catalog.abspath(rows[s])) for s in sel],
            titles=[Path(rows[s].relpath).stem for s in sel],
            durations=[rows[s].duration for s in sel],
        )
    return out
