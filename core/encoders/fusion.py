"""Library-adaptive normalisation and fusion of sound vectors: the ``pretrained+mfcc`` model.

:func:`standardise` z-scores every dimension over a library's sounds and L2-normalises each row:
it removes the directions that every sound of this library shares (a common offset dominates the
cosine similarity of a CNN's mean-pooled features). :func:`fuse` concatenates standardised blocks
(each L2-normalised, the second scaled by ``weight``) and L2-normalises the result, so that the
cosine similarity is a weighted mean of the blocks' cosines.

``pretrained+mfcc`` (:data:`ADAPTIVE_MODEL`) is such a model: the library's ``pretrained`` vectors,
standardised, with its standardised ``mfcc`` statistics at weight 0.25 (docs/training.md: it beat
``pretrained`` on every dev set in both settings). It needs no training, only the statistics of the
library: :func:`embed_adaptive` embeds the two components, fits the per-dimension means and
standard deviations over the library's sounds, stores them next to the library's trained models
and writes the fused vectors. The model's version includes a digest of those statistics, so maps
and neighbour indexes of an older fit are never reused; they are refitted when the library's
sounds change. A file outside the library is embedded with the stored statistics
(:class:`AdaptiveEncoder`).
"""

from __future__ import annotations

import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from core.jobs import Job, Progress

ADAPTIVE_MODEL = "pretrained+mfcc"
COMPONENTS = ("pretrained", "mfcc")
WEIGHTS = (1.0, 0.25)
EPS = 1e-6


def _unit(x: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(x, axis=1, keepdims=True)
    n[n == 0] = 1.0
    return np.nan_to_num(x / n).astype(np.float32)


def standardise(vectors: np.ndarray, eps: float = EPS) -> np.ndarray:
    """float32 ``[N, D]``: each dimension z-scored over the rows, then each row L2-normalised."""
    return FusionStats.fit([vectors], (1.0,)).apply([vectors])


def fuse(first: np.ndarray, second: np.ndarray, weight: float = 0.5) -> np.ndarray:
    """``[standardise(first), weight · standardise(second)]``, L2-normalised (float32 ``[N, D1 + D2]``)."""
    if len(first) != len(second):
        raise ValueError(f"fuse needs the same sounds in both blocks ({len(first)} vs {len(second)})")
    return FusionStats.fit([first, second], (1.0, weight)).apply([first, second])


@dataclass(slots=True)
class FusionStats:
    """Per block: the mean and standard deviation of every dimension over a library, and its weight."""

    means: list[np.ndarray]
    stds: list[np.ndarray]
    weights: tuple[float, ...]

    @classmethod
    def fit(cls, blocks: list[np.ndarray], weights: tuple[float, ...]) -> FusionStats:
        xs = [np.asarray(b, dtype=np.float64) for b in blocks]
        return cls([x.mean(axis=0) for x in xs], [x.std(axis=0) + EPS for x in xs], tuple(float(w) for w in weights))

    def apply(self, blocks: list[np.ndarray]) -> np.ndarray:
        """Vectors of the same sounds in every block (rows aligned) → fused float32 ``[N, ΣD]``."""
        parts = [w * _unit((np.asarray(b, dtype=np.float64) - m) / s)
                 for b, m, s, w in zip(blocks, self.means, self.stds, self.weights)]
        return _unit(np.concatenate(parts, axis=1))

    def digest(self) -> str:
        h = hashlib.sha1(repr(self.weights).encode())
        for a in (*self.means, *self.stds):
            h.update(np.ascontiguousarray(a, dtype="<f8").tobytes())
        return h.hexdigest()[:10]

    def save(self, path: Path) -> None:
        arrays = {f"mean{k}": m for k, m in enumerate(self.means)} | {f"std{k}": s for k, s in enumerate(self.stds)}
        buf = io.BytesIO()
        np.savez(buf, weights=np.array(self.weights), **arrays)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_bytes(buf.getvalue())
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path) -> FusionStats:
        with np.load(path, allow_pickle=False) as z:
            k = len(z["weights"])
            return cls([z[f"mean{i}"] for i in range(k)], [z[f"std{i}"] for i in range(k)],
                       tuple(float(w) for w in z["weights"]))


def stats_path(catalog_path: Path, name: str = ADAPTIVE_MODEL) -> Path:
    from core.paths import data_dir

    digest = hashlib.sha1(str(Path(catalog_path).resolve()).encode()).hexdigest()[:10]
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
    return data_dir() / "models" / f"{Path(catalog_path).stem[:40]}-{digest}" / safe / "fusion-stats.npz"


def base_version(registry) -> str:
    parts = "-".join(f"{c}{registry.version(c)}@{w:g}" for c, w in zip(COMPONENTS, WEIGHTS))
    return f"z-{parts}"


class AdaptiveEncoder:
    """Embeds a file outside the library with the library's statistics (query by example)."""

    def __init__(self, name: str, version: str, stats: FusionStats | None, components: list) -> None:
        self.name, self.version, self.stats, self.components = name, version, stats, components
        self.dim = sum(len(m) for m in stats.means) if stats else 0

    @property
    def sample_rate(self) -> int:
        return max(c.sample_rate for c in self.components)

    @property
    def key(self) -> tuple[str, str]:
        return self.name, self.version

    def embed_wave(self, wave: np.ndarray) -> np.ndarray:
        import torch
        import torchaudio

        if self.stats is None:
            raise RuntimeError(f"{self.name} has no statistics yet: embed the library with it first")
        w = torch.as_tensor(np.asarray(wave, dtype=np.float32))
        blocks = []
        for enc in self.components:
            x = w if enc.sample_rate == self.sample_rate else torchaudio.functional.resample(
                w, self.sample_rate, enc.sample_rate)
            blocks.append(enc.embed_wave(x.numpy())[None])
        return self.stats.apply(blocks)[0]


def register_adaptive(library) -> None:
    """Add :data:`ADAPTIVE_MODEL` to ``library``'s registry, with the version of its stored fit."""
    reg = library.registry
    base = base_version(reg)
    path = stats_path(library.catalog.path)
    stats = FusionStats.load(path) if path.is_file() else None
    version = f"{base}-{stats.digest()}" if stats is not None else f"{base}-unfit"

    def factory(device, _stats=stats, _v=version):
        return AdaptiveEncoder(ADAPTIVE_MODEL, _v, _stats, [reg.get(c, device) for c in COMPONENTS])

    reg.add(ADAPTIVE_MODEL, version, factory,
            "pretrained standardised per library, + standardised MFCC statistics at weight 0.25 (no training)",
            kind="adaptive")


def embed_adaptive(library, name: str = ADAPTIVE_MODEL) -> Job:
    """Job → ``EmbedReport``: embed the components, (re)fit the library's statistics when its sounds
    changed, store the fused vectors under the fit's version.

    It streams like any embedding: ``mfcc`` first (fast), then ``pretrained`` in batches, each batch
    fused with provisional statistics (those of the sounds embedded so far) and yielded as an
    :class:`~core.embedding.report.EmbedBatch` of this model (stage ``embed <name>``), so a map can
    grow while the slow encoder runs. Cancelled half way, the sounds embedded so far are fitted and
    stored, so every sound a view showed has a vector in the catalog; the next run refits over every
    sound (under a new version)."""
    from core.embedding.report import EmbedReport

    stage = f"embed {name}"
    failed: list[tuple[str, str]] = []
    seconds = 0.0
    first, slow = COMPONENTS[1], COMPONENTS[0]  # mfcc, then pretrained
    rep = yield from _relay(library.embed(first), stage, f"1/2 {first}")
    failed, seconds = list(rep.failed), rep.seconds
    fuse = _ProvisionalFusion(library)
    try:
        rep = yield from _relay(library.embed(slow), stage, f"2/2 {slow}", fuse)
    except GeneratorExit:
        try:
            fit_and_store(library, name)  # keep what was embedded: the shown points have vectors
        except RuntimeError:  # fewer than 2 sounds embedded: nothing was shown either
            pass
        raise
    failed += [f for f in rep.failed if f not in failed]
    seconds += rep.seconds
    yield Progress(stage=stage, message="standardising and fusing")
    stored = fit_and_store(library, name)
    if stored is None:
        return EmbedReport(name, library.model_version(name), cached=len(library.vectors(name)[0]), failed=failed,
                           seconds=seconds)
    yield Progress(stage=stage, done=1, total=1, message=f"{stored} sounds")
    return EmbedReport(name, library.model_version(name), embedded=stored, failed=failed, seconds=seconds)


def _relay(job: Job, stage: str, message: str, fuse: _ProvisionalFusion | None = None) -> Job:
    """Re-yield a component's embedding progress as this model's (``stage``); its batches are fused
    provisionally by ``fuse`` or dropped (they are another model's vectors)."""
    from core.embedding.report import EmbedBatch

    try:
        while True:
            try:
                p = next(job)
            except StopIteration as stop:
                return stop.value
            part = p.partial
            if isinstance(part, EmbedBatch):
                part = fuse(part) if fuse is not None else None
            yield Progress(stage=stage, done=p.done, total=p.total, message=p.message or message, partial=part)
    finally:
        job.close()


class _ProvisionalFusion:
    """Fuses a batch of the slow component with the statistics of every vector of it seen so far
    (running sums, so each batch costs its own size, not the library's)."""

    def __init__(self, library) -> None:
        ids, vecs = library.vectors(COMPONENTS[1])
        self.second = {int(i): v for i, v in zip(ids, vecs)}
        self.second_stats = FusionStats.fit([vecs], (1.0,)) if len(vecs) else None
        self.n, self.total, self.squares = 0, 0.0, 0.0
        _, seen = library.vectors(COMPONENTS[0])
        if len(seen):
            self._add(seen)

    def _add(self, vectors: np.ndarray) -> None:
        x = np.asarray(vectors, dtype=np.float64)
        self.n += len(x)
        self.total = self.total + x.sum(axis=0)
        self.squares = self.squares + (x * x).sum(axis=0)

    def __call__(self, batch):
        from core.embedding.report import EmbedBatch

        self._add(batch.vectors)
        keep = [k for k, i in enumerate(batch.ids) if int(i) in self.second]
        if not keep or self.second_stats is None:
            return None
        mean = self.total / self.n
        std = np.sqrt(np.maximum(self.squares / self.n - mean * mean, 0.0)) + EPS
        stats = FusionStats([mean, *self.second_stats.means], [std, *self.second_stats.stds], WEIGHTS)
        ids = np.asarray(batch.ids)[keep]
        second = np.stack([self.second[int(i)] for i in ids])
        return EmbedBatch(ids, stats.apply([np.asarray(batch.vectors)[keep], second]))


def fit_and_store(library, name: str) -> int | None:
    """Fit the statistics over the sounds embedded with every component and store the fused vectors
    (a new version); ``None`` when the stored fit is already of exactly these sounds."""
    blocks = [library.vectors(c) for c in COMPONENTS]
    common = np.array(sorted(set.intersection(*(set(map(int, ids)) for ids, _ in blocks))), dtype=np.int64)
    if len(common) < 2:
        raise RuntimeError(f"{name} needs at least 2 sounds embedded with {' and '.join(COMPONENTS)}")
    aligned = []
    for ids, vecs in blocks:
        pos = {int(i): k for k, i in enumerate(ids)}
        aligned.append(vecs[[pos[int(i)] for i in common]])
    current_ids, _ = library.vectors(name)
    if len(current_ids) == len(common) and np.array_equal(np.sort(current_ids), common):
        return None  # the fit is of exactly these sounds: nothing to do
    stats = FusionStats.fit(aligned, WEIGHTS)
    fused = stats.apply(aligned)
    stats.save(stats_path(library.catalog.path, name))
    library.catalog.delete_embeddings(name)
    register_adaptive(library)
    library.catalog.put_embeddings(name, library.model_version(name),
                                   [(int(i), v, None) for i, v in zip(common, fused)])
    return len(common)
