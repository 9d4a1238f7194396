"""Trained models as encoders: :class:`TrainedEncoder` (registered by
:func:`core.training.registration.register_trained_models`).

A trained model lives in the library's catalog (``models`` table: name, version, kind, config,
history, metrics, weights path) and its weights file (a plain state dict, loaded with
``weights_only=True``). :class:`~core.library.Library` calls :func:`register_trained_models` when
it opens, so every trained model is available by name like ``mfcc`` and ``pretrained``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from core.encoders.base import Encoder
from core.audio.features import MelConfig
from core.training import checkpoint


def mel_for(arch: dict[str, Any]) -> MelConfig:
    """The front end of an architecture: the aiSFX one for the pretrained backbone, else the default."""
    if arch.get("init") == "pretrained":
        from core.encoders.pretrained import AISFX_MEL

        return AISFX_MEL
    return MelConfig()


class TrainedEncoder(Encoder):
    """An :class:`Encoder` running a trained :class:`~core.training.models.AudioEmbedder`.

    ``patches [P, M, F] → [P, D]`` (L2-normalised per patch); sound vectors are pooled as for every
    encoder (mean over patches, then L2-normalised).
    """

    max_batch_patches = 64

    def __init__(self, name: str, version: str, arch: dict[str, Any], weights: Path | dict[str, torch.Tensor],
                 device: torch.device | str | None = None) -> None:
        from core.training.models import make_embedder

        self.name = name
        self.version = version
        self.arch = dict(arch)
        self.mel = mel_for(arch)
        super().__init__(device)
        state = checkpoint.load(Path(weights)) if not isinstance(weights, dict) else weights
        self.net = make_embedder(self.arch, pretrained_weights=False)
        self.net.load_state_dict(state, strict=True)
        self.net.to(self.device).eval()
        self.dim = int(self.net.out_dim)

    @torch.no_grad()
    def embed_patches(self, patches: torch.Tensor) -> torch.Tensor:
        return self.net(patches.to(self.device).float())

