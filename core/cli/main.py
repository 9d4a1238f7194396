"""``sound-explorer <command> DIR …``: the same jobs as the GUI, with a progress bar.

Commands: scan, embed, map, cluster, neighbors, export, info (and train/evaluate from
:mod:`core.cli.train`). Each command runs what it depends on (cached in the catalog). Errors
are one readable line on stderr with a non-zero exit code; per-file failures are listed at the end.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from core.cli.common import (
    add_cluster_options,
    add_library_args,
    add_projection_options,
    embed,
    find_neighbors,
    make_clusters,
    make_map,
    open_library,
    print_failures,
)
from core.cli.explain import add_explain_parser
from core.cli.import_vectors import add_import_parser
from core.cli.progress import drive
from core.defaults import DEFAULT_NEIGHBORS_K
from core.maps.labels import cluster_name

EXIT_ERROR = 1
EXIT_USAGE = 2


def command_names() -> frozenset[str]:
    """The subcommands of the real parser (the GUI entry point routes these to the CLI)."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return frozenset(sub.choices)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sound-explorer",
        description="Map a sound collection by how it sounds. Without a command, opens the desktop app.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("scan", help="index a folder: new, changed, moved and deleted files")
    add_library_args(p, model=False)
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("embed", help="compute one vector per sound (scans first)")
    add_library_args(p)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--keep-patches", action="store_true", help="also store per-patch vectors")
    p.add_argument("--engine", choices=("local", "ray"), default="local",
                   help="where to embed: this machine, or a Ray cluster (needs sound-explorer[cluster]; docs/ray.md)")
    p.add_argument("--address", help="ray: the cluster's address (default: start a local Ray)")
    p.add_argument("--shards", help="ray: folder or URI for the result shards, reachable by every worker "
                   "(default: next to the catalog)")
    p.set_defaults(func=cmd_embed)

    p = sub.add_parser("map", help="2-D map of the embeddings (UMAP, PCA or t-SNE)")
    add_library_args(p)
    add_projection_options(p)
    p.add_argument("--recompute", action="store_true", help="recompute from scratch instead of placing new sounds")
    p.set_defaults(func=cmd_map)

    p = sub.add_parser("cluster", help="cluster the sounds (HDBSCAN, k-means, kNN-graph communities)")
    add_library_args(p)
    add_cluster_options(p)
    p.set_defaults(func=cmd_cluster)

    p = sub.add_parser("neighbors", help="the nearest sounds to a sound of the library or any audio file")
    add_library_args(p)
    p.add_argument("query", help="a path inside the library (relative or absolute) or any audio file")
    p.add_argument("-k", dest="neighbors_k", type=int, default=DEFAULT_NEIGHBORS_K, help="how many neighbours")
    p.set_defaults(func=cmd_neighbors)

    p = sub.add_parser("export", help="export vectors, map and clusters (npz, csv, parquet, projector, m3u)")
    add_library_args(p)
    p.add_argument("--format", required=True, choices=["npz", "csv", "parquet", "projector", "m3u"])
    p.add_argument("-o", "--out", type=Path, default=None, help="output file (projector: path prefix)")
    add_projection_options(p)
    add_cluster_options(p, flag="--cluster-method")
    p.add_argument("--cluster", type=int, default=None, help="m3u: only this cluster (its number, as `cluster` prints it)")
    p.add_argument("--neighbors-of", default=None, help="m3u: the query and its k nearest sounds")
    p.add_argument("-k", dest="neighbors_k", type=int, default=DEFAULT_NEIGHBORS_K, help="m3u: how many neighbours")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("info", help="what the catalog holds for a folder")
    add_library_args(p, model=False)
    p.set_defaults(func=cmd_info)

    try:
        from core.cli.train import add_evaluate_parser, add_train_parser
    except ImportError:
        pass
    else:
        add_train_parser(sub)
        add_evaluate_parser(sub)
    add_import_parser(sub)
    add_explain_parser(sub)
    from core.cli.timelapse import add_timelapse_parser

    add_timelapse_parser(sub)
    from core.cli.find import add_find_parsers

    add_find_parsers(sub)
    return parser


# -- commands ---------------------------------------------------------------------------------


def cmd_scan(args: argparse.Namespace) -> int:
    with open_library(args) as lib:
        report = drive(lib.scan(), quiet=args.quiet)
        print(report.summary())
        print_failures(lib.failures())
    return 0


def cmd_embed(args: argparse.Namespace) -> int:
    with open_library(args) as lib:
        if args.engine == "ray":
            from core.embedding.ray_engine import ray_models

            if args.model not in ray_models():
                raise SystemExit(f"error: the ray engine embeds the built-in models ({', '.join(ray_models())}), "
                                 f"not {args.model!r}")
            report = drive(lib.embed_on_ray(args.model, address=args.address, shards=args.shards), quiet=args.quiet)
        else:
            report = embed(lib, args, args.batch_size, args.keep_patches)
        ids, _ = lib.vectors(args.model)
        print(report.summary())
        print(f"{len(ids)} sounds have a '{args.model}' vector ({lib.model_version(args.model)})")
        print_failures(lib.failures())
    return 0


def cmd_map(args: argparse.Namespace) -> int:
    with open_library(args) as lib:
        result = make_map(lib, args, recompute=args.recompute)
        lo, hi = result.xy.min(axis=0), result.xy.max(axis=0)
        extra = f", {result.placed} new sounds placed into the existing map" if result.placed else ""
        print(f"{args.map_method} map of {len(result.ids)} sounds, x∈[{lo[0]:.2f}, {hi[0]:.2f}] y∈[{lo[1]:.2f}, {hi[1]:.2f}]{extra}")
    return 0


def cmd_cluster(args: argparse.Namespace) -> int:
    with open_library(args) as lib:
        labelling, params = make_clusters(lib, args)
        sizes = labelling.sizes()
        noise = sizes.pop(-1, 0)
        print(f"{args.cluster_method} {params.as_dict()}: {len(sizes)} clusters, {noise} noise points")
        ids, _ = lib.vectors(args.model)
        names = lib.cluster_names(ids, labelling.labels)
        for label, size in sorted(sizes.items()):
            named = f" ({names[label]})" if names.get(label, cluster_name(label)) != cluster_name(label) else ""
            print(f"  {cluster_name(label)}{named}: {size} sounds")
    return 0


def cmd_neighbors(args: argparse.Namespace) -> int:
    with open_library(args) as lib:
        hits = find_neighbors(lib, args, args.query, args.neighbors_k)
        rows = {r.id: r for r in lib.sounds()}
        query_in_lib = hits and hits[0][1] == 0.0 and len(hits) == args.neighbors_k + 1
        print(f"nearest to {args.query} ({args.model}, cosine distance):")
        for rank, (sid, dist) in enumerate(hits[1:] if query_in_lib else hits, start=1):
            print(f"{rank:3d}  {dist:.4f}  {rows[sid].relpath}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from core.cli.export import export

    with open_library(args) as lib:
        out = export(lib, args)
        print(f"wrote {out}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    with open_library(args) as lib:
        cat = lib.catalog
        print(f"library  {lib.root}")
        print(f"catalog  {cat.path}")
        print(f"sounds   {cat.count()} ok, {len(cat.failures())} failed "
              "(hidden files and folders, whose names start with '.', are not scanned)")
        for model, version, count in cat.embedded_models():
            print(f"vectors  {model} ({version}): {count}")
        for p in cat.projections():
            print(f"map      {p['model']} {p['method']} {p['params']} ({p['n']} points)")
        for model, version, _ in cat.embedded_models():
            for lab in cat.labellings(model, version):
                print(f"clusters {model} {lab['method']} {lab['params']}")
        for m in cat.models():
            star = " (default)" if m.get("is_default") else ""
            print(f"model    {m['name']}{star}")
        print_failures(cat.failures())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from core.maps import numba_cache

    numba_cache.configure()  # before umap is imported: its compiled kernels persist between runs
    if hasattr(sys.stdout, "reconfigure"):  # file names that are not UTF-8 print as their own bytes
        sys.stdout.reconfigure(errors="surrogateescape")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("interrupted; finished work is kept in the catalog", file=sys.stderr)
        return 130
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        msg = str(exc).strip().strip("'\"") or type(exc).__name__
        print(f"sound-explorer: error: {msg}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
