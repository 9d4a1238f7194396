"""Library-adaptive normalisation and fusion of the untrained encoders, on the dev sets (issue 13, item 6).

For each dev set and both settings, QbE mAP against the true labels (as ``run_quality.py`` scores)
of: ``mfcc``; ``pretrained``; ``pretrained`` standardised per library (z-score every dimension over
the library's sounds, then L2-normalise); and that concatenated with standardised MFCC statistics at
weight w (each block L2-normalised first, then the MFCC block times w, then the whole vector
L2-normalised). The statistics use every sound of the library and no label (what the app could do).
Setting 2 scores only the held-out half that ``run_quality.py`` writes (these encoders are not
trained, so this only changes which sounds are scored).

    .venv/bin/python benchmarks/fusion.py [--sets kits,sonic-pi,fluid] [--weights 0.25,0.5,0.75,1]

Needs ``sound-explorer embed DIR --model mfcc|pretrained`` run on each set first (run_quality.py
does it), with ``SOUND_EXPLORER_HOME=benchmarks/data/home``. Writes ``benchmarks/out/fusion.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import run_quality as rq  # noqa: E402  (sets SOUND_EXPLORER_HOME)

from core.encoders.fusion import fuse, standardise  # noqa: E402
from core.evaluation.metrics import qbe_map  # noqa: E402
from core.library import Library  # noqa: E402


def scores(name: str, weights: list[float], seed: int = 0) -> dict[str, dict[str, float]]:
    root, labels_csv, groups_csv = rq.dataset(name)
    labels = rq.dev_sets.read_csv(labels_csv)
    groups = rq.dev_sets.read_csv(groups_csv) if groups_csv else None
    _train, test_csv, _ = rq.split_files(name, labels, seed)
    test = {r for r in (ln.split(",", 1)[0] for ln in test_csv.read_text().splitlines()) if r}
    with Library.open(root) as lib:
        by_id = {s.id: s.relpath for s in lib.sounds()}
        ids_m, mf = lib.vectors("mfcc")
        ids_p, pr = lib.vectors("pretrained")
    pos_m = {int(i): k for k, i in enumerate(ids_m)}
    pos_p = {int(i): k for k, i in enumerate(ids_p)}
    common = sorted(set(pos_m) & set(pos_p))
    mfv, prv = mf[[pos_m[i] for i in common]], pr[[pos_p[i] for i in common]]
    rel = [by_id[i] for i in common]
    variants = {"mfcc": mfv, "pretrained": prv, "pretrained-z": standardise(prv)}
    for w in weights:
        variants[f"pretrained-z+mfcc-z@{w:g}"] = fuse(prv, mfv, w)
    out: dict[str, dict[str, float]] = {}
    for setting, keep in ((1, [k for k, r in enumerate(rel) if r in labels]),
                          (2, [k for k, r in enumerate(rel) if r in test])):
        lab = [labels[rel[k]] for k in keep]
        grp = [groups[rel[k]] for k in keep] if groups else None
        out[str(setting)] = {v: qbe_map(x[keep], lab, grp) for v, x in variants.items()}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="kits,sonic-pi,fluid")
    ap.add_argument("--weights", default="0.25,0.5,0.75,1")
    args = ap.parse_args(argv)
    weights = [float(w) for w in args.weights.split(",")]
    res = {s: scores(s, weights) for s in args.sets.split(",")}
    out = HERE / "out" / "fusion.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(res, indent=1))
    for setting in ("1", "2"):
        print(f"\nSetting {setting}: QbE mAP (Δ vs pretrained)")
        sets = list(res)
        print("| encoder | " + " | ".join(sets) + " |")
        print("|---|" + "---|" * len(sets))
        for v in res[sets[0]][setting]:
            cells = []
            for s in sets:
                m, p = res[s][setting][v], res[s][setting]["pretrained"]
                cells.append(f"{m:.3f}" + ("" if v == "pretrained" else f" ({m - p:+.3f})"))
            print(f"| {v} | " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
