"""``sound-explorer train`` and ``sound-explorer evaluate``: subcommand builders for :mod:`core.cli.main`.

``add_train_parser(subparsers)`` / ``add_evaluate_parser(subparsers)`` add the commands; each sets
``func`` to a handler ``(args) -> int`` that opens the library, shows progress with tqdm on stderr
and prints a result table on stdout.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from core.cli.progress import drive
from core.jobs import Progress


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", type=Path, help="the sound folder (library root)")
    p.add_argument("--catalog", type=Path, default=None, help="catalog file (default: per-user data dir)")
    p.add_argument("--device", default=None, help="torch device: cpu or cuda (default: cuda when available)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def add_train_parser(subparsers) -> argparse.ArgumentParser:
    from core.training.config import SAMPLERS, TrainConfig

    d = TrainConfig()
    p = subparsers.add_parser(
        "train", help="learn an embedding from this collection (triplet loss, COALA or E-C)",
        description="Train an encoder on the library's own sounds (and tags), register it under its own "
                    "name, score it against its starting point on held-out sounds, and make it the "
                    "default only if it wins.")
    _common(p)
    p.add_argument("--method", choices=["triplet", "coala", "ec"], default=d.method)
    p.add_argument("--init", choices=["random", "pretrained"], default=d.init,
                   help="start from random weights (compact CNN / COALA encoder) or fine-tune the aiSFX CNN")
    p.add_argument("--samplers", default="noise,shift,mix,proximity,tags:2",
                   help=f"triplet samplers, comma-separated, optional :weight ({', '.join(SAMPLERS)}; 'all')")
    p.add_argument("--name", default="", help="model name (default: derived from method and samplers)")
    p.add_argument("--epochs", type=int, default=d.epochs)
    p.add_argument("--steps-per-epoch", type=int, default=d.steps_per_epoch, help="0: one anchor per training sound")
    p.add_argument("--batch-size", type=int, default=d.batch_size)
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--dim", type=int, default=d.dim, help="embedding dimension d")
    p.add_argument("--width", type=int, default=d.width, help="compact CNN width (random init)")
    p.add_argument("--freeze-blocks", type=int, default=d.freeze_blocks, help="pretrained init: frozen conv blocks")
    p.add_argument("--margin", type=float, default=d.margin)
    p.add_argument("--keep", choices=["none", "distill", "recon", "both"], default=d.keep,
                   help="keep the reference encoder's structure: distillation, reconstruction, both or none")
    p.add_argument("--distill-weight", type=float, default=d.distill_weight)
    p.add_argument("--recon-weight", type=float, default=d.recon_weight)
    p.add_argument("--reference", default=d.reference, help="reference encoder (auto: pretrained, else mfcc)")
    p.add_argument("--embed-from", choices=["head", "latent"], default=d.embed_from, help="coala/ec sound vector")
    p.add_argument("--max-tags", type=int, default=d.max_tags)
    p.add_argument("--exclude-tags", default="", help="comma-separated tags to ignore")
    p.add_argument("--min-consistency", type=float, default=d.min_consistency,
                   help="drop tags whose sounds are no more alike than random pairs (reference encoder)")
    p.add_argument("--patience", type=int, default=d.patience)
    p.add_argument("--verdict-confidence", type=float, default=d.verdict_confidence,
                   help="become the default only when the one-sided bootstrap lower bound of the mAP gain at this "
                        "confidence is above zero")
    p.add_argument("--hold-out", choices=["folders", "random"], default=d.hold_out,
                   help="verdict's held-out sounds: whole folders (when the library has them) or random sounds")
    p.add_argument("--content-tags", default="", help="comma-separated tags to use as content (flip provenance)")
    p.add_argument("--provenance-tags", default="", help="comma-separated tags to treat as provenance")
    p.add_argument("--provenance-relevance", action="store_true",
                   help="also train on provenance tags (kit, pack, velocity, mic words); off by default")
    p.add_argument("--no-cross-folder", dest="cross_folder", action="store_false",
                   help="tag triplets: do not prefer positives from other folders and negatives from the same one")
    p.add_argument("--max-minutes", type=float, default=None, help="stop training after this many minutes")
    p.add_argument("--seed", type=int, default=d.seed)
    p.add_argument("--threads", type=int, default=d.threads, help="torch CPU threads (0: default)")
    p.add_argument("--train-on", type=Path, default=None, metavar="FILE",
                   help="train only on the sounds listed (relative paths, one per line or a CSV's first "
                        "column); the others are embedded but never seen, nor their tags")
    p.add_argument("--resume", action="store_true", help="continue from the last saved epoch")
    p.set_defaults(func=cmd_train)
    return p


def add_evaluate_parser(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "evaluate", help="score every embedded model against labels (QbE mAP, P@10, kNN, NMI)",
        description="For every encoder with embeddings in the library: QbE mAP (cosine; candidates exclude "
                    "the query and its group; relevant = same label), precision@10, leave-one-out kNN "
                    "accuracy and the NMI of HDBSCAN / k-means / graph clusterings.")
    _common(p)
    p.add_argument("--labels", default="folder", help="folder | top | prefix | a CSV file (path,label)")
    p.add_argument("--groups", default=None, help="none | folder | top | prefix | a CSV file (path,group)")
    p.add_argument("--models", default=None, help="comma-separated models (default: all embedded)")
    p.add_argument("-k", type=int, default=10, help="precision@k")
    p.add_argument("--reference", default=None, help="add a Δ mAP column against this model")
    p.add_argument("--json", type=Path, default=None, metavar="FILE", help="also write the scores as JSON")
    p.set_defaults(func=cmd_evaluate)
    return p


def _loss_terms(p: Progress) -> dict[str, str] | None:
    """The training bar's postfix: the step's loss terms."""
    if p.stage == "train" and isinstance(p.partial, dict):
        return {k: f"{v:.3f}" for k, v in p.partial.items() if not k.startswith("val")}
    return None


def _words(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


def config_from_args(args: argparse.Namespace):
    from core.training.config import TrainConfig, parse_samplers
    from core.evaluation.library import read_path_list

    return TrainConfig(
        name=args.name, method=args.method, init=args.init, dim=args.dim, width=args.width,
        freeze_blocks=args.freeze_blocks, samplers=parse_samplers(args.samplers), margin=args.margin,
        keep=args.keep, distill_weight=args.distill_weight, recon_weight=args.recon_weight,
        reference=args.reference, embed_from=args.embed_from, max_tags=args.max_tags,
        exclude_tags=_words(args.exclude_tags),
        min_consistency=args.min_consistency, epochs=args.epochs, batch_size=args.batch_size,
        steps_per_epoch=args.steps_per_epoch, lr=args.lr, patience=args.patience, seed=args.seed,
        max_minutes=args.max_minutes, threads=args.threads, verdict_confidence=args.verdict_confidence,
        hold_out=args.hold_out, content_tags=_words(args.content_tags), provenance_tags=_words(args.provenance_tags),
        provenance_relevance=args.provenance_relevance, cross_folder=args.cross_folder,
        train_on=read_path_list(args.train_on) if args.train_on else None,
    )


def history_table(history: list[dict]) -> str:
    if not history:
        return "no epoch trained"
    terms = list(history[0]["train"])
    head = (f"{'epoch':>5}  " + "  ".join(f"{t:>9}" for t in terms)
            + f"  {'val loss':>9}  {'val mAP':>8}  {'s':>6}")
    lines = [head]
    for h in history:
        val = h.get("val") or {}
        vt = f"{val['total']:>9.4f}" if "total" in val else f"{'-':>9}"
        vm = f"{val['map']:>8.3f}" if "map" in val else f"{'-':>8}"
        lines.append(f"{h['epoch']:>5}  " + "  ".join(f"{h['train'].get(t, float('nan')):>9.4f}" for t in terms)
                     + f"  {vt}  {vm}  {h.get('seconds', 0):>6.1f}")
    return "\n".join(lines)


def cmd_train(args: argparse.Namespace) -> int:
    from core.library import Library
    from core.training.loop import train_job

    config = config_from_args(args)
    with Library.open(args.dir, args.catalog, device=args.device) as lib:
        result = drive(train_job(lib, config, resume=args.resume, device=args.device), quiet=args.quiet,
                       postfix=_loss_terms)
        if result.resumed_from:
            print(f"resumed from epoch {result.resumed_from}")
        if result.skipped_samplers:
            for name, why in result.skipped_samplers.items():
                print(f"sampler {name} skipped: {why}")
        print(history_table(result.history))
        print(result.summary())
        if result.verdict is not None:
            print(result.verdict.table())
        print(f"weights: {result.weights_path}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from core.library import Library
    from core.evaluation.library import evaluate_library, format_table

    models = [m.strip() for m in args.models.split(",")] if args.models else None
    with Library.open(args.dir, args.catalog, device=args.device) as lib:
        if models:
            for m in models:
                drive(lib.embed(m), quiet=args.quiet)
        rows = drive(evaluate_library(lib, args.labels, args.groups, models, args.k), quiet=args.quiet)
        print(f"labels: {args.labels}" + (f", groups: {args.groups}" if args.groups else ""))
        print(format_table(rows, args.reference))
    if args.json is not None:
        payload = {"labels": str(args.labels), "groups": str(args.groups) if args.groups else None, "rows": rows}
        tmp = args.json.with_name(args.json.name + ".tmp")
        tmp.write_text(json.dumps(payload, indent=1))
        tmp.replace(args.json)
    return 0
