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

Speed (``benchmarks/bench_embed_speed.py`` measures it against the aiSFX pipeline, side by side, and
checks QbE mAP): batch-norm folded into the convolutions and channels-last tensors (exact up to
float rounding), and a patch policy per sound length (``patch_policy='fast'``, the default):

- a sound shorter than one patch is one patch cut to its own length (at least 32 frames, rounded up
  to 8, the network's time pooling) instead of zero-padded to 96 frames; the network is fully
  convolutional with a max over time, so it takes any length. (Cutting to the bare length, 8 frames
  minimum, cost 0.02 QbE mAP on sonic-pi; 32 frames of context cost nothing);
- a longer sound is cut into non-overlapping patches (the last one aligned to the end) instead of
  patches with 50 % overlap.

The network runs in bfloat16 where the hardware does it natively (``precision='auto'``, the
default: a CPU with AMX or AVX512-BF16, or a CUDA GPU with bf16), else in float32. On this project's
Sapphire Rapids CPU that is 3.8× faster on the network; per sound, the vectors stay within cosine
0.9999 of float32's, inside the project's tolerance for "the same vector" (0.999), and QbE mAP on
sonic-pi is unchanged to 0.001 (benchmarks/bench_embed_speed.py). Version ``aisfx-0.1.2+fast2``.
A CPU without native bf16 (where oneDNN would emulate it, slowly) keeps float32.

``patch_policy='all'`` is the previous behaviour (every half-overlapping 96-frame patch, short sounds
padded; version ``aisfx-0.1.2``), kept for comparisons, as is ``fold=False`` (the plain network).
"""

from __future__ import annotations

import importlib.util
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch

from core.encoders.base import Encoder
from core.encoders.cnn9 import Cnn9, fused_cnn9
from core.audio.features import MelConfig, make_patches, patch_starts

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


def load_aisfx_cnn(device: torch.device | str = "cpu", *, fast: bool = False) -> Cnn9:
    """The aiSFX CNN in eval mode; ``fast`` folds batch norm into the convolutions and uses channels-last
    memory (same function up to float rounding, about twice as fast on a CPU; no longer trainable)."""
    net = Cnn9(width=64)
    net.load_state_dict(load_aisfx_state(), strict=True)
    net = net.to(device).eval()
    if fast:
        pairs = [[f"conv_block{i}.conv{j}", f"conv_block{i}.bn{j}"] for i in range(1, 5) for j in (1, 2)]
        net = torch.ao.quantization.fuse_modules(net, pairs).to(memory_format=torch.channels_last)
    return net


TIME_POOL = 8  # the CNN halves time three times
MIN_FRAMES = 32  # a short sound's patch is at least this long (0.74 s)
PATCH_POLICIES = ("fast", "all")
PRECISIONS = ("auto", "float32", "bfloat16")


def native_bf16(device: torch.device | str) -> bool:
    """Whether ``device`` runs bfloat16 convolutions natively: a CUDA GPU with bf16, or a CPU with AMX
    tiles or AVX512-BF16 (elsewhere oneDNN emulates bf16, slower than float32)."""
    dev = torch.device(device)
    if dev.type == "cuda":
        return bool(torch.cuda.is_bf16_supported())
    if dev.type != "cpu":
        return False
    cpu = torch.cpu
    try:
        return bool(cpu._is_amx_tile_supported() or cpu._is_avx512_bf16_supported())  # type: ignore[attr-defined]
    except AttributeError:  # an older torch without these probes
        return False


def resolve_precision(precision: str, device: torch.device | str) -> torch.dtype:
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {PRECISIONS}, not {precision!r}")
    if precision == "bfloat16" or (precision == "auto" and native_bf16(device)):
        return torch.bfloat16
    return torch.float32


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Run torch on ``n`` intra-op threads inside the block (``None``: unchanged).

    The front end (one sound's STFT and mel at a time) is made of small ops: on a loaded machine,
    two OpenMP threads wait on each other at every op and the front end ran 5-9× slower than on one
    thread (sonic-pi: 0.8-1.6 s against 0.12-0.17 s at load 3-4). The network's large convolutions
    keep the configured threads."""
    old = torch.get_num_threads()
    if n is None or n == old:
        yield
        return
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(old)


class PretrainedEncoder(Encoder):
    name = "pretrained"
    version = "aisfx-0.1.2+fast2"  # the 'fast' patch policy, bf16 where native ('+fast1': float32 only)
    dim = 512
    mel = AISFX_MEL
    max_batch_patches = 32

    def __init__(self, device: torch.device | str | None = None, *, patch_policy: str = "fast",
                 fold: bool = True, precision: str = "auto") -> None:
        super().__init__(device)
        if patch_policy not in PATCH_POLICIES:
            raise ValueError(f"patch_policy must be one of {PATCH_POLICIES}, not {patch_policy!r}")
        self.patch_policy = patch_policy
        if patch_policy == "all" and precision == "auto":
            precision = "float32"  # the previous behaviour, as it was
        self.dtype = resolve_precision(precision, self.device)
        if patch_policy == "all":
            self.version = "aisfx-0.1.2" + ("+bf16" if self.dtype == torch.bfloat16 else "")
        net = load_aisfx_cnn(self.device, fast=fold)
        fused = fused_cnn9(net, self.dtype) if fold and self.device.type == "cpu" else None
        self.net = fused if fused is not None else net.to(self.dtype)  # on a CPU: convolutions with their ReLU fused (oneDNN)

    def sound_patches(self, logmel: torch.Tensor) -> list[torch.Tensor]:
        """Patches ``[n_mels, L]`` of one log-mel ``[n_mels, T]`` under the encoder's patch policy."""
        frames = self.mel.patch_frames
        if self.patch_policy == "all":
            return list(make_patches(logmel, frames, self.mel.patch_hop))
        t = logmel.shape[1]
        if t <= frames:
            length = max(MIN_FRAMES, -(-t // TIME_POOL) * TIME_POOL)
            return [torch.nn.functional.pad(logmel, (0, length - t))]
        return [logmel[:, s : s + frames] for s in patch_starts(t, frames, frames)]

    @torch.no_grad()
    def encode(self, waves: Sequence[np.ndarray]) -> list[torch.Tensor]:
        """Per sound, its patch vectors ``[P_i, D]`` (CPU); patches of equal length share forward passes."""
        owners: list[int] = []
        patches: list[torch.Tensor] = []
        with torch_threads(1 if self.device.type == "cpu" else None):  # small ops: see torch_threads
            for i, wave in enumerate(waves):
                for p in self.sound_patches(self.frontend(wave)[0]):
                    owners.append(i)
                    patches.append(p)
        by_length: dict[int, list[int]] = defaultdict(list)
        for j, p in enumerate(patches):
            by_length[p.shape[1]].append(j)
        vectors: list[torch.Tensor | None] = [None] * len(patches)
        step = self.max_batch_patches
        for rows in by_length.values():
            stack = torch.stack([patches[j] for j in rows])
            for s in range(0, len(rows), step):
                out = self.embed_patches(stack[s : s + step]).float().cpu()
                for j, v in zip(rows[s : s + step], out):
                    vectors[j] = v
        per_sound: list[list[torch.Tensor]] = [[] for _ in waves]
        for i, v in zip(owners, vectors):
            per_sound[i].append(v)  # type: ignore[arg-type]
        return [torch.stack(vs) for vs in per_sound]

    def embed_patches(self, patches: torch.Tensor) -> torch.Tensor:
        # [P, mel, time] → [P, time, mel]: the orientation the network was trained on.
        return self.net(patches.transpose(1, 2).contiguous().to(self.dtype))
