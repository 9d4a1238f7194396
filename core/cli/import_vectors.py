"""``sound-explorer import DIR FILE --name NAME``: vectors computed elsewhere as a model of the library
(:mod:`core.encoders.imported`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.cli.common import add_library_args, open_library
from core.cli.progress import drive

#: how many unmatched / non-finite paths are listed before "…"
SHOWN = 10


def add_import_parser(subparsers) -> None:
    p = subparsers.add_parser("import", help="bring your own embeddings: vectors keyed by path (npz, parquet, csv)")
    add_library_args(p, model=False)
    p.add_argument("file", type=Path, help="npz (paths + vectors), Parquet or CSV keyed by path")
    p.add_argument("--name", required=True, help="the model name the vectors are stored under")
    p.set_defaults(func=cmd_import)


def _listing(title: str, paths: list[str]) -> list[str]:
    if not paths:
        return []
    lines = [f"{len(paths)} {title}:"] + [f"  {p}" for p in paths[:SHOWN]]
    if len(paths) > SHOWN:
        lines.append(f"  … and {len(paths) - SHOWN} more")
    return lines


def cmd_import(args: argparse.Namespace) -> int:
    from core.encoders.imported import import_vectors

    with open_library(args) as lib:
        drive(lib.scan(), quiet=args.quiet)
        report = drive(import_vectors(lib, args.file, args.name), quiet=args.quiet)
    print(report.summary())
    for line in (_listing("paths did not match a sound of the library", report.unmatched)
                 + _listing("rows had non-finite or all-zero vectors (not stored)", report.non_finite)
                 + _listing("duplicate rows (the first was kept)", report.duplicates)):
        print(line)
    print(f"use it like any model: sound-explorer map {args.dir} --model {args.name}")
    return 0
