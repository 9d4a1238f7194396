"""Quality grid of the training methods on the two public dev sets, run through the CLI.

    .venv/bin/python benchmarks/dev_sets.py                      # once: render the fluid set
    .venv/bin/python benchmarks/run_quality.py [--sets sonic-pi,fluid] [--settings 1,2]
                                               [--only triplet-joint,coala] [--fresh] [--dry-run]

Every number comes from the ``sound-explorer`` command line: ``sound-explorer train`` for each grid
entry, then ``sound-explorer evaluate --json`` for QbE mAP (cosine; relevant = same label; for
``fluid`` candidates of the same GM program are excluded with ``--groups``). The exact commands are
stored with each result in ``benchmarks/out/quality.json`` and printed (``--dry-run`` only prints
them). Two settings:

1. trained on the whole collection (filename + folder tags may reveal the labels), scored on all sounds;
2. trained on a random half of the label classes (``train --train-on``), scored only on the other
   half (``evaluate --labels`` lists only those sounds): the model never saw them nor their tags.

Results are written as each run finishes (a rerun skips what is there unless ``--fresh``). Per-user
state (catalogs, caches, models) lives under ``benchmarks/data/home``; CLI logs under
``benchmarks/out/logs``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
HOME = HERE / "data" / "home"
os.environ["SOUND_EXPLORER_HOME"] = str(HOME)

import dev_kits  # noqa: E402
import dev_sets  # noqa: E402

NOTES = 4  # notes per GM program in the fluid set (512 sounds; the 2026 grid used 7 = 896 sounds)

OUT = HERE / "out" / "quality.json"
LOGS = HERE / "out" / "logs"
# ``python -m core.cli`` from the repository root: the code of this checkout (the console script of
# a shared virtual environment may point at another checkout)
CLI = [sys.executable, "-m", "core.cli"]
SELF = "noise,shift,mix,proximity"
SHORT = ["--epochs", "6"]  # the single-sampler ablations (the main entries use the default, 10)

# grid entry → ``sound-explorer train`` flags (besides DIR, --name and --seed)
GRID: dict[str, list[str]] = {
    "triplet-joint+tags": [],  # the defaults: samplers noise,shift,mix,proximity,tags:2; keep distill
    "triplet-joint": ["--samplers", SELF],
    "coala": ["--method", "coala", "--keep", "both", "--epochs", "5"],
    "ec": ["--method", "ec"],
    "triplet-noise": ["--samplers", "noise", *SHORT],
    "triplet-shift": ["--samplers", "shift", *SHORT],
    "triplet-mix": ["--samplers", "mix", *SHORT],
    "triplet-proximity": ["--samplers", "proximity", *SHORT],
    "triplet-tags": ["--samplers", "tags", *SHORT],
    "triplet-ranked": ["--samplers", "ranked", *SHORT],
    "triplet-joint+ranked": ["--samplers", SELF + ",ranked"],
    "triplet-joint+tags-none": ["--keep", "none"],
    "triplet-joint+tags-recon": ["--keep", "recon"],
    "triplet-joint+tags-both": ["--keep", "both"],
    "triplet-joint-none": ["--samplers", SELF, "--keep", "none"],
    "coala-none": ["--method", "coala", "--keep", "none", "--epochs", "5"],
    "ec-none": ["--method", "ec", "--keep", "none"],
}
SETTING2 = ["triplet-joint", "triplet-joint+tags", "triplet-tags", "coala", "ec"]
BASE = ["mfcc", "pretrained", "pretrained+mfcc"]  # the encoders that need no training


def dataset(name: str) -> tuple[Path, Path, Path | None]:
    """(library root, labels CSV, groups CSV | None)."""
    if name == "sonic-pi":
        dev_sets.build_sonic_pi()
        return dev_sets.SONIC_PI, dev_sets.DATA / "sonic-pi.labels.csv", None
    if name == "fluid":
        if not (dev_sets.DATA / "fluid.labels.csv").exists():
            dev_sets.build_fluid(NOTES)
        return dev_sets.FLUID, dev_sets.DATA / "fluid.labels.csv", dev_sets.DATA / "fluid.groups.csv"
    if name == "kits":
        if not (dev_sets.DATA / "kits.labels.csv").exists():
            dev_kits.build_kits()
        return dev_kits.KITS_DIR, dev_sets.DATA / "kits.labels.csv", dev_sets.DATA / "kits.groups.csv"
    raise SystemExit(f"unknown dev set {name}")


def half_split(labels: dict[str, str], seed: int = 0) -> tuple[set[str], set[str]]:
    classes = sorted(set(labels.values()))
    rng = np.random.default_rng(seed)
    train = set(rng.choice(classes, size=len(classes) // 2, replace=False).tolist())
    return train, set(classes) - train


def split_files(name: str, labels: dict[str, str], seed: int) -> tuple[Path, Path, list[str]]:
    """Setting 2: (paths of the training half for ``--train-on``, labels CSV of the other half, train
    classes). For ``kits`` the halves are kits (train on half the kits, score on the unseen kits,
    all instrument classes); otherwise halves of the label classes."""
    if name == "kits":
        kits = {r: dev_kits.kit_of(r) for r in labels}
        train_kits, _ = half_split(kits, seed)
        keep = {r for r, k in kits.items() if k in train_kits}
        folder = dev_sets.DATA / "split"
        folder.mkdir(parents=True, exist_ok=True)
        train_list, test_labels = folder / f"{name}-train.txt", folder / f"{name}-test.labels.csv"
        train_list.write_text("".join(f"{r}\n" for r in sorted(keep)))
        test_labels.write_text("".join(f"{r},{lab}\n" for r, lab in sorted(labels.items()) if r not in keep))
        return train_list, test_labels, sorted(train_kits)
    train, _test = half_split(labels, seed)
    folder = dev_sets.DATA / "split"
    folder.mkdir(parents=True, exist_ok=True)
    train_list, test_labels = folder / f"{name}-train.txt", folder / f"{name}-test.labels.csv"
    train_list.write_text("".join(f"{r}\n" for r, lab in sorted(labels.items()) if lab in train))
    test_labels.write_text("".join(f"{r},{lab}\n" for r, lab in sorted(labels.items()) if lab not in train))
    return train_list, test_labels, sorted(train)


def shown(argv: list[str]) -> str:
    """The command as a user types it (repository-relative paths)."""
    def rel(a: str) -> str:
        try:
            return str(Path(a).relative_to(ROOT))
        except ValueError:
            return a
    return "sound-explorer " + " ".join(shlex.quote(rel(a)) for a in argv)


class CommandFailed(Exception):
    """A ``sound-explorer`` command exited non-zero; the message is its last output line."""


def cli(argv: list[str], log: str, dry: bool) -> float:
    """Run ``sound-explorer ARGV`` (output to ``benchmarks/out/logs/LOG.log``); return its wall time."""
    print(f"$ {shown(argv)}", flush=True)
    if dry:
        return 0.0
    LOGS.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    path = LOGS / f"{log}.log"
    with path.open("w") as fh:
        code = subprocess.call([*CLI, *argv], stdout=fh, stderr=subprocess.STDOUT, cwd=ROOT)
    if code != 0:
        lines = path.read_text().strip().splitlines()
        raise CommandFailed(lines[-1] if lines else f"exit {code}")
    return time.perf_counter() - t


def evaluate(root: Path, labels: Path, groups: Path | None, models: list[str], log: str,
             dry: bool) -> tuple[dict[str, float], str]:
    js = LOGS / f"{log}.json"
    argv = ["evaluate", str(root), "-q", "--models", ",".join(models), "--labels", str(labels)]
    argv += ["--groups", str(groups)] if groups else []
    argv += ["--json", str(js)]
    cli(argv, log, dry)
    if dry:
        return {}, shown(argv)
    return {r["model"]: r["qbe_map"] for r in json.loads(js.read_text())["rows"]}, shown(argv)


def trained_info(root: Path, name: str) -> dict:
    """What ``sound-explorer train`` stored for the model in the library's catalog."""
    from core.library import Library

    with Library.open(root) as lib:
        row = lib.catalog.model(name)
    m = row["metrics"]
    return {"train_s": m.get("seconds"), "patches_per_s": m.get("patches_per_s"), "epochs": len(row["history"]),
            "samplers": m.get("samplers"), "verdict": m.get("verdict")}


def reset_default(root: Path) -> None:
    """Every grid run starts from a library whose map is the product default: an earlier run's
    promoted model must not become the bar (the verdict must also beat the library's default)."""
    from core.library import Library

    with Library.open(root) as lib:
        lib.catalog.set_default_model(None)


def load_results() -> dict:
    return json.loads(OUT.read_text()) if OUT.exists() else {}


def save_result(key: str, value: dict) -> None:
    res = load_results()
    res[key] = value
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text(json.dumps(res, indent=1, sort_keys=True))
    os.replace(tmp, OUT)


def run_set(name: str, settings: list[int], models: list[str], seed: int, fresh: bool, dry: bool) -> None:
    root, labels_csv, groups_csv = dataset(name)
    done = {} if fresh or dry else load_results()
    base = list(BASE)
    for m in base:
        cli(["embed", str(root), "-q", "--model", m], f"{name}-embed-{m}", dry)
    plans: list[tuple[int, Path, list[str]]] = []
    if 1 in settings:
        plans.append((1, labels_csv, []))
    if 2 in settings:
        train_list, test_labels, train_classes = split_files(name, dev_sets.read_csv(labels_csv), seed)
        plans.append((2, test_labels, ["--train-on", str(train_list)]))
    for setting, labels, extra in plans:
        scores, cmd = evaluate(root, labels, groups_csv, base, f"{name}-{setting}-baselines", dry)
        for m in base:
            if not dry:
                save_result(f"{name}|{setting}|{m}", {"map": scores[m], "command": cmd})
        for model in models if setting == 1 else [m for m in models if m in SETTING2]:
            key = f"{name}|{setting}|{model}"
            if key in done:
                continue
            trained = f"s{setting}-{model}"
            if not dry:
                reset_default(root)
            argv = ["train", str(root), "-q", "--name", trained, "--seed", str(seed), *GRID[model], *extra]
            train_cmd = shown(argv)
            try:
                wall = cli(argv, f"{name}-{setting}-{model}", dry)
            except CommandFailed as exc:  # e.g. a sampler that cannot run on this set: say so in the table
                print(f"[{name} {setting}] {model}: {exc}", flush=True)
                save_result(key, {"map": None, "error": str(exc), "command": train_cmd})
                continue
            scores, eval_cmd = evaluate(root, labels, groups_csv, [trained], f"{name}-{setting}-{model}-eval", dry)
            if dry:
                continue
            save_result(key, {"map": scores[trained], "wall_s": wall, "command": train_cmd, "evaluate": eval_cmd,
                              **trained_info(root, trained)})
            print(f"[{name} {setting}] {model}: mAP {scores[trained]:.3f} ({wall:.0f} s)", flush=True)


def tables(sets: list[str]) -> str:
    res = load_results()
    lines = []
    for setting, title in ((1, "trained on the whole collection"), (2, "trained on half the classes (kits: half the kits), scored on the other half")):
        names = BASE + list(GRID)
        rows = [n for n in names if any(f"{s}|{setting}|{n}" in res for s in sets)]
        if not rows:
            continue
        lines.append(f"\nSetting {setting}: {title} — QbE mAP")
        lines.append("| model | " + " | ".join(sets) + " |")
        lines.append("|---|" + "---|" * len(sets))
        for n in rows:
            cells = []
            for s in sets:
                r = res.get(f"{s}|{setting}|{n}")
                if r is None:
                    cells.append("–")
                    continue
                if r.get("map") is None:
                    cells.append("n/a")
                    continue
                cell = f"{r['map']:.3f}"
                if n not in BASE:
                    ref_m, ref_p = res.get(f"{s}|{setting}|mfcc"), res.get(f"{s}|{setting}|pretrained")
                    cell += f" ({r['map'] - ref_m['map']:+.3f} / {r['map'] - ref_p['map']:+.3f})" if ref_m and ref_p else ""
                cells.append(cell)
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
        lines.append("(in brackets: Δ vs mfcc / Δ vs pretrained)")
    lines.append(agreement(sets))
    return "\n".join(lines)


def agreement(sets: list[str]) -> str:
    """How often the verdict's promote-or-keep decision matches the true-label comparison with the
    verdict's bar (``pretrained``, and ``pretrained+mfcc`` when the verdict also had to beat the
    default), and the promoted models that are worse by true labels."""
    res = load_results()
    rows, agree, bad = [], 0, []
    for key, r in sorted(res.items()):
        s, setting, model = key.split("|")
        v = r.get("verdict")
        ref = res.get(f"{s}|{setting}|pretrained")
        if s not in sets or model in BASE or r.get("map") is None or not v or not ref:
            continue
        # the bar the verdict set: pretrained, and the default pretrained+mfcc when the verdict had to
        # beat it too (its score is then in the verdict's table)
        bar = max([ref["map"]] + [res[f"{s}|{setting}|{b}"]["map"] for b in BASE[2:]
                                  if b in (v.get("scores") or {}) and f"{s}|{setting}|{b}" in res])
        delta = r["map"] - bar
        wins = bool(v.get("wins"))
        ok = wins == (delta > 0)
        agree += ok
        if wins and delta < -0.02:
            bad.append(key)
        ci = v.get("ci") or [None, None]
        ci_text = f"{ci[0]:+.3f} … {ci[1]:+.3f}" if ci[0] is not None else "–"
        bar_name = "pretrained" + ("+mfcc" if bar > ref["map"] else "")
        rows.append(f"| {s} | {setting} | {model} | {delta:+.3f} ({bar_name}) | {v.get('delta') or float('nan'):+.3f} "
                    f"[{ci_text}] ({v.get('folders') or 0} folders, {v.get('held_out')} queries) | "
                    f"{'promoted' if wins else 'kept'} | {'yes' if ok else 'NO'} |")
    head = ["", f"Verdict vs true labels: {agree} of {len(rows)} agree; promoted while worse by > 0.02: "
            f"{', '.join(bad) or 'none'}",
            "| set | setting | model | Δ mAP vs the bar (true labels) | verdict Δ vs pretrained [90% interval; its lower end is the one-sided 95% bound] | decision | agrees |",
            "|---|---|---|---|---|---|---|"]
    return "\n".join(head + rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="sonic-pi,fluid")
    ap.add_argument("--settings", default="1,2")
    ap.add_argument("--only", default=None, help="comma-separated grid entries (default: all)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fresh", action="store_true", help="recompute entries already in quality.json")
    ap.add_argument("--tables", action="store_true", help="only print the tables of quality.json")
    ap.add_argument("--dry-run", action="store_true", help="only print the commands")
    args = ap.parse_args(argv)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    if not args.tables:
        models = [m.strip() for m in args.only.split(",")] if args.only else list(GRID)
        unknown = set(models) - set(GRID)
        if unknown:
            raise SystemExit(f"unknown grid entries {sorted(unknown)}; choose from {', '.join(GRID)}")
        for s in sets:
            run_set(s, [int(x) for x in args.settings.split(",")], models, args.seed, args.fresh, args.dry_run)
    print(tables(sets))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
