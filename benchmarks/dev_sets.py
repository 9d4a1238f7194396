"""The two public development sets for the training benchmarks, built on this machine.

- ``sonic-pi``: Debian's ``sonic-pi-samples`` (/usr/share/sonic-pi/samples, 165 FLAC files, flat);
  label = filename prefix before the first ``_`` (ambi, bass, bd, drum, elec, …). Used in place.
- ``fluid``: Debian's FluidR3 GM soundfont rendered with ``fluidsynth``: ``NOTES`` notes of each of
  the 128 GM programs, 2 s each, into ``benchmarks/data/fluid/<family>/<program>_<note>_v<vel>.wav``
  (label = the GM family, 16 families × 8 programs; group = the program, so that the other notes of
  the same instrument are not counted as easy hits). MIDI files are written byte by byte (no
  dependency). Rendering is cached (existing files are skipped) and parallel-safe (each file is
  rendered to a temporary name and moved into place atomically).

- ``mixed``: symlinks to both (1,061 sounds), for the training-time benchmark.

``.venv/bin/python benchmarks/dev_sets.py [--notes 7] [--jobs 2]`` builds ``fluid`` and ``mixed`` and prints the sets' sizes.
Label and group CSVs (``path,label``) are written next to the data, outside the library roots.
"""

from __future__ import annotations

import argparse
import os
import shutil
import struct
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import soundfile as sf

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SONIC_PI = Path("/usr/share/sonic-pi/samples")
SF2 = Path("/usr/share/sounds/sf2/FluidR3_GM.sf2")
FLUID = DATA / "fluid"

FAMILIES = ["piano", "chromatic_percussion", "organ", "guitar", "bass", "strings", "ensemble", "brass", "reed",
            "pipe", "synth_lead", "synth_pad", "synth_effects", "ethnic", "percussive", "sound_effects"]
PROGRAMS = [
    "acoustic grand piano", "bright acoustic piano", "electric grand piano", "honky tonk piano", "electric piano 1",
    "electric piano 2", "harpsichord", "clavinet", "celesta", "glockenspiel", "music box", "vibraphone", "marimba",
    "xylophone", "tubular bells", "dulcimer", "drawbar organ", "percussive organ", "rock organ", "church organ",
    "reed organ", "accordion", "harmonica", "tango accordion", "nylon string guitar", "steel string guitar",
    "jazz electric guitar", "clean electric guitar", "muted electric guitar", "overdriven guitar",
    "distortion guitar", "guitar harmonics", "acoustic bass", "fingered electric bass", "picked electric bass",
    "fretless bass", "slap bass 1", "slap bass 2", "synth bass 1", "synth bass 2", "violin", "viola", "cello",
    "contrabass", "tremolo strings", "pizzicato strings", "orchestral harp", "timpani", "string ensemble 1",
    "string ensemble 2", "synth strings 1", "synth strings 2", "choir aahs", "voice oohs", "synth voice",
    "orchestra hit", "trumpet", "trombone", "tuba", "muted trumpet", "french horn", "brass section",
    "synth brass 1", "synth brass 2", "soprano sax", "alto sax", "tenor sax", "baritone sax", "oboe",
    "english horn", "bassoon", "clarinet", "piccolo", "flute", "recorder", "pan flute", "blown bottle",
    "shakuhachi", "whistle", "ocarina", "square lead", "sawtooth lead", "calliope lead", "chiff lead",
    "charang lead", "voice lead", "fifths lead", "bass and lead", "new age pad", "warm pad", "polysynth pad",
    "choir pad", "bowed pad", "metallic pad", "halo pad", "sweep pad", "rain fx", "soundtrack fx", "crystal fx",
    "atmosphere fx", "brightness fx", "goblins fx", "echoes fx", "sci fi fx", "sitar", "banjo", "shamisen", "koto",
    "kalimba", "bagpipe", "fiddle", "shanai", "tinkle bell", "agogo", "steel drums", "woodblock", "taiko drum",
    "melodic tom", "synth drum", "reverse cymbal", "guitar fret noise", "breath noise", "seashore", "bird tweet",
    "telephone ring", "helicopter", "applause", "gunshot",
]
NOTE_NAMES = ["c", "cs", "d", "ds", "e", "f", "fs", "g", "gs", "a", "as", "b"]
ALL_NOTES = [36, 43, 48, 55, 60, 64, 67, 72, 79]
VELOCITIES = [70, 100, 120]
SECONDS = 2.0


def _vlq(n: int) -> bytes:
    """MIDI variable-length quantity."""
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def midi_note(program: int, note: int, velocity: int, hold_s: float = 1.0, tail_s: float = 1.0) -> bytes:
    """A format-0 standard MIDI file: program change, one note held ``hold_s``, then ``tail_s`` of release."""
    tpq = 480  # ticks per quarter; tempo 500000 µs per quarter → 960 ticks per second
    hold, tail = int(hold_s * 960), int(tail_s * 960)
    ev = b"".join([
        _vlq(0), b"\xff\x51\x03\x07\xa1\x20",  # tempo 120 bpm
        _vlq(0), bytes([0xC0, program]),
        _vlq(0), bytes([0x90, note, velocity]),
        _vlq(hold), bytes([0x80, note, 0]),
        _vlq(tail), b"\xff\x2f\x00",
    ])
    header = b"MThd" + struct.pack(">IHHH", 6, 0, 1, tpq)
    return header + b"MTrk" + struct.pack(">I", len(ev)) + ev


def fluid_plan(notes_per_program: int = 7) -> list[tuple[str, int, int, int]]:
    """``(relpath, program, note, velocity)`` for every file of the fluid set (deterministic)."""
    step = max(1, len(ALL_NOTES) // notes_per_program)
    notes = ALL_NOTES[::step][:notes_per_program]
    plan = []
    for prog, name in enumerate(PROGRAMS):
        fam = FAMILIES[prog // 8]
        for k, note in enumerate(notes):
            vel = VELOCITIES[(prog + k) % len(VELOCITIES)]
            nn = f"{NOTE_NAMES[note % 12]}{note // 12 - 1}"
            plan.append((f"{fam}/{name.replace(' ', '_')}_{nn}_v{vel}.wav", prog, note, vel))
    return plan


def render_one(rel: str, program: int, note: int, velocity: int, root: Path = FLUID) -> bool:
    """Render one file unless it exists. Returns True when it was rendered now."""
    out = root / rel
    if out.exists():
        return False
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        mid = Path(tmp) / "n.mid"
        mid.write_bytes(midi_note(program, note, velocity))
        wav = out.with_name(f".{out.name}.{os.getpid()}.tmp.wav")
        subprocess.run(["fluidsynth", "-ni", "-q", "-g", "1.0", "-F", str(wav), "-r", "22050", str(SF2), str(mid)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120)
        x, sr = sf.read(wav, dtype="float32", always_2d=True)
        sf.write(wav, x[: int(SECONDS * sr)].mean(axis=1), sr, subtype="PCM_16")  # mono, 2 s
        os.replace(wav, out)
    return True


def build_fluid(notes_per_program: int = 7, jobs: int = 2) -> Path:
    if shutil.which("fluidsynth") is None or not SF2.is_file():
        raise SystemExit("needs the Debian packages fluidsynth and fluid-soundfont-gm")
    plan = fluid_plan(notes_per_program)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(lambda p: render_one(*p), plan))
    write_csv(DATA / "fluid.labels.csv", [(rel, rel.split("/")[0]) for rel, *_ in plan])
    write_csv(DATA / "fluid.groups.csv", [(rel, PROGRAMS[prog].replace(" ", "_")) for rel, prog, *_ in plan])
    return FLUID


def sonic_pi_files() -> list[str]:
    return sorted(p.name for p in SONIC_PI.glob("*.flac"))


def build_sonic_pi() -> Path:
    if not SONIC_PI.is_dir():
        raise SystemExit("needs the Debian package sonic-pi-samples")
    write_csv(DATA / "sonic-pi.labels.csv", [(f, f.split("_", 1)[0]) for f in sonic_pi_files()])
    return SONIC_PI


def build_mixed() -> Path:
    """``benchmarks/data/mixed``: symlinks to both sets (fluid's 896 notes + sonic-pi's 165 samples =
    1,061 sounds), the ≥ 1,000-sound library of the training-time benchmark."""
    out = DATA / "mixed"
    links = [(out / "fluid" / p.relative_to(FLUID), p) for p in sorted(FLUID.rglob("*.wav"))]
    links += [(out / "sonic-pi" / f, SONIC_PI / f) for f in sonic_pi_files()]
    for link, target in links:
        if not link.is_symlink():
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(target)
    return out


def write_csv(path: Path, rows: list[tuple[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text("path,label\n" + "".join(f"{a},{b}\n" for a, b in rows))
    os.replace(tmp, path)


def read_csv(path: Path) -> dict[str, str]:
    rows = path.read_text().splitlines()[1:]
    return dict(r.split(",", 1) for r in rows if r)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--notes", type=int, default=7, help="notes per GM program (128 programs)")
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args(argv)
    fluid = build_fluid(args.notes, args.jobs)
    sp = build_sonic_pi()
    n_fluid = sum(1 for _ in fluid.rglob("*.wav"))
    print(f"fluid:    {fluid} ({n_fluid} files, 16 families)")
    print(f"sonic-pi: {sp} ({len(sonic_pi_files())} files)")
    mixed = build_mixed()
    print(f"mixed:    {mixed} ({sum(1 for _ in mixed.rglob('*.*'))} links to both)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
