"""Kit export: the SFZ and the DecentSampler preset read back by parsers map each pad's note to a
copy of its sound."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from core.export.kits import GM_DRUM_NOTES, Kit, Pad, export_kit
from tests.synth import CLASSES, make_sound


def parse_sfz(text: str) -> list[dict[str, str]]:
    """A tiny SFZ reader: headers and opcodes, comments dropped; each region inherits <global>
    and <control> opcodes. Opcode values run to the next opcode or the end of the line."""
    text = re.sub(r"//[^\n]*", "", text)
    regions: list[dict[str, str]] = []
    scopes: dict[str, dict[str, str]] = {"control": {}, "global": {}}
    current: dict[str, str] | None = None
    for token in re.finditer(r"<(\w+)>|(\w+)=([^\s<]+(?:\s+(?![\w]+=|<)[^\s<]+)*)", text):
        header, key, value = token.groups()
        if header:
            if header == "region":
                current = {**scopes["control"], **scopes["global"]}
                regions.append(current)
            else:
                current = scopes.setdefault(header, {})
        elif current is not None:
            current[key] = value.strip()
    return regions


@pytest.fixture()
def sounds(tmp_path: Path) -> list[Path]:
    rng = np.random.default_rng(0)
    out = []
    for i in range(10):
        kind = CLASSES[i % 4]
        ext = ("wav", "flac", "ogg")[i % 3]
        p = tmp_path / "lib" / kind / f"{kind} hit #{i}.{ext}"
        p.parent.mkdir(parents=True, exist_ok=True)
        sf.write(p, make_sound(kind, rng, 22050, seconds=0.4), 22050)
        out.append(p)
    return out


def test_sfz_and_dspreset_read_back(sounds: list[Path], tmp_path: Path) -> None:
    kit = Kit.from_paths("My Kit #1", sounds)
    kit.pads[0].volume_db = -3.0
    result = export_kit(kit, tmp_path / "kits")
    assert result.folder == tmp_path / "kits" / "My_Kit_1" and result.sfz.is_file() and result.dspreset.is_file()

    regions = parse_sfz(result.sfz.read_text())
    assert [int(r["key"]) for r in regions] == list(GM_DRUM_NOTES[: len(sounds)])
    for region, pad in zip(regions, kit.pads):
        sample = result.sfz.parent / region["default_path"] / region["sample"]
        assert sample.is_file() and region["loop_mode"] == "one_shot"
        assert int(region["pitch_keycenter"]) == pad.note
        copied, rate = sf.read(sample)
        original, rate0 = sf.read(pad.path)
        assert rate == rate0 and copied.shape == original.shape
        tol = 1e-3 if pad.path.suffix == ".ogg" else 1e-6  # ogg is decoded and written as 24-bit WAV
        assert np.abs(copied - original).max() <= tol
        if pad.path.suffix == ".ogg":
            assert sample.suffix == ".wav"
    assert float(regions[0]["volume"]) == -3.0

    root = ET.parse(result.dspreset).getroot()
    samples = root.findall("./groups/group/sample")
    assert [int(s.get("rootNote")) for s in samples] == [p.note for p in kit.pads]
    assert all(s.get("loNote") == s.get("hiNote") == s.get("rootNote") for s in samples)
    assert all((result.folder / s.get("path")).is_file() for s in samples)
    assert [g.get("name") for g in root.findall("./groups/group")] == [p.path.stem for p in kit.pads]
    assert all(p.is_file() for p in sounds)  # the library is untouched


def test_bad_kits_are_refused_and_nothing_is_left(sounds: list[Path], tmp_path: Path) -> None:
    out = tmp_path / "kits"
    with pytest.raises(ValueError, match="1 to 16 pads"):
        export_kit(Kit.from_paths("big", sounds * 2, notes=list(range(36, 56))), out)
    with pytest.raises(ValueError, match="share a note"):
        export_kit(Kit("dup", [Pad(sounds[0], 36), Pad(sounds[1], 36)]), out)
    with pytest.raises(ValueError):
        Pad(sounds[0], 128)
    with pytest.raises(FileNotFoundError):
        export_kit(Kit("gone", [Pad(tmp_path / "nope.wav", 36)]), out)
    export_kit(Kit.from_paths("k", sounds[:8]), out)
    with pytest.raises(FileExistsError):
        export_kit(Kit.from_paths("k", sounds[:8]), out)
    assert sorted(p.name for p in out.iterdir()) == ["k"]  # no temporary folders left behind
    assert len(list((out / "k" / "samples").iterdir())) == 8
