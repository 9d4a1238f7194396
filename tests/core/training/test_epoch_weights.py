"""Per-epoch weights and the epoch snapshots of the training timelapse (core.training.snapshots)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.jobs import run_job
from core.library import Library
from core.training import checkpoint as ckpt
from core.training.config import TrainConfig
from core.training.loop import train_job
from core.training.models import make_embedder
from core.training.snapshots import EpochSnapshot, epoch_files, pick_sounds
from core.training.timelapse import NoEpochWeights, saved_epoch_vectors

TINY = dict(width=8, dim=16, batch_size=8, steps_per_epoch=3, reference="mfcc", min_consistency=None,
            val_batches=1, samplers={"noise": 1.0, "shift": 1.0})


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("SOUND_EXPLORER_HOME", str(tmp_path / "home"))


def test_every_epoch_is_saved_loads_weights_only_and_is_snapshotted(fresh_synth, tmp_path):
    root, _ = fresh_synth
    cfg = TrainConfig(name="tl", epochs=3, timelapse_sounds=10, **TINY)
    snaps: list[EpochSnapshot] = []
    with Library.open(root, tmp_path / "cat.sqlite") as lib:
        result = run_job(train_job(lib, cfg), lambda p: snaps.append(p.partial)
                         if isinstance(p.partial, EpochSnapshot) else None)
        folder = ckpt.model_dir(lib.catalog.path, "tl")
        files = epoch_files(folder)
        assert [e for e, _ in files] == [0, 1, 2, 3]  # the untrained network, then every epoch
        assert [f.name for _, f in files] == ["epoch-000.pt", "epoch-001.pt", "epoch-002.pt", "epoch-003.pt"]
        states = [torch.load(f, weights_only=True) for _, f in files]  # plain state dicts
        net = make_embedder(lib.catalog.model("tl")["config"]["architecture"], pretrained_weights=False)
        for st in states:
            net.load_state_dict(st, strict=True)
        assert not torch.equal(states[0]["head.weight"], states[-1]["head.weight"])  # it trained
        # the final model is one of the epochs (the kept one)
        final = torch.load(result.weights_path, weights_only=True)
        assert any(all(torch.equal(final[k], st[k]) for k in final) for st in states[1:])
        # one snapshot per saved epoch, the same 10 sounds each time, vectors of unit length
        assert [s.epoch for s in snaps] == [0, 1, 2, 3] and all(s.epochs == 3 for s in snaps)
        assert all(np.array_equal(s.ids, snaps[0].ids) for s in snaps) and len(snaps[0].ids) == 10
        assert all(s.vectors.shape == (10, 16) for s in snaps)
        np.testing.assert_allclose(np.linalg.norm(snaps[-1].vectors, axis=1), 1.0, atol=1e-5)
        assert not np.allclose(snaps[0].vectors, snaps[-1].vectors)
        # after training: the same epochs rebuilt from the saved weights, for all 16 sounds
        ev = run_job(saved_epoch_vectors(lib, "tl", max_sounds=100))
        assert ev.epochs == [0, 1, 2, 3] and ev.total == 3 and len(ev.ids) == 16
        row = {int(i): k for k, i in enumerate(ev.ids)}
        k = [row[int(i)] for i in snaps[-1].ids]
        np.testing.assert_allclose(ev.vectors[-1][k], snaps[-1].vectors, atol=1e-5)  # same weights, same vectors

        # a new run under the same name starts a new set of epochs
        run_job(train_job(lib, TrainConfig(name="tl", epochs=1, timelapse_sounds=0, **TINY)))
        assert [e for e, _ in epoch_files(folder)] == [0, 1]


def test_models_without_epoch_weights_say_so(fresh_synth, tmp_path):
    root, _ = fresh_synth
    with Library.open(root, tmp_path / "cat.sqlite") as lib:
        with pytest.raises(NoEpochWeights, match="not a model trained"):
            run_job(saved_epoch_vectors(lib, "mfcc"))
        run_job(train_job(lib, TrainConfig(name="old", epochs=1, **TINY)))
        for _, f in epoch_files(ckpt.model_dir(lib.catalog.path, "old")):
            f.unlink()  # as a model trained before epoch weights were kept
        with pytest.raises(NoEpochWeights, match="no saved epoch weights"):
            run_job(saved_epoch_vectors(lib, "old"))


def test_pick_sounds_is_a_fixed_sorted_subset():
    a = pick_sounds(5000, 1000, seed=3)
    assert len(a) == 1000 and np.all(np.diff(a) > 0) and np.array_equal(a, pick_sounds(5000, 1000, seed=3))
    assert np.array_equal(pick_sounds(7, 1000), np.arange(7)) and len(pick_sounds(7, 0)) == 0
