"""Re-judge the quality grid's trained models under other verdict rules, without retraining.

    .venv/bin/python benchmarks/rejudge.py [--sets kits,sonic-pi,fluid]

``benchmarks/run_quality.py`` trains every grid entry through the CLI; each run's verdict is made
with the rule of the code that trained it. This script reloads each trained model's held-out split
from its checkpoint (``checkpoint.pt``: the same split and vocabulary), rebuilds the verdict's
inputs (``core.training.loop.judged_sounds``) and calls ``core.training.verdict.judge`` under each
rule below, with the encoders of this checkout (so ``pretrained`` may be a newer version than the
one the grid was trained and judged with). It then compares each decision (promote or keep) with the true-label comparison
stored in ``benchmarks/out/quality.json``: the trained model's QbE mAP against the better of
``pretrained`` and ``pretrained+mfcc`` (the bar every run's verdict had to clear).

Rules:

- ``two-sided``: the 95 % two-sided interval must clear zero (the rule before this change);
- ``one-sided``: the one-sided 95 % lower bound must clear zero (the rule now);
- ``… + library``: each held-out query also ranks every other sound of the library with content
  tags (not only the other held-out sounds).

Writes ``benchmarks/out/rejudge.json`` and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))
os.environ.setdefault("SOUND_EXPLORER_HOME", str(HERE / "data" / "home"))

import run_quality  # noqa: E402

RULES: dict[str, tuple[float, bool]] = {  # name → (one-sided confidence, rank the whole library)
    "two-sided 95%": (0.975, False),
    "one-sided 95%": (0.95, False),
    "two-sided 95% + library": (0.975, True),
    "one-sided 95% + library": (0.95, True),
}


def rejudge(set_name: str, setting: str, model: str) -> dict[str, dict]:
    from core.defaults import DEFAULT_MODEL
    from core.jobs import run_job
    from core.library import Library
    from core.training import checkpoint as ckpt
    from core.training.config import TrainConfig
    from core.training.data import prepare
    from core.training.loop import judged_sounds
    from core.training.verdict import judge

    root, _, _ = run_quality.dataset(set_name)
    name = f"s{setting}-{model}"
    out: dict[str, dict] = {}
    with Library.open(root) as lib:
        row = lib.catalog.model(name)
        config = TrainConfig.from_dict(row["config"]["train"])
        saved = ckpt.load_checkpoint(ckpt.model_dir(lib.catalog.path, name))
        if saved is None:
            raise SystemExit(f"{set_name} {name}: no checkpoint to take the split from")
        data = run_job(prepare(lib, config, saved["split"], saved["tags"]))
        judged, label_sets = judged_sounds(lib, config, data)
        run_job(lib.embed(DEFAULT_MODEL))  # the bar every verdict must also clear (fitted with this encoder)
        everyone = dict(label_sets)
        for i in range(len(data.ids)):  # the training sounds' content tags, for the library pool
            everyone.setdefault(int(data.ids[i]), {data.vocab.tags[t] for t in data.vocab.sound_tags[i]})
        ids = np.array(sorted(everyone), dtype=np.int64)
        for rule, (confidence, library_pool) in RULES.items():
            v = judge(lib, name, data.reference, judged, everyone, confidence=confidence, folders=data.test_folders,
                      seed=config.seed, must_beat=(DEFAULT_MODEL,), candidates=ids if library_pool else None)
            out[rule] = {"wins": v.wins, "delta": v.delta, "ci": list(v.ci), "queries": v.held_out}
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sets", default="kits,sonic-pi,fluid")
    args = ap.parse_args(argv)
    sets = args.sets.split(",")
    res = run_quality.load_results()
    rows: dict[str, dict] = {}
    for key, r in sorted(res.items()):
        s, setting, model = key.split("|")
        if s not in sets or model in run_quality.BASE or r.get("map") is None:
            continue
        bar = max(res[f"{s}|{setting}|{b}"]["map"] for b in ("pretrained", "pretrained+mfcc"))
        rows[key] = {"true_delta": r["map"] - bar, "rules": rejudge(s, setting, model)}
        print(key, {k: v["wins"] for k, v in rows[key]["rules"].items()}, flush=True)
    (HERE / "out").mkdir(exist_ok=True)
    (HERE / "out" / "rejudge.json").write_text(json.dumps(rows, indent=1))
    print("\n| rule | agrees with the true labels | promoted while worse | promoted while worse by > 0.02 | missed wins |")
    print("|---|---|---|---|---|")
    for rule in RULES:
        agree = sum((r["rules"][rule]["wins"]) == (r["true_delta"] > 0) for r in rows.values())
        worse = [k for k, r in rows.items() if r["rules"][rule]["wins"] and r["true_delta"] <= 0]
        bad = [k for k in worse if rows[k]["true_delta"] < -0.02]
        missed = [k for k, r in rows.items() if not r["rules"][rule]["wins"] and r["true_delta"] > 0]
        print(f"| {rule} | {agree} of {len(rows)} ({100 * agree / max(1, len(rows)):.0f} %) | "
              f"{', '.join(worse) or 'none'} | {', '.join(bad) or 'none'} | {', '.join(missed) or 'none'} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
