"""Log-mel front end, fixed-size patching and MFCC statistics (torchaudio, batched, GPU when present).

Shapes used throughout:
- waveform batch ``[B, n]`` float32 (mono, at ``MelConfig.sample_rate``)
- log-mel ``[B, n_mels, T]`` (frequency first, time second)
- patches ``[P, n_mels, frames]``; models add the channel axis themselves.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import torch
import torchaudio.functional as AF

LogKind = Literal["db", "log10p"]


@dataclass(frozen=True, slots=True)
class MelConfig:
    """A log-mel front end. The default is the project's standard: 96 bands × 96 frames at 22.05 kHz,
    1024-sample window, 50 % overlap (hop 512), so one patch is 96·512/22050 ≈ 2.23 s.

    ``log='db'`` gives ``10·log10(mel + 1e-10)`` clipped to ``top_db`` below the patch maximum and
    mapped to roughly [0, 1] (``(db + 100) / 100``); ``log='log10p'`` gives
    ``log10(1 + log_gain·mel) / log_max`` (the aiSFX/Essentia 'shift_scale_log' compression).
    """

    sample_rate: int = 22050
    n_fft: int = 1024
    hop_length: int = 512
    n_mels: int = 96
    f_min: float = 0.0
    f_max: float | None = None
    mel_scale: str = "slaney"
    filter_norm: Literal["slaney", "unit_sum", "none"] = "slaney"
    log: LogKind = "db"
    log_gain: float = 10000.0
    log_max: float = 1.0
    peak_normalise: bool = False
    patch_frames: int = 96
    patch_hop: int = 48

    def key(self) -> str:
        """A short stable string identifying the front end (part of encoder versions / caches)."""
        d = asdict(self)
        return ",".join(f"{k}={d[k]}" for k in sorted(d))

    @property
    def patch_seconds(self) -> float:
        return self.patch_frames * self.hop_length / self.sample_rate


def default_device() -> torch.device:
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


class MelFrontend:
    """Waveforms ``[B, n]`` → log-mel ``[B, n_mels, T]`` on ``device``."""

    def __init__(self, config: MelConfig = MelConfig(), device: torch.device | str | None = None) -> None:
        self.config = config
        self.device = torch.device(device) if device is not None else default_device()
        c = config
        fb = AF.melscale_fbanks(
            n_freqs=c.n_fft // 2 + 1,
            f_min=c.f_min,
            f_max=c.f_max if c.f_max is not None else c.sample_rate / 2,
            n_mels=c.n_mels,
            sample_rate=c.sample_rate,
            norm="slaney" if c.filter_norm == "slaney" else None,
            mel_scale=c.mel_scale,
        )  # [n_freqs, n_mels]
        if c.filter_norm == "unit_sum":
            fb = fb / fb.sum(dim=0, keepdim=True).clamp_min(1e-12)
        self._fb = fb.to(self.device)
        self._window = torch.hann_window(c.n_fft, device=self.device)

    def n_frames(self, n_samples: int) -> int:
        return n_samples // self.config.hop_length + 1

    @torch.no_grad()
    def __call__(self, wave: torch.Tensor | np.ndarray) -> torch.Tensor:
        c = self.config
        x = torch.as_tensor(wave, dtype=torch.float32).to(self.device)
        if x.ndim == 1:
            x = x[None]
        if c.peak_normalise:
            peak = x.abs().amax(dim=1, keepdim=True).clamp_min(1e-8)
            x = x / peak
        if x.shape[-1] < c.n_fft:  # STFT needs at least one window of input
            x = torch.nn.functional.pad(x, (0, c.n_fft - x.shape[-1]))
        spec = torch.stft(
            x, c.n_fft, hop_length=c.hop_length, window=self._window, center=True,
            pad_mode="constant", return_complex=True,
        )
        power = spec.real.square() + spec.imag.square()  # [B, F, T]
        mel = torch.matmul(power.transpose(1, 2), self._fb).transpose(1, 2)  # [B, M, T]
        if c.log == "db":
            db = 10.0 * torch.log10(mel.clamp_min(1e-10))
            return ((db + 100.0) / 100.0).clamp(0.0, 1.5)
        return torch.log10(1.0 + c.log_gain * mel) / c.log_max


def patch_starts(n_frames: int, frames: int, hop: int) -> list[int]:
    """Start frames of the patches covering ``n_frames`` (the last patch is aligned to the end)."""
    if n_frames <= frames:
        return [0]
    starts = list(range(0, n_frames - frames + 1, hop))
    if starts[-1] + frames < n_frames:
        starts.append(n_frames - frames)
    return starts


def make_patches(
    logmel: torch.Tensor, frames: int = 96, hop: int = 48, mode: Literal["all", "max_energy"] = "all"
) -> torch.Tensor:
    """Cut ``[n_mels, T]`` into patches ``[P, n_mels, frames]``.

    A sound shorter than one patch is zero-padded at the end (zero is silence for both log
    kinds). ``mode='max_energy'`` returns only the single patch with the highest mean energy.
    """
    m, t = logmel.shape
    if t < frames:
        logmel = torch.nn.functional.pad(logmel, (0, frames - t))
        t = frames
    starts = patch_starts(t, frames, hop)
    patches = torch.stack([logmel[:, s : s + frames] for s in starts])
    if mode == "max_energy" and len(starts) > 1:
        energy = patches.mean(dim=(1, 2))
        patches = patches[int(torch.argmax(energy))][None]
    return patches


def mfcc_stats(logmel_db: torch.Tensor, n_mfcc: int = 20) -> torch.Tensor:
    """MFCC statistics: 20 MFCCs + Δ + ΔΔ, mean and standard deviation over time → ``[B, 6·n_mfcc]``.

    ``logmel_db`` is ``[B, n_mels, T]`` in the front end's 'db' scale. The DCT is orthonormal,
    as in torchaudio's MFCC transform.
    """
    n_mels = logmel_db.shape[1]
    dct = AF.create_dct(n_mfcc, n_mels, norm="ortho").to(logmel_db.device)  # [n_mels, n_mfcc]
    mfcc = torch.matmul(logmel_db.transpose(1, 2), dct).transpose(1, 2)  # [B, n_mfcc, T]
    d1 = AF.compute_deltas(mfcc)
    d2 = AF.compute_deltas(d1)
    feats = torch.cat([mfcc, d1, d2], dim=1)  # [B, 3·n_mfcc, T]
    std = feats.std(dim=2, unbiased=False) if feats.shape[2] > 1 else torch.zeros_like(feats[:, :, 0])
    return torch.cat([feats.mean(dim=2), std], dim=1)
