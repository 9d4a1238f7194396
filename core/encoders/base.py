"""The encoder interface: waveforms in, one L2-normalised vector per sound out.

Every encoder turns a mono waveform into per-patch vectors ``[P, D]``; the sound-level vector is
their mean, L2-normalised (:func:`pool`). Batching across sounds happens in :meth:`Encoder.encode`,
which concatenates the patches of many sounds into one forward pass.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np
import torch

from core.audio.features import MelConfig, MelFrontend, default_device, make_patches


def l2_normalise(x: torch.Tensor, dim: int = -1) -> torch.Tensor:
    return torch.nn.functional.normalize(x.float(), p=2.0, dim=dim, eps=1e-12)


def pool(patch_vectors: torch.Tensor) -> torch.Tensor:
    """``[P, D]`` patch vectors → ``[D]`` sound vector: mean over patches, then L2-normalised."""
    return l2_normalise(patch_vectors.float().mean(dim=0))


class Encoder(ABC):
    """One embedding model. Subclasses set ``name``, ``version``, ``dim`` and ``mel`` (its front end)."""

    name: str = ""
    version: str = ""
    dim: int = 0
    mel: MelConfig = MelConfig()
    #: patches per forward pass; bounds memory on CPU and GPU
    max_batch_patches: int = 64

    def __init__(self, device: torch.device | str | None = None) -> None:
        self.device = torch.device(device) if device is not None else default_device()
        self.frontend = MelFrontend(self.mel, self.device)

    @property
    def sample_rate(self) -> int:
        return self.mel.sample_rate

    @property
    def key(self) -> tuple[str, str]:
        """``(name, version)``: what embeddings are cached under."""
        return self.name, self.version

    def patches(self, wave: np.ndarray | torch.Tensor) -> torch.Tensor:
        """Mono waveform ``[n]`` → log-mel patches ``[P, n_mels, frames]`` on the encoder's device."""
        logmel = self.frontend(wave)[0]
        return make_patches(logmel, self.mel.patch_frames, self.mel.patch_hop)

    @abstractmethod
    def embed_patches(self, patches: torch.Tensor) -> torch.Tensor:
        """Patches ``[P, n_mels, frames]`` → patch vectors ``[P, D]`` (not necessarily normalised)."""

    @torch.no_grad()
    def encode(self, waves: Sequence[np.ndarray]) -> list[torch.Tensor]:
        """Encode several sounds at once. Returns, per sound, its patch vectors ``[P_i, D]`` on CPU."""
        per_sound = [self.patches(w) for w in waves]
        counts = [p.shape[0] for p in per_sound]
        if not per_sound:
            return []
        allp = torch.cat(per_sound)
        out = torch.cat(
            [self.embed_patches(allp[i : i + self.max_batch_patches]) for i in range(0, allp.shape[0], self.max_batch_patches)]
        ).float().cpu()
        return list(torch.split(out, counts))

    @torch.no_grad()
    def embed_wave(self, wave: np.ndarray) -> np.ndarray:
        """Convenience: one waveform → one L2-normalised vector ``[D]`` (numpy float32)."""
        return pool(self.encode([wave])[0]).numpy()
