"""The training job: ONE generator serving the CLI (``sound-explorer train``) and the GUI dialog.

``train_job(library, config)`` yields :class:`~core.jobs.Progress` throughout:

- ``stage='prepare'`` / ``'embed …'`` / ``'features'``: reference vectors, tags, feature cache;
- ``stage='train'``: one point per optimisation step, ``done``/``total`` in steps (ETA), ``partial``
  = ``{term: value}`` of the step's weighted loss terms plus ``'total'``; at the end of each epoch
  one more point whose ``partial`` holds the epoch's mean terms plus ``'val_total'`` /
  ``'val_<term>'`` (validation loss) and ``'val_map'`` (validation QbE mAP with the library's tags —
  the early-stopping criterion when enough validation sounds have tags; else the validation loss).
  The kept model is the last epoch not clearly worse than the best one (see :func:`_criterion`);
  training stops after ``patience`` epochs that were clearly worse. Before the first epoch and
  after each one, a point whose ``partial`` is a :class:`~core.training.snapshots.EpochSnapshot`
  (the epoch's weights, saved under ``epochs/`` in the model's folder, and the vectors of a fixed
  subset of sounds: the training timelapse);
- ``stage='embed <name>'`` and ``'verdict'``: the new model embeds the library, then is judged.

Closing the generator cancels (at the next step). A checkpoint is written atomically after every
epoch; ``resume=True`` continues from it (same config, epochs may be raised). The return value is
a :class:`TrainResult`.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from core.audio.features import default_device
from core.jobs import Job, Progress
from core.training import checkpoint as ckpt
from core.training.config import TrainConfig
from core.training.data import TrainingData, prepare
from core.training.models import TrainableModel
from core.training.snapshots import clear_epochs, embed_store, epoch_snapshot, pick_sounds
from core.training.samplers import JointSampler, SamplerUnavailable, SamplingContext, build_sampler
from core.training.steps import Objective
from core.training.verdict import MIN_QUERIES, Verdict, judge

RESUMABLE_CHANGES = {"epochs", "max_minutes", "patience", "threads", "amp", "verdict_confidence", "timelapse_sounds"}


@dataclass(slots=True)
class TrainResult:
    name: str
    version: str
    config: dict[str, Any]
    history: list[dict[str, Any]] = field(default_factory=list)
    epochs_run: int = 0
    stopped_early: bool = False
    seconds: float = 0.0  # training time (this run, excluding preparation and embedding)
    patches_per_s: float = 0.0
    samplers: list[str] = field(default_factory=list)
    skipped_samplers: dict[str, str] = field(default_factory=dict)
    verdict: Verdict | None = None
    default_changed: bool = False
    weights_path: str = ""
    resumed_from: int = 0

    def summary(self) -> str:
        s = f"{self.name} ({self.version}): {self.epochs_run} epochs"
        if self.stopped_early:
            s += " (stopped early)"
        s += f", {self.seconds:.0f} s training, {self.patches_per_s:.0f} patches/s"
        return s


def steps_per_epoch(config: TrainConfig, n_train: int) -> int:
    """Explicit, or about two anchors per training sound, within [30, 50] steps (so 300–500 steps
    with the default 10 epochs: enough to converge on a small library; 500 steps took 170 s on a
    2-core CPU for 1,061 sounds, see docs/training.md)."""
    if config.steps_per_epoch > 0:
        return int(config.steps_per_epoch)
    return int(min(50, max(30, math.ceil(2 * n_train / max(config.batch_size, 1)))))


def _check_resumable(saved: dict[str, Any], config: TrainConfig) -> None:
    now = config.as_dict()
    diff = sorted(k for k in now if k not in RESUMABLE_CHANGES and saved.get(k) != now[k])
    if diff:
        raise ValueError(f"cannot resume: the checkpoint was trained with different settings ({', '.join(diff)}); "
                         "train without --resume (or with a new --name)")


def _samplers(config: TrainConfig, data: TrainingData, pool: np.ndarray, ranking,
              required: bool = False) -> JointSampler | None:
    """The joint sampler over ``pool``; ``None`` when none can run (``required``: raise, saying why)."""
    if config.method != "triplet":
        return None
    if len(pool) < 2:
        if required:
            raise ValueError(f"triplet training needs at least 2 training sounds, there are {len(pool)}")
        return None
    folders = data.folder_codes() if config.cross_folder else None
    ctx = SamplingContext(data.store, pool, data.vocab.sound_tags, data.vocab.weights, ranking, folders)
    try:
        return build_sampler(config, ctx)
    except SamplerUnavailable as exc:
        if required:
            raise ValueError(f"cannot train: {exc}") from None
        return None


def _ranking(config: TrainConfig, data: TrainingData) -> np.ndarray | None:
    if config.samplers.get("ranked", 0) <= 0 or config.method != "triplet":
        return None
    from core.maps.neighbors import NeighborIndex

    k = min(config.ranked_far, len(data.ids) - 1)
    idx, _ = NeighborIndex(data.ref_vectors, device="cpu").knn_graph(k)
    return idx


def _validate(obj: Objective, model: TrainableModel, sampler, data: TrainingData, config: TrainConfig
              ) -> dict[str, float] | None:
    pool = data.val
    if len(pool) < 2 or (config.method == "triplet" and sampler is None):
        return None
    rng = np.random.default_rng(config.seed + 999)  # the same validation batches every epoch
    sums: dict[str, float] = {}
    model.eval()
    with torch.no_grad():
        for _ in range(max(1, config.val_batches)):
            terms = obj.terms(obj.draw(sampler, data.store, pool, rng), validation=True)
            for k, v in terms.items():
                sums[k] = sums.get(k, 0.0) + float(v)
            sums["total"] = sums.get("total", 0.0) + float(sum(terms.values()))
    model.train()
    return {k: v / max(1, config.val_batches) for k, v in sums.items()}


def _val_map(model: TrainableModel, data: TrainingData, device: torch.device, chunk: int = 64) -> float | None:
    """QbE mAP of the validation sounds among themselves (relevant = shares a tag), or ``None``
    when fewer than :data:`~core.training.verdict.MIN_QUERIES` of them have tags."""
    from core.evaluation.metrics import qbe_map_multi

    sets = [{data.vocab.tags[t] for t in data.vocab.sound_tags[int(i)]} for i in data.val]
    if sum(1 for s in sets if s) < MIN_QUERIES:
        return None
    return float(qbe_map_multi(embed_store(model.embedder, data.store, data.val, device, chunk), sets))


def _criterion(val_map: float | None, val: dict[str, float] | None, train_mean: dict[str, float],
               data: TrainingData) -> tuple[float, float]:
    """``(criterion, tolerance)``, lower is better. With tags: −(validation QbE mAP), tolerance one
    standard error of a mean of per-query APs (≈ 0.3/√queries): on a small validation set a
    difference below that is noise, and the later (more trained) epoch is kept. Otherwise the
    validation (else training) loss, with no tolerance."""
    if val_map is not None:
        n = sum(1 for i in data.val if data.vocab.sound_tags[int(i)])
        return -val_map, 0.3 / math.sqrt(max(n, 1))
    return (val or train_mean)["total"], 0.0


def learning_rate(config: TrainConfig, step: int, total: int) -> float:
    """Linear warm-up over the first 5 % of steps, then cosine decay to 5 % (stateless: resumable)."""
    warm = max(1, total // 20)
    if step < warm:
        return config.lr * (step + 1) / warm
    t = (step - warm) / max(1, total - warm)
    return config.lr * (0.05 + 0.95 * 0.5 * (1.0 + math.cos(math.pi * min(1.0, t))))


def train_job(library, config: TrainConfig, *, resume: bool = False, device: str | None = None,
              finalize: bool = True) -> Job[TrainResult]:
    dev = torch.device(device or library.device or default_device())
    if config.threads > 0:
        torch.set_num_threads(config.threads)
    name = config.model_name()
    folder = ckpt.model_dir(library.catalog.path, name)
    saved = ckpt.load_checkpoint(folder) if resume else None
    if saved is not None:
        _check_resumable(saved["config"], config)
    data = yield from prepare(library, config, saved["split"] if saved else None,
                              saved["tags"] if saved else None)

    torch.manual_seed(config.seed)
    rng = np.random.default_rng(config.seed)
    arch = {**config.architecture(), "n_tags": data.vocab.size}
    model = TrainableModel(arch, n_tags=data.vocab.size, recon=config.recon).to(dev)
    opt = torch.optim.AdamW(model.trainable_parameters(), lr=config.lr, weight_decay=config.weight_decay)
    scaler = torch.amp.GradScaler("cuda", enabled=dev.type == "cuda" and config.amp
                                  and not torch.cuda.is_bf16_supported())
    tags = data.vocab.multi_hot() if data.vocab.size else None
    obj = Objective(config, model, dev, data.ref_vectors, tags)
    ranking = _ranking(config, data)
    train_sampler = _samplers(config, data, data.train, ranking, required=True)
    val_sampler = _samplers(config, data, data.val, ranking)

    history: list[dict[str, Any]] = []
    start_epoch, best_val, bad, best_state = 0, math.inf, 0, None
    if saved is not None:
        model.load_state_dict(saved["model"])
        opt.load_state_dict(saved["optimizer"])
        history = list(saved["history"])
        start_epoch, best_val, bad = int(saved["epoch"]), float(saved["best_val"]), int(saved["bad_epochs"])
        best_state = saved["best_model"]
        ckpt.restore_rng(rng, saved["rng"])
    n_steps = steps_per_epoch(config, len(data.train))
    total = config.epochs * n_steps
    prog = Progress(stage="train", done=start_epoch * n_steps, total=total)
    t_train, patches_done = 0.0, 0
    stopped_early = bool(saved and saved.get("stopped"))
    clear_epochs(folder, after=start_epoch if saved is not None else -1)  # a new run: no stale epochs
    subset = pick_sounds(len(data.ids), config.timelapse_sounds, config.seed)

    def snapshot(done_epochs: int) -> Progress:  # the epoch's weights, and the subset's vectors for the timelapse
        snap = epoch_snapshot(folder, done_epochs, config.epochs, model.embedder, data.store, subset, data.ids, dev)
        return Progress(stage="train", done=prog.done, total=total, message=prog.message or "initial network",
                        partial=snap, started=prog.started)

    if not stopped_early:
        yield snapshot(start_epoch)  # epoch 0: the initial network (or the resumed one)
    model.train()
    epoch = start_epoch
    for epoch in range(start_epoch, config.epochs if not stopped_early else start_epoch):
        t0 = time.monotonic()
        sums: dict[str, float] = {}
        for step in range(n_steps):
            for group in opt.param_groups:
                group["lr"] = learning_rate(config, epoch * n_steps + step, total)
            batch = obj.draw(train_sampler, data.store, data.train, rng)
            terms = obj.terms(batch)
            loss = sum(terms.values())
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            patches_done += 3 * len(batch) if config.method == "triplet" else len(batch[0])
            point = {k: float(v.detach()) for k, v in terms.items()}
            point["total"] = float(loss.detach())
            for k, v in point.items():
                sums[k] = sums.get(k, 0.0) + v
            prog.done = epoch * n_steps + step + 1
            prog.message = f"epoch {epoch + 1}/{config.epochs}, step {step + 1}/{n_steps}"
            prog.partial = point
            yield prog
        t_train += time.monotonic() - t0
        train_mean = {k: v / n_steps for k, v in sums.items()}
        val = _validate(obj, model, val_sampler, data, config)
        val_map = _val_map(model, data, dev)
        if val_map is not None:
            val = {**(val or {}), "map": val_map}
        # early stopping: validation QbE mAP with the library's tags when there are enough tagged
        # validation sounds (higher is better), else the validation loss, else the training loss
        crit, tol = _criterion(val_map, val, train_mean, data)
        best_val = min(best_val, crit)
        if crit <= best_val + tol or best_state is None:  # not clearly worse than the best: keep the
            bad, best_state = 0, ckpt.cpu_state(model)  # later, more trained state
        else:
            bad += 1
        history.append({"epoch": epoch + 1, "train": train_mean, "val": val, "seconds": time.monotonic() - t0})
        out_of_time = config.max_minutes is not None and t_train > 60 * config.max_minutes
        stop = bad >= config.patience or out_of_time
        ckpt.save_checkpoint(folder, {
            "epoch": epoch + 1, "config": config.as_dict(), "model": ckpt.cpu_state(model),
            "optimizer": opt.state_dict(), "history": history, "best_val": best_val, "bad_epochs": bad,
            "best_model": best_state, "rng": ckpt.rng_state(rng), "stopped": stop,
            "split": {k: [int(data.ids[i]) for i in getattr(data, k)] for k in ("val", "test")},
            "tags": list(data.vocab.tags),
        })
        prog.partial = {**train_mean, **{f"val_{k}": v for k, v in (val or {}).items()}}
        prog.message = f"epoch {epoch + 1}/{config.epochs} done"
        if val and "total" in val:
            prog.message += f", validation loss {val['total']:.4f}"
        if val_map is not None:
            prog.message += f", validation mAP {val_map:.3f}"
        yield prog
        yield snapshot(epoch + 1)
        if stop:
            stopped_early = True
            break

    result = TrainResult(name, "", config.as_dict(), history, epochs_run=len(history), stopped_early=stopped_early,
                         seconds=t_train, patches_per_s=patches_done / t_train if t_train > 0 else 0.0,
                         samplers=train_sampler.names if train_sampler else [],
                         skipped_samplers=train_sampler.skipped if train_sampler else {},
                         resumed_from=start_epoch)
    if best_state is not None:
        model.load_state_dict(best_state)
    if finalize:
        yield from _finalize(library, model, config, arch, data, result, folder)
    return result


def judged_sounds(library, config: TrainConfig, data: TrainingData) -> tuple[np.ndarray, dict[int, set[str]]]:
    """The sounds the verdict scores and their content tags: the test split, plus (with
    ``--train-on``) every sound of the library the model was not allowed to train on: the map the
    new model would draw is of the whole library, and those sounds are the surest unseen ones."""
    label_sets = {int(data.ids[i]): {data.vocab.tags[t] for t in data.vocab.sound_tags[i]} for i in range(len(data.ids))}
    judged = data.ids[data.test]
    if config.train_on is None:
        return judged, label_sets
    from core.training.data import vocabulary_options
    from core.training.vocabulary import build_vocabulary

    rows = {r.id: r for r in library.sounds()}
    ref_ids, _ = library.vectors(data.reference)
    trained = {int(i) for i in data.ids}
    extra = [int(i) for i in ref_ids if int(i) not in trained and int(i) in rows]
    if not extra:
        return judged, label_sets
    every = [int(i) for i in judged] + extra
    vocab = build_vocabulary([rows[i].tags for i in every], **vocabulary_options(config), exclude=config.exclude_tags,
                             relpaths=[rows[i].relpath for i in every])
    sets = {i: {vocab.tags[t] for t in ts} for i, ts in zip(every, vocab.sound_tags)}
    return np.array(every, dtype=np.int64), sets


def verdict_bars(library, reference: str, name: str) -> tuple[str, ...]:
    """The models a new model ``name`` must beat besides ``reference`` to become the default: the
    product's default encoder and the library's current default (a model promoted earlier), so a
    new default never replaces a better map the user already has."""
    from core.defaults import DEFAULT_MODEL

    models = library.models()
    bars = [DEFAULT_MODEL, library.default_model()]
    return tuple(dict.fromkeys(b for b in bars if b in models and b not in (reference, name)))


def _finalize(library, model: TrainableModel, config: TrainConfig, arch: dict[str, Any], data: TrainingData,
              result: TrainResult, folder) -> Job[None]:
    """Save the embedder, register the model, embed the library, judge, maybe make it the default."""
    yield Progress(stage="save", message=result.name)
    state = ckpt.cpu_state(model.embedder)
    version = f"{result.epochs_run}e-{ckpt.state_digest(state)}"
    weights = folder / f"weights-{version}.pt"
    ckpt.atomic_save(state, weights)
    result.version, result.weights_path = version, str(weights)
    stored_config = {"train": config.as_dict(), "architecture": arch, "reference": data.reference,
                     "vocabulary": data.vocab.tags[:2000]}
    metrics: dict[str, Any] = {"patches_per_s": result.patches_per_s, "seconds": result.seconds,
                               "samplers": result.samplers, "stopped_early": result.stopped_early}
    library.catalog.put_model(result.name, version, config.method, stored_config, result.history, metrics,
                              str(weights))
    from core.training.registration import register_trained_models

    register_trained_models(library)
    yield from library.embed(result.name)
    yield Progress(stage="verdict", message=f"{result.name} vs {data.reference}")
    judged, label_sets = judged_sounds(library, config, data)
    must_beat = verdict_bars(library, data.reference, result.name)
    for bar in must_beat:
        yield from library.embed(bar)  # cheap: the reference is embedded, a trained default is already
    verdict = judge(library, result.name, data.reference, judged, label_sets,
                    confidence=config.verdict_confidence, folders=data.test_folders, seed=config.seed,
                    must_beat=must_beat)
    result.verdict = verdict
    if verdict.wins:
        library.catalog.set_default_model(result.name)
        result.default_changed = True
    elif library.catalog.default_model() == result.name:  # a retrained model that no longer wins
        library.catalog.set_default_model(None)
    metrics["verdict"] = verdict.as_dict()
    library.catalog.put_model(result.name, version, config.method, stored_config, result.history, metrics,
                              str(weights))
    for old in folder.glob("weights-*.pt"):
        if old != weights:
            old.unlink(missing_ok=True)
