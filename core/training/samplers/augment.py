"""Self-supervised samplers that synthesise the positive from the anchor (Jansen et al. 2018).

- :class:`NoiseSampler`: ``positive = x ⊙ (1 + |ε|)``, ``ε ~ N(0, σ²)`` elementwise on the log-mel patch.
- :class:`ShiftSampler`: circular shift in time by ``1 … F−1`` frames, then a truncated shift of
  ``−S … S`` mel bins in frequency (bins shifted out are lost, the gap is silence).
- :class:`MixSampler`: ``positive = anchor + α·(E(anchor)/E(neg))·neg`` in the mel *power* domain,
  so the added component carries ``α`` times the anchor's energy; the negative is the mixed-in sound.

In all three the negative is a random patch of another sound.
"""

from __future__ import annotations

import numpy as np

from core.training.samplers.base import Sampler, SamplingContext, Triplets, energy, from_power, to_power


class NoiseSampler(Sampler):
    name = "noise"

    def __init__(self, ctx: SamplingContext, sigma: float = 0.2) -> None:
        super().__init__(ctx)
        self.sigma = float(sigma)

    def sample(self, n: int, rng: np.random.Generator) -> Triplets:
        a_s = self.random_sounds(n, rng)
        n_s = self.other_sounds(a_s, rng)
        anchor = self.crops(a_s, rng)
        eps = rng.normal(0.0, self.sigma, size=anchor.shape).astype(np.float32)
        positive = anchor * (1.0 + np.abs(eps))
        sounds = np.stack([a_s, a_s, n_s], axis=1)
        return Triplets(anchor, positive, self.crops(n_s, rng), sounds, [self.name] * n)


def shift_patch(x: np.ndarray, time_shift: int, freq_shift: int) -> np.ndarray:
    """``[M, F]`` → circular roll of ``time_shift`` frames, truncated shift of ``freq_shift`` bins
    (positive = up in frequency); vacated bins are 0 (silence)."""
    y = np.roll(x, time_shift, axis=1)
    out = np.zeros_like(y)
    m = x.shape[0]
    s = int(freq_shift)
    if s > 0:
        out[s:] = y[: m - s]
    elif s < 0:
        out[: m + s] = y[-s:]
    else:
        out = y
    return out


class ShiftSampler(Sampler):
    name = "shift"

    def __init__(self, ctx: SamplingContext, max_bins: int = 8) -> None:
        super().__init__(ctx)
        self.max_bins = int(max_bins)

    def sample(self, n: int, rng: np.random.Generator) -> Triplets:
        a_s = self.random_sounds(n, rng)
        n_s = self.other_sounds(a_s, rng)
        anchor = self.crops(a_s, rng)
        frames = anchor.shape[2]
        t_shift = rng.integers(1, frames, size=n)
        f_shift = rng.integers(-self.max_bins, self.max_bins + 1, size=n)
        positive = np.stack([shift_patch(a, int(t), int(f)) for a, t, f in zip(anchor, t_shift, f_shift)])
        sounds = np.stack([a_s, a_s, n_s], axis=1)
        info = {"time_shift": t_shift.astype(np.float64), "freq_shift": f_shift.astype(np.float64)}
        return Triplets(anchor, positive, self.crops(n_s, rng), sounds, [self.name] * n, info)


class MixSampler(Sampler):
    name = "mix"

    def __init__(self, ctx: SamplingContext, alpha: tuple[float, float] = (0.1, 0.5)) -> None:
        super().__init__(ctx)
        self.alpha = (float(alpha[0]), float(alpha[1]))

    def sample(self, n: int, rng: np.random.Generator) -> Triplets:
        mel = self.ctx.mel
        a_s = self.random_sounds(n, rng)
        n_s = self.other_sounds(a_s, rng)
        anchor = self.crops(a_s, rng)
        negative = self.crops(n_s, rng)
        alpha = rng.uniform(self.alpha[0], self.alpha[1], size=n)
        pa, pn = to_power(anchor, mel), to_power(negative, mel)
        ea, en = pa.sum(axis=(1, 2)), pn.sum(axis=(1, 2))
        gain = alpha * ea / np.maximum(en, 1e-12)
        positive = from_power(pa + gain[:, None, None] * pn, mel)
        sounds = np.stack([a_s, a_s, n_s], axis=1)
        return Triplets(anchor, positive, negative, sounds, [self.name] * n, {"alpha": alpha})


__all__ = ["MixSampler", "NoiseSampler", "ShiftSampler", "energy", "shift_patch"]
