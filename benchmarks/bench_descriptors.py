"""Descriptor throughput: decoding alone (the baseline) vs decoding + descriptors, same sounds, same run.

    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/bench_descriptors.py FOLDER
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    args = ap.parse_args()
    torch.set_num_threads(1)
    from core.audio import decode
    from core.audio import descriptors as D

    files = sorted(p for p in args.folder.rglob("*") if decode.is_audio_path(p))
    t0 = time.perf_counter()
    waves = [decode.load(p, D.SAMPLE_RATE, max_seconds=D.MAX_SECONDS)[0] for p in files]
    t_decode = time.perf_counter() - t0
    D.describe_wave(waves[0])  # build the tables once
    t0 = time.perf_counter()
    for w in waves:
        D.describe_wave(w)
    t_desc = time.perf_counter() - t0
    seconds = sum(len(w) for w in waves) / D.SAMPLE_RATE
    print(f"{len(files)} sounds, {seconds:.0f} s of audio analysed; decode {t_decode:.2f} s, descriptors "
          f"{t_desc:.2f} s ({len(files) / t_desc:.1f} sounds/s, {seconds / t_desc:.0f}x real time), "
          f"descriptors/decode {t_desc / t_decode:.2f}x; cpus {os.cpu_count()}, load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
