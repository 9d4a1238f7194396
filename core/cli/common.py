"""What the CLI's commands share: library options, parameter options derived from
:mod:`core.maps.params`, and the steps each command runs first (embed, map, cluster)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import MISSING, fields
from pathlib import Path

from core.cli.progress import drive
from core.defaults import DEFAULT_CLUSTER_METHOD, DEFAULT_MODEL
from core.library import Library
from core.maps.params import (
    CLUSTER_METHODS,
    CLUSTER_PARAMS,
    PROJECTION_METHODS,
    ClusterParams,
    ProjectionParams,
    cluster_params,
    labelled_fields,
)


def add_library_args(p: argparse.ArgumentParser, model: bool = True) -> None:
    p.add_argument("dir", type=Path, help="the sound folder (library root)")
    p.add_argument("--catalog", type=Path, default=None, help="catalog file (default: per-user data dir)")
    p.add_argument("--device", default=None, help="torch device: cpu or cuda (default: cuda when available)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    if model:
        p.add_argument("--model", default=None,
                       help="encoder: pretrained+mfcc, pretrained, mfcc, or a trained or imported model's name "
                            f"(default: the model training made this library's default, else {DEFAULT_MODEL})")


def _option(p: argparse.ArgumentParser, f, dest: str | None = None) -> None:
    default = f.default if f.default is not MISSING else None
    kind = float if isinstance(default, float) else int
    p.add_argument("--" + f.name.replace("_", "-"), dest=dest or f.name, type=kind, default=None,
                   help=f"{f.metadata.get('help', '')} (default: {default})")


def add_projection_options(p: argparse.ArgumentParser) -> None:
    """``--method`` and one option per field of :class:`ProjectionParams` a person sets, plus ``--seed``."""
    d = ProjectionParams()
    p.add_argument("--method", dest="map_method", default=d.method, choices=PROJECTION_METHODS)
    for f in labelled_fields(ProjectionParams) + [f for f in fields(ProjectionParams) if f.name == "perplexity"]:
        _option(p, f)
    p.add_argument("--seed", type=int, default=None, help=f"random seed of the map (default: {d.seed})")


def add_cluster_options(p: argparse.ArgumentParser, flag: str = "--method") -> None:
    """The clustering method and one option per field of the methods' parameter classes."""
    p.add_argument(flag, dest="cluster_method", default=DEFAULT_CLUSTER_METHOD, choices=CLUSTER_METHODS,
                   help=f"clustering (default: {DEFAULT_CLUSTER_METHOD})")
    seen: set[str] = set()
    for cls in CLUSTER_PARAMS.values():
        for f in labelled_fields(cls):
            if f.name not in seen:
                seen.add(f.name)
                _option(p, f)
    p.add_argument("--space", default="embedding", choices=["embedding", "map"])


def projection_params(args: argparse.Namespace) -> ProjectionParams:
    return ProjectionParams(method=args.map_method).updated(vars(args) | {"method": args.map_method})


def cluster_params_of(args: argparse.Namespace) -> ClusterParams:
    return cluster_params(args.cluster_method, vars(args))


def open_library(args: argparse.Namespace) -> Library:
    """Open ``args.dir``; a missing ``--model`` becomes the library's default model."""
    lib = Library.open(args.dir, args.catalog, device=args.device)
    if getattr(args, "model", "") is None:
        args.model = lib.default_model()
    return lib


def print_failures(failures: Sequence[tuple[str, str]], out=sys.stdout) -> None:
    if not failures:
        return
    print(f"\n{len(failures)} file(s) could not be read:", file=out)
    for rel, err in failures:
        print(f"  {rel}: {err}", file=out)


def embed(lib: Library, args: argparse.Namespace, batch_size: int = 16, keep_patches: bool = False):
    return drive(lib.embed(args.model, batch_size=batch_size, keep_patches=keep_patches), quiet=args.quiet)


def make_map(lib: Library, args: argparse.Namespace, recompute: bool = False):
    embed(lib, args)
    return drive(lib.map(args.model, projection_params(args), recompute=recompute), quiet=args.quiet)


def make_clusters(lib: Library, args: argparse.Namespace):
    embed(lib, args)
    params = cluster_params_of(args)
    return drive(lib.cluster(args.model, args.cluster_method, params, space=args.space), quiet=args.quiet), params


def resolve_query(lib: Library, query: str) -> tuple[int | None, Path]:
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


def find_neighbors(lib: Library, args: argparse.Namespace, query: str, k: int) -> list[tuple[int, float]]:
    """The query itself (distance 0, when it is a library sound) followed by its ``k`` nearest sounds."""
    embed(lib, args)
    sid, path = resolve_query(lib, query)
    if sid is not None:
        return [(sid, 0.0), *lib.neighbors(args.model, sid, k)]
    return lib.neighbors_of_vector(args.model, lib.embed_file(args.model, path), k)
