"""Training lowers the loss on a synthetic collection with known classes (tiny models, few steps)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from core.library import Library
from core.jobs import run_job
from core.training.config import TrainConfig
from core.training.data import prepare
from core.training.losses import TripletObjective, generalised_kl, similarity_distillation
from core.training.models import TrainableModel
from core.training.samplers import SamplingContext, build_sampler
from core.training.steps import Objective


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("SOUND_EXPLORER_HOME", str(tmp_path / "home"))


def _setup(synth_dir, tmp_path: Path, cfg: TrainConfig):
    root, _labels = synth_dir
    lib = Library.open(root, tmp_path / "cat.sqlite")
    data = run_job(prepare(lib, cfg))
    torch.manual_seed(0)
    arch = {**cfg.architecture(), "n_tags": data.vocab.size}
    model = TrainableModel(arch, n_tags=data.vocab.size, recon=cfg.recon)
    obj = Objective(cfg, model, torch.device("cpu"), data.ref_vectors, data.vocab.multi_hot())
    return lib, data, model, obj


def _explicit_triplet_loss(model: TrainableModel, batches, margin: float) -> float:
    """Mean hinge loss over the sampler's own triplets (no mining, no non-zero averaging)."""
    model.eval()
    vals = []
    with torch.no_grad():
        for t in batches:
            e = [model.embedder(torch.from_numpy(x)) for x in (t.anchor, t.positive, t.negative)]
            d_ap = (e[0] - e[1]).pow(2).sum(1)
            d_an = (e[0] - e[2]).pow(2).sum(1)
            vals.append(torch.relu(d_ap - d_an + margin).mean().item())
    model.train()
    return float(np.mean(vals))


def test_triplet_loss_decreases_with_tag_triplets(synth_dir, tmp_path):
    cfg = TrainConfig(samplers={"tags": 1.0}, width=8, dim=16, batch_size=16, reference="mfcc", keep="none",
                      lr=3e-3, min_consistency=None, val_fraction=0.0)
    lib, data, model, obj = _setup(synth_dir, tmp_path, cfg)
    assert data.vocab.size >= 4  # the four class folders became tags
    sampler = build_sampler(cfg, SamplingContext(data.store, data.train, data.vocab.sound_tags, data.vocab.weights))
    eval_rng = np.random.default_rng(123)
    fixed = [sampler.sample(32, eval_rng) for _ in range(3)]
    before = _explicit_triplet_loss(model, fixed, cfg.margin)
    opt = torch.optim.Adam(model.trainable_parameters(), lr=cfg.lr)
    rng = np.random.default_rng(0)
    for _ in range(25):
        loss = sum(obj.terms(obj.draw(sampler, data.store, data.train, rng)).values())
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = _explicit_triplet_loss(model, fixed, cfg.margin)
    assert after < 0.6 * before, (before, after)
    lib.close()


def test_coala_loss_decreases(synth_dir, tmp_path):
    cfg = TrainConfig(method="coala", dim=16, batch_size=8, reference="mfcc", keep="none", lr=2e-3,
                      min_consistency=None, val_fraction=0.0)
    lib, data, model, obj = _setup(synth_dir, tmp_path, cfg)
    eval_rng = np.random.default_rng(5)
    fixed = [obj.draw(None, data.store, data.train, eval_rng) for _ in range(2)]

    def total() -> dict[str, float]:
        # batch statistics (train mode) without gradients: running BN statistics of a model trained
        # for a dozen steps are not settled yet, so eval mode would measure them, not the weights
        torch.manual_seed(1)  # the same dropout masks before and after
        with torch.no_grad():
            sums: dict[str, float] = {}
            for b in fixed:
                for k, v in obj.terms(b).items():
                    sums[k] = sums.get(k, 0.0) + float(v)
        return sums

    before = total()
    assert set(before) == {"audio", "tags", "align"}
    opt = torch.optim.Adam(model.trainable_parameters(), lr=cfg.lr)
    rng = np.random.default_rng(0)
    for _ in range(12):
        loss = sum(obj.terms(obj.draw(None, data.store, data.train, rng)).values())
        opt.zero_grad()
        loss.backward()
        opt.step()
    after = total()
    assert sum(after.values()) < 0.8 * sum(before.values()), (before, after)
    assert after["audio"] < before["audio"]
    lib.close()


def test_ec_has_no_decoders(synth_dir, tmp_path):
    cfg = TrainConfig(method="ec", dim=16, batch_size=8, reference="mfcc", keep="distill", min_consistency=None)
    lib, data, model, obj = _setup(synth_dir, tmp_path, cfg)
    assert model.decoder is None and model.tags is not None and model.tags.decoder is None
    terms = obj.terms(obj.draw(None, data.store, data.train, np.random.default_rng(0)))
    assert set(terms) == {"align", "distill"}
    lib.close()


def test_loss_helpers():
    x = torch.rand(4, 96, 96)
    assert float(generalised_kl(x, x)) == pytest.approx(0.0, abs=1e-3)
    assert float(generalised_kl(x, x * 0.5 + 0.1)) > 0.1
    e = torch.nn.functional.normalize(torch.randn(10, 8), dim=1)
    assert float(similarity_distillation(e, e)) == pytest.approx(0.0, abs=1e-6)
    assert float(similarity_distillation(e, torch.randn(10, 32))) > 0.01
    # the triplet objective counts the explicit triplets at least, and is zero when they are easy
    emb = torch.cat([torch.eye(4)[:2].repeat(1, 1), torch.eye(4)[:2], torch.eye(4)[2:]])
    loss, n = TripletObjective(margin=0.2)(emb)
    assert n >= 2 and float(loss) == pytest.approx(0.0)
