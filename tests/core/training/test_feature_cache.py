"""The log-mel feature cache: incremental, content-keyed, torn-write safe, same patches as the encoders."""

from __future__ import annotations

import numpy as np
import pytest

from core.audio import decode as audio
from core.catalog import Catalog
from core.catalog.scan import scan
from core.audio.features import MelConfig, MelFrontend, make_patches
from core.jobs import run_job
from core.training.feature_cache import FeatureCache, segment_offsets


@pytest.fixture()
def catalog(fresh_synth, tmp_path):
    root, _ = fresh_synth
    cat = Catalog.open(root, tmp_path / "cat.sqlite")
    run_job(scan(cat))
    yield cat
    cat.close()


def test_build_is_incremental_and_matches_the_front_end(catalog, tmp_path):
    rows = catalog.sounds()
    cache = FeatureCache(MelConfig(), root=tmp_path / "feat")
    first = run_job(cache.build(catalog, rows[:5]))
    assert first.added == 5 and first.cached == 0
    again = run_job(cache.build(catalog, rows))
    assert again.added == len(rows) - 5 and again.cached == 5
    assert cache.missing(rows) == []
    store = cache.store(rows)
    assert len(store) == len(rows)
    fe = MelFrontend(MelConfig(), "cpu")
    for i in (0, 7):
        wave, _ = audio.load(catalog.abspath(rows[i]), 22050)
        expected = make_patches(fe(wave)[0]).numpy()
        got = store.patches(i)
        assert got.shape == expected.shape
        np.testing.assert_allclose(got, expected, atol=2e-3)  # float16 storage
    crop = store.crop(3, np.random.default_rng(0))
    assert crop.shape == (96, 96) and crop.dtype == np.float32


def test_torn_write_is_ignored(catalog, tmp_path):
    rows = catalog.sounds()
    cache = FeatureCache(MelConfig(), root=tmp_path / "feat")
    run_job(cache.build(catalog, rows[:3]))
    before = cache.store(rows[:3]).patches(2)
    with open(cache.frames_path, "ab") as fh:  # a writer killed mid-append
        fh.write(b"\x01" * 1001)
    run_job(cache.build(catalog, rows[3:6]))
    store = cache.store(rows[:6])
    np.testing.assert_array_equal(store.patches(2), before)
    fe = MelFrontend(MelConfig(), "cpu")
    wave, _ = audio.load(catalog.abspath(rows[4]), 22050)
    np.testing.assert_allclose(store.patches(4), make_patches(fe(wave)[0]).numpy(), atol=2e-3)


def test_long_sounds_are_stored_as_bounded_segments():
    assert segment_offsets(30.0, 60.0) == [(0.0, None)]
    segs = segment_offsets(600.0, 60.0)
    assert len(segs) == 6 and all(s == 10.0 for _, s in segs)
    assert segs[0][0] == 0.0 and segs[-1][0] == pytest.approx(590.0)
