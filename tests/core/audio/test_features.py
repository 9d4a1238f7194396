from __future__ import annotations

import numpy as np
import pytest
import torch

from core.audio.features import MelConfig, MelFrontend, make_patches, mfcc_stats, patch_starts
from tests.synth import make_sound


def test_standard_patch_geometry() -> None:
    cfg = MelConfig()
    assert (cfg.n_mels, cfg.patch_frames, cfg.n_fft, cfg.hop_length, cfg.sample_rate) == (96, 96, 1024, 512, 22050)
    assert cfg.patch_seconds == pytest.approx(2.23, abs=0.01)


def test_frontend_shapes_and_tone_band() -> None:
    fe = MelFrontend(MelConfig(), "cpu")
    sr = 22050
    t = np.arange(sr * 3) / sr
    low = np.sin(2 * np.pi * 200 * t).astype(np.float32)
    high = np.sin(2 * np.pi * 5000 * t).astype(np.float32)
    mel = fe(np.stack([low, high]))
    assert mel.shape == (2, 96, fe.n_frames(len(t)))
    band = mel.mean(dim=2).argmax(dim=1)
    assert band[0] < band[1]  # the high tone lights a higher mel band


def test_patches_all_and_max_energy_and_padding() -> None:
    logmel = torch.zeros(96, 300)
    logmel[:, 200:260] = 1.0
    p = make_patches(logmel, 96, 48)
    assert p.shape == (len(patch_starts(300, 96, 48)), 96, 96)
    assert patch_starts(300, 96, 48)[-1] == 300 - 96  # the tail is covered
    best = make_patches(logmel, 96, 48, mode="max_energy")
    assert best.shape == (1, 96, 96) and best.sum() == 60 * 96
    short = make_patches(torch.ones(96, 10), 96, 48)
    assert short.shape == (1, 96, 96) and short[:, :, 10:].abs().sum() == 0


def test_mfcc_stats_is_120d_and_separates_classes() -> None:
    fe = MelFrontend(MelConfig(), "cpu")
    rng = np.random.default_rng(0)
    tones = [mfcc_stats(fe(make_sound("tone", rng)))[0] for _ in range(4)]
    noises = [mfcc_stats(fe(make_sound("noise", rng)))[0] for _ in range(4)]
    assert tones[0].shape == (120,)
    within = torch.cdist(torch.stack(tones), torch.stack(tones)).mean()
    across = torch.cdist(torch.stack(tones), torch.stack(noises)).mean()
    assert across > within


@pytest.mark.gpu
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_frontend_on_gpu_matches_cpu() -> None:
    x = np.random.default_rng(0).standard_normal(22050).astype(np.float32)
    cpu = MelFrontend(MelConfig(), "cpu")(x)
    gpu = MelFrontend(MelConfig(), "cuda")(x).cpu()
    assert torch.allclose(cpu, gpu, atol=1e-3)
