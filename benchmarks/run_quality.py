"""Quality grid of the training methods on the two public dev sets (see ``benchmarks/dev_sets.py``).

    .venv/bin/python benchmarks/dev_sets.py                      # once: render the fluid set
    .venv/bin/python benchmarks/run_quality.py [--sets sonic-pi,fluid] [--settings 1,2] [--epochs 8]
                                               [--only triplet-joint,coala] [--fresh]

QbE mAP (cosine; relevant = same label; for ``fluid`` candidates of the same GM program are excluded)
for ``mfcc``, ``pretrained`` and models trained with each sampling strategy alone, the joint
self-supervised set, the joint set with tags, COALA and E-C, in two settings:

1. trained on the whole collection (filename + folder tags may reveal the labels), scored on all sounds;
2. trained on a random half of the label classes, scored only on the other half (honest generalisation).

Results are appended to ``benchmarks/out/quality.json`` as each run finishes (a rerun skips what is
there unless ``--fresh``); the tables are printed at the end. Per-user state (catalogs, caches,
models) lives under ``benchmarks/data/home``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ.setdefault("SOUND_EXPLORER_HOME", str(HERE / "data" / "home"))

import dev_sets  # noqa: E402

from core.evaluation import qbe_map  # noqa: E402
from core.library import Library  # noqa: E402
from core.progress import run_job  # noqa: E402
from core.training.config import TrainConfig  # noqa: E402
from core.training.loop import train_job  # noqa: E402

OUT = HERE / "out" / "quality.json"
SELF = {"noise": 1.0, "shift": 1.0, "mix": 1.0, "proximity": 1.0}

# name → TrainConfig overrides (epochs/seed are added by the runner)
SHORT = 6  # epochs for the single-sampler ablations (the main entries use the default)
GRID: dict[str, dict] = {
    "triplet-joint+tags": {},  # the default settings: noise, shift, mix, proximity, tags:2; keep=distill
    "triplet-joint": {"samplers": SELF},
    "coala": {"method": "coala", "keep": "both", "epochs": 5},
    "ec": {"method": "ec", "keep": "distill"},
    "triplet-noise": {"samplers": {"noise": 1.0}, "epochs": SHORT},
    "triplet-shift": {"samplers": {"shift": 1.0}, "epochs": SHORT},
    "triplet-mix": {"samplers": {"mix": 1.0}, "epochs": SHORT},
    "triplet-proximity": {"samplers": {"proximity": 1.0}, "epochs": SHORT},
    "triplet-tags": {"samplers": {"tags": 1.0}, "epochs": SHORT},
    "triplet-ranked": {"samplers": {"ranked": 1.0}, "epochs": SHORT},
    "triplet-joint+tags-none": {"keep": "none"},
    "triplet-joint+tags-recon": {"keep": "recon", "recon_weight": 0.05},
    "triplet-joint+tags-both": {"keep": "both", "recon_weight": 0.05},
    "triplet-joint-none": {"samplers": SELF, "keep": "none"},
    "coala-none": {"method": "coala", "keep": "none", "epochs": 5},
    "ec-none": {"method": "ec", "keep": "none"},
}
SETTING2 = ["triplet-joint", "triplet-joint+tags", "coala", "ec"]


def dataset(name: str) -> tuple[Path, dict[str, str], dict[str, str] | None]:
    """(root, {relpath: label}, {relpath: group} | None)."""
    if name == "sonic-pi":
        dev_sets.build_sonic_pi()
        return dev_sets.SONIC_PI, dev_sets.read_csv(dev_sets.DATA / "sonic-pi.labels.csv"), None
    if name == "fluid":
        if not (dev_sets.DATA / "fluid.labels.csv").exists():
            dev_sets.build_fluid()
        return (dev_sets.FLUID, dev_sets.read_csv(dev_sets.DATA / "fluid.labels.csv"),
                dev_sets.read_csv(dev_sets.DATA / "fluid.groups.csv"))
    raise SystemExit(f"unknown dev set {name}")


def half_split(labels: dict[str, str], seed: int = 0) -> tuple[set[str], set[str]]:
    classes = sorted(set(labels.values()))
    rng = np.random.default_rng(seed)
    train = set(rng.choice(classes, size=len(classes) // 2, replace=False).tolist())
    return train, set(classes) - train


def make_split_root(name: str, root: Path, labels: dict[str, str], classes: set[str]) -> Path:
    """A folder of symlinks to the sounds of ``classes`` (same relative paths, so same folder tags)."""
    out = dev_sets.DATA / "split" / f"{name}-train"
    for rel, lab in labels.items():
        link = out / rel
        if lab in classes and not link.exists():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(root / rel)
    return out


def copy_vectors(src: Library, dst: Library, models: list[str]) -> None:
    """Reuse the full library's builtin vectors in a sub-library (same files → same content hash)."""
    by_hash = {r.hash: r.id for r in src.sounds()}
    rows = dst.sounds()
    for m in models:
        ids, vecs = src.vectors(m)
        pos = {int(i): k for k, i in enumerate(ids)}
        items = [(r.id, vecs[pos[by_hash[r.hash]]], None) for r in rows if by_hash.get(r.hash) in pos]
        dst.catalog.put_embeddings(m, dst.model_version(m), items)


def scores(vectors: np.ndarray, rels: list[str], labels: dict[str, str], groups: dict[str, str] | None) -> float:
    lab = [labels[r] for r in rels]
    grp = [groups[r] for r in rels] if groups else None
    return qbe_map(vectors, lab, grp)


def encode_files(encoder, root: Path, rels: list[str]) -> np.ndarray:
    from core import audio
    from core.encoders.base import pool

    out = []
    for rel in rels:
        wave, _ = audio.load(root / rel, encoder.sample_rate, max_seconds=600)
        out.append(pool(encoder.encode([wave])[0]).numpy())
    return np.stack(out)


def load_results() -> dict:
    return json.loads(OUT.read_text()) if OUT.exists() else {}


def save_result(key: str, value: dict) -> None:
    res = load_results()
    res[key] = value
    OUT.parent.mkdir(parents=True, exist_ok=True)
    tmp = OUT.with_suffix(".tmp")
    tmp.write_text(json.dumps(res, indent=1, sort_keys=True))
    os.replace(tmp, OUT)


def train(lib: Library, model: str, overrides: dict, epochs: int, seed: int):
    cfg = TrainConfig(name=model, **{"epochs": epochs, "seed": seed, **overrides})
    t = time.perf_counter()
    result = run_job(train_job(lib, cfg))
    return result, time.perf_counter() - t


def run_set(name: str, settings: list[int], models: list[str], epochs: int, seed: int, fresh: bool) -> None:
    root, labels, groups = dataset(name)
    done = {} if fresh else load_results()
    lib = Library.open(root)
    for m in ("mfcc", "pretrained"):
        run_job(lib.embed(m))
    ids, _ = lib.vectors("mfcc")
    rel_of = {r.id: r.relpath for r in lib.sounds()}
    if 1 in settings:
        for m in ("mfcc", "pretrained"):
            ids, vecs = lib.vectors(m)
            rels = [rel_of[int(i)] for i in ids]
            save_result(f"{name}|1|{m}", {"map": scores(vecs, rels, labels, groups), "n": len(rels)})
        for model in models:
            key = f"{name}|1|{model}"
            if key in done:
                continue
            result, wall = train(lib, f"s1-{model}", GRID[model], epochs, seed)
            ids, vecs = lib.vectors(result.name)
            rels = [rel_of[int(i)] for i in ids]
            v = result.verdict
            save_result(key, {"map": scores(vecs, rels, labels, groups), "n": len(rels), "wall_s": wall,
                              "train_s": result.seconds, "patches_per_s": result.patches_per_s,
                              "epochs": result.epochs_run, "samplers": result.samplers,
                              "verdict": v.as_dict() if v else None})
            print(f"[{name} 1] {model}: mAP {load_results()[key]['map']:.3f} ({wall:.0f} s)", flush=True)
    if 2 in settings:
        train_classes, test_classes = half_split(labels, seed)
        split_root = make_split_root(name, root, labels, train_classes)
        sub = Library.open(split_root)
        run_job(sub.scan())
        copy_vectors(lib, sub, ["mfcc", "pretrained"])
        test_ids = [i for i in ids if labels[rel_of[int(i)]] in test_classes]
        test_rels = [rel_of[int(i)] for i in test_ids]
        for m in ("mfcc", "pretrained"):
            mids, vecs = lib.vectors(m)
            pos = {int(i): k for k, i in enumerate(mids)}
            save_result(f"{name}|2|{m}", {"map": scores(vecs[[pos[int(i)] for i in test_ids]], test_rels, labels, groups),
                                          "n": len(test_rels), "train_classes": sorted(train_classes)})
        for model in [m for m in models if m in SETTING2]:
            key = f"{name}|2|{model}"
            if key in done:
                continue
            result, wall = train(sub, f"s2-{model}", GRID[model], epochs, seed)
            enc = sub.encoder(result.name)
            vecs = encode_files(enc, root, test_rels)
            save_result(key, {"map": scores(vecs, test_rels, labels, groups), "n": len(test_rels), "wall_s": wall,
                              "train_s": result.seconds, "patches_per_s": result.patches_per_s,
                              "epochs": result.epochs_run})
            print(f"[{name} 2] {model}: mAP {load_results()[key]['map']:.3f} ({wall:.0f} s)", flush=True)
        sub.close()
    lib.close()


def tables(sets: list[str]) -> str:
    res = load_results()
    lines = []
    for setting, title in ((1, "trained on the whole collection"), (2, "trained on half the classes, scored on the other half")):
        names = ["mfcc", "pretrained"] + list(GRID)
        rows = [n for n in names if any(f"{s}|{setting}|{n}" in res for s in sets)]
        if not rows:
            continue
        lines.append(f"\nSetting {setting}: {title} — QbE mAP")
        lines.append(f"| model | " + " | ".join(sets) + " |")
        lines.append("|---|" + "---|" * len(sets))
        for n in rows:
            cells = []
            for s in sets:
                r = res.get(f"{s}|{setting}|{n}")
                if r is None:
                    cells.append("–")
                    continue
                cell = f"{r['map']:.3f}"
                if n not in ("mfcc", "pretrained"):
                    ref_m, ref_p = res.get(f"{s}|{setting}|mfcc"), res.get(f"{s}|{setting}|pretrained")
                    cell += f" ({r['map'] - ref_m['map']:+.3f} / {r['map'] - ref_p['map']:+.3f})" if ref_m and ref_p else ""
                cells.append(cell)
            lines.append(f"| {n} | " + " | ".join(cells) + " |")
        lines.append("(in brackets: Δ vs mfcc / Δ vs pretrained)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="sonic-pi,fluid")
    ap.add_argument("--settings", default="1,2")
    ap.add_argument("--only", default=None, help="comma-separated grid entries (default: all)")
    ap.add_argument("--epochs", type=int, default=TrainConfig().epochs)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--fresh", action="store_true", help="recompute entries already in quality.json")
    ap.add_argument("--tables", action="store_true", help="only print the tables of quality.json")
    args = ap.parse_args(argv)
    sets = [s.strip() for s in args.sets.split(",") if s.strip()]
    if not args.tables:
        models = [m.strip() for m in args.only.split(",")] if args.only else list(GRID)
        unknown = set(models) - set(GRID)
        if unknown:
            raise SystemExit(f"unknown grid entries {sorted(unknown)}; choose from {', '.join(GRID)}")
        for s in sets:
            run_set(s, [int(x) for x in args.settings.split(",")], models, args.epochs, args.seed, args.fresh)
    print(tables(sets))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
