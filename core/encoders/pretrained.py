"""The ``pretrained`` encoder: the aiSFX sound-effects CNN (Ma & Lerch, ISMIR 2022), 512-d.

Its weights ship in the PyPI package ``aisfx`` (``aisfx/models/checkpoint.pth``). That package's
own code pins numpy 1.23/librosa 0.9.2, so it is installed without dependencies and never imported:
we locate the checkpoint file, load it with ``torch.load(weights_only=True)`` (a named allowlist
for the two numpy types in its metadata) into our own :class:`~core.encoders.cnn9.Cnn9`, and
reproduce the training front end: 44.1 kHz, 2048-sample window, hop 1024 (the same 23 ms frame
rate as the project's 22.05 kHz/512 front end), 96 HTK mel bands up to 22.05 kHz with unit-sum
filters, power spectrum, ``log10(1 + 10⁴·mel)``, divided by the corpus maximum 9.4578.

Fixes over the package's librosa path: the model gets (time × mel), as it was trained, not
(mel × time); clips shorter than a patch are zero-padded instead of crashing.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import torch

from core.encoders.base import Encoder
from core.encoders.cnn9 import Cnn9
from core.audio.features import MelConfig

AISFX_MEL = MelConfig(
    sample_rate=44100, n_fft=2048, hop_length=1024, n_mels=96, f_min=0.0, f_max=22050.0,
    mel_scale="htk", filter_norm="unit_sum", log="log10p", log_gain=10000.0, log_max=9.457798957824707,
    peak_normalise=True, patch_frames=96, patch_hop=48,
)


class PretrainedUnavailable(RuntimeError):
    pass


def checkpoint_path() -> Path:
    """Path of the aiSFX checkpoint inside the installed ``aisfx`` package (not imported)."""
    spec = importlib.util.find_spec("aisfx")
    if spec is None or not spec.submodule_search_locations:
        raise PretrainedUnavailable(
            "the 'pretrained' model needs the aisfx package: pip install --no-deps aisfx==0.1.2"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "models" / "checkpoint.pth"
    if not path.is_file():
        raise PretrainedUnavailable(f"aisfx is installed but its checkpoint is missing: {path}")
    return path


def load_aisfx_state(path: Path | None = None) -> dict[str, torch.Tensor]:
    """Load the embedding-net weights safely (no arbitrary unpickling). Keys are Cnn9's."""
    scalar = np._core.multiarray.scalar  # type: ignore[attr-defined]
    allow = [(scalar, "numpy.core.multiarray.scalar"), np.dtype, type(np.dtype("int64"))]
    with torch.serialization.safe_globals(allow):
        weights, _datasets = torch.load(path or checkpoint_path(), map_location="cpu", weights_only=True)
    prefix = "embedding_net."
    return {k[len(prefix):]: v for k, v in weights.items() if k.startswith(prefix)}


def load_aisfx_cnn(device: torch.device | str = "cpu") -> Cnn9:
    net = Cnn9(width=64)
    net.load_state_dict(load_aisfx_state(), strict=True)
    return net.to(device).eval()


class PretrainedEncoder(Encoder):
    name = "pretrained"
    version = "aisfx-0.1.2"
    dim = 512
    mel = AISFX_MEL
    max_batch_patches = 32

    def __init__(self, device: torch.device | str | None = None) -> None:
        super().__init__(device)
        self.net = load_aisfx_cnn(self.device)

    def embed_patches(self, patches: torch.Tensor) -> torch.Tensor:
        # [P, mel, time] → [P, time, mel]: the orientation the network was trained on.
        return self.net(patches.transpose(1, 2).contiguous())
