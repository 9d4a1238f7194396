"""``sound-explorer explain DIR --models A,B --labels L``: what each model's space captures and how
faithful its map is: the CCA table against acoustic descriptors, the MLP probe, trustworthiness,
continuity and neighbourhood preservation (:mod:`core.evaluation.probes`, :mod:`core.maps.faithfulness`)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from core.cli.common import add_library_args, add_projection_options, open_library, projection_params
from core.cli.progress import drive


def add_explain_parser(subparsers) -> None:
    p = subparsers.add_parser("explain", help="CCA against acoustic descriptors, MLP probe and map faithfulness")
    add_library_args(p, model=False)
    p.add_argument("--models", default="mfcc", help="comma-separated models (default: mfcc)")
    p.add_argument("--labels", default="folder", help="probe labels: folder, top, prefix or a CSV (path,label)")
    p.add_argument("--groups", default=None, help="keep these together in the folds: folder, top, prefix or a CSV")
    p.add_argument("--repeats", type=int, default=10, help="probe repeats (default: 10)")
    p.add_argument("--folds", type=int, default=5, help="cross-validation folds (default: 5)")
    p.add_argument("--no-probe", action="store_true", help="skip the MLP probe")
    p.add_argument("--no-map", action="store_true", help="skip map faithfulness (no map is computed)")
    add_projection_options(p)
    p.add_argument("--json", type=Path, default=None, help="also write the results as JSON")
    p.set_defaults(func=cmd_explain)


def explain_model(lib, model: str, args: argparse.Namespace) -> dict[str, Any]:
    from core.audio import descriptors as D
    from core.evaluation.library import labels_for
    from core.evaluation.probes import cca_table, mlp_probe_job
    from core.maps.faithfulness import faithfulness_job

    drive(lib.embed(model), quiet=args.quiet)
    ids, vectors = lib.vectors(model)
    rel = {r.id: r.relpath for r in lib.sounds()}
    d_ids, desc = drive(D.library_descriptors(lib, ids), quiet=args.quiet)
    rows = np.searchsorted(ids, d_ids)
    x = vectors[rows]
    relpaths = [rel[int(i)] for i in d_ids]
    groups = labels_for(relpaths, args.groups) if args.groups else None
    out: dict[str, Any] = {"model": model, "n": len(d_ids)}
    out["cca"] = [asdict(r) for r in cca_table(x, desc, D.groups(), groups, folds=args.folds)]
    if not args.no_probe:
        labels = labels_for(relpaths, args.labels)
        keep = [i for i, la in enumerate(labels) if la is not None]
        probe = drive(mlp_probe_job(x[keep], [labels[i] for i in keep],
                                    [groups[i] for i in keep] if groups else None,
                                    repeats=args.repeats, folds=args.folds), quiet=args.quiet)
        out["probe"] = {"mean": probe.mean, "std": probe.std, "repeats": probe.repeats, "folds": probe.folds,
                        "classes": probe.classes, "chance": probe.chance, "summary": probe.summary()}
    if not args.no_map:
        mapped = drive(lib.map(model, projection_params(args)), quiet=args.quiet)
        f = drive(faithfulness_job(vectors, mapped.xy), quiet=args.quiet)
        out["map"] = {"k": f.k, "trustworthiness": f.trustworthiness, "continuity": f.continuity,
                      "mean_preservation": f.mean_preservation, "legend": f.legend()}
    return out


def cmd_explain(args: argparse.Namespace) -> int:
    from core.evaluation.probes import CcaRow, format_cca_table

    models = [m.strip() for m in args.models.split(",") if m.strip()]
    with open_library(args) as lib:
        results = [explain_model(lib, m, args) for m in models]
    print("canonical correlations with acoustic descriptors (held-out folds):")
    print(format_cca_table({r["model"]: [CcaRow(**c) for c in r["cca"]] for r in results}))
    for r in results:
        if "probe" in r:
            print(f"MLP probe {r['model']}: {r['probe']['summary']}")
    for r in results:
        if "map" in r:
            print(f"map {r['model']}: {r['map']['legend']}")
    if args.json is not None:
        tmp = args.json.with_name(args.json.name + ".tmp")
        tmp.write_text(json.dumps({"labels": args.labels, "groups": args.groups, "models": results}, indent=1))
        tmp.replace(args.json)
    return 0
