"""Training throughput on this machine, and the wall time of a default training run end to end.

    .venv/bin/python benchmarks/bench_training.py [--e2e FOLDER] [--steps 4] [--threads 2]

Part 1 — one optimisation step (forward + backward + AdamW) on random 96×96 patches, per
architecture, in patches per second (wall clock, and per CPU-second, which is steadier on a shared
machine). The naive baseline in the same run is fine-tuning the whole aiSFX CNN; the ratio column
says how many times more patches per second each model trains.

Part 2 — batch sampling from the memory-mapped feature cache versus decoding and analysing the
audio for every batch (the naive pipeline), on FOLDER's first sounds.

Part 3 (``--e2e FOLDER``) — in a fresh home (catalog, caches), through the CLI as a user runs it:
``sound-explorer embed FOLDER --model pretrained`` (the reference vectors, which a library being
browsed already has), then ``sound-explorer train FOLDER`` with default settings (feature cache,
training, embedding with the new model, verdict). Prints both wall times, and their sum against the
15-minute budget.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from core.training.config import TrainConfig  # noqa: E402
from core.training.models import TrainableModel  # noqa: E402


def step_rate(cfg: TrainConfig, batch: int, steps: int, n_tags: int = 50) -> tuple[float, float]:
    """(patches/s wall, patches per CPU-second) of training steps of ``cfg``'s model."""
    torch.manual_seed(0)
    arch = {**cfg.architecture(), "n_tags": n_tags}
    model = TrainableModel(arch, n_tags=n_tags if cfg.method != "triplet" else 0, recon=cfg.recon)
    opt = torch.optim.AdamW(model.trainable_parameters(), lr=1e-4)
    x = torch.rand(batch, 96, 96)
    y = (torch.rand(batch, n_tags) < 0.05).float()
    walls, cpus = [], []
    for i in range(steps + 1):
        t, c = time.perf_counter(), time.process_time()
        z = model.embedder.latent(x)
        loss = model.embedder.project(z).pow(2).mean()
        if model.decoder is not None:
            loss = loss + model.decoder(z[: batch // 3 if cfg.method == "triplet" else batch]).mean()
        if model.tags is not None:
            zt = model.tags.encoder(y)
            loss = loss + model.tag_head(zt).pow(2).mean()
            if model.tags.decoder is not None:
                loss = loss + model.tags.decoder(zt).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i:  # the first step warms up allocators and kernels
            walls.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
    return batch / float(np.median(walls)), batch / float(np.median(cpus))


def part1(steps: int) -> None:
    rows = [
        ("triplet, compact CNN (default)", TrainConfig(), 144),
        ("triplet, compact CNN + recon", TrainConfig(keep="both"), 144),
        ("coala (audio+tag AEs, align)", TrainConfig(method="coala"), 48),
        ("ec (encoders + align only)", TrainConfig(method="ec"), 48),
        ("triplet, aiSFX CNN, 3 blocks frozen", TrainConfig(init="pretrained", freeze_blocks=3), 48),
        ("naive: aiSFX CNN, all trainable", TrainConfig(init="pretrained", freeze_blocks=0), 48),
    ]
    results = []
    for name, cfg, batch in rows:
        try:
            wall, cpu = step_rate(cfg, batch, steps)
        except Exception as exc:  # e.g. aisfx not installed
            print(f"{name}: skipped ({exc})")
            continue
        results.append((name, wall, cpu))
    base = results[-1][1] if results and results[-1][0].startswith("naive") else None
    print(f"\n1) training step throughput, {torch.get_num_threads()} threads, device cpu")
    print(f"{'model':<40} {'patches/s':>10} {'per CPU-s':>10} {'× naive':>8}")
    for name, wall, cpu in results:
        ratio = f"{wall / base:>8.1f}" if base else f"{'-':>8}"
        print(f"{name:<40} {wall:>10.1f} {cpu:>10.1f} {ratio}")


def part2(folder: Path, n_batches: int = 5, batch: int = 48) -> None:
    from core.audio import decode as audio
    from core.catalog import Catalog
    from core.catalog.scan import scan
    from core.audio.features import MelConfig, MelFrontend, make_patches
    from core.jobs import run_job
    from core.training.feature_cache import FeatureCache

    with tempfile.TemporaryDirectory() as tmp:
        cat = Catalog.open(folder, Path(tmp) / "cat.sqlite")
        run_job(scan(cat))
        rows = cat.sounds()[:200]
        cache = FeatureCache(MelConfig(), root=Path(tmp) / "feat")
        t = time.perf_counter()
        run_job(cache.build(cat, rows))
        build = time.perf_counter() - t
        store = cache.store(rows)
        rng = np.random.default_rng(0)
        t = time.perf_counter()
        for _ in range(n_batches):
            np.stack([store.crop(int(i), rng) for i in rng.integers(0, len(rows), batch)])
        cached = (time.perf_counter() - t) / n_batches
        fe = MelFrontend(MelConfig(), "cpu")
        t = time.perf_counter()
        for _ in range(n_batches):
            for i in rng.integers(0, len(rows), batch):
                wave, _ = audio.load(cat.abspath(rows[int(i)]), 22050)
                make_patches(fe(wave)[0])
        naive = (time.perf_counter() - t) / n_batches
        cat.close()
    print(f"\n2) one batch of {batch} patches from {folder.name} ({len(rows)} sounds)")
    print(f"   feature cache build: {build:.1f} s once ({len(rows) / build:.0f} sounds/s)")
    print(f"   memory-mapped crops: {1000 * cached:.1f} ms per batch")
    print(f"   naive decode + mel : {1000 * naive:.1f} ms per batch  ({naive / cached:.0f}× slower)")


def part3(folder: Path) -> None:
    """Fresh home: embed with the reference encoder (what a browsed library already has), then train."""
    n = sum(1 for p in folder.rglob("*") if p.suffix.lower() in (".wav", ".flac", ".mp3", ".ogg", ".aif", ".aiff"))
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "SOUND_EXPLORER_HOME": str(Path(tmp) / "home")}
        walls = []
        for args in (["embed", str(folder), "-q", "--model", "pretrained"], ["train", str(folder), "-q"]):
            t = time.perf_counter()
            r = subprocess.run([sys.executable, "-m", "core.cli.main", *args], cwd=ROOT, env=env, capture_output=True,
                               text=True)
            walls.append(time.perf_counter() - t)
            print(f"\n3) sound-explorer {' '.join(args)}: {walls[-1] / 60:.1f} min")
            if r.returncode:
                print(r.stderr[-3000:])
                return
        print(r.stdout.strip())
    total = sum(walls)
    print(f"   {n} sounds: embedding {walls[0] / 60:.1f} min + training run {walls[1] / 60:.1f} min = "
          f"{total / 60:.1f} min (budget 15 min: {'OK' if total < 900 else 'OVER'})")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--cache-folder", type=Path, default=Path("/usr/share/sonic-pi/samples"))
    ap.add_argument("--e2e", type=Path, default=None, help="a folder to train on with default settings")
    ap.add_argument("--skip-steps", action="store_true")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if not args.skip_steps:
        part1(args.steps)
        if args.cache_folder.is_dir():
            part2(args.cache_folder)
    if args.e2e:
        part3(args.e2e)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
