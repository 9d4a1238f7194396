"""The tokeniser, the synonym table, sound types and the content-vs-provenance detector."""

from __future__ import annotations

import pytest
from pathlib import Path

from core.audio.tags import filename_tags, raw_tags
from core.audio.taxonomy import (
    Taxonomy, canonical_tags, classify_tags, dominant_type, library_tag_kinds, load_taxonomy, search_term, sound_type, taxonomy_folders,
)
from core.audio.words import split_tokens, tokenize


@pytest.mark.parametrize(("text", "tokens"), [
    ("BD_02.aiff", ["bd", "02", "aiff"]),
    ("HiHatClosed-2.wav", ["hi", "hat", "closed", "2", "wav"]),
    ("PearlKick-Softest", ["pearl", "kick", "softest"]),
    ("hh_04", ["hh", "04"]),
    ("TR-808 Kick", ["tr", "808", "kick"]),
    ("OHHits", ["oh", "hits"]),
    ("Snare2OH", ["snare", "2", "oh"]),
])
def test_tokenize_camel_digits_separators(text, tokens):
    assert tokenize(text) == tokens


def test_split_tokens_drops_numbers_and_single_letters():
    assert split_tokens("Kick_v3 02 A") == ["kick"]
    assert filename_tags("Kits/HH02_x.wav") == ["hh"]


@pytest.mark.parametrize(("raw", "tags"), [
    (["bd", "02"], ["kick"]),
    (["hi", "hat", "closed"], ["hihat", "closed"]),
    (["bass", "drum"], ["kick"]),
    (["bass"], ["bass"]),
    (["sn"], ["snare"]),
    (["cy"], ["cymbal"]), (["crash"], ["cymbal"]), (["ride"], ["cymbal"]),
    (["tm"], ["tom"]), (["toms"], ["tom"]),
    (["cp"], ["clap"]), (["hand", "clap"], ["clap"]),
    (["hats"], ["hihat"]),
    (["whoosh"], ["swoosh"]), (["footsteps"], ["footstep"]), (["amb"], ["ambience"]),
    (["room", "tone"], ["ambience"]), (["room"], ["room"]),
])
def test_synonyms_and_phrases(raw, tags):
    assert canonical_tags(raw) == tags


def test_sound_type_prefers_specific_types():
    assert sound_type(["drums", "snare", "hard"]) == "snare"
    assert sound_type(["drums"]) == "drums"
    assert sound_type(["pearl", "kit"]) is None
    assert sound_type(raw_tags(Path("/nonexistent"), "Jazz Kit/GretschHiHatClosed-Soft.wav",
                               metadata=False)) == "hihat"
    assert search_term("BD") == "kick" and search_term("gravel") == "dirt" and search_term("zzz") == "zzz"


def test_user_file_extends_and_overrides(tmp_path):
    ship = taxonomy_folders()[0]
    (tmp_path / "sound_types.csv").write_text("term,sound_type,group\nzap,laser,sfx\nride,-\n")
    (tmp_path / "provenance.csv").write_text("term,kind\nmysession,session\n")
    tax = load_taxonomy([ship, tmp_path])
    assert tax.type_of("zap") == "laser"
    assert tax.type_of("ride") is None  # removed by the user
    assert tax.type_of("crash") == "cymbal"  # the shipped table is still there
    assert tax.provenance_kind("mysession") == "session"
    assert load_taxonomy([ship]).type_of("ride") == "cymbal"


KIT_TREE = [  # three kits by different makers: the kit names are provenance, the instruments content
    "Pearl Kit/PearlKick-Soft.wav", "Pearl Kit/PearlKick-Hard.wav", "Pearl Kit/PearlSnare-Soft.wav",
    "Pearl Kit/PearlHiHatClosed-Soft.wav", "Pearl Kit/PearlTomHi-Soft.wav",
    "Ludwig/BD_01.wav", "Ludwig/BD_02.wav", "Ludwig/SN_01.wav", "Ludwig/HH_01.wav", "Ludwig/Ludwig_TM_01.wav",
    "Vintage 909/vtg_kick_v1.wav", "Vintage 909/vtg_snare_v1.wav", "Vintage 909/vtg_hh_v1.wav",
    "Vintage 909/vtg_clap_v1.wav",
]
CATEGORY_TREE = [  # folders that say what a sound is: even unknown folder words stay content
    "Kicks/deep_one.wav", "Kicks/punchy.wav", "Kicks/Kick_808.wav",
    "Snares/crack.wav", "Snares/Snare_tight.wav",
    "Zorblats/zorb_1.wav", "Zorblats/zorb_2.wav", "Zorblats/Snare_zorb.wav",
]


def _classify(paths):
    tax = load_taxonomy()
    tags = [canonical_tags(raw_tags(Path("/nonexistent"), p, metadata=False), tax) for p in paths]
    return classify_tags(tags, paths, taxonomy=tax)


def test_provenance_detector_on_a_multi_kit_tree():
    kinds = _classify(KIT_TREE)
    for t in ("kick", "snare", "hihat", "tom", "clap"):
        assert kinds[t].kind == "content", t
    for t in ("pearl", "ludwig", "vintage", "vtg", "kit", "soft", "hard"):
        assert kinds[t].kind == "provenance", (t, kinds[t])
    assert "only in folder 'Pearl Kit'" in kinds["pearl"].reason
    assert kinds["kit"].reason == "kit or pack word"


def test_category_folders_stay_content():
    kinds = _classify(CATEGORY_TREE)
    assert kinds["kick"].kind == kinds["snare"].kind == "content"
    assert kinds["zorblat"].kind == "content"  # one folder, one sound type: says what the sound is
    assert kinds["zorb"].kind == "content"


def test_flips_override_the_detector():
    tax = load_taxonomy()
    paths = KIT_TREE
    tags = [canonical_tags(raw_tags(Path("/x"), p, metadata=False), tax) for p in paths]
    kinds = classify_tags(tags, paths, taxonomy=tax, force_content=["Pearl"], force_provenance=["kick"])
    assert kinds["pearl"].kind == "content" and kinds["pearl"].flipped
    assert kinds["kick"].kind == "provenance" and kinds["kick"].flipped


def test_taxonomy_from_no_files_is_empty(tmp_path):
    tax = Taxonomy.from_files([tmp_path])
    assert tax.canonical(["bd", "kick"]) == ["bd", "kick"] and tax.sound_type(["kick"]) is None


def test_dominant_type_names_a_cluster():
    assert dominant_type(["kick", "kick", None, "snare"]) == "kick"
    assert dominant_type(["kick", "snare", "tom", None]) is None
    assert dominant_type([None, None]) is None


def test_library_tag_kinds_in_one_call():
    raw = [raw_tags(Path("/x"), p, metadata=False) for p in KIT_TREE]
    tags, kinds = library_tag_kinds(KIT_TREE, raw, force_content=["vintage"])
    assert tags[0][-2:] == ["kick", "soft"] and kinds["pearl"].kind == "provenance"
    assert kinds["vintage"].kind == "content" and kinds["vintage"].flipped
