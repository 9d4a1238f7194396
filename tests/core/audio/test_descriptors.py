"""Acoustic descriptors: known signals give known values; the catalog job caches them per sound."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf
from scipy.stats import skew

from core.audio import descriptors as D
from core.catalog import Catalog
from core.catalog.descriptors import load_descriptors, missing_descriptors, put_descriptors
from core.catalog.scan import scan
from core.jobs import run_job

SR = D.SAMPLE_RATE


def _tone(f0: float, seconds: float = 1.5, amp: float = 0.3) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    return amp * sum(np.sin(2 * np.pi * f0 * k * t) / k for k in (1, 2, 3))


def _d(wave, duration=None) -> dict[str, float]:
    return dict(zip(D.names(), D.describe_wave(wave, duration)))


def test_names_and_groups_are_consistent() -> None:
    names = D.names()
    assert len(names) == len(set(names)) == D.describe_wave(_tone(440)).size
    g = D.groups()
    assert sorted(i for cols in g.values() for i in cols) == list(range(len(names)))
    assert len(g["mfcc"]) == 60 and len(g["chroma"]) == 36 and g["duration"] == [names.index("duration")]
    assert set(D.AXES.values()) <= set(names)
    values = np.arange(3 * len(names), dtype=np.float32).reshape(3, -1)
    np.testing.assert_array_equal(D.column(values, "brightness"), values[:, names.index("centroid_mean")])
    np.testing.assert_array_equal(D.column(values, "duration"), values[:, -1])
    with pytest.raises(KeyError, match="unknown descriptor"):
        D.column(values, "colour")


def test_stats_match_numpy_and_scipy() -> None:
    import torch

    x = np.random.default_rng(0).gamma(2.0, size=(3, 200))
    got = D._stats(torch.as_tensor(x)).numpy()
    np.testing.assert_allclose(got[:, 0], x.mean(axis=1))
    np.testing.assert_allclose(got[:, 1], x.var(axis=1))
    np.testing.assert_allclose(got[:, 2], skew(x, axis=1))
    assert D._stats(torch.ones(1, 5)).tolist() == [[1.0, 0.0, 0.0]]


@pytest.mark.parametrize(("f0", "pc"), [(65.41, "C"), (220.0, "A"), (311.13, "D#"), (880.0, "A")])
def test_pitch_chroma_centroid_of_a_harmonic_tone(f0, pc) -> None:
    d = _d(_tone(f0))
    assert d["pitch_mean"] == pytest.approx(69 + 12 * np.log2(f0 / 440), abs=0.15)
    assert d["pitch_voiced"] > 0.9 and d["pitch_var"] < 0.05
    chroma = [d[f"chroma_{c}_mean"] for c in D.PITCH_CLASSES]
    assert D.PITCH_CLASSES[int(np.argmax(chroma))] == pc
    # harmonics 1, 1/2, 1/3: power-weighted mean frequency = f0 · (1 + 2/4 + 3/9) / (1 + 1/4 + 1/9)
    assert d["centroid_mean"] == pytest.approx(f0 * (1 + 2 / 4 + 3 / 9) / (1 + 1 / 4 + 1 / 9), rel=0.03)
    rms = 0.3 * np.sqrt((1 + 1 / 4 + 1 / 9) / 2)
    assert d["loudness_mean"] == pytest.approx(20 * np.log10(rms), abs=0.3)
    assert d["duration"] == pytest.approx(1.5)


def test_noise_is_unvoiced_bright_and_louder_when_louder() -> None:
    rng = np.random.default_rng(1)
    quiet, loud = _d(0.05 * rng.normal(size=SR)), _d(0.2 * rng.normal(size=SR))
    assert quiet["pitch_voiced"] < 0.1 and quiet["centroid_mean"] > 4000
    assert loud["loudness_mean"] - quiet["loudness_mean"] == pytest.approx(20 * np.log10(4), abs=0.3)
    assert _d(_tone(220))["centroid_mean"] < _d(_tone(880))["centroid_mean"]
    silent = D.describe_wave(np.zeros(50), duration=0.002)
    assert np.isfinite(silent).all() and dict(zip(D.names(), silent))["duration"] == pytest.approx(0.002)


def test_catalog_job_caches_and_recomputes_changed_files(fresh_synth, tmp_path) -> None:
    root, labels = fresh_synth
    with Catalog.open(root, tmp_path / "cat.sqlite") as cat:
        run_job(scan(cat))
        report = run_job(D.descriptor_job(cat, batch_size=5))
        assert report.computed == len(labels) and not report.failed
        ids, values = load_descriptors(cat, D.VERSION)
        assert values.shape == (len(labels), len(D.names())) and np.isfinite(values).all()
        again = run_job(D.descriptor_job(cat))
        assert again.computed == 0 and again.cached == len(labels)
        # a changed file makes its row stale; the next job recomputes only it
        rel = sorted(labels)[0]
        sf.write(root / rel, _tone(440, 0.7), SR)
        run_job(scan(cat))
        assert [r.relpath for r in missing_descriptors(cat, D.VERSION)] == [rel]
        assert run_job(D.descriptor_job(cat)).computed == 1
        ids2, values2 = load_descriptors(cat, D.VERSION)
        k = list(ids2).index(cat.sound_by_relpath(rel).id)
        assert dict(zip(D.names(), values2[k]))["pitch_mean"] == pytest.approx(69, abs=0.15)
        with pytest.raises(ValueError, match="not finite"):
            put_descriptors(cat, D.VERSION, [(int(ids[0]), None, np.array([np.nan]))])
