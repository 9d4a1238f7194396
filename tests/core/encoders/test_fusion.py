"""The library-adaptive model: standardisation, fusion, its fit to a library and its cache keys."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from core.encoders.fusion import ADAPTIVE_MODEL, FusionStats, fuse, standardise, stats_path
from core.jobs import run_job
from core.library import Library


def test_standardise_removes_the_shared_offset():
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((2, 8))
    x = np.concatenate([a + 0.1 * rng.standard_normal((20, 8)), b + 0.1 * rng.standard_normal((20, 8))])
    x += 50.0  # an offset shared by every sound: raw cosines are all ~1
    raw = x / np.linalg.norm(x, axis=1, keepdims=True)
    assert (raw @ raw.T).min() > 0.99
    z = standardise(x)
    np.testing.assert_allclose(np.linalg.norm(z, axis=1), 1.0, atol=1e-5)
    s = z @ z.T
    assert s[:20, :20].mean() > 0.8 and s[:20, 20:].mean() < -0.5  # the two groups come apart
    assert np.isfinite(standardise(np.ones((5, 3)))).all()  # constant dimensions: no NaN


def test_fuse_weights_the_second_block():
    rng = np.random.default_rng(1)
    p, m = rng.standard_normal((30, 16)), rng.standard_normal((30, 4))
    f = fuse(p, m, 0.25)
    assert f.shape == (30, 20) and np.allclose(np.linalg.norm(f, axis=1), 1.0, atol=1e-5)
    # cosine of the fused vectors = (cos_p + w² cos_m) / (1 + w²)
    zp, zm = standardise(p), standardise(m)
    np.testing.assert_allclose(f @ f.T, (zp @ zp.T + 0.0625 * (zm @ zm.T)) / 1.0625, atol=1e-5)
    with pytest.raises(ValueError):
        fuse(p, m[:5])


def test_stats_round_trip(tmp_path):
    rng = np.random.default_rng(2)
    st = FusionStats.fit([rng.standard_normal((10, 3)), rng.standard_normal((10, 2))], (1.0, 0.5))
    st.save(tmp_path / "s.npz")
    back = FusionStats.load(tmp_path / "s.npz")
    assert back.digest() == st.digest() and back.weights == (1.0, 0.5)


def test_adaptive_model_fits_the_library_and_refits_when_it_changes(fresh_synth, home, tmp_path):
    root, _ = fresh_synth
    with Library.open(root, tmp_path / "cat.sqlite") as lib:
        assert ADAPTIVE_MODEL in lib.models() and lib.model_version(ADAPTIVE_MODEL).endswith("-unfit")
        rep = run_job(lib.embed(ADAPTIVE_MODEL))
        ids, vecs = lib.vectors(ADAPTIVE_MODEL)
        assert rep.embedded == len(ids) == 16 and vecs.shape == (16, 512 + 120)
        assert np.isfinite(vecs).all() and np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
        v1 = lib.model_version(ADAPTIVE_MODEL)
        assert stats_path(lib.catalog.path).is_file()
        assert run_job(lib.embed(ADAPTIVE_MODEL)).cached == 16  # unchanged library: nothing refitted
        # a file outside the library is embedded with the library's statistics
        some = next(p for p in sorted(root.rglob("*.wav")))
        sid = next(s.id for s in lib.sounds() if root / s.relpath == some)
        q = lib.embed_file(ADAPTIVE_MODEL, some)
        assert float(q @ vecs[list(ids).index(sid)]) > 0.99
    with Library.open(root, tmp_path / "cat.sqlite") as lib:  # reopened: the fit's version again
        assert lib.model_version(ADAPTIVE_MODEL) == v1
        shutil.copy(some, root / "copy_of_one.wav")
        run_job(lib.embed(ADAPTIVE_MODEL))
        assert lib.model_version(ADAPTIVE_MODEL) != v1  # new sounds: refitted, under a new version
        assert len(lib.vectors(ADAPTIVE_MODEL)[0]) == 17


def test_adaptive_model_streams_its_own_batches_and_keeps_them_when_cancelled(tmp_path, home):
    """The default model must grow a map while ``pretrained`` runs (batches of fused vectors, as this
    model's stage) and, stopped half way, leave a vector in the catalog for every sound it streamed."""
    from core.embedding.report import EmbedBatch
    from tests.synth import write_collection

    root = tmp_path / "lib"
    write_collection(root, per_class=12, seed=3)  # 48 sounds = 3 batches of 16
    with Library.open(root, tmp_path / "cat.sqlite") as lib:
        job = lib.embed(ADAPTIVE_MODEL)
        streamed: list[np.ndarray] = []
        for p in job:
            assert p.stage == f"embed {ADAPTIVE_MODEL}"  # one stage: the component runs are this model's work
            if isinstance(p.partial, EmbedBatch):
                assert p.partial.vectors.shape[1] == 512 + 120 and np.isfinite(p.partial.vectors).all()
                streamed.append(p.partial.ids)
                if len(streamed) == 2:
                    break
        job.close()  # cancelled after two batches of 48 sounds
        shown = set(np.concatenate(streamed).tolist())
        ids, vecs = lib.vectors(ADAPTIVE_MODEL)
        assert shown <= set(ids.tolist()) and len(ids) < 48
        assert np.allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-4)
        first = lib.model_version(ADAPTIVE_MODEL)
        # the next run embeds the rest and refits over every sound
        seen: list = []
        assert run_job(lib.embed(ADAPTIVE_MODEL), seen.append).embedded == 48
        ids, vecs = lib.vectors(ADAPTIVE_MODEL)
        assert len(ids) == 48 and lib.model_version(ADAPTIVE_MODEL) != first
        # the last streamed batch was fused with the running statistics of all 48 sounds: the final fit
        last = [p.partial for p in seen if isinstance(p.partial, EmbedBatch)][-1]
        row = {int(i): k for k, i in enumerate(ids)}
        final = vecs[[row[int(i)] for i in last.ids]]
        np.testing.assert_allclose(last.vectors, final, atol=1e-4)
