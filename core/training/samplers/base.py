"""What every triplet sampler shares: the batch type, the sampling context, power-domain helpers.

A sampler draws ``n`` triplets ``(anchor, positive, negative)`` of log-mel patches ``[M, F]``
(``M`` mel bands, ``F`` frames) from a :class:`~core.training.feature_cache.FrameStore`. The
positive should be "the same sound" as the anchor in the sampler's sense, the negative a
different one. ``sounds[:, k]`` records which library sound each patch came from (the anchor's
sound for a synthesised positive); ``info`` carries sampler-specific facts (shift amounts, mixing
weights, times) for inspection and tests.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np

from core.audio.features import MelConfig
from core.training.feature_cache import FrameStore


@dataclass(slots=True)
class Triplets:
    """``anchor``/``positive``/``negative`` float32 ``[B, M, F]``; ``sounds`` int64 ``[B, 3]``."""

    anchor: np.ndarray
    positive: np.ndarray
    negative: np.ndarray
    sounds: np.ndarray
    kind: list[str] = field(default_factory=list)
    info: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.anchor.shape[0])

    @staticmethod
    def concat(parts: list[Triplets]) -> Triplets:
        parts = [p for p in parts if len(p)]
        if not parts:
            raise ValueError("no triplets")
        keys = set().union(*(p.info for p in parts))
        info: dict[str, np.ndarray] = {}
        for k in keys:  # sampler-specific info, NaN-padded for the others
            cols = []
            for p in parts:
                v = p.info.get(k)
                cols.append(np.asarray(v, dtype=np.float64) if v is not None else np.full(len(p), np.nan))
            info[k] = np.concatenate(cols)
        return Triplets(
            np.concatenate([p.anchor for p in parts]), np.concatenate([p.positive for p in parts]),
            np.concatenate([p.negative for p in parts]), np.concatenate([p.sounds for p in parts]),
            [k for p in parts for k in p.kind], info,
        )


@dataclass(slots=True)
class SamplingContext:
    """What samplers may draw from.

    ``pool``: int64 indices (into ``store``) of the sounds this split may use; ``sound_tags``:
    per store index, its vocabulary tag indices (empty when unknown); ``tag_weights``: float32
    ``[C]``; ``ranking``: int64 ``[N, K]`` reference neighbours of each store index (store
    indices, nearest first) or ``None``; ``folders``: int64 ``[N]`` folder code of each store
    index, or ``None``.
    """

    store: FrameStore
    pool: np.ndarray
    sound_tags: list[list[int]] | None = None
    tag_weights: np.ndarray | None = None
    ranking: np.ndarray | None = None
    folders: np.ndarray | None = None  # int64 [N] folder code per store index (cross-folder tag triplets)

    @property
    def mel(self) -> MelConfig:
        return self.store.mel


class SamplerUnavailable(ValueError):
    """The collection cannot feed this sampler (no tags, no long files, …)."""


class Sampler(ABC):
    name: str = ""

    def __init__(self, ctx: SamplingContext) -> None:
        self.ctx = ctx
        if len(ctx.pool) < 2:
            raise SamplerUnavailable(f"{self.name}: needs at least two sounds")

    @abstractmethod
    def sample(self, n: int, rng: np.random.Generator) -> Triplets:
        """``n`` triplets."""

    # -- helpers ---------------------------------------------------------------------------
    def random_sounds(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self.ctx.pool[rng.integers(0, len(self.ctx.pool), size=n)]

    def other_sounds(self, anchors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """For each anchor sound, a uniformly random *different* sound of the pool."""
        out = self.random_sounds(len(anchors), rng)
        for _ in range(32):
            same = out == anchors
            if not same.any():
                break
            out[same] = self.random_sounds(int(same.sum()), rng)
        return out

    def crops(self, sounds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return np.stack([self.ctx.store.crop(int(i), rng) for i in sounds]).astype(np.float32)


def to_power(x: np.ndarray, mel: MelConfig) -> np.ndarray:
    """Log-mel values (the front end's scale) → mel power (float64), inverse of the front end's log."""
    x = np.asarray(x, dtype=np.float64)
    if mel.log == "db":
        return np.power(10.0, 10.0 * x - 10.0)
    return (np.power(10.0, x * mel.log_max) - 1.0) / mel.log_gain


def from_power(p: np.ndarray, mel: MelConfig) -> np.ndarray:
    """Mel power → log-mel values in the front end's scale (float32), clipped like the front end."""
    p = np.asarray(p, dtype=np.float64)
    if mel.log == "db":
        return np.clip((10.0 * np.log10(np.maximum(p, 1e-10)) + 100.0) / 100.0, 0.0, 1.5).astype(np.float32)
    return (np.log10(1.0 + mel.log_gain * np.maximum(p, 0.0)) / mel.log_max).astype(np.float32)


def energy(x: np.ndarray, mel: MelConfig) -> np.ndarray:
    """Total mel power of each patch ``[..., M, F]`` → ``[...]``."""
    return to_power(x, mel).sum(axis=(-2, -1))
