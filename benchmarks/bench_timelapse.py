"""The training timelapse's costs: the per-epoch snapshot (the compact CNN embedding a subset from its
patches), the aligned maps, and drawing + writing the GIF.

    OMP_NUM_THREADS=1 nice -n 19 .venv/bin/python benchmarks/bench_timelapse.py [--sounds 1000] [--epochs 10]

Patches are random log-mel-sized arrays (``TIMELAPSE_PATCHES`` per sound), vectors for the maps
are synthetic 128-d groups drifting apart epoch by epoch (the cost does not depend on their values).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class RandomStore:
    """``patches(i)`` like a FrameStore: float32 [P, 96, 96]."""

    def __init__(self, n_patches: int) -> None:
        self.p = np.random.default_rng(0).normal(size=(n_patches, 96, 96)).astype(np.float32)

    def patches(self, i: int) -> np.ndarray:
        return self.p


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sounds", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=10)
    args = ap.parse_args()
    import torch

    from core.jobs import run_job
    from core.maps.timelapse import Timelapse, aligned_layouts, render_frames, write_timelapse_gif
    from core.training.config import TrainConfig
    from core.training.models import make_embedder
    from core.training.snapshots import TIMELAPSE_PATCHES, embed_store

    torch.set_num_threads(1)
    net = make_embedder(TrainConfig().architecture())
    store = RandomStore(TIMELAPSE_PATCHES)
    embed_store(net, store, range(20))  # warm-up
    t0 = time.perf_counter()
    embed_store(net, store, range(args.sounds))
    t_embed = time.perf_counter() - t0
    print(f"snapshot: {args.sounds} sounds x {TIMELAPSE_PATCHES} patches, compact CNN (default config): "
          f"{t_embed:.2f} s per epoch ({args.sounds * TIMELAPSE_PATCHES / t_embed:.0f} patches/s)")
    n_params = sum(p.numel() for p in net.parameters())
    print(f"epoch weights: {n_params:,} parameters, {n_params * 4 / 1e6:.2f} MB per epoch (float32)")

    rng = np.random.default_rng(0)
    centres, group = rng.normal(size=(12, 128)), rng.integers(0, 12, args.sounds)
    base = rng.normal(size=(args.sounds, 128))
    sets = []
    for e in range(args.epochs + 1):
        x = base + 0.3 * e * centres[group]
        sets.append((x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32))
    run_job(aligned_layouts(sets[:2]))  # warm-up (numba kernels)
    t0 = time.perf_counter()
    layouts = run_job(aligned_layouts(sets))
    t_maps = time.perf_counter() - t0
    print(f"aligned maps: {len(sets)} epochs x {args.sounds} sounds: {t_maps:.2f} s")
    tl = Timelapse(np.arange(args.sounds), list(range(len(sets))), layouts, args.epochs, group,
                   {g: f"group {g}" for g in range(12)}, "bench")
    t0 = time.perf_counter()
    frames = render_frames(tl)
    t_draw = time.perf_counter() - t0
    out = Path("/tmp/bench_timelapse.gif")
    t0 = time.perf_counter()
    write_timelapse_gif(out, frames)
    t_gif = time.perf_counter() - t0
    print(f"GIF: {len(frames.images)} frames 560x440, drawn in {t_draw:.2f} s, written in {t_gif:.2f} s, "
          f"{out.stat().st_size / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
