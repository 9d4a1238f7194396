"""How far apart duplicates and non-duplicates are, on the synthetic test set: the basis of the
default threshold of :class:`core.finding.duplicates.DuplicateParams`.

    .venv/bin/python benchmarks/calibrate_duplicates.py [--seeds 0,1] [--per-class 3]

For each seed, writes ``tests/core/finding/dupset.py``'s set (originals with copy, FLAC, 24-bit,
48 kHz, gain, trim and fade variants, plus another take, a semitone up and reversed distractors),
fingerprints every file and prints the largest distance between two files of one group and the
smallest between files of different groups (pairs that overlap enough to be compared).
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.finding.duplicates import DuplicateParams  # noqa: E402
from core.finding.fingerprint import analyse_file, frame_distance  # noqa: E402
from tests.core.finding.dupset import write_duplicate_set  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", default="0,1")
    ap.add_argument("--per-class", type=int, default=3)
    args = ap.parse_args()
    p = DuplicateParams()
    print(f"default threshold {p.threshold_db} dB, min overlap {p.min_overlap}")
    for seed in map(int, args.seeds.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            truth = write_duplicate_set(Path(tmp) / "d", per_class=args.per_class, seed=seed)
            fps = {r: analyse_file(Path(tmp) / "d" / r) for r in truth}
        pos, neg = [], []
        for a, b in itertools.combinations(truth, 2):
            d, overlap = frame_distance(fps[a].frames, fps[b].frames, p.max_lag)
            if overlap >= p.min_overlap:
                (pos if truth[a] is not None and truth[a] == truth[b] else neg).append(d)
        print(f"seed {seed}, {len(truth)} files: duplicates at most {max(pos):.2f} dB ({len(pos)} pairs); "
              f"other pairs at least {min(neg):.2f} dB ({len(neg)} pairs)")


if __name__ == "__main__":
    main()
