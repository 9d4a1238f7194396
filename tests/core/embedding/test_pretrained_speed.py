"""The pretrained encoder's fast path: the same network, fewer and shorter patches."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pretrained = pytest.importorskip("core.encoders.pretrained")
try:
    pretrained.checkpoint_path()
except pretrained.PretrainedUnavailable:  # pragma: no cover - aisfx is a dependency
    pytest.skip("aisfx is not installed", allow_module_level=True)


def test_folded_channels_last_network_equals_the_plain_one() -> None:
    plain = pretrained.load_aisfx_cnn("cpu")
    fast = pretrained.load_aisfx_cnn("cpu", fast=True)
    x = torch.rand(3, 40, 96)
    with torch.inference_mode():
        np.testing.assert_allclose(fast(x).numpy(), plain(x).numpy(), rtol=1e-4, atol=1e-4)


def test_patch_policy_per_sound_length() -> None:
    enc = pretrained.PretrainedEncoder("cpu")
    old = pretrained.PretrainedEncoder("cpu", patch_policy="all", fold=False)
    assert enc.version != old.version == "aisfx-0.1.2"
    mel = torch.rand(96, 13)
    assert [p.shape[1] for p in enc.sound_patches(mel)] == [32]  # short: at least 32 frames, not 96
    assert [p.shape[1] for p in enc.sound_patches(torch.rand(96, 61))] == [64]  # rounded up to 8
    long_patches = enc.sound_patches(torch.rand(96, 300))
    assert [p.shape[1] for p in long_patches] == [96] * 4  # no overlap, the last aligned to the end
    assert len(old.sound_patches(torch.rand(96, 300))) == 6
    with pytest.raises(ValueError):
        pretrained.PretrainedEncoder("cpu", patch_policy="some")


def test_batched_encode_equals_one_sound_at_a_time() -> None:
    enc = pretrained.PretrainedEncoder("cpu")
    rng = np.random.default_rng(0)
    waves = [rng.standard_normal(n).astype(np.float32) * 0.1 for n in (8000, 30000, 150000, 9000)]
    together = enc.encode(waves)
    assert [t.shape[0] for t in together] == [1, 1, 2, 1]  # 150000 samples = 147 frames: two patches
    for w, t in zip(waves, together):
        np.testing.assert_allclose(enc.encode([w])[0].numpy(), t.numpy(), rtol=1e-4, atol=1e-4)
