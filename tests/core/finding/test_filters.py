"""Favourites, ratings, collections and filters (duration, loop vs one-shot) in the catalog."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from core.catalog import Catalog
from core.catalog.marks import MarkStore
from core.catalog.scan import scan
from core.finding.duplicates import analyse_sounds
from core.finding.filters import FilterData, SoundFilter, filter_mask, filter_sounds
from core.finding.fingerprint import is_loop
from core.jobs import run_job
from tests.synth import make_sound

SR = 22050


def _drum_loop(rng: np.random.Generator, bars: int = 2) -> np.ndarray:
    """Noise hits every quarter note at 120 BPM, each decaying, with no silence after the last."""
    beat = SR // 2
    hit = rng.standard_normal(beat) * np.exp(-np.arange(beat) / (0.08 * SR))
    return np.tile(hit, 4 * bars).astype(np.float32) * 0.5


def test_loop_heuristic() -> None:
    rng = np.random.default_rng(0)
    assert is_loop(_drum_loop(rng), SR)
    assert is_loop(make_sound("click", rng, SR, seconds=2.0), SR)  # a click train that runs to the end
    assert not is_loop(make_sound("noise", rng, SR, seconds=2.0), SR)  # a decaying burst
    assert not is_loop(make_sound("tone", rng, SR, seconds=2.0), SR)  # a drone without onsets
    assert not is_loop(_drum_loop(rng)[: SR // 2], SR)  # one hit: too short
    faded = _drum_loop(rng) * np.linspace(1, 0, 4 * SR, dtype=np.float32) ** 3
    assert not is_loop(faded, SR)  # ends in a fade: does not wrap round


@pytest.fixture()
def lib(tmp_path: Path):
    root = tmp_path / "lib"
    root.mkdir()
    rng = np.random.default_rng(4)
    files = {
        "loop_a.wav": _drum_loop(rng),
        "loop_b.wav": make_sound("click", rng, SR, seconds=3.0),
        "hit.wav": make_sound("noise", rng, SR, seconds=0.5),
        "pad.wav": make_sound("tone", rng, SR, seconds=4.0),
    }
    for name, x in files.items():
        sf.write(root / name, x, SR)
    with Catalog.open(root, tmp_path / "cat.db") as cat:
        run_job(scan(cat))
        yield cat


def test_marks_and_filters(lib: Catalog) -> None:
    by = {r.relpath: r.id for r in lib.sounds()}
    marks = MarkStore(lib)
    marks.set_favourite(np.array([by["hit.wav"], by["pad.wav"]]))
    marks.set_favourite(by["pad.wav"], False)
    marks.set_rating(np.int64(by["loop_a.wav"]), 4)
    marks.set_rating([by["hit.wav"], by["loop_b.wav"]], 2)
    with pytest.raises(ValueError):
        marks.set_rating(by["hit.wav"], 6)
    drums = marks.create_collection("Drums")
    assert marks.add_to_collection(drums, [by["loop_a.wav"], by["hit.wav"], by["loop_a.wav"]]) == 2
    with pytest.raises(ValueError):
        marks.create_collection(" Drums ")
    marks.rename_collection(drums, "Drum kit")
    assert [(c.name, c.size) for c in marks.collections()] == [("Drum kit", 2)]
    assert marks.members(drums) == [by["loop_a.wav"], by["hit.wav"]]

    sounds = lib.sounds()
    data = FilterData.load(lib)
    assert data.loops == {}  # not analysed yet: no loop flags, so a kind filter keeps nothing
    assert filter_sounds(sounds, SoundFilter(kind="loop"), data) == []
    run_job(analyse_sounds(lib))
    data = FilterData.load(lib)

    def names(**kw) -> set[str]:
        rel = {v: k for k, v in by.items()}
        return {rel[i] for i in filter_sounds(sounds, SoundFilter(**kw), data)}

    assert names() == set(by)
    assert names(favourites_only=True) == {"hit.wav"}
    assert names(min_rating=2) == {"loop_a.wav", "hit.wav", "loop_b.wav"}
    assert names(min_rating=3) == {"loop_a.wav"}
    assert names(collection=drums) == {"loop_a.wav", "hit.wav"}
    assert names(min_duration=1.0, max_duration=3.5) == {"loop_b.wav"}
    assert names(kind="loop") == {"loop_a.wav", "loop_b.wav"}
    assert names(kind="one-shot") == {"hit.wav", "pad.wav"}
    assert names(kind="loop", collection=drums) == {"loop_a.wav"}
    ids = np.array([by["pad.wav"], by["loop_a.wav"]])
    assert filter_mask(ids, sounds, SoundFilter(kind="loop"), data).tolist() == [False, True]
    with pytest.raises(ValueError):
        SoundFilter(kind="drone")

    marks.delete_collection(drums)
    assert marks.collections() == [] and lib.sound(by["hit.wav"])  # the sounds stay
