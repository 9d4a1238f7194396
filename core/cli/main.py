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

from core.cli.progress import drive
from core.defaults import DEFAULT_MODEL
from core.library import Library

EXIT_ERROR = 1
EXIT_USAGE = 2


def _add_common(p: argparse.ArgumentParser, model: bool = True) -> None:
    p.add_argument("dir", type=Path, help="the sound folder (library root)")
    p.add_argument("--catalog", type=Path, default=None, help="catalog file (default: per-user data dir)")
    p.add_argument("--device", default=None, help="torch device: cpu or cuda (default: cuda when available)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    if model:
        p.add_argument("--model", default=DEFAULT_MODEL, help=f"encoder: mfcc, pretrained, or a trained model's name (default: {DEFAULT_MODEL})")


def _add_map_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--method", dest="map_method", default="umap", choices=["umap", "pca", "tsne"])
    p.add_argument("--n-neighbors", type=int, default=15)
    p.add_argument("--min-dist", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=42)


def _add_cluster_args(p: argparse.ArgumentParser, flag: str = "--method") -> None:
    p.add_argument(flag, dest="cluster_method", default="hdbscan", choices=["hdbscan", "kmeans", "graph"])
    p.add_argument("--min-cluster-size", type=int, default=None, help="hdbscan (default: about N/40, at least 3)")
    p.add_argument("--k", type=int, default=None, help="kmeans clusters / graph neighbours")
    p.add_argument("--resolution", type=float, default=1.0, help="graph communities (Louvain) resolution")
    p.add_argument("--space", default="embedding", choices=["embedding", "map"])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sound-explorer",
        description="Map a sound collection by how it sounds. Without a command, opens the desktop app.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("scan", help="index a folder: new, changed, moved and deleted files")
    _add_common(p, model=False)
    p.set_defaults(func=cmd_scan)

    p = sub.add_parser("embed", help="compute one vector per sound (scans first)")
    _add_common(p)
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--keep-patches", action="store_true", help="also store per-patch vectors")
    p.set_defaults(func=cmd_embed)

    p = sub.add_parser("map", help="2-D map of the embeddings (UMAP, PCA or t-SNE)")
    _add_common(p)
    _add_map_args(p)
    p.add_argument("--recompute", action="store_true", help="recompute from scratch instead of placing new sounds")
    p.set_defaults(func=cmd_map)

    p = sub.add_parser("cluster", help="cluster the sounds (HDBSCAN, k-means, kNN-graph communities)")
    _add_common(p)
    _add_cluster_args(p)
    p.set_defaults(func=cmd_cluster)

    p = sub.add_parser("neighbors", help="the nearest sounds to a sound of the library or any audio file")
    _add_common(p)
    p.add_argument("query", help="a path inside the library (relative or absolute) or any audio file")
    p.add_argument("-k", type=int, default=10)
    p.set_defaults(func=cmd_neighbors)

    p = sub.add_parser("export", help="export vectors, map and clusters (npz, csv, parquet, projector, m3u)")
    _add_common(p)
    p.add_argument("--format", required=True, choices=["npz", "csv", "parquet", "projector", "m3u"])
    p.add_argument("--out", type=Path, default=None, help="output file (projector: path prefix)")
    _add_map_args(p)
    _add_cluster_args(p, flag="--cluster-method")
    p.add_argument("--cluster", type=int, default=None, help="m3u: only this cluster label")
    p.add_argument("--neighbors-of", default=None, help="m3u: the query and its k nearest sounds")
    p.add_argument("-k", type=int, default=10)
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("info", help="what the catalog holds for a folder")
    _add_common(p, model=False)
    p.set_defaults(func=cmd_info)

    try:
        from core.cli.train import add_evaluate_parser, add_train_parser
    except ImportError:
        pass
    else:
        add_train_parser(sub)
        add_evaluate_parser(sub)
    return parser


# -- commands ---------------------------------------------------------------------------------


def _open(args: argparse.Namespace) -> Library:
    return Library.open(args.dir, args.catalog, device=args.device)


def _print_failures(failures: Sequence[tuple[str, str]], out=sys.stdout) -> None:
    if not failures:
        return
    print(f"\n{len(failures)} file(s) could not be read:", file=out)
    for rel, err in failures:
        print(f"  {rel}: {err}", file=out)


def cmd_scan(args: argparse.Namespace) -> int:
    with _open(args) as lib:
        report = drive(lib.scan(), quiet=args.quiet)
        print(report.summary())
        _print_failures(lib.failures())
    return 0


def _embed(lib: Library, args: argparse.Namespace, batch_size: int = 16, keep_patches: bool = False):
    report = drive(lib.embed(args.model, batch_size=batch_size, keep_patches=keep_patches), quiet=args.quiet)
    return report


def cmd_embed(args: argparse.Namespace) -> int:
    with _open(args) as lib:
        report = _embed(lib, args, args.batch_size, args.keep_patches)
        ids, _ = lib.vectors(args.model)
        print(report.summary())
        print(f"{len(ids)} sounds have a '{args.model}' vector ({lib.model_version(args.model)})")
        _print_failures(lib.failures())
    return 0


def _projection_params(args: argparse.Namespace):
    from core.maps.projection import ProjectionParams

    return ProjectionParams(method=args.map_method, n_neighbors=args.n_neighbors, min_dist=args.min_dist, seed=args.seed)


def _cluster_params(args: argparse.Namespace, n: int) -> dict:
    m = args.cluster_method
    if m == "hdbscan":
        return {"min_cluster_size": args.min_cluster_size or max(3, n // 40)}
    if m == "kmeans":
        return {"k": args.k or 8}
    return {"k": args.k or 15, "resolution": args.resolution}


def _map(lib: Library, args: argparse.Namespace, recompute: bool = False):
    _embed(lib, args)
    return drive(lib.map(args.model, _projection_params(args), recompute=recompute), quiet=args.quiet)


def cmd_map(args: argparse.Namespace) -> int:
    with _open(args) as lib:
        result = _map(lib, args, recompute=args.recompute)
        lo, hi = result.xy.min(axis=0), result.xy.max(axis=0)
        extra = f", {result.placed} new sounds placed into the existing map" if result.placed else ""
        print(f"{args.map_method} map of {len(result.ids)} sounds, x∈[{lo[0]:.2f}, {hi[0]:.2f}] y∈[{lo[1]:.2f}, {hi[1]:.2f}]{extra}")
    return 0


def _cluster(lib: Library, args: argparse.Namespace):
    _embed(lib, args)
    n = len(lib.vectors(args.model)[0])
    params = _cluster_params(args, n)
    return drive(lib.cluster(args.model, args.cluster_method, params, space=args.space), quiet=args.quiet), params


def cmd_cluster(args: argparse.Namespace) -> int:
    with _open(args) as lib:
        labelling, params = _cluster(lib, args)
        sizes = labelling.sizes()
        noise = sizes.pop(-1, 0)
        print(f"{args.cluster_method} {params}: {len(sizes)} clusters, {noise} noise points")
        for label, size in sorted(sizes.items()):
            print(f"  cluster {label}: {size} sounds")
    return 0


def _resolve_query(lib: Library, query: str) -> tuple[int | None, Path]:
    """A library sound id (when the query names one) and the query's absolute path."""
    p = Path(query).expanduser()
    candidates = [p] if p.is_absolute() else [lib.root / p, Path.cwd() / p]
    for c in candidates:
        try:
            rel = c.resolve().relative_to(lib.root.resolve()).as_posix()
        except ValueError:
            continue
        row = lib.catalog.sound_by_relpath(rel)
        if row is not None:
            return row.id, c
    for c in candidates:
        if c.is_file():
            return None, c
    raise FileNotFoundError(f"no such sound: {query}")


def _neighbors(lib: Library, args: argparse.Namespace, query: str, k: int) -> list[tuple[int, float]]:
    _embed(lib, args)
    sid, path = _resolve_query(lib, query)
    if sid is not None:
        return [(sid, 0.0), *lib.neighbors(args.model, sid, k)]
    return lib.neighbors_of_vector(args.model, lib.embed_file(args.model, path), k)


def cmd_neighbors(args: argparse.Namespace) -> int:
    with _open(args) as lib:
        hits = _neighbors(lib, args, args.query, args.k)
        rows = {r.id: r for r in lib.sounds()}
        query_in_lib = hits and hits[0][1] == 0.0 and len(hits) == args.k + 1
        print(f"nearest to {args.query} ({args.model}, cosine distance):")
        for rank, (sid, dist) in enumerate(hits[1:] if query_in_lib else hits, start=1):
            print(f"{rank:3d}  {dist:.4f}  {rows[sid].relpath}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from core.cli.export import export

    with _open(args) as lib:
        out = export(lib, args)
        print(f"wrote {out}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    with _open(args) as lib:
        cat = lib.catalog
        print(f"library  {lib.root}")
        print(f"catalog  {cat.path}")
        print(f"sounds   {cat.count()} ok, {len(cat.failures())} failed")
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
        _print_failures(cat.failures())
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    from core.maps import numba_cache

    numba_cache.configure()  # before umap is imported: its compiled kernels persist between runs
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
