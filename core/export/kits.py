"""Drum kit export: up to 16 pads (a sound and a MIDI note each) as a folder of copied samples plus
an SFZ file and a DecentSampler ``.dspreset``, both open text formats that samplers read.

Layout of an exported kit ``NAME``::

    NAME/
      NAME.sfz           <control> default_path=samples/ ; one <region> per pad (key, one-shot)
      NAME.dspreset      DecentSampler XML: one <group> per pad, one <sample> in it
      samples/01_<file>.wav …

Sample files are copied byte for byte when they are WAV, FLAC or AIFF (formats both players
read) and converted to 24-bit WAV otherwise (MP3, OGG). The library's files are never touched.
The kit folder is written as a hidden temporary folder and renamed into place at the end, so a
failed export leaves nothing behind; an existing kit folder is never overwritten.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import quoteattr

MAX_PADS = 16
#: General MIDI percussion notes in the order pads are usually laid out: kick, snare, closed hat,
#: open hat, clap, low tom, mid tom, high tom, crash, ride, rim, pedal hat, floor toms, cowbell.
GM_DRUM_NOTES: tuple[int, ...] = (36, 38, 42, 46, 39, 45, 47, 50, 49, 51, 37, 44, 41, 43, 48, 56)
_COPY_AS_IS = {".wav", ".flac", ".aif", ".aiff"}
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(slots=True)
class Pad:
    path: Path  # the sound file
    note: int  # MIDI note 0..127
    name: str = ""  # default: the file's stem
    volume_db: float = 0.0

    def __post_init__(self) -> None:
        self.path = Path(self.path)
        if not 0 <= int(self.note) <= 127:
            raise ValueError(f"a pad's note is a MIDI note 0..127, not {self.note}")
        self.name = self.name or self.path.stem


@dataclass(slots=True)
class Kit:
    name: str
    pads: list[Pad] = field(default_factory=list)

    @classmethod
    def from_paths(cls, name: str, paths: Sequence[str | os.PathLike[str]], notes: Sequence[int] | None = None) -> Kit:
        """A kit with one pad per path, on ``notes`` (default: :data:`GM_DRUM_NOTES` in order)."""
        notes = list(notes) if notes is not None else list(GM_DRUM_NOTES[: len(paths)])
        if len(notes) != len(paths):
            raise ValueError(f"{len(paths)} sounds but {len(notes)} notes")
        return cls(name, [Pad(Path(p), n) for p, n in zip(paths, notes)])

    def validate(self) -> None:
        if not _safe(self.name):
            raise ValueError("a kit needs a name")
        if not 1 <= len(self.pads) <= MAX_PADS:
            raise ValueError(f"a kit has 1 to {MAX_PADS} pads, not {len(self.pads)}")
        notes = [p.note for p in self.pads]
        if len(set(notes)) != len(notes):
            raise ValueError("two pads share a note")
        for p in self.pads:
            if not p.path.is_file():
                raise FileNotFoundError(f"no such sound: {p.path}")


@dataclass(slots=True)
class KitExport:
    folder: Path
    sfz: Path
    dspreset: Path
    samples: list[Path]  # in pad order


def _safe(text: str) -> str:
    return _UNSAFE.sub("_", str(text)).strip("._")


def export_kit(kit: Kit, parent: str | os.PathLike[str]) -> KitExport:
    """Write ``kit`` as ``parent/<kit name>/`` (see the module doc); returns where everything went."""
    kit.validate()
    name = _safe(kit.name)
    dest = Path(parent).expanduser() / name
    if dest.exists():
        raise FileExistsError(f"{dest} already exists; choose another kit name or folder")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{name}.", dir=dest.parent))
    try:
        (tmp / "samples").mkdir()
        files = [_copy_sample(p, k, tmp / "samples") for k, p in enumerate(kit.pads, start=1)]
        (tmp / f"{name}.sfz").write_text(sfz_text(kit, files), encoding="utf-8")
        (tmp / f"{name}.dspreset").write_text(dspreset_text(kit, files), encoding="utf-8")
        os.rename(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return KitExport(dest, dest / f"{name}.sfz", dest / f"{name}.dspreset", [dest / "samples" / f for f in files])


def _copy_sample(pad: Pad, number: int, folder: Path) -> str:
    """Copy (or convert) one pad's sound into ``folder``; returns the file name."""
    src = pad.path
    stem = f"{number:02d}_{_safe(src.stem) or 'sound'}"
    if src.suffix.lower() in _COPY_AS_IS:
        out = stem + src.suffix.lower()
        shutil.copyfile(src, folder / out)
        return out
    import soundfile as sf

    from core.audio.decode import CorruptFile

    try:
        data, rate = sf.read(str(src), dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise CorruptFile(src, f"cannot decode ({exc})") from exc
    out = stem + ".wav"
    sf.write(str(folder / out), data, rate, subtype="PCM_24")
    return out


def sfz_text(kit: Kit, files: Sequence[str]) -> str:
    """The SFZ: one region per pad, played whole on its key (``loop_mode=one_shot``), unpitched."""
    lines = [f"// {kit.name}: a drum kit exported by Sound Explorer", "<control>", "default_path=samples/", "",
             "<global>", "loop_mode=one_shot", ""]
    for pad, f in zip(kit.pads, files):
        lines += [f"// {pad.name}", "<region>", f"sample={f}", f"key={pad.note}", f"pitch_keycenter={pad.note}",
                  f"volume={pad.volume_db:g}", ""]
    return "\n".join(lines)


def dspreset_text(kit: Kit, files: Sequence[str]) -> str:
    """The DecentSampler preset: one group per pad, unpitched, sounding to its end after note-off."""
    rows = ['<?xml version="1.0" encoding="UTF-8"?>', '<DecentSampler minVersion="1.0.0">', "  <groups>"]
    for pad, f in zip(kit.pads, files):
        rows.append(f'    <group name={quoteattr(pad.name)} pitchKeyTrack="0" ampVelTrack="1">')
        rows.append(f'      <sample path={quoteattr("samples/" + f)} rootNote="{pad.note}" loNote="{pad.note}" '
                    f'hiNote="{pad.note}" volume="{pad.volume_db:g}dB" loopEnabled="false" attack="0" '
                    'sustain="1" release="30"/>')
        rows.append("    </group>")
    rows += ["  </groups>", "</DecentSampler>", ""]
    return "\n".join(rows)
