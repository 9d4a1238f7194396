"""Search by word: names and tags through synonyms first, then sounds like them; suggestions."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from core.catalog.suggestions import SuggestionStore, TagSuggestion
from core.cli.main import main as cli
from core.finding.search import Vocabulary, search, search_library, sound_words
from core.finding.synonyms import BUILTIN, TableSynonyms
from core.jobs import run_job
from core.library import Library
from tests.synth import make_sound

FILES = {  # relpath: synthetic class of its audio
    "drums/BD_02.wav": "click",
    "drums/Kick Hard.wav": "click",
    "drums/perc_loop.wav": "click",
    "drums/SD_01.wav": "noise",
    "synth/pad_warm.wav": "tone",
    "synth/lead_bright.wav": "tone",
    "fx/Swoosh_fast.wav": "chirp",
    "fx/riser.wav": "chirp",
}


@pytest.fixture(scope="module")
def named(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("named") / "lib"
    rng = np.random.default_rng(2)
    for rel, kind in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        sf.write(root / rel, make_sound(kind, rng, 22050), 22050)
    return root


def test_kick_finds_bd_then_sounds_like_it(named: Path, home: Path) -> None:
    with Library.open(named) as lib:
        run_job(lib.embed("mfcc"))
        rel = {r.id: r.relpath for r in lib.sounds()}
        hits = search_library(lib, ["kick"], "mfcc", k=4)
        names = [rel[h.sound_id] for h in hits]
        assert set(names[:2]) == {"drums/BD_02.wav", "drums/Kick Hard.wav"}, names
        assert names[0] == "drums/Kick Hard.wav"  # the word itself before its synonym
        assert hits[0].matched == ("kick",) and hits[2].matched == ()
        assert names[2] == "drums/perc_loop.wav"  # the nearest to the kicks' centroid: the other click train
        assert len(hits) == 4 and hits[2].score >= hits[3].score

        assert [rel[h.sound_id] for h in search_library(lib, "whoosh", None)] == ["fx/Swoosh_fast.wav"]
        assert search_library(lib, "glockenspiel", "mfcc") == []  # no match, no centroid: nothing

        riser = next(i for i, r in rel.items() if r == "fx/riser.wav")
        SuggestionStore(lib.catalog).replace_pending([TagSuggestion(riser, "whoosh", 0.9)], "mfcc")
        assert len(search_library(lib, "whoosh", None)) == 1  # a pending suggestion is not a tag yet
        SuggestionStore(lib.catalog).accept(riser, "whoosh")
        assert {rel[h.sound_id] for h in search_library(lib, "whoosh", None)} == {"fx/Swoosh_fast.wav", "fx/riser.wav"}


def test_several_words_and_a_plugged_in_table(named: Path, home: Path) -> None:
    with Library.open(named) as lib:
        run_job(lib.scan())
        sounds = lib.sounds()
        rel = {r.id: r.relpath for r in sounds}
        hits = search(sounds, "warm pad")
        assert rel[hits[0].sound_id] == "synth/pad_warm.wav" and hits[0].matched == ("warm", "pad")
        assert all(h.score < hits[0].score for h in hits[1:])
        table = TableSynonyms.from_terms({"boom": "kick", "bd": "kick", "kick": "kick"})
        assert {rel[h.sound_id] for h in search(sounds, "boom", synonyms=table)} == {"drums/BD_02.wav", "drums/Kick Hard.wav"}
        assert search(sounds, "boom") == []  # not in the built-in table


def test_vocabulary_suggestions(named: Path, home: Path) -> None:
    with Library.open(named) as lib:
        run_job(lib.scan())
        vocab = Vocabulary.from_sounds(lib.sounds())
    assert vocab.suggest("ki")[0] == "kick"  # 'kick' in one name and 'bd' in another: count 2
    assert "drums" in vocab.suggest("dr") and vocab.suggest("zz") == [] and vocab.suggest("") == []
    assert "whoosh" in vocab.suggest("wh")  # a synonym of a word in the library


def test_sound_words() -> None:
    words = sound_words("Drums/Bass Drum_03.wav", ["808"])
    assert {"drums", "bass", "drum", "bass drum", "bassdrum", "808"} <= words
    assert BUILTIN.synonyms("KICK") >= {"kick", "bd"} and BUILTIN.synonyms("unknownword") == {"unknownword"}


def test_search_cli(named: Path, home: Path, capsys) -> None:
    assert cli(["search", str(named), "kick", "-k", "3", "--model", "mfcc", "-q"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and "BD_02.wav" in "".join(lines[:2]) and "sounds like them" in lines[2]
