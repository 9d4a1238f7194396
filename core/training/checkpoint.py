"""Checkpoints and final weights: plain dicts of tensors and JSON-able values, saved atomically.

Files are written with ``torch.save`` to a temporary name in the same folder, flushed and fsync'd,
then moved into place with ``os.replace`` — a kill at any moment leaves either the previous
checkpoint or the new one, never a torn file. Everything is read back with
``torch.load(weights_only=True)``: no pickled code is ever executed.

Where: ``data_dir()/models/<library digest>/<model name>/`` holds ``checkpoint.pt`` (the resumable
training state of the last finished epoch) and ``weights-<version>.pt`` (the embedder's state dict
of a finished model, what :class:`~core.encoders.trained.TrainedEncoder` loads), and ``epochs/epoch-NNN.pt``
(the embedder after each epoch, for the training timelapse: :mod:`core.training.snapshots`).
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

import torch

from core.paths import data_dir

CHECKPOINT_NAME = "checkpoint.pt"


def safe_name(name: str) -> str:
    clean = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._-")
    return clean[:60] or "model"


def model_dir(catalog_path: Path, name: str) -> Path:
    """Folder for one trained model of the library whose catalog is ``catalog_path``."""
    digest = hashlib.sha1(str(Path(catalog_path).resolve()).encode()).hexdigest()[:10]
    return data_dir() / "models" / f"{Path(catalog_path).stem[:40]}-{digest}" / safe_name(name)


def atomic_save(obj: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            torch.save(obj, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def load(path: Path) -> Any:
    """Load a checkpoint or weights file safely (``weights_only=True``)."""
    return torch.load(path, map_location="cpu", weights_only=True)


def save_checkpoint(folder: Path, state: dict[str, Any]) -> Path:
    """``state``: ``{'epoch', 'config', 'model', 'optimizer', 'history', 'best', 'rng', …}``."""
    path = folder / CHECKPOINT_NAME
    atomic_save(state, path)
    return path


def load_checkpoint(folder: Path) -> dict[str, Any] | None:
    path = folder / CHECKPOINT_NAME
    if not path.is_file():
        return None
    return load(path)


def state_digest(state: dict[str, torch.Tensor]) -> str:
    """A short content hash of a state dict (part of a trained model's version)."""
    h = hashlib.sha1()
    for k in sorted(state):
        h.update(k.encode())
        h.update(state[k].detach().cpu().contiguous().numpy().tobytes())
    return h.hexdigest()[:10]


def cpu_state(module: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in module.state_dict().items()}


def rng_state(np_rng) -> dict[str, Any]:
    """Random states (torch CPU + numpy Generator) as weights-only-loadable values."""
    st = np_rng.bit_generator.state
    return {
        "torch": torch.get_rng_state(),
        "numpy": {"bit_generator": st["bit_generator"], "state": {k: int(v) for k, v in st["state"].items()},
                  "has_uint32": int(st["has_uint32"]), "uinteger": int(st["uinteger"])},
    }


def restore_rng(np_rng, saved: dict[str, Any]) -> None:
    torch.set_rng_state(saved["torch"])
    np_rng.bit_generator.state = saved["numpy"]
