from __future__ import annotations

import numpy as np
import pytest
import torch

from core.encoders import UnknownModel, builtin_registry
from core.encoders.pretrained import AISFX_MEL, load_aisfx_state
from tests.synth import CLASSES, make_sound


@pytest.fixture(scope="module")
def registry():
    return builtin_registry()


def _class_vectors(enc, per_class=5):
    rng = np.random.default_rng(3)
    waves, labels = [], []
    for c in CLASSES:
        for _ in range(per_class):
            waves.append(make_sound(c, rng, enc.sample_rate))
            labels.append(c)
    V = np.stack([enc.embed_wave(w) for w in waves])
    return V, np.array(labels)


@pytest.mark.parametrize("name,dim", [("mfcc", 120), ("pretrained", 512)])
def test_encoder_vectors_normalised_and_discriminative(registry, name: str, dim: int) -> None:
    enc = registry.get(name, "cpu")
    assert enc.dim == dim and enc.version == registry.version(name)
    V, y = _class_vectors(enc)
    assert V.shape == (len(y), dim)
    np.testing.assert_allclose(np.linalg.norm(V, axis=1), 1.0, atol=1e-4)
    S = V @ V.T
    np.fill_diagonal(S, -np.inf)
    nn_same = (y[S.argmax(axis=1)] == y).mean()
    assert nn_same >= 0.8, nn_same  # 1-NN on four very different classes


@pytest.mark.parametrize("name", ["mfcc", "pretrained"])
def test_short_and_silent_clips(registry, name: str) -> None:
    enc = registry.get(name, "cpu")
    for n in (1, 100, int(0.2 * enc.sample_rate)):  # far below the 0.37 s that crashes aisfx's own code
        v = enc.embed_wave(np.random.default_rng(n).uniform(-0.5, 0.5, n).astype(np.float32))
        assert v.shape == (enc.dim,) and np.isfinite(v).all()
    assert np.isfinite(enc.embed_wave(np.zeros(22050, np.float32))).all()


def test_per_patch_vectors_and_batching_agree(registry) -> None:
    enc = registry.get("pretrained", "cpu")
    rng = np.random.default_rng(0)
    waves = [make_sound("chirp", rng, enc.sample_rate, seconds=s) for s in (0.5, 6.0)]
    batched = enc.encode(waves)
    assert batched[0].shape[0] == 1 and batched[1].shape[0] > 1  # a long sound has several patches
    alone = enc.encode([waves[1]])[0]
    assert torch.allclose(batched[1], alone, atol=1e-4)


def test_pretrained_weights_load_safely_and_model_sees_time_by_mel() -> None:
    state = load_aisfx_state()  # torch.load(weights_only=True) inside; would raise on arbitrary pickles
    assert state["conv_block1.conv1.weight"].shape == (64, 1, 3, 3)
    assert AISFX_MEL.sample_rate == 44100 and AISFX_MEL.hop_length == 1024


def test_unknown_model_message(registry) -> None:
    with pytest.raises(UnknownModel) as exc:
        registry.get("nope")
    assert "available: mfcc, pretrained" in str(exc.value)
