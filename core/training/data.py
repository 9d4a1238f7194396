"""Preparing a library for training: reference vectors, tag vocabulary, split, feature cache.

:func:`prepare` is a job: it embeds the library with the reference encoder (cached in the
catalog; it anchors distillation, the ranked sampler, the tag-consistency filter and the verdict),
builds the vocabulary, splits the sounds into training, validation (early stopping) and test (the
verdict) sets (seeded; a resumed run reuses the saved split), and fills the log-mel feature cache of the model's front end.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import PurePosixPath

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
    folders: list[str] | None = None  # per store index, the folder that holds it out (folder_keys)

    def folder_codes(self) -> np.ndarray | None:
        """int64 ``[N]`` folder code per store index (its held-out folder, else its parent folder),
        or ``None`` when every sound is in one folder."""
        keys = self.folders or [str(PurePosixPath(r).parent) for r in self.relpaths]
        if len(set(keys)) < 2:
            return None
        return np.unique(np.asarray(keys), return_inverse=True)[1].astype(np.int64).reshape(-1)

    @property
    def test_folders(self) -> int:
        """Whole folders in the test split (0 for a random split)."""
        if self.folders is None or not len(self.test):
            return 0
        test = {self.folders[int(i)] for i in self.test}
        rest = {self.folders[int(i)] for i in np.concatenate([self.train, self.val])}
        return 0 if test & rest else len(test)


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


def vocabulary_options(config: TrainConfig) -> dict:
    """The vocabulary settings of a run (frequency caps, content-only relevance, the user's flips)."""
    return {"max_tags": config.max_tags, "max_doc_freq": config.max_doc_freq, "min_count": config.min_tag_count,
            "content_only": not config.provenance_relevance, "content_tags": config.content_tags,
            "provenance_tags": config.provenance_tags}


def trainable(config: TrainConfig) -> Callable[[str], bool]:
    """``relpath → bool``: whether a sound may be trained on (``config.train_on`` restricts it)."""
    if config.train_on is None:
        return lambda _relpath: True
    wanted = frozenset(config.train_on)
    return wanted.__contains__


MIN_FOLDERS = 4  # folders needed before whole folders are held out


def folder_keys(relpaths: list[str], sound_types: list[str | None] | None = None) -> list[str] | None:
    """Per sound, the folder that is held out whole, or ``None`` (then the split is random).

    Folders are taken at the shallowest level with at least :data:`MIN_FOLDERS` distinct folders
    (``Kit A/Close/x.wav`` and ``Kit A/OH/y.wav`` stay together when there are enough kits). With
    ``sound_types`` (per sound, :func:`core.audio.taxonomy.sound_type`) they are held out only when
    they say where sounds came from rather than what they are: when most sounds are in *source*
    folders, that hold several sound types with none at 60 % (a kit, a pack, a session) or whose
    name has a provenance word (kit, pack, vol). Category folders (``Kicks/``, ``Footsteps/``) say
    what a sound is: holding them out would only test unseen categories, so the split stays random.
    """
    parts = [PurePosixPath(r).parent.parts for r in relpaths]
    depth = max((len(p) for p in parts), default=0)
    keys = None
    for level in range(1, depth + 1):
        keys = ["/".join(p[:level]) for p in parts]
        if len(set(keys)) >= MIN_FOLDERS:
            break
    else:
        return None
    if sound_types is None:
        return keys
    from core.audio.taxonomy import SPREAD_MAX_SHARE, load_taxonomy
    from core.audio.words import split_tokens

    tax = load_taxonomy()
    members: dict[str, list[str | None]] = {}
    for k, t in zip(keys, sound_types):
        members.setdefault(k, []).append(t)
    in_sources = 0
    for folder, types in members.items():
        typed = Counter(t for t in types if t)
        spread = len(typed) >= 2 and max(typed.values()) < SPREAD_MAX_SHARE * sum(typed.values())
        named = any(tax.provenance_kind(w) for w in split_tokens(folder.rsplit("/", 1)[-1]))
        in_sources += len(types) if spread or named else 0
    return keys if in_sources >= 0.5 * len(keys) else None


def split_indices(n: int, val_fraction: float, test_fraction: float, seed: int, eligible: np.ndarray | None = None,
                  folders: list[str] | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Seeded split of ``range(n)`` (or of ``eligible``) into (train, val, test) index arrays.

    With ``folders`` (per sound, from :func:`folder_keys`: source folders such as kits) whole folders
    are held out: the test set
    takes shuffled folders until it holds ``test_fraction`` of the sounds (at least two folders),
    the validation set likewise from the rest when at least five folders remain (else random sounds
    of the training folders), so that no held-out sound shares a kit or a session with a training
    sound. Otherwise (or when two whole folders would be more than twice ``test_fraction``, at
    least 30 %, of the sounds) a random split.
    Fewer than 10 sounds: everything trains, nothing is held out.
    """
    pool = np.arange(n) if eligible is None else np.asarray(eligible, dtype=np.int64)
    rng = np.random.default_rng(seed + 7919)
    if len(pool) < 10:
        return np.sort(pool), pool[:0], pool[:0]
    if folders is not None and len({folders[int(i)] for i in pool}) >= MIN_FOLDERS:
        by_folder: dict[str, list[int]] = {}
        for i in pool:
            by_folder.setdefault(folders[int(i)], []).append(int(i))
        names = sorted(by_folder)
        order = [names[k] for k in rng.permutation(len(names))]

        def take(names_left: list[str], fraction: float) -> tuple[list[int], list[str]]:
            out: list[int] = []
            used: list[str] = []
            for name in names_left:
                if len(out) >= fraction * len(pool) and len(used) >= 2:
                    break
                if len(by_folder[name]) > 0.5 * len(pool):  # one folder that is most of the library
                    continue
                out += by_folder[name]
                used.append(name)
            return out, used

        test, used = take(order, test_fraction)
        rest = [f for f in order if f not in used]
        if len(rest) >= 3 + 2:
            val, used_v = take(rest, val_fraction)
            rest = [f for f in rest if f not in used_v]
            train = [i for f in rest for i in by_folder[f]]
        else:  # too few folders left: a random validation set among the training folders
            left = rng.permutation([i for f in rest for i in by_folder[f]])
            n_val = int(round(len(left) * val_fraction))
            val, train = list(left[:n_val]), list(left[n_val:])
        if len(train) >= 2 and len(used) >= 2 and len(test) <= max(2 * test_fraction, 0.3) * len(pool):
            as_arr = lambda x: np.sort(np.asarray(x, dtype=np.int64))  # noqa: E731
            return as_arr(train), as_arr(val), as_arr(test)
    perm = rng.permutation(pool)
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
                                 reference=ref, min_consistency=None, content_only=False)
        vocab = restrict_vocabulary(vocab, saved_tags)
    else:
        vocab = build_vocabulary(raw, **vocabulary_options(config), exclude=config.exclude_tags, reference=ref,
                                 min_consistency=config.min_consistency, relpaths=[r.relpath for r in rows])
    eligible = vocab.tagged() if config.method in ("coala", "ec") else None
    if eligible is not None and len(eligible) < 4:
        raise ValueError(f"{config.method} needs tagged sounds: only {len(eligible)} sound(s) kept a tag "
                         f"({vocab.size} tags in the vocabulary)")
    folders = (folder_keys([r.relpath for r in rows], vocab.sound_types or None)
               if config.hold_out == "folders" else None)
    if saved_split is not None:
        pos = {int(i): k for k, i in enumerate(ids)}
        val, test = (np.array(sorted(pos[i] for i in saved_split[k] if i in pos), dtype=np.int64)
                     for k in ("val", "test"))
        pool = np.arange(len(ids)) if eligible is None else eligible
        train = np.setdiff1d(pool, np.concatenate([val, test]))
    else:
        train, val, test = split_indices(len(ids), config.val_fraction, config.test_fraction, config.seed, eligible,
                                         folders)
    yield Progress(stage="prepare", done=1, total=1,
                   message=f"{len(train)} training / {len(val)} validation / {len(test)} test sounds, "
                           f"{vocab.size} tags")
    return TrainingData(ids, [r.relpath for r in rows], store, reference, ref.astype(np.float32), vocab,
                        train, val, test, skipped=int((~keep).sum()) + len(failed), folders=folders)


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
    their counts) and can be switched back on, and with the provenance tags kept: ``vocab.kinds[tag]``
    says whether a tag is content (training relevance) or provenance (not used unless flipped with
    ``TrainConfig.content_tags``; ``provenance_tags`` flips the other way); ``reference`` names the encoder whose vectors weighed the tags, or is ``None`` when the library
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
    options = {**vocabulary_options(config), "content_only": False}  # list provenance tags too, marked
    vocab = build_vocabulary([r.tags for r in rows], **options, reference=ref,
                             min_consistency=config.min_consistency if ref is not None else None,
                             relpaths=[r.relpath for r in rows])
    yield Progress(stage="tags", done=1, total=1, message=f"{vocab.size} tags")
    return TagPreview(vocab, reference, len(rows))
