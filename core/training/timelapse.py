"""The training timelapse of a saved model: its epoch weights → vectors → aligned maps → GIF.

:func:`saved_epoch_vectors` (a job) loads every ``epochs/epoch-NNN.pt`` of a trained model and embeds
the same subset of sounds with each, from the memory-mapped feature cache (built, or reused, for
those sounds); :func:`timelapse_job` adds the aligned maps (:mod:`core.maps.timelapse`) and the
colours; ``sound-explorer timelapse`` and the app's Model → Training timelapse… both run it.
A model without epoch weights (trained before they were kept, imported, or built in) raises
:class:`NoEpochWeights` with a sentence that says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.jobs import EMBED, Job, Progress
from core.maps.params import ProjectionParams
from core.maps.timelapse import Timelapse, aligned_layouts

COLOUR_MODES = ("cluster", "folder", "type", "none")
DEFAULT_MAX_SOUNDS = 1000


class NoEpochWeights(ValueError):
    """The model has no saved epoch weights to make a timelapse from."""


@dataclass(slots=True)
class EpochVectors:
    ids: np.ndarray  # catalog ids of the sounds (the same for every epoch)
    epochs: list[int]
    vectors: list[np.ndarray]  # float32 [N, d] per epoch
    total: int  # epochs the run planned


def trained_model(library, name: str) -> dict:
    """The catalog row of trained model ``name``, or :class:`NoEpochWeights` saying why there is none."""
    row = library.catalog.model(name)
    if row is None:
        raise NoEpochWeights(f"The model '{name}' is not a model trained in Sound Explorer (built-in models have no "
                             "training epochs): train one with Model → Train on this library…")
    if row.get("kind") == "imported" or not (row.get("config") or {}).get("architecture"):
        raise NoEpochWeights(f"The model '{name}' was imported: its training epochs were never here, so there is no "
                             "timelapse of it")
    return row


def epoch_weight_files(library, name: str) -> list[tuple[int, Path]]:
    """The saved epoch weights of ``name`` (``[(epoch, path)]``), or :class:`NoEpochWeights`."""
    from core.training.checkpoint import model_dir
    from core.training.snapshots import epoch_files

    row = trained_model(library, name)
    files = epoch_files(model_dir(library.catalog.path, name))
    run = len(row.get("history") or [])
    files = [(e, p) for e, p in files if e <= max(run, 0)]
    if len(files) < 2:
        raise NoEpochWeights(f"The model '{name}' has no saved epoch weights (it was trained before Sound Explorer "
                             "kept them, or they were deleted): train it again to get its timelapse")
    return files


def saved_epoch_vectors(library, name: str, max_sounds: int = DEFAULT_MAX_SOUNDS, seed: int = 0,
                        device: str = "cpu") -> Job[EpochVectors]:
    """Job: the vectors of at most ``max_sounds`` sounds (a seeded random subset of those the model
    embedded) under each saved epoch of model ``name``."""
    import torch

    from core.encoders.trained import mel_for
    from core.training import checkpoint as ckpt
    from core.training.feature_cache import FeatureCache
    from core.training.models import make_embedder
    from core.training.snapshots import TIMELAPSE_PATCHES, embed_store, pick_sounds

    files = epoch_weight_files(library, name)
    row = trained_model(library, name)
    arch, train = row["config"]["architecture"], row["config"].get("train") or {}
    ids, _ = library.vectors(name)
    rows_by_id = {r.id: r for r in library.sounds() if r.ok}
    ids = np.array([int(i) for i in ids if int(i) in rows_by_id], dtype=np.int64)
    if len(ids) < 3:
        raise NoEpochWeights(f"The model '{name}' has vectors for {len(ids)} sounds of this library: too few for a map")
    ids = ids[pick_sounds(len(ids), max_sounds, seed)]
    rows = [rows_by_id[int(i)] for i in ids]
    cache = FeatureCache(mel_for(arch), max_seconds=float(train.get("max_cache_seconds", 60.0)))
    report = yield from cache.build(library.catalog, rows)
    failed = {rel for rel, _ in (report.failed or [])}
    if failed:
        keep = [k for k, r in enumerate(rows) if r.relpath not in failed]
        ids, rows = ids[keep], [rows[k] for k in keep]
    store = cache.store(rows)
    net = make_embedder(arch, pretrained_weights=False)
    out: list[np.ndarray] = []
    prog = Progress(stage=f"{EMBED} {name}", done=0, total=len(files), message="epoch weights")
    for k, (epoch, path) in enumerate(files):
        prog.done, prog.message = k, f"epoch {epoch} of {files[-1][0]}: {len(ids)} sounds"
        yield prog
        net.load_state_dict(ckpt.load(path), strict=True)
        with torch.no_grad():
            out.append(embed_store(net.to(device), store, range(len(rows)), device, max_patches=TIMELAPSE_PATCHES))
    prog.done = len(files)
    yield prog
    total = int(train.get("epochs") or files[-1][0])
    return EpochVectors(ids, [e for e, _ in files], out, max(total, files[-1][0]))


def sound_groups(library, ids: np.ndarray, mode: str, vectors: np.ndarray | None = None) -> Job[tuple]:
    """Job → ``(labels [N], names)`` colouring sounds ``ids``: ``cluster`` (graph clusters of
    ``vectors``, the last epoch's), ``folder`` (top folder), ``type`` (sound type), ``none``."""
    from core.maps.labels import cluster_name, group_labels

    if mode not in COLOUR_MODES:
        raise ValueError(f"colour by one of {', '.join(COLOUR_MODES)}, not {mode!r}")
    if mode == "none":
        return None, {}
    if mode == "cluster":
        from core.maps.clustering import cluster

        if vectors is None:
            raise ValueError("colouring by cluster needs vectors")
        lab = yield from cluster(vectors, "graph")
        labels = np.asarray(lab.labels, dtype=np.int64)
        return labels, {int(g): cluster_name(int(g)) for g in np.unique(labels) if g >= 0}
    rows = {r.id: r for r in library.sounds()}
    if mode == "folder":
        keys = [(rows[int(i)].relpath.replace("\\", "/").rpartition("/")[0] or "(top level)")
                if int(i) in rows else None for i in ids]  # the folder, as the app's colour-by folder
    else:
        from core.audio.taxonomy import sound_type

        keys = [sound_type(list(rows[int(i)].tags)) if int(i) in rows else None for i in ids]
    return group_labels(keys)


def timelapse_job(library, name: str, *, max_sounds: int = DEFAULT_MAX_SOUNDS, colour_by: str = "cluster",
                  params: ProjectionParams | None = None, align: str = "init", device: str = "cpu") -> Job[Timelapse]:
    """Job: the aligned training timelapse of saved model ``name`` (epoch weights → maps, colours)."""
    ev = yield from saved_epoch_vectors(library, name, max_sounds, device=device)
    labels, names = yield from sound_groups(library, ev.ids, colour_by, ev.vectors[-1])
    layouts = yield from aligned_layouts(ev.vectors, params, align)
    return Timelapse(ev.ids, ev.epochs, layouts, ev.total, labels, names, title=f"{name} · {len(ev.ids)} sounds")
