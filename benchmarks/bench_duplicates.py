"""Near-duplicates on real sounds: precision/recall and the cost of the comparison.

    nice -n 19 .venv/bin/python benchmarks/bench_duplicates.py [FOLDER] [--originals N]

Takes the first N files of FOLDER (default Debian's sonic-pi-samples) as originals, writes each
with five variants into a temporary library — FLAC→24-bit WAV, resampled to 48 kHz, 6 dB quieter,
0.2 s of silence added in front, the last 4 % faded out — and adds every other file of FOLDER
unchanged as distractors. Then runs :func:`core.finding.duplicates.find_duplicates` and reports:

- pair precision and recall against the known groups at the default threshold;
- the closest distance between two different originals (the margin to the threshold);
- the comparison stage's time against a naive baseline in the same run: every pair of
  fingerprints through ``frame_distance`` (no duration window, no pre-filter).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.catalog import Catalog  # noqa: E402
from core.catalog.scan import scan  # noqa: E402
from core.finding.duplicates import DuplicateParams, analyse_sounds, find_duplicates  # noqa: E402
from core.finding.fingerprint import frame_distance  # noqa: E402
from core.jobs import run_job  # noqa: E402


def variants(x: np.ndarray, sr: int) -> dict[str, tuple[np.ndarray, int, str]]:
    fade = x.copy()
    n = max(1, int(0.04 * len(x)))
    fade[-n:] *= np.linspace(1, 0, n)[:, None] if x.ndim == 2 else np.linspace(1, 0, n)
    pad = np.zeros((int(0.2 * sr),) + x.shape[1:], x.dtype)
    from math import gcd

    g = gcd(48000, sr)
    return {
        "24bit": (x, sr, "PCM_24"),
        "48k": (resample_poly(x, 48000 // g, sr // g, axis=0), 48000, "PCM_16"),
        "gain": (x * 0.5, sr, "PCM_16"),
        "lead": (np.concatenate([pad, x]), sr, "PCM_16"),
        "fade": (fade, sr, "PCM_16"),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", default="/usr/share/sonic-pi/samples", type=Path)
    ap.add_argument("--originals", type=int, default=40)
    args = ap.parse_args()
    files = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in {".wav", ".flac", ".aif", ".aiff"})
    print(f"folder: {args.folder} ({len(files)} files), {os.cpu_count()} CPU cores, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        lib = Path(tmp) / "lib"
        lib.mkdir()
        truth: dict[str, str | None] = {}
        for k, f in enumerate(files):
            x, sr = sf.read(f, dtype="float32")
            if k < args.originals:
                name = f"o{k:03d}"
                sf.write(lib / f"{name}.flac", x, sr)
                truth[f"{name}.flac"] = name
                for v, (y, rate, sub) in variants(x, sr).items():
                    sf.write(lib / f"{name}_{v}.wav", y, rate, subtype=sub)
                    truth[f"{name}_{v}.wav"] = name
            else:
                sf.write(lib / f"d{k:03d}.flac", x, sr)
                truth[f"d{k:03d}.flac"] = None
        with Catalog.open(lib, Path(tmp) / "cat.db") as cat:
            run_job(scan(cat))
            t = time.perf_counter()
            fps, decoded, failed = run_job(analyse_sounds(cat))
            t_analyse = time.perf_counter() - t
            t = time.perf_counter()
            report = run_job(find_duplicates(cat))  # analyses cached: this is the comparison
            t_compare = time.perf_counter() - t
            rows = {r.relpath: r for r in cat.sounds()}
        params = DuplicateParams()
        t = time.perf_counter()
        hashes = [h for h, a in fps.items() if len(a.frames)]
        naive = {}
        for a, b in itertools.combinations(hashes, 2):
            naive[(a, b)] = frame_distance(fps[a].frames, fps[b].frames, params.max_lag)
        t_naive = time.perf_counter() - t
    found = {m.relpath: g.number for g in report.groups for m in g.members}

    def pairs(groups: dict) -> set[frozenset[str]]:
        by: dict = {}
        for rel, g in groups.items():
            if g is not None:
                by.setdefault(g, []).append(rel)
        return {frozenset(p) for m in by.values() for p in itertools.combinations(m, 2)}

    predicted, true = pairs(found), pairs(truth)
    tp = len(predicted & true)
    group_of = {rows[r].hash: g for r, g in truth.items()}
    cross = [d for (a, b), (d, ov) in naive.items()  # pairs that are not duplicates, long enough to compare
             if ov >= params.min_overlap and (group_of[a] is None or group_of[a] != group_of[b])]
    print(f"{len(truth)} sounds ({args.originals} originals x 6, {len(truth) - 6 * args.originals} distractors); "
          f"decoded {decoded} in {t_analyse:.1f} s ({decoded / t_analyse:.1f} files/s); failed {len(failed)}")
    print(f"threshold {params.threshold_db} dB: {len(report.groups)} groups, precision {tp / max(len(predicted), 1):.3f}, "
          f"recall {tp / max(len(true), 1):.3f}")
    print(f"closest pair of different sounds (overlap >= {params.min_overlap}): {min(cross):.2f} dB")
    print(f"| comparison | seconds | ratio |\n|---|---|---|\n| naive all pairs ({len(naive)}) | {t_naive:.2f} | 1.00 |\n"
          f"| find_duplicates (window + pre-filter) | {t_compare:.2f} | {t_compare / t_naive:.3f} |")


if __name__ == "__main__":
    main()
