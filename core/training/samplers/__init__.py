"""Triplet samplers, each with a switch and a weight, mixable into one joint set.

``build_sampler(config, ctx)`` returns a :class:`JointSampler` over the enabled samplers that the
collection can feed (a sampler that cannot, e.g. ``tags`` without tags, is reported in
``JointSampler.skipped`` and its weight dropped).
"""

from __future__ import annotations

import numpy as np

from core.training.samplers.augment import MixSampler, NoiseSampler, ShiftSampler, shift_patch
from core.training.samplers.base import (
    Sampler, SamplerUnavailable, SamplingContext, Triplets, energy, from_power, to_power,
)
from core.training.samplers.relational import ProximitySampler, RankedSampler, TagSampler


class JointSampler:
    """Draws each batch from several samplers in proportion to their weights (multinomial)."""

    def __init__(self, samplers: list[tuple[Sampler, float]], skipped: dict[str, str] | None = None) -> None:
        self.samplers = [(s, float(w)) for s, w in samplers if w > 0]
        if not self.samplers:
            reasons = "; ".join(f"{k}: {v}" for k, v in (skipped or {}).items())
            raise SamplerUnavailable("no sampler can run on this collection" + (f" ({reasons})" if reasons else ""))
        w = np.array([w for _, w in self.samplers])
        self.p = w / w.sum()
        self.skipped = dict(skipped or {})

    @property
    def names(self) -> list[str]:
        return [s.name for s, _ in self.samplers]

    def sample(self, n: int, rng: np.random.Generator) -> Triplets:
        counts = rng.multinomial(n, self.p)
        return Triplets.concat([s.sample(int(c), rng) for (s, _), c in zip(self.samplers, counts) if c > 0])


def make_sampler(name: str, ctx: SamplingContext, config) -> Sampler:
    """One sampler by name, parameterised from a :class:`~core.training.config.TrainConfig`."""
    if name == "noise":
        return NoiseSampler(ctx, config.noise_sigma)
    if name == "shift":
        return ShiftSampler(ctx, config.shift_max_bins)
    if name == "mix":
        return MixSampler(ctx, config.mix_alpha)
    if name == "proximity":
        return ProximitySampler(ctx, config.proximity_seconds)
    if name == "tags":
        return TagSampler(ctx)
    if name == "ranked":
        return RankedSampler(ctx, config.ranked_top, config.ranked_far)
    raise ValueError(f"unknown sampler {name!r}")


def build_sampler(config, ctx: SamplingContext) -> JointSampler:
    chosen: list[tuple[Sampler, float]] = []
    skipped: dict[str, str] = {}
    for name, weight in config.samplers.items():
        if weight <= 0:
            continue
        try:
            chosen.append((make_sampler(name, ctx, config), weight))
        except SamplerUnavailable as exc:
            skipped[name] = str(exc)
    return JointSampler(chosen, skipped)


__all__ = [
    "JointSampler", "MixSampler", "NoiseSampler", "ProximitySampler", "RankedSampler", "Sampler",
    "SamplerUnavailable", "SamplingContext", "ShiftSampler", "TagSampler", "Triplets", "build_sampler",
    "energy", "from_power", "make_sampler", "shift_patch", "to_power",
]
