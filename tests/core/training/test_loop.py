"""The training job end to end: registered model, stored weights/config/history, verdict, cancel."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.library import Library
from core.jobs import Progress, run_job
from core.training import checkpoint as ckpt
from core.training.config import TrainConfig, parse_samplers
from core.training.loop import train_job
from core.encoders.trained import TrainedEncoder

TINY = dict(width=8, dim=16, batch_size=8, steps_per_epoch=3, reference="mfcc", min_consistency=None,
            val_batches=1)


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("SOUND_EXPLORER_HOME", str(tmp_path / "home"))


def test_train_registers_model_and_judges_it(fresh_synth, tmp_path):
    root, _ = fresh_synth
    cat = tmp_path / "cat.sqlite"
    cfg = TrainConfig(name="mine", samplers={"noise": 1.0, "shift": 1.0, "tags": 1.0}, epochs=2, val_fraction=0.3,
                      test_fraction=0.4, **TINY)
    points: list[Progress] = []
    with Library.open(root, cat) as lib:
        result = run_job(train_job(lib, cfg), lambda p: points.append(
            Progress(p.stage, p.done, p.total, p.message, dict(p.partial) if isinstance(p.partial, dict) else None)))
        train_points = [p for p in points if p.stage == "train" and p.partial is not None]  # loss terms
        assert len(train_points) == 2 * 3 + 2  # every step, plus one point per epoch end
        assert {"triplet", "distill", "total"} <= set(train_points[0].partial)
        assert all(np.isfinite(v) for p in train_points for v in p.partial.values())
        assert "val_total" in train_points[3].partial and "val_total" in train_points[7].partial  # epoch ends
        assert [p.done for p in train_points][:3] == [1, 2, 3] and train_points[-1].total == 6
        assert result.name == "mine" and result.epochs_run == 2 and result.patches_per_s > 0
        assert "mine" in lib.models()
        row = lib.catalog.model("mine")
        assert row["version"] == result.version and row["kind"] == "triplet"
        assert row["config"]["architecture"]["dim"] == 16 and len(row["history"]) == 2
        assert "verdict" in row["metrics"]
        ids, vecs = lib.vectors("mine")
        assert len(ids) == len(lib.sounds()) and vecs.shape[1] == 16
        np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)
        v = result.verdict
        assert v is not None and v.reference == "mfcc" and set(v.scores) >= {"mine", "mfcc"}
        # the model becomes the default exactly when it wins
        assert (lib.catalog.default_model() == "mine") == (v.decided and v.wins) == result.default_changed
        state = torch.load(result.weights_path, weights_only=True)
        assert all(isinstance(t, torch.Tensor) for t in state.values())
    # a fresh Library finds the trained model by name and its encoder reproduces the stored vectors
    with Library.open(root, cat) as lib2:
        assert "mine" in lib2.models()
        enc = lib2.encoder("mine")
        assert isinstance(enc, TrainedEncoder) and enc.version == result.version and enc.dim == 16
        from core.audio import decode as audio

        sid = int(ids[0])
        wave, _ = audio.load(lib2.abspath(sid), enc.sample_rate)
        np.testing.assert_allclose(enc.embed_wave(wave), vecs[0], atol=1e-4)


def test_cancel_keeps_last_epoch_checkpoint(fresh_synth, tmp_path):
    root, _ = fresh_synth
    cfg = TrainConfig(name="cancelme", samplers={"noise": 1.0}, epochs=5, **TINY)
    with Library.open(root, tmp_path / "cat.sqlite") as lib:
        job = train_job(lib, cfg)
        for p in job:
            if p.stage == "train" and isinstance(p.partial, dict) and any(k.startswith("val") for k in p.partial):
                break  # end of epoch 1
        for p in job:  # one more step into epoch 2, then cancel
            break
        job.close()
        saved = ckpt.load_checkpoint(ckpt.model_dir(lib.catalog.path, "cancelme"))
        assert saved is not None and saved["epoch"] == 1
        assert "cancelme" not in lib.models()  # an unfinished model is never registered


def test_coala_job_runs(fresh_synth, tmp_path):
    root, _ = fresh_synth
    cfg = TrainConfig(name="co", method="coala", epochs=1, keep="both", **{**TINY, "steps_per_epoch": 2})
    with Library.open(root, tmp_path / "cat.sqlite") as lib:
        result = run_job(train_job(lib, cfg))
        assert set(result.history[0]["train"]) == {"audio", "tags", "align", "distill", "total"}
        assert lib.vectors("co")[1].shape[1] == 16


def test_bad_settings_are_rejected():
    with pytest.raises(ValueError):
        TrainConfig(samplers={"bogus": 1.0})
    with pytest.raises(ValueError):
        TrainConfig(samplers={"noise": 0.0})
    with pytest.raises(ValueError):
        parse_samplers("noise,wat")
    assert parse_samplers("noise, shift:2") == {"noise": 1.0, "shift": 2.0}
    cfg = TrainConfig(samplers=parse_samplers("noise,mix,tags"))
    assert cfg.model_name() == "triplet-joint" and cfg.uses_tags
    assert TrainConfig.from_dict(cfg.as_dict()) == cfg


def test_evaluate_command_prints_a_table(synth_dir, tmp_path, capsys):
    from core.cli.main import main

    root, _ = synth_dir
    code = main(["evaluate", str(root), "--catalog", str(tmp_path / "cat.sqlite"), "-q", "--models", "mfcc",
                 "--labels", "folder", "--reference", "mfcc"])
    out = capsys.readouterr().out
    assert code == 0
    header, _sep, row = out.strip().splitlines()[1:4]
    assert header.split()[:4] == ["model", "n", "classes", "qbe_map"] and "nmi_kmeans" in header
    cells = row.split()
    assert cells[0] == "mfcc" and int(cells[1]) == 32 and int(cells[2]) == 4
    assert 0.25 < float(cells[3]) <= 1.0  # four classes: chance is about 0.23


def test_schedule_and_epoch_length():
    from core.training.loop import learning_rate, steps_per_epoch

    cfg = TrainConfig(lr=1e-3)
    lrs = [learning_rate(cfg, s, 200) for s in range(200)]
    assert lrs[0] < lrs[9] == pytest.approx(1e-3)  # warm-up over the first 5 %
    assert all(a >= b for a, b in zip(lrs[10:], lrs[11:]))  # then cosine decay
    assert lrs[-1] == pytest.approx(0.05e-3, rel=0.05)
    assert steps_per_epoch(cfg, 100) == 30 and steps_per_epoch(cfg, 700) == 44 and steps_per_epoch(cfg, 10**5) == 50
    assert steps_per_epoch(TrainConfig(steps_per_epoch=7), 10**5) == 7


def test_cli_train_on_a_subset_then_evaluate_json(fresh_synth, tmp_path, capsys):
    """Setting 2 of the benchmarks from the CLI: train on two classes only (``--train-on``); the model
    still embeds every sound, never saw the other classes or their tags, and ``evaluate --json``
    scores it on the held-out classes alone."""
    import json

    from core.cli.main import main

    root, labels = fresh_synth
    cat = tmp_path / "cat.sqlite"
    seen = sorted(r for r, c in labels.items() if c in ("tone", "noise"))
    (tmp_path / "train.txt").write_text("path\n" + "\n".join(seen) + "\n")
    held = tmp_path / "held.csv"
    held.write_text("".join(f"{r},{c}\n" for r, c in labels.items() if c not in ("tone", "noise")))
    argv = ["train", str(root), "--catalog", str(cat), "-q", "--name", "half", "--samplers", "noise,tags",
            "--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "8", "--width", "8", "--dim", "16",
            "--reference", "mfcc", "--train-on", str(tmp_path / "train.txt")]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "half" in out and "weights:" in out
    with Library.open(root, cat) as lib:
        row = lib.catalog.model("half")
        assert sorted(row["config"]["train"]["train_on"]) == seen
        vocab = set(row["config"]["vocabulary"])
        assert vocab and not vocab & {"click", "chirp"}  # the held-out classes' folder tags were never seen
        assert len(lib.vectors("half")[0]) == len(labels)  # … but all their sounds are embedded
        # … and the verdict judges the new model on them too (with their content tags)
        assert row["metrics"]["verdict"]["held_out"] >= len(labels) - len(seen)
    js = tmp_path / "scores.json"
    assert main(["evaluate", str(root), "--catalog", str(cat), "-q", "--models", "mfcc,half",
                 "--labels", str(held), "--json", str(js)]) == 0
    rows = {r["model"]: r for r in json.loads(js.read_text())["rows"]}
    assert set(rows) == {"mfcc", "half"}
    assert rows["half"]["n"] == len(labels) - len(seen) and rows["half"]["classes"] == 2
    assert 0.0 < rows["half"]["qbe_map"] <= 1.0


def test_train_on_unknown_paths_is_a_clear_error(fresh_synth, tmp_path):
    root, _ = fresh_synth
    cfg = TrainConfig(name="nothing", samplers={"noise": 1.0}, epochs=1, train_on=["no/such.wav"], **TINY)
    with Library.open(root, tmp_path / "cat.sqlite") as lib, pytest.raises(ValueError, match="only 0 of the 1"):
        run_job(train_job(lib, cfg))


def test_preview_tags_lists_excluded_tags_and_uses_existing_vectors(fresh_synth, tmp_path):
    from core.training.data import preview_tags

    root, _ = fresh_synth
    with Library.open(root, tmp_path / "cat.sqlite") as lib:
        run_job(lib.scan())
        cfg = TrainConfig(reference="mfcc", exclude_tags=["click"])
        before = run_job(preview_tags(lib, cfg))
        assert before.reference is None  # nothing embedded yet: no embedding is forced
        assert {"tone", "noise", "click", "chirp"} <= set(before.vocab.tags)
        assert before.n_sounds == len(lib.sounds())
        run_job(lib.embed("mfcc"))
        after = run_job(preview_tags(lib, cfg))
        assert after.reference == "mfcc" and after.vocab.consistency is not None
        # the folder tags name the classes, so they sound alike under mfcc
        idx = after.vocab.index()
        assert {"tone", "noise", "click", "chirp"} <= set(idx)  # kept by the consistency filter …
        assert all(after.vocab.consistency[idx[t]] > 0 for t in ("tone", "noise", "click", "chirp"))


def test_a_sampler_that_cannot_run_says_why(tmp_path):
    import soundfile as sf

    from tests.synth import CLASSES, make_sound

    rng = np.random.default_rng(0)
    root = tmp_path / "short"
    for k in range(12):  # every sound shorter than one patch: no two moments of one recording to pair
        (root / CLASSES[k % 4]).mkdir(parents=True, exist_ok=True)
        sf.write(root / CLASSES[k % 4] / f"s{k}.wav", make_sound(CLASSES[k % 4], rng, seconds=0.8), 22050)
    cfg = TrainConfig(name="prox", samplers={"proximity": 1.0}, epochs=1, **TINY)
    with Library.open(root, tmp_path / "cat.sqlite") as lib, pytest.raises(ValueError, match="proximity: no sound"):
        run_job(train_job(lib, cfg))
