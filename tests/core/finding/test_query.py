"""Query by any sound: a file and a recorded buffer of the same audio give the same neighbours,
and the query lands on the map."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from core.finding.query import MAX_RECORD_SECONDS, meter_levels, query_library, trim_buffer
from core.jobs import run_job
from core.library import Library
from core.maps.params import ProjectionParams
from tests.synth import make_sound


def test_file_and_buffer_queries_agree_and_land_on_the_map(synth_dir, home: Path, tmp_path: Path) -> None:
    root, labels = synth_dir
    rng = np.random.default_rng(123)
    mono = make_sound("chirp", rng, 44100, seconds=1.5)
    recording = np.stack([mono, mono * 0.8], axis=1)  # a stereo "microphone" buffer at 44.1 kHz
    as_float = tmp_path / "query.wav"
    sf.write(as_float, recording, 44100, subtype="FLOAT")
    as_pcm = tmp_path / "query16.wav"
    sf.write(as_pcm, recording, 44100, subtype="PCM_16")
    params = ProjectionParams(method="pca")
    with Library.open(root) as lib:
        run_job(lib.embed("mfcc"))
        run_job(lib.map("mfcc", params))
        by_file = query_library(lib, "mfcc", path=as_float, k=5, projection=params)
        by_buffer = query_library(lib, "mfcc", samples=recording, rate=44100, k=5, projection=params)
        by_pcm = query_library(lib, "mfcc", path=as_pcm, k=5, projection=params)
        rel = {r.id: r.relpath for r in lib.sounds()}

        np.testing.assert_allclose(by_file.vector, by_buffer.vector, atol=1e-5)  # one path for both
        assert [i for i, _ in by_buffer.neighbors] == [i for i, _ in by_file.neighbors]
        assert [i for i, _ in by_pcm.neighbors] == [i for i, _ in by_file.neighbors]  # 16-bit changes nothing that matters
        assert sum(labels[rel[i]] == "chirp" for i, _ in by_buffer.neighbors) >= 4  # and it sounds like the chirps

        mapped = lib.cached_map("mfcc", params)
        assert by_buffer.xy is not None and np.isfinite(by_buffer.xy).all()
        lo, hi = mapped.xy.min(axis=0), mapped.xy.max(axis=0)
        assert np.all(by_buffer.xy >= lo - 0.1 * (hi - lo)) and np.all(by_buffer.xy <= hi + 0.1 * (hi - lo))
        np.testing.assert_allclose(by_buffer.xy, by_file.xy, atol=1e-4)

        # a library sound used as the query lands exactly on its own point and is its own nearest
        some = next(iter(labels))
        sid = next(i for i, r in rel.items() if r == some)
        x, sr = sf.read(root / some, dtype="float32")
        own = query_library(lib, "mfcc", samples=x, rate=sr, k=3, projection=params)
        assert own.neighbors[0][0] == sid and own.neighbors[0][1] < 1e-4
        np.testing.assert_allclose(own.xy, mapped.xy[list(mapped.ids).index(sid)], atol=1e-4)

        no_map = query_library(lib, "mfcc", samples=x, rate=sr, projection=ProjectionParams(method="umap", n_neighbors=7))
        assert no_map.xy is None and no_map.neighbors
        with pytest.raises(ValueError):
            query_library(lib, "mfcc", samples=x)  # no rate
        with pytest.raises(ValueError):
            query_library(lib, "mfcc", path=as_float, samples=x, rate=sr)


def test_trim_and_meter() -> None:
    rate = 1000
    x = np.arange(20 * rate, dtype=np.float32)
    assert len(trim_buffer(x, rate)) == MAX_RECORD_SECONDS * rate
    assert trim_buffer(x, rate, 1.0, 1.5).tolist() == list(range(1000, 1500))
    with pytest.raises(ValueError):
        trim_buffer(x, rate, 2.0, 1.0)
    rms, peak = meter_levels(np.full(100, 0.5))
    assert abs(rms - 20 * np.log10(0.5)) < 1e-6 and abs(peak - rms) < 1e-6
    assert meter_levels(np.zeros(10)) == (-120.0, -120.0)
