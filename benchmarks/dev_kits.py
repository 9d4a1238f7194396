"""The multi-kit dev set: FluidR3_GM's percussion kits rendered with fluidsynth, one folder per kit.

It has the structure of a real multi-kit drum library (issue 13): one folder per kit, file names in
the styles real kits use (``BD_02.aiff``, ``HiHatClosed-2.wav``, ``PearlKick-Softest.wav``,
``hh_04.flac``: mixed case, abbreviations, velocity and dynamics words, mic positions, kit-name
prefixes), and labels (kick, snare, hihat, tom, cymbal, perc, clap) from the GM percussion map,
never from the names. Groups = kit + GM note, so that the velocity layers and mic positions of one
instrument count as one source (a query never scores its own other layers).

Each kit is rendered by ONE fluidsynth call (a MIDI file striking every note at every velocity,
``GAP`` s apart, on channel 10 with the kit's bank-128 program) and cut into files. Two kits also
have an "OH" (overhead) mic position: the same hits through a low-pass and a short decaying-noise
room response, in a sub-folder per mic.

    .venv/bin/python benchmarks/dev_kits.py      # → benchmarks/data/kits (+ kits.labels.csv, kits.groups.csv)
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile as sf

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from dev_sets import DATA, SF2, _vlq, write_csv  # noqa: E402

KITS_DIR = DATA / "kits"
SR = 22050
GAP = 2.5  # seconds between strikes in the rendered MIDI
LENGTH = 1.5  # seconds kept per file
VELOCITIES = (40, 85, 125)

# GM note → (label class from the GM percussion map, instrument words for the naming styles:
#   abbreviation, CamelCase word, lower-case short form)
NOTES: dict[int, tuple[str, str, str, str]] = {
    35: ("kick", "BD", "Kick", "kck"),
    36: ("kick", "BD", "BassDrum", "kick"),
    37: ("snare", "RIM", "SideStick", "rim"),
    38: ("snare", "SN", "Snare", "snr"),
    40: ("snare", "SD", "SnareDrum", "snare"),
    39: ("clap", "CP", "HandClap", "clap"),
    42: ("hihat", "CHH", "HiHatClosed", "hh"),
    44: ("hihat", "PHH", "HiHatPedal", "hhp"),
    46: ("hihat", "OHH", "OpenHat", "hho"),
    41: ("tom", "LT", "FloorTom", "tom"),
    45: ("tom", "MT", "TomMid", "tom"),
    50: ("tom", "HT", "TomHi", "tom"),
    49: ("cymbal", "CY", "Crash", "crash"),
    51: ("cymbal", "RD", "Ride", "ride"),
    55: ("cymbal", "SPL", "Splash", "cym"),
    54: ("perc", "TMB", "Tambourine", "tamb"),
    56: ("perc", "CB", "Cowbell", "cowbell"),
    63: ("perc", "CGA", "CongaHi", "conga"),
    70: ("perc", "MRC", "Maracas", "shaker"),
    76: ("perc", "WB", "WoodBlock", "block"),
}

# (folder, bank-128 program, naming style, kit prefix in file names, file extension, mic positions)
KITS = [
    ("Standard Kit", 0, "abbr", "", ".aiff", ()),
    ("Studio Kit 1", 1, "camel_dash", "", ".wav", ()),
    ("Room Kit", 8, "maker", "Pearl", ".wav", ("Close", "OH")),
    ("Room Kit 2", 9, "lower", "", ".flac", ()),
    ("Power Kit", 16, "spaced", "PWR", ".wav", ()),
    ("Power Kit 1", 17, "abbr_dyn", "", ".wav", ()),
    ("Electronic Kit", 24, "camel_dash", "Elec", ".wav", ()),
    ("TR-808", 25, "spaced", "808", ".wav", ()),
    ("Jazz Kit", 32, "maker", "Gretsch", ".wav", ("Close", "OH")),
    ("Jazz Kit 1", 33, "lower", "jz", ".flac", ()),
    ("Brushes", 40, "abbr_dyn", "BRSH", ".aiff", ()),
    ("Orchestra Kit", 48, "spaced", "Orch", ".wav", ()),
]
VEL_WORDS = {
    "abbr": ("01", "02", "03"), "camel_dash": ("1", "2", "3"), "maker": ("Softest", "Medium", "Hardest"),
    "lower": ("v1", "v2", "v3"), "spaced": ("Soft", "Med", "Hard"), "abbr_dyn": ("pp", "mf", "ff"),
}


def file_name(style: str, prefix: str, note: int, vel_k: int, take: int, mic: str, ext: str) -> str:
    """One file name in a kit's naming style (``take`` numbers same-word instruments: tom 1, 2, 3)."""
    _cls, abbr, camel, low = NOTES[note]
    vel = VEL_WORDS[style][vel_k]
    tk = str(take) if take else ""
    micw = f"_{mic}" if mic else ""
    if style == "abbr":  # BD_02.aiff, SN2_03.aiff
        stem = f"{prefix + '_' if prefix else ''}{abbr}{tk}_{vel}{micw}"
    elif style == "abbr_dyn":  # BRSH_SN_ff.aiff
        stem = f"{prefix + '_' if prefix else ''}{abbr}{tk}_{vel}{micw}"
    elif style == "camel_dash":  # HiHatClosed-2.wav, ElecKick-3.wav
        stem = f"{prefix}{camel}{tk}-{vel}{micw.replace('_', '-')}"
    elif style == "maker":  # PearlKick-Softest_OH.wav
        stem = f"{prefix}{camel}{tk}-{vel}{micw}"
    elif style == "lower":  # hh_04.flac, jz_kck_v2.flac
        stem = f"{prefix + '_' if prefix else ''}{low}{tk}_{vel}{micw.lower()}"
    else:  # "spaced": 808 Kick Hard.wav
        stem = f"{prefix + ' ' if prefix else ''}{camel}{(' ' + tk) if tk else ''} {vel}{micw.replace('_', ' ')}"
    return stem + ext


def _word(style: str, note: int) -> str:
    _cls, abbr, camel, low = NOTES[note]
    return abbr if style.startswith("abbr") else low if style == "lower" else camel


def kit_midi(program: int) -> tuple[bytes, list[tuple[int, int]]]:
    """One MIDI file striking every note at every velocity on channel 10; returns it and the
    ``(note, velocity index)`` of each strike, in order."""
    ticks_per_s = 960
    gap = int(GAP * ticks_per_s)
    ev = [_vlq(0), b"\xff\x51\x03\x07\xa1\x20", _vlq(0), bytes([0xC9, program])]
    order = []
    for note in NOTES:
        for k, vel in enumerate(VELOCITIES):
            ev += [_vlq(0 if not order else gap - 96), bytes([0x99, note, vel]), _vlq(96), bytes([0x89, note, 0])]
            order.append((note, k))
    ev += [_vlq(gap), b"\xff\x2f\x00"]
    body = b"".join(ev)
    return b"MThd" + struct.pack(">IHHH", 6, 0, 1, 480) + b"MTrk" + struct.pack(">I", len(body)) + body, order


def overhead(x: np.ndarray, seed: int) -> np.ndarray:
    """A crude overhead mic: one-pole low-pass plus a 0.25-s decaying-noise room response."""
    from scipy.signal import fftconvolve, lfilter

    y = lfilter([0.25], [1.0, -0.75], x)
    rng = np.random.default_rng(seed)
    t = np.arange(int(0.25 * SR)) / SR
    ir = rng.standard_normal(len(t)) * np.exp(-t / 0.06) * 0.05
    ir[0] = 1.0
    y = fftconvolve(y, ir)[: len(x)]
    return (y / max(1e-9, np.abs(y).max()) * np.abs(x).max()).astype(np.float32)


def render_kit(folder: str, program: int, style: str, prefix: str, ext: str, mics: tuple[str, ...]
               ) -> list[tuple[str, str, str]]:
    """Render one kit (skipped when its folder is complete); ``[(relpath, label, group)]``."""
    midi, order = kit_midi(program)
    takes: dict[int, int] = {}
    for note in NOTES:  # number instruments that share a word within the kit (Tom1, Tom2, …)
        same = [n for n in NOTES if _word(style, n) == _word(style, note)]
        takes[note] = same.index(note) + 1 if len(same) > 1 else 0
    rows, plan = [], []
    for i, (note, k) in enumerate(order):
        for mic in (mics or ("",)):
            sub = f"{folder}/{mic}" if mic else folder
            rel = f"{sub}/{file_name(style, prefix, note, k, takes[note], mic, ext)}"
            rows.append((rel, NOTES[note][0], f"{folder}|{note}"))
            plan.append((rel, i, mic))
    if all((KITS_DIR / rel).exists() for rel, _, _ in rows):
        return rows
    with tempfile.TemporaryDirectory() as tmp:
        mid, wav = Path(tmp) / "kit.mid", Path(tmp) / "kit.wav"
        mid.write_bytes(midi)
        subprocess.run(["fluidsynth", "-ni", "-q", "-g", "0.8", "-F", str(wav), "-r", str(SR), str(SF2), str(mid)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=600)
        x, sr = sf.read(wav, dtype="float32", always_2d=True)
    assert sr == SR, sr
    x = x.mean(axis=1)
    n = int(LENGTH * SR)
    fade = np.linspace(1.0, 0.0, int(0.05 * SR), dtype=np.float32)
    for rel, i, mic in plan:
        seg = x[int(i * GAP * SR): int(i * GAP * SR) + n].copy()
        seg = np.pad(seg, (0, n - len(seg)))
        if mic == "OH":
            seg = overhead(seg, seed=i)
        seg[-len(fade):] *= fade
        out = KITS_DIR / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp_out = out.with_name(f".{os.getpid()}.tmp{out.suffix}")
        fmt = {".aiff": "AIFF", ".flac": "FLAC", ".wav": "WAV"}[out.suffix]
        sf.write(tmp_out, seg, SR, format=fmt, subtype="PCM_16")
        os.replace(tmp_out, out)
    return rows


def build_kits() -> Path:
    if shutil.which("fluidsynth") is None or not SF2.is_file():
        raise SystemExit("needs the Debian packages fluidsynth and fluid-soundfont-gm")
    rows = [r for kit in KITS for r in render_kit(*kit)]
    write_csv(DATA / "kits.labels.csv", [(rel, lab) for rel, lab, _ in rows])
    write_csv(DATA / "kits.groups.csv", [(rel, grp) for rel, _, grp in rows])
    return KITS_DIR


def kit_of(relpath: str) -> str:
    return relpath.split("/", 1)[0]


if __name__ == "__main__":
    root = build_kits()
    files = sorted(p for p in root.rglob("*") if p.is_file())
    print(f"kits: {root} ({len(files)} files in {len(KITS)} kits)")
    for p in files[:: max(1, len(files) // 12)]:
        print("  ", p.relative_to(root))
