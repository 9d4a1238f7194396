"""Trainable networks: audio embedders (compact CNN, COALA encoder, aiSFX backbone), the COALA
spectrogram decoder and the COALA tag autoencoder.

All audio modules take log-mel patches ``[B, M, F]`` (mel first, as :func:`core.audio.features.make_patches`
returns them) and add the channel axis themselves. :class:`AudioEmbedder` is what a trained
encoder runs at embedding time (``[B, M, F] → [B, D]``, L2-normalised); :class:`TrainableModel`
adds what training needs on top (decoder, tag autoencoder, alignment heads).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from core.encoders.cnn9 import Cnn9

COALA_CHANNELS = 128
COALA_LATENT = COALA_CHANNELS * 3 * 3  # 1152 for 96×96 patches


class CompactCNN(nn.Module):
    """A CPU-friendly CNN: a 5×5 stride-2 stem (w channels), then three conv3×3→BN→ReLU→max-pool
    blocks (2w, 4w, 8w); mean over frequency, then mean ‖ max over time. ``[B, M, F] → [B, 16w]``.
    About 10 M multiply-adds per 96×96 patch at w=16 (the aiSFX CNN needs ~1.9 G)."""

    def __init__(self, width: int = 16) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.Conv2d(1, width, 5, stride=2, padding=2, bias=False), nn.BatchNorm2d(width),
                                   nn.ReLU(inplace=True)]
        cin = width
        for k in range(1, 4):
            cout = width * 2**k
            layers += [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                       nn.MaxPool2d(2)]
            cin = cout
        self.net = nn.Sequential(*layers)
        self.out_dim = 2 * cin

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.net(x.unsqueeze(1)).mean(dim=2)  # [B, C, F/16]
        return torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1)


class CoalaEncoder(nn.Module):
    """COALA audio encoder: 5 × (conv 4×4 stride 2, 128 filters → BN → ReLU). ``[B, 96, 96] → [B, 1152]``."""

    def __init__(self, channels: int = COALA_CHANNELS) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        cin = 1
        for _ in range(5):
            layers += [nn.Conv2d(cin, channels, 4, 2, 1, bias=False), nn.BatchNorm2d(channels), nn.ReLU(inplace=True)]
            cin = channels
        self.net = nn.Sequential(*layers)
        self.out_dim = channels * 9

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x.unsqueeze(1)).flatten(1)


class Cnn9Backbone(nn.Module):
    """The aiSFX CNN (:class:`~core.encoders.cnn9.Cnn9`) on ``[B, M, F]`` patches (transposed to
    time × mel as it was trained); the first ``freeze_blocks`` conv blocks are frozen (weights and
    batch-norm statistics). ``[B, 96, 96] → [B, 512]``."""

    def __init__(self, freeze_blocks: int = 3, pretrained: bool = True) -> None:
        super().__init__()
        if pretrained:
            from core.encoders.pretrained import load_aisfx_cnn

            self.cnn = load_aisfx_cnn("cpu").train()
        else:
            self.cnn = Cnn9(width=64)
        self.frozen = [getattr(self.cnn, f"conv_block{i}") for i in range(1, int(freeze_blocks) + 1)]
        for block in self.frozen:
            for p in block.parameters():
                p.requires_grad_(False)
        self.out_dim = self.cnn.out_dim

    def train(self, mode: bool = True) -> Cnn9Backbone:
        super().train(mode)
        for block in self.frozen:
            block.eval()
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.cnn(x.transpose(1, 2).contiguous())


class SpecDecoder(nn.Module):
    """COALA's mirrored decoder: 4 × (transposed conv 4×4 stride 2 → BN → ReLU) and a last transposed
    conv to one channel with a sigmoid. Input ``[B, in_dim]`` (an affine layer first maps it to
    ``[B, C, 3, 3]`` unless ``in_dim`` is already ``C·9``); output ``[B, 96, 96]`` in (0, 1)."""

    def __init__(self, in_dim: int, channels: int = COALA_CHANNELS) -> None:
        super().__init__()
        self.channels = channels
        self.fc = None if in_dim == channels * 9 else nn.Linear(in_dim, channels * 9)
        layers: list[nn.Module] = []
        for _ in range(4):
            layers += [nn.ConvTranspose2d(channels, channels, 4, 2, 1, bias=False), nn.BatchNorm2d(channels),
                       nn.ReLU(inplace=True)]
        layers += [nn.ConvTranspose2d(channels, 1, 4, 2, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        if self.fc is not None:
            z = F.relu(self.fc(z))
        return torch.sigmoid(self.net(z.view(-1, self.channels, 3, 3))).squeeze(1)


def _mlp(sizes: list[int], dropout: float, last_act: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    for k in range(len(sizes) - 1):
        last = k == len(sizes) - 2
        layers.append(nn.Linear(sizes[k], sizes[k + 1]))
        if not last or last_act:
            layers += [nn.BatchNorm1d(sizes[k + 1]), nn.ReLU(inplace=True)]
            if not last and dropout > 0:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class TagAutoencoder(nn.Module):
    """COALA tag autoencoder: multi-hot ``[B, C]`` → 512 → 512 → 1152 (BN, ReLU) and the mirror
    1152 → 512 → 512 → ``C`` logits."""

    def __init__(self, n_tags: int, latent: int = COALA_LATENT, hidden: int = 512, dropout: float = 0.25,
                 decoder: bool = True) -> None:
        super().__init__()
        self.encoder = _mlp([n_tags, hidden, hidden, latent], dropout, last_act=True)
        self.decoder = _mlp([latent, hidden, hidden, n_tags], dropout, last_act=False) if decoder else None


class AudioEmbedder(nn.Module):
    """Backbone + final linear layer: ``[B, M, F]`` → L2-normalised ``[B, dim]``.

    With ``embed_from='latent'`` the sound vector is the backbone latent instead of the head output
    (COALA's choice); the head is then only used for the alignment loss.
    """

    def __init__(self, backbone: nn.Module, dim: int, dropout: float = 0.0, embed_from: str = "head") -> None:
        super().__init__()
        self.backbone = backbone
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head = nn.Linear(backbone.out_dim, dim)
        self.embed_from = embed_from

    @property
    def out_dim(self) -> int:
        return self.head.out_features if self.embed_from == "head" else self.backbone.out_dim

    def latent(self, x: torch.Tensor) -> torch.Tensor:
        return self.backbone(x)

    def project(self, z: torch.Tensor) -> torch.Tensor:
        return self.head(self.dropout(z))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.latent(x)
        out = self.project(z) if self.embed_from == "head" else z
        return F.normalize(out.float(), dim=1)


def make_backbone(arch: dict[str, Any], pretrained_weights: bool = True) -> nn.Module:
    if arch["init"] == "pretrained":
        return Cnn9Backbone(int(arch.get("freeze_blocks", 3)), pretrained=pretrained_weights)
    if arch["method"] in ("coala", "ec"):
        return CoalaEncoder()
    return CompactCNN(int(arch.get("width", 16)))


def make_embedder(arch: dict[str, Any], pretrained_weights: bool = True) -> AudioEmbedder:
    """The embedding network of an architecture dict (:meth:`TrainConfig.architecture`).

    ``pretrained_weights=False`` skips loading the aiSFX weights (when a state dict follows anyway).
    """
    coala = arch["method"] in ("coala", "ec")
    net = AudioEmbedder(
        make_backbone(arch, pretrained_weights), int(arch["dim"]),
        dropout=float(arch.get("dropout", 0.0)) if coala else 0.0,
        embed_from=str(arch.get("embed_from", "head")) if coala else "head",
    )
    return net.to(memory_format=torch.channels_last)  # ~1.7× faster convolutions on CPU (oneDNN)


class TrainableModel(nn.Module):
    """Everything trained: ``embedder`` (saved as the encoder), plus, as the method needs, a
    spectrogram ``decoder``, a tag autoencoder ``tags`` and its alignment head ``tag_head``."""

    def __init__(self, arch: dict[str, Any], n_tags: int = 0, recon: bool = False) -> None:
        super().__init__()
        self.embedder = make_embedder(arch)
        latent = self.embedder.backbone.out_dim
        coala = arch["method"] in ("coala", "ec")
        self.decoder = SpecDecoder(latent, COALA_CHANNELS if coala else 64) if recon else None
        if self.decoder is not None:
            self.decoder.to(memory_format=torch.channels_last)
        self.tags: TagAutoencoder | None = None
        self.tag_head: nn.Linear | None = None
        if coala:
            if n_tags < 2:
                raise ValueError(f"{arch['method']} needs a tag vocabulary (got {n_tags} tags)")
            self.tags = TagAutoencoder(n_tags, COALA_LATENT, dropout=float(arch.get("dropout", 0.25)),
                                       decoder=arch["method"] == "coala")
            self.tag_head = nn.Linear(COALA_LATENT, int(arch["dim"]))
            self.tag_dropout = nn.Dropout(float(arch.get("dropout", 0.25)))

    def trainable_parameters(self) -> list[nn.Parameter]:
        return [p for p in self.parameters() if p.requires_grad]
