"""Preparing a library for training: reference vectors, tag vocabulary, split, feature cache.

:func:`prepare` is a job: it embeds the library with the reference encoder (cached in the
catalog; it anchors distillation, the ranked sampler, the tag-consistency filter and the verdict),
builds the vocabulary, splits the sounds into training, validation (early stopping) and test (the
verdict) sets (seeded; a resumed run reuses the saved split), and fills the log-mel feature cache of the model's front end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from core.jobs import Job, Progress
from core.training.config import TrainConfig
from core.training.feature_cache import FeatureCache, FrameStore
from core.encoders.trained import mel_for
from core.training.vocabulary import Vocabulary, build_vocabulary


@dataclass(slots=True)
class TrainingData:
    """Store index ``i`` is sound ``ids[i]`` everywhere below."""

    ids: np.ndarray  # int64 [N] catalog sound ids
    relpaths: list[str]
    store: FrameStore
    reference: str
    ref_vectors: np.ndarray  # float32 [N, Dr], L2-normalised
    vocab: Vocabulary
    train: np.ndarray  # int64 store indices
    val: np.ndarray  # int64 store indices (held out: early stopping)
    test: np.ndarray  # int64 store indices (held out: the verdict)
    skipped: int = 0  # sounds without a reference vector or features (decode failures)


def resolve_reference(library, reference: str) -> str:
    """``'auto'`` → ``'pretrained'`` when it can be built on this machine, else ``'mfcc'``."""
    if reference != "auto":
        library.registry.info(reference)  # raises UnknownModel with the available names
        return reference
    if "pretrained" in library.models():
        try:
            from core.encoders.pretrained import checkpoint_path

            checkpoint_path()
            return "pretrained"
        except Exception:  # not installed: fall back to the classic features
            pass
    return "mfcc"


def trainable(config: TrainConfig) -> Callable[[str], bool]:
    """``relpath → bool``: whether a sound may be trained on (``config.train_on`` restricts it)."""
    if config.train_on is None:
        return lambda _relpath: True
    wanted = frozenset(config.train_on)
    return wanted.__contains__


def split_indices(n: int, val_fraction: float, test_fraction: float, seed: int, eligible: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded random split of ``range(n)`` (or of ``eligible``) into (train, val, test) index arrays.

    Fewer than 10 sounds: everything trains, nothing is held out.
    """
    pool = np.arange(n) if eligible is None else np.asarray(eligible, dtype=np.int64)
    rng = np.random.default_rng(seed + 7919)
    perm = rng.permutation(pool)
    if len(pool) < 10:
        return np.sort(perm), perm[:0], perm[:0]
    n_val = int(round(len(pool) * val_fraction))
    n_test = int(round(len(pool) * test_fraction))
    if n_val + n_test > len(pool) - 2:
        n_val = n_test = max(0, (len(pool) - 2) // 2)
    return np.sort(perm[n_val + n_test:]), np.sort(perm[:n_val]), np.sort(perm[n_val:n_val + n_test])


def prepare(library, config: TrainConfig, saved_split: dict[str, list[int]] | None = None,
            saved_tags: list[str] | None = None) -> Job[TrainingData]:
    """Job → :class:`TrainingData`. ``saved_split`` (``{'val': ids, 'test': ids}``) and ``saved_tags``
    come from a checkpoint being resumed, so the run continues on the same split and vocabulary."""
    reference = resolve_reference(library, config.reference)
    yield Progress(stage="prepare", message=f"reference vectors ({reference})")
    yield from library.embed(reference)
    ids, ref = library.vectors(reference)
    if len(ids) < 4:
        raise ValueError(f"training needs at least 4 readable sounds, the library has {len(ids)}")
    rows_by_id = {r.id: r for r in library.sounds()}
    allowed = trainable(config)
    keep = np.array([int(i) in rows_by_id and allowed(rows_by_id[int(i)].relpath) for i in ids], dtype=bool)
    if config.train_on is not None and keep.sum() < 4:
        raise ValueError(f"training needs at least 4 sounds: only {int(keep.sum())} of the {len(config.train_on)} "
                         "sounds to train on are embedded sounds of this library")
    ids, ref = ids[keep], ref[keep]
    rows = [rows_by_id[int(i)] for i in ids]

    cache = FeatureCache(mel_for(config.architecture()), max_seconds=config.max_cache_seconds)
    build = yield from cache.build(library.catalog, rows)
    failed = {rel for rel, _ in (build.failed or [])}
    if failed:
        ok = np.array([r.relpath not in failed for r in rows], dtype=bool)
        ids, ref, rows = ids[ok], ref[ok], [r for r, k in zip(rows, ok) if k]
    store = cache.store(rows)

    raw = [r.tags for r in rows]
    if saved_tags is not None:
        vocab = build_vocabulary(raw, max_tags=len(saved_tags) + 1, max_doc_freq=1.0, min_count=1,
                                 reference=ref, min_consistency=None)
        vocab = restrict_vocabulary(vocab, saved_tags)
    else:
        vocab = build_vocabulary(raw, max_tags=config.max_tags, max_doc_freq=config.max_doc_freq,
                                 min_count=config.min_tag_count, exclude=config.exclude_tags, reference=ref,
                                 min_consistency=config.min_consistency)
    eligible = vocab.tagged() if config.method in ("coala", "ec") else None
    if eligible is not None and len(eligible) < 4:
        raise ValueError(f"{config.method} needs tagged sounds: only {len(eligible)} sound(s) kept a tag "
                         f"({vocab.size} tags in the vocabulary)")
    if saved_split is not None:
        pos = {int(i): k for k, i in enumerate(ids)}
        val, test = (np.array(sorted(pos[i] for i in saved_split[k] if i in pos), dtype=np.int64)
                     for k in ("val", "test"))
        pool = np.arange(len(ids)) if eligible is None else eligible
        train = np.setdiff1d(pool, np.concatenate([val, test]))
    else:
        train, val, test = split_indices(len(ids), config.val_fraction, config.test_fraction, config.seed, eligible)
    yield Progress(stage="prepare", done=1, total=1,
                   message=f"{len(train)} training / {len(val)} validation / {len(test)} test sounds, "
                           f"{vocab.size} tags")
    return TrainingData(ids, [r.relpath for r in rows], store, reference, ref.astype(np.float32), vocab,
                        train, val, test, skipped=int((~keep).sum()) + len(failed))


def restrict_vocabulary(vocab: Vocabulary, tags: list[str]) -> Vocabulary:
    """``vocab`` re-indexed to exactly ``tags`` (a saved vocabulary; unknown tags stay, unused)."""
    old = vocab.index()
    new_index = {t: i for i, t in enumerate(tags)}
    sound_tags = [[new_index[vocab.tags[j]] for j in ts if vocab.tags[j] in new_index] for ts in vocab.sound_tags]
    weights = np.array([vocab.weights[old[t]] if t in old else 1.0 for t in tags], dtype=np.float32)
    doc = np.array([vocab.doc_freq[old[t]] if t in old else 0 for t in tags], dtype=np.int64)
    return Vocabulary(list(tags), sound_tags, weights, doc, {})


@dataclass(slots=True)
class TagPreview:
    """The vocabulary a training run would use, before training (the app's tag list).

    ``vocab`` is built with ``exclude=()`` so that the tags the user excluded are still listed (with
    their counts) and can be switched back on; ``reference`` names the encoder whose vectors weighed the tags, or is ``None`` when the library
    has no vectors of it yet (then tags are weighed by IDF only, and the consistency filter is off).
    """

    vocab: Vocabulary
    reference: str | None
    n_sounds: int


def preview_tags(library, config: TrainConfig) -> Job[TagPreview]:
    """Job → :class:`TagPreview`. Uses the reference encoder's vectors only when already embedded
    (it never embeds), so it takes a second, not minutes."""
    yield Progress(stage="tags", message="reading tags")
    rows_by_id = {r.id: r for r in library.sounds()}
    reference: str | None = resolve_reference(library, config.reference)
    ids, ref = library.vectors(reference)
    if len(ids) < max(4, len(rows_by_id) // 2):  # not (mostly) embedded yet
        reference, ref = None, None
        rows = list(rows_by_id.values())
    else:
        keep = [k for k, i in enumerate(ids) if int(i) in rows_by_id]
        rows, ref = [rows_by_id[int(ids[k])] for k in keep], ref[keep]
    allowed = trainable(config)
    sel = [k for k, r in enumerate(rows) if allowed(r.relpath)]
    rows, ref = [rows[k] for k in sel], (ref[sel] if ref is not None else None)
    vocab = build_vocabulary([r.tags for r in rows], max_tags=config.max_tags, max_doc_freq=config.max_doc_freq,
                             min_count=config.min_tag_count, reference=ref,
                             min_consistency=config.min_consistency if ref is not None else None)
    yield Progress(stage="tags", done=1, total=1, message=f"{vocab.size} tags")
    return TagPreview(vocab, reference, len(rows))
