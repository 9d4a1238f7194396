"""The pretrained encoder's fast path: the same network, fewer and shorter patches, fused convolutions,
bfloat16 where the CPU has it."""

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
    assert old.dtype == torch.float32  # the previous behaviour stays float32
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


@pytest.mark.skipif(not torch.backends.mkldnn.is_available(), reason="no oneDNN in this torch")
def test_fused_network_equals_the_folded_one() -> None:
    from core.encoders.cnn9 import FusedCnn9, fused_cnn9

    folded = pretrained.load_aisfx_cnn("cpu", fast=True)
    fused = fused_cnn9(folded, torch.float32)
    assert isinstance(fused, FusedCnn9)
    x = torch.rand(3, 56, 96)
    with torch.inference_mode():
        np.testing.assert_allclose(fused(x).numpy(), folded(x).numpy(), rtol=1e-4, atol=1e-4)
    with pytest.raises(ValueError):  # it needs the folded network (convolutions with a bias)
        FusedCnn9(pretrained.load_aisfx_cnn("cpu"))


def test_bfloat16_vectors_are_the_same_vectors() -> None:
    """bf16 changes a sound's vector by far less than the project's tolerance for 'the same vector'."""
    fp32 = pretrained.PretrainedEncoder("cpu", precision="float32")
    bf16 = pretrained.PretrainedEncoder("cpu", precision="bfloat16")
    assert (fp32.dtype, bf16.dtype) == (torch.float32, torch.bfloat16)
    rng = np.random.default_rng(1)
    t = np.arange(90000) / 44100
    waves = [np.sin(2 * np.pi * f * t[:n]).astype(np.float32) * np.exp(-3 * t[:n]).astype(np.float32)
             + 0.05 * rng.standard_normal(n).astype(np.float32) for f, n in ((220, 9000), (1500, 60000), (90, 90000))]
    a = np.stack([fp32.embed_wave(w) for w in waves])
    b = np.stack([bf16.embed_wave(w) for w in waves])
    cos = (a * b).sum(axis=1)
    assert cos.min() >= 0.999
    assert (a @ b.T).argmax(axis=1).tolist() == [0, 1, 2]  # each sound is still its own nearest


def test_precision_auto_follows_the_hardware() -> None:
    want = torch.bfloat16 if pretrained.native_bf16("cpu") else torch.float32
    assert pretrained.resolve_precision("auto", "cpu") == want
    assert pretrained.PretrainedEncoder("cpu").dtype == want
    assert pretrained.resolve_precision("float32", "cpu") == torch.float32
    with pytest.raises(ValueError):
        pretrained.PretrainedEncoder("cpu", precision="half")
