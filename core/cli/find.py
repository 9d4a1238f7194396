"""The finding commands: ``duplicates``, ``search`` and ``tags`` (suggested tags)."""

from __future__ import annotations

import argparse
from dataclasses import fields
from pathlib import Path

from core.cli.common import add_library_args, embed, open_library
from core.cli.progress import drive
from core.defaults import DEFAULT_NEIGHBORS_K


def add_find_parsers(sub: argparse._SubParsersAction) -> None:
    from core.finding.duplicates import DuplicateParams
    from core.finding.suggest_tags import PropagationParams

    p = sub.add_parser("duplicates", help="exact copies, the same audio in another format, near-identical sounds")
    add_library_args(p, model=False)
    p.add_argument("--csv", type=Path, default=None, help="write the groups as CSV (group,path,kind,distance_db)")
    _param_options(p, DuplicateParams)
    p.set_defaults(func=cmd_duplicates)

    p = sub.add_parser("search", help="sounds whose names or tags match the words (with synonyms), then sounds like them")
    add_library_args(p)
    p.add_argument("words", nargs="+", help="words to look for, e.g. kick")
    p.add_argument("-k", dest="k", type=int, default=DEFAULT_NEIGHBORS_K * 2, help="how many sounds to list")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("tags", help="suggest tags for untagged sounds from their tagged neighbours")
    add_library_args(p)
    p.add_argument("--csv", type=Path, default=None, help="write the suggestions as a sidecar CSV (path,tag,confidence,status)")
    _param_options(p, PropagationParams)
    p.set_defaults(func=cmd_tags)


def _param_options(p: argparse.ArgumentParser, cls: type) -> None:
    """One option per field of a parameter dataclass (its default and help from the field)."""
    for f in fields(cls):
        kind = float if isinstance(f.default, float) else int
        flag = f.name.replace("_", "-").removesuffix("-db")
        p.add_argument("--" + flag, dest=f.name, type=kind, default=f.default, metavar=flag.upper().replace("-", "_"),
                       help=f"{f.metadata.get('help', '')} (default: {f.default})".replace("%", "%%"))


def _params(cls: type, args: argparse.Namespace):
    return cls(**{f.name: getattr(args, f.name) for f in fields(cls)})


def cmd_duplicates(args: argparse.Namespace) -> int:
    from core.finding.duplicates import DuplicateParams, find_duplicates, write_duplicates_csv

    with open_library(args) as lib:
        drive(lib.scan(), quiet=args.quiet)
        report = drive(find_duplicates(lib.catalog, _params(DuplicateParams, args)), quiet=args.quiet)
        for g in report.groups:
            print(f"group {g.number} ({g.kind}):")
            for m in g.members:
                dist = "" if m.kind in ("reference", "exact") else f" {m.distance_db:.2f} dB"
                print(f"  {m.kind:10s} {m.relpath}{dist}")
        print(report.summary())
        for rel, err in report.failed:
            print(f"  could not read {rel}: {err}")
        if args.csv:
            print(f"wrote {write_duplicates_csv(report, lib.root, args.csv)}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    from core.finding.search import search_library

    with open_library(args) as lib:
        embed(lib, args)
        hits = search_library(lib, args.words, args.model, k=args.k)
        rows = {r.id: r for r in lib.sounds()}
        if not hits:
            print(f"nothing matches {' '.join(args.words)}")
        for rank, h in enumerate(hits, start=1):
            via = f"matches {', '.join(h.matched)}" if h.matched else f"sounds like them ({h.score:.3f})"
            print(f"{rank:3d}  {rows[h.sound_id].relpath}  {via}")
    return 0


def cmd_tags(args: argparse.Namespace) -> int:
    from core.catalog.suggestions import SuggestionStore
    from core.finding.suggest_tags import PropagationParams, suggest_tags, write_suggestions_csv

    with open_library(args) as lib:
        embed(lib, args)
        params = _params(PropagationParams, args)
        store = SuggestionStore(lib.catalog)
        job = suggest_tags(lib.sounds(), *lib.vectors(args.model), params, extra_tags=store.accepted_tags(),
                           exclude=store.rejected())
        store.replace_pending(drive(job, quiet=args.quiet), model=args.model)
        rows = {r.id: r for r in lib.sounds()}
        shown = store.suggestions()
        for s in shown:
            print(f"{s.confidence:.2f}  {s.status:8s} {s.tag:16s} {rows[s.sound_id].relpath}")
        print(f"{len(shown)} suggested tags for {len({s.sound_id for s in shown})} sounds ({args.model})")
        if args.csv:
            print(f"wrote {write_suggestions_csv(shown, rows, lib.root, args.csv)}")
    return 0
