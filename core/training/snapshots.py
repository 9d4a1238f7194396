"""Per-epoch weights and the training timelapse's epoch snapshots.

After every epoch (and once before the first, "epoch 0": the initial network) the training loop
saves the embedder's weights as a plain state dict in the model's folder,
``<model dir>/epochs/epoch-003.pt`` (read back with ``torch.load(weights_only=True)``), and yields
``Progress(stage='train', partial=EpochSnapshot(...))``: the epoch number, the path of those weights
and, for a fixed subset of at most ``TrainConfig.timelapse_sounds`` sounds, their vectors under
that epoch's model (embedded from the memory-mapped feature cache). The GUI turns successive
snapshots into a morphing map (:mod:`core.maps.timelapse`); after training,
:func:`core.training.timelapse.saved_epoch_vectors` rebuilds them from the saved weights.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from core.training import checkpoint as ckpt

EPOCHS_DIR = "epochs"
TIMELAPSE_PATCHES = 4  # patches per sound (evenly spaced) for the timelapse's vectors: long files cost no more
_EPOCH_FILE = re.compile(r"^epoch-(\d+)\.pt$")


@dataclass(slots=True)
class EpochSnapshot:
    """One epoch of a training run, for the live timelapse (a ``Progress.partial``).

    ``epoch`` 0 is the network before training; ``epochs`` the number planned; ``ids`` the catalog
    ids of the subset (the same every epoch of a run) and ``vectors`` float32 ``[n, d]`` their
    L2-normalised vectors under this epoch's weights (``None`` when the subset is switched off).
    """

    epoch: int
    epochs: int
    weights_path: str
    ids: np.ndarray
    vectors: np.ndarray | None
    seconds: float = 0.0  # time spent embedding the subset


def epochs_dir(folder: Path) -> Path:
    return Path(folder) / EPOCHS_DIR


def epoch_path(folder: Path, epoch: int) -> Path:
    return epochs_dir(folder) / f"epoch-{int(epoch):03d}.pt"


def epoch_files(folder: Path) -> list[tuple[int, Path]]:
    """``[(epoch, path)]`` of the saved epoch weights in a model folder, by epoch."""
    d = epochs_dir(folder)
    if not d.is_dir():
        return []
    out = [(int(m.group(1)), p) for p in d.iterdir() if (m := _EPOCH_FILE.match(p.name))]
    return sorted(out)


def clear_epochs(folder: Path, after: int = -1) -> None:
    """Delete the saved epochs later than ``after`` (all of them by default: a new run)."""
    for epoch, path in epoch_files(folder):
        if epoch > after:
            path.unlink(missing_ok=True)


def save_epoch(folder: Path, epoch: int, embedder: torch.nn.Module) -> Path:
    """Save ``embedder``'s state dict as epoch ``epoch`` (atomically) and return the path."""
    path = epoch_path(folder, epoch)
    ckpt.atomic_save(ckpt.cpu_state(embedder), path)
    return path


def pick_sounds(n: int, max_sounds: int, seed: int = 0) -> np.ndarray:
    """Indices (sorted) of at most ``max_sounds`` of ``n`` items, drawn with ``seed``: all when ``n`` is small."""
    if max_sounds <= 0:
        return np.zeros(0, dtype=np.int64)
    if n <= max_sounds:
        return np.arange(n, dtype=np.int64)
    return np.sort(np.random.default_rng(seed).choice(n, size=max_sounds, replace=False)).astype(np.int64)


def embed_store(embedder: torch.nn.Module, store, indices, device: torch.device | str = "cpu",
                chunk: int = 64, max_patches: int | None = None) -> np.ndarray:
    """Sound vectors of ``store`` rows ``indices`` (every patch of each, or ``max_patches`` evenly
    spaced ones, mean, L2-normalised, as every encoder pools) → float32 ``[n, d]``. Puts
    ``embedder`` in eval mode and restores its mode."""
    was_training = embedder.training
    embedder.eval()
    vecs = []
    try:
        with torch.no_grad():
            for i in indices:
                patches = store.patches(int(i))
                if max_patches and len(patches) > max_patches:
                    patches = patches[np.linspace(0, len(patches) - 1, max_patches).round().astype(np.int64)]
                p = torch.from_numpy(patches)
                e = torch.cat([embedder(p[k:k + chunk].to(device)) for k in range(0, len(p), chunk)])
                vecs.append(torch.nn.functional.normalize(e.float().mean(0), dim=0).cpu().numpy())
    finally:
        embedder.train(was_training)
    if not vecs:
        return np.zeros((0, int(getattr(embedder, "out_dim", 0))), dtype=np.float32)
    return np.stack(vecs).astype(np.float32)


def epoch_snapshot(folder: Path, epoch: int, epochs: int, embedder: torch.nn.Module, store, subset: np.ndarray,
                   ids: np.ndarray, device: torch.device | str = "cpu") -> EpochSnapshot:
    """Save epoch ``epoch``'s weights and embed the timelapse subset (store rows ``subset``)."""
    import time

    path = save_epoch(folder, epoch, embedder)
    t0 = time.monotonic()
    vectors = embed_store(embedder, store, subset, device, max_patches=TIMELAPSE_PATCHES) if len(subset) else None
    return EpochSnapshot(epoch, epochs, str(path), np.asarray(ids, dtype=np.int64)[subset], vectors,
                         time.monotonic() - t0)
