"""Invariants of every triplet sampler, on a synthetic frame store (no audio decoding)."""

from __future__ import annotations

import numpy as np
import pytest

from core.audio.features import MelConfig
from core.training.config import TrainConfig
from core.training.feature_cache import FrameStore
from core.training.samplers import (
    JointSampler, MixSampler, NoiseSampler, ProximitySampler, RankedSampler, SamplerUnavailable,
    SamplingContext, ShiftSampler, TagSampler, build_sampler, energy, from_power, shift_patch, to_power,
)

MEL = MelConfig()
F = MEL.patch_frames
M = MEL.n_mels


def make_store(lengths: list[int], seed: int = 0) -> FrameStore:
    """Sounds of the given lengths (frames); sound i's frames hold distinct random values in [0.05, 1]."""
    rng = np.random.default_rng(seed)
    total = sum(lengths)
    frames = rng.uniform(0.05, 1.0, size=(total, M)).astype(np.float16)
    segs, row = [], 0
    for n in lengths:
        segs.append([(0, row, n)])
        row += n
    return FrameStore(frames, segs, MEL)


def sound_of(store: FrameStore, patch: np.ndarray) -> set[int]:
    """Which sounds a (non-synthesised) patch could have been cut from (by its first frame)."""
    first = patch[:, 0].astype(np.float16)
    hits = np.flatnonzero((store.frames == first).all(axis=1))
    out = set()
    for h in hits:
        for i, segs in enumerate(store.segments):
            if segs[0][1] <= h < segs[0][1] + segs[0][2]:
                out.add(i)
    return out


@pytest.fixture()
def ctx() -> SamplingContext:
    store = make_store([40, 96, 150, 300, 500, 120, 96, 200])
    return SamplingContext(store, np.arange(len(store)))


def check_shapes(t, n: int) -> None:
    assert t.anchor.shape == t.positive.shape == t.negative.shape == (n, M, F)
    assert t.sounds.shape == (n, 3)
    assert t.anchor.dtype == np.float32
    assert len(t.kind) == n


def test_noise_positive_is_x_times_one_plus_abs_eps(ctx):
    t = NoiseSampler(ctx, sigma=0.3).sample(16, np.random.default_rng(1))
    check_shapes(t, 16)
    assert (t.positive >= t.anchor).all()  # x ≥ 0 and (1 + |ε|) ≥ 1
    assert not np.allclose(t.positive, t.anchor)
    ratio = t.positive[t.anchor > 0] / t.anchor[t.anchor > 0]
    assert ratio.min() >= 1.0 and 1.1 < ratio.mean() < 1.5  # E|ε| = σ·√(2/π) ≈ 0.24
    assert (t.sounds[:, 0] == t.sounds[:, 1]).all() and (t.sounds[:, 2] != t.sounds[:, 0]).all()


def test_shift_bounds_and_construction(ctx):
    s = ShiftSampler(ctx, max_bins=5)
    t = s.sample(32, np.random.default_rng(2))
    check_shapes(t, 32)
    ts, fs = t.info["time_shift"].astype(int), t.info["freq_shift"].astype(int)
    assert ((ts >= 1) & (ts < F)).all()
    assert (np.abs(fs) <= 5).all() and len(set(fs)) > 3
    for a, p, tt, ff in zip(t.anchor, t.positive, ts, fs):
        assert np.array_equal(p, shift_patch(a, tt, ff))
        assert not np.array_equal(p, a)
    # truncated frequency shift: the vacated bins are silence, the rest is the rolled anchor
    x = np.arange(M * F, dtype=np.float32).reshape(M, F)
    y = shift_patch(x, 3, 4)
    assert (y[:4] == 0).all() and np.array_equal(y[4:], np.roll(x, 3, axis=1)[:-4])
    y = shift_patch(x, 0, -2)
    assert (y[-2:] == 0).all() and np.array_equal(y[:-2], x[2:])


def test_mix_energy_ratio(ctx):
    t = MixSampler(ctx, alpha=(0.1, 0.6)).sample(16, np.random.default_rng(3))
    check_shapes(t, 16)
    ea, ep = energy(t.anchor, MEL), energy(t.positive, MEL)
    # the added component carries α times the anchor's energy: E(pos) = (1 + α)·E(anchor)
    np.testing.assert_allclose(ep / ea - 1.0, t.info["alpha"], rtol=2e-3)
    # and it is the negative, scaled: pos − anchor ∝ neg in the power domain
    added = to_power(t.positive, MEL) - to_power(t.anchor, MEL)
    scale = added.sum(axis=(1, 2)) / to_power(t.negative, MEL).sum(axis=(1, 2))
    expected = scale[:, None, None] * to_power(t.negative, MEL)
    np.testing.assert_allclose(added, expected, rtol=1e-2, atol=1e-4 * float(expected.max()))
    assert (t.sounds[:, 2] != t.sounds[:, 0]).all()


def test_power_round_trip_both_log_kinds():
    from core.encoders.pretrained import AISFX_MEL

    x = np.random.default_rng(0).uniform(0.0, 1.0, size=(4, 8)).astype(np.float32)
    for mel in (MEL, AISFX_MEL):
        np.testing.assert_allclose(from_power(to_power(x, mel), mel), x, atol=1e-5)


def test_proximity_within_dt_and_negative_elsewhere(ctx):
    dt = 2.0
    s = ProximitySampler(ctx, max_seconds=dt)
    t = s.sample(24, np.random.default_rng(4))
    check_shapes(t, 24)
    gap = np.abs(t.info["positive_time"] - t.info["anchor_time"])
    assert (gap > 0).all() and (gap <= dt + 1e-9).all()
    assert (t.sounds[:, 0] == t.sounds[:, 1]).all() and (t.sounds[:, 2] != t.sounds[:, 0]).all()
    lengths = ctx.store.n_frames
    assert (lengths[t.sounds[:, 0]] > F).all()  # only sounds that hold two distinct patches
    for a, p, n, (sa, _, sn) in zip(t.anchor, t.positive, t.negative, t.sounds):
        assert not np.array_equal(a, p)
        assert sa in sound_of(ctx.store, a) and sa in sound_of(ctx.store, p)
        assert sn in sound_of(ctx.store, n)


def test_proximity_unavailable_without_long_files():
    store = make_store([50, 96, 60])
    with pytest.raises(SamplerUnavailable):
        ProximitySampler(SamplingContext(store, np.arange(3)))


def test_tags_positive_shares_negative_shares_none():
    store = make_store([100] * 8)
    tags = [[0, 3], [0], [1], [1, 3], [2], [2], [0, 2], [4]]
    ctx = SamplingContext(store, np.arange(8), tags, np.ones(5, np.float32))
    t = TagSampler(ctx).sample(40, np.random.default_rng(5))
    check_shapes(t, 40)
    for (a, p, n), tag in zip(t.sounds, t.info["tag"].astype(int)):
        assert a != p and tag in tags[a] and tag in tags[p]
        assert not set(tags[a]) & set(tags[n])
    assert 7 not in set(t.sounds[:, 0])  # its only tag is on no other sound


def test_tags_cross_folder_positives_and_same_folder_negatives():
    # three kits (folders) × kick/snare/hat (tags 0, 1, 2), two velocities each
    store = make_store([100] * 18)
    kits = np.repeat(np.arange(3), 6)
    tags = [[(i // 2) % 3] for i in range(18)]
    ctx = SamplingContext(store, np.arange(18), tags, np.ones(3, np.float32), folders=kits)
    t = TagSampler(ctx).sample(400, np.random.default_rng(2))
    a, p, n = t.sounds.T
    assert (kits[p] != kits[a]).all()  # a positive is never the same instrument of the same kit
    same = kits[n] == kits[a]
    assert 0.35 < same.mean() < 0.75  # about half of the negatives from the anchor's own kit
    for x, y in zip(a, n):
        assert not set(tags[x]) & set(tags[y])
    plain = TagSampler(SamplingContext(store, np.arange(18), tags, np.ones(3, np.float32))).sample(
        400, np.random.default_rng(2))
    assert (kits[plain.sounds[:, 1]] == kits[plain.sounds[:, 0]]).mean() > 0.1  # without folders: any kit


def test_ranked_positive_from_top_and_negative_far():
    store = make_store([100] * 30)
    rng = np.random.default_rng(6)
    ranking = np.stack([rng.permutation(np.delete(np.arange(30), i)) for i in range(30)])
    ctx = SamplingContext(store, np.arange(30), ranking=ranking)
    t = RankedSampler(ctx, top=3, far=10).sample(30, np.random.default_rng(7))
    for a, p, n in t.sounds:
        assert p in ranking[a][:3]
        assert n != a and n not in ranking[a][:10]


def test_joint_mix_follows_weights_and_skips_unavailable(ctx):
    cfg = TrainConfig(samplers={"noise": 3.0, "shift": 1.0, "tags": 1.0})
    joint = build_sampler(cfg, ctx)  # no tags in ctx → 'tags' skipped
    assert isinstance(joint, JointSampler)
    assert joint.names == ["noise", "shift"] and "tags" in joint.skipped
    t = joint.sample(400, np.random.default_rng(8))
    check_shapes(t, 400)
    share = t.kind.count("noise") / 400
    assert 0.65 < share < 0.85
    assert np.isnan(t.info["time_shift"][np.array(t.kind) == "noise"]).all()


def test_samplers_are_seeded(ctx):
    a = NoiseSampler(ctx).sample(4, np.random.default_rng(9))
    b = NoiseSampler(ctx).sample(4, np.random.default_rng(9))
    assert np.array_equal(a.positive, b.positive) and np.array_equal(a.sounds, b.sounds)
