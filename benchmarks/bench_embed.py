"""Embedding throughput and the cost of a cached re-run, end to end through the CLI.

    .venv/bin/python benchmarks/bench_embed.py [FOLDER] [--models mfcc,pretrained]

FOLDER defaults to Debian's sonic-pi-samples (/usr/share/sonic-pi/samples, 165 FLAC files). Each
model runs in a fresh catalog (first run: scan + decode + embed), then again (re-run: nothing
changed). Wall times include interpreter start-up and imports, as a user sees them. The re-run
is reported as a ratio of the first run, measured in the same session.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(folder: Path, model: str, db: Path, env: dict[str, str]) -> tuple[float, str]:
    t = time.perf_counter()
    r = subprocess.run(
        [sys.executable, "-m", "core.cli.main", "embed", str(folder), "--model", model, "--catalog", str(db), "-q"],
        cwd=ROOT, env=env, capture_output=True, text=True, check=True,
    )
    return time.perf_counter() - t, r.stdout.strip().splitlines()[0]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", default="/usr/share/sonic-pi/samples", type=Path)
    ap.add_argument("--models", default="mfcc,pretrained")
    args = ap.parse_args()
    n = sum(1 for p in args.folder.rglob("*") if p.suffix.lower() in {".wav", ".flac", ".ogg", ".mp3", ".aif", ".aiff"})
    print(f"folder: {args.folder} ({n} audio files), {os.cpu_count()} CPU cores\n")
    print("| model | first run (s) | files/s (first run, wall) | embed-only files/s | re-run (s) | re-run / first |")
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SOUND_EXPLORER_HOME": tmp, "PYTHONPATH": str(ROOT)}
        for model in args.models.split(","):
            db = Path(tmp) / f"{model}.sqlite"
            first, line = run(args.folder, model, db, env)
            again, _ = run(args.folder, model, db, env)
            inner = line.split("(")[1].split(" files/s")[0] if "files/s" in line else "?"
            print(f"| {model} | {first:.1f} | {n / first:.2f} | {inner} | {again:.2f} | {again / first:.1%} |")


if __name__ == "__main__":
    main()
