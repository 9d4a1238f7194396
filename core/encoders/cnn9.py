"""The 9-layer CNN of the aiSFX sound-effects model (DCASE cross-task baseline architecture).

Parameter names match the published checkpoint (``embedding_net.conv_block{1..4}.{conv1,conv2,bn1,bn2}``)
so its state dict loads directly. Input ``[B, T, F]`` (time × mel), output ``[B, 512]``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ConvBlock(nn.Module):
    def __init__(self, in_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, 1, 1, bias=False)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.bn2 = nn.BatchNorm2d(out_channels)
        for conv in (self.conv1, self.conv2):
            nn.init.kaiming_uniform_(conv.weight, nonlinearity="leaky_relu")

    def forward(self, x: torch.Tensor, pool: tuple[int, int]) -> torch.Tensor:
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        return F.max_pool2d(x, kernel_size=pool) if pool != (1, 1) else x


class Cnn9(nn.Module):
    """``[B, T, F]`` log-mel (time first) → ``[B, 512]``: mean over frequency, max over time."""

    def __init__(self, width: int = 64) -> None:
        super().__init__()
        self.conv_block1 = ConvBlock(1, width)
        self.conv_block2 = ConvBlock(width, width * 2)
        self.conv_block3 = ConvBlock(width * 2, width * 4)
        self.conv_block4 = ConvBlock(width * 4, width * 8)
        self.out_dim = width * 8

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        """``[B, T, F]`` → ``[B, C, T/8, F/8]``."""
        x = x.unsqueeze(1)
        x = self.conv_block1(x, (2, 2))
        x = self.conv_block2(x, (2, 2))
        x = self.conv_block3(x, (2, 2))
        return self.conv_block4(x, (1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.feature_map(x).mean(dim=3).amax(dim=2)


class FusedCnn9(nn.Module):
    """A batch-norm-folded :class:`Cnn9` for CPU inference: each convolution runs as one oneDNN call with
    its ReLU fused (``torch.ops.mkldnn._convolution_pointwise``, the kernel torch's own compiler emits),
    channels-last, in ``dtype`` (float32 or bfloat16); the frequency mean and time max in float32.

    The fused call saves a pass over every activation map (in bfloat16 the separate ReLU cost about
    a third of the network's time). :func:`fused_cnn9` builds it, checks it against the plain network
    and falls back to the plain one where the op is missing or disagrees.
    """

    def __init__(self, folded: Cnn9, dtype: torch.dtype = torch.float32) -> None:
        super().__init__()
        self.dtype = dtype
        convs = []
        for i in range(1, 5):
            block = getattr(folded, f"conv_block{i}")
            for conv in (block.conv1, block.conv2):
                if conv.bias is None:
                    raise ValueError("FusedCnn9 needs a network with batch norm folded into the convolutions")
                w = conv.weight.detach().to(dtype).contiguous(memory_format=torch.channels_last)
                convs.append((w, conv.bias.detach().to(dtype)))
        self.convs = convs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.unsqueeze(1).to(self.dtype).contiguous(memory_format=torch.channels_last)
        for k, (w, b) in enumerate(self.convs):
            x = torch.ops.mkldnn._convolution_pointwise(x, w, b, [1, 1], [1, 1], [1, 1], 1, "relu", [None], "")
            if k in (1, 3, 5):  # after blocks 1-3
                x = F.max_pool2d(x, kernel_size=(2, 2))
        return x.float().mean(dim=3).amax(dim=2)


def fused_cnn9(folded: Cnn9, dtype: torch.dtype) -> FusedCnn9 | None:
    """:class:`FusedCnn9` of a folded float32 CPU network in ``dtype``, if the fused op exists and agrees
    with ``folded`` on a random input to cosine 0.999; else ``None`` (then use the plain network)."""
    try:
        fused = FusedCnn9(folded, dtype)
        x = torch.rand(2, 40, 96)
        with torch.inference_mode():
            agree = F.cosine_similarity(fused(x), folded(x).float()).min()
    except (AttributeError, RuntimeError, ValueError):  # no oneDNN, or an op signature this torch lacks
        return None
    return fused if float(agree) >= 0.999 else None
