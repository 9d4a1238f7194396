"""The classic low anchor: MFCC statistics (20 MFCCs + Δ + ΔΔ, mean and std over time → 120-d)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from core.encoders.base import Encoder
from core.features import MelConfig, mfcc_stats, patch_starts

# Per-dimension scales (typical spread of each statistic) so that no single coefficient, such as
# c0 (loudness), dominates the cosine similarity after L2 normalisation. MFCC k of an orthonormal
# DCT of the [0, 1]-scaled dB mel spectrum has a spread that falls roughly like 1/(1 + k/4);
# deltas are about 5x smaller and delta-deltas 10x smaller than their coefficients.
_K = torch.arange(20, dtype=torch.float32)
_COEF = 1.0 / (1.0 + _K / 4.0)
_SCALE = torch.cat([_COEF * 2.0, _COEF * 0.2, _COEF * 0.1, _COEF * 0.5, _COEF * 0.1, _COEF * 0.05])


class MfccEncoder(Encoder):
    """MFCC statistics computed per 2.2 s patch over the unpadded signal; 120-d."""

    name = "mfcc"
    version = "1"
    dim = 120
    mel = MelConfig()
    max_batch_patches = 1024

    @torch.no_grad()
    def encode(self, waves: Sequence[np.ndarray]) -> list[torch.Tensor]:
        out: list[torch.Tensor] = []
        scale = _SCALE.to(self.device)
        for w in waves:
            logmel = self.frontend(w)  # [1, M, T]
            t = logmel.shape[2]
            vecs = [
                mfcc_stats(logmel[:, :, s : s + self.mel.patch_frames])[0]
                for s in patch_starts(t, self.mel.patch_frames, self.mel.patch_hop)
            ]
            out.append((torch.stack(vecs) / scale).cpu())
        return out

    def embed_patches(self, patches: torch.Tensor) -> torch.Tensor:
        return mfcc_stats(patches) / _SCALE.to(patches.device)
