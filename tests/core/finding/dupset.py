"""A synthetic near-duplicate set with known groups, for the duplicate tests and the benchmark.

Each *original* is a synthetic sound (``tests.synth.make_sound``) padded with a little silence,
written as 16-bit WAV at 44.1 kHz. Its variants are:

- ``copy``: the same bytes under another name (an exact copy);
- ``flac``: the same samples as FLAC; ``24bit``: as 24-bit WAV; ``48k``: resampled to 48 kHz;
- ``gain``: 6 dB quieter; ``trim``: leading and trailing silence cut; ``fade``: the last 4 % faded out.

Distractors are similar but different sounds: another take of the same kind (same class, new
random pitch/length/level), the same sound a semitone higher (resampled, so shorter), and the
original reversed (noise and chirps only: a reversed steady tone or click train is the same sound). Returns ``{relpath: group}``; distractors have group ``None``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy.signal import resample_poly

from tests.synth import CLASSES, make_sound

SR = 44100


def _pad(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    lead = np.zeros(int(rng.uniform(0.05, 0.3) * SR), np.float32)
    tail = np.zeros(int(rng.uniform(0.1, 0.5) * SR), np.float32)
    return np.concatenate([lead, x, tail])


def write_duplicate_set(root: Path, per_class: int = 2, seed: int = 0,
                        variants: tuple[str, ...] = ("copy", "flac", "24bit", "48k", "gain", "trim", "fade"),
                        ) -> dict[str, str | None]:
    rng = np.random.default_rng(seed)
    truth: dict[str, str | None] = {}
    root.mkdir(parents=True, exist_ok=True)
    for kind in CLASSES:
        for i in range(per_class):
            name = f"{kind}{i}"
            folder = root / name
            folder.mkdir(exist_ok=True)
            x = _pad(make_sound(kind, rng, SR), rng)
            orig = folder / f"{name}.wav"
            sf.write(orig, x, SR, subtype="PCM_16")
            truth[f"{name}/{orig.name}"] = name
            written = {
                "copy": lambda p: shutil.copyfile(orig, p),
                "flac": lambda p: sf.write(p, x, SR, subtype="PCM_16"),
                "24bit": lambda p: sf.write(p, x, SR, subtype="PCM_24"),
                "48k": lambda p: sf.write(p, resample_poly(x, 160, 147).astype(np.float32), 48000, subtype="PCM_16"),
                "gain": lambda p: sf.write(p, x * 0.5, SR, subtype="PCM_16"),
                "trim": lambda p: sf.write(p, _trimmed(x), SR, subtype="PCM_16"),
                "fade": lambda p: sf.write(p, _faded(x), SR, subtype="PCM_16"),
            }
            for v in variants:
                ext = "flac" if v == "flac" else "wav"
                p = folder / f"{name}_{v}.{ext}"
                written[v](p)
                truth[f"{name}/{p.name}"] = name
            # distractors: another take, a semitone up, reversed
            d = root / "distractors"
            d.mkdir(exist_ok=True)
            other = _pad(make_sound(kind, rng, SR), rng)
            sf.write(d / f"{name}_take2.wav", other, SR, subtype="PCM_16")
            up = resample_poly(x, 89, 94).astype(np.float32)  # played back at SR: ≈ a semitone higher
            sf.write(d / f"{name}_up.wav", up, SR, subtype="PCM_16")
            suffixes = ["take2", "up"]
            if kind in ("noise", "chirp"):  # a reversed steady tone or click train is the same sound
                sf.write(d / f"{name}_rev.wav", x[::-1].copy(), SR, subtype="PCM_16")
                suffixes.append("rev")
            for suffix in suffixes:
                truth[f"distractors/{name}_{suffix}.wav"] = None
    return truth


def _trimmed(x: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(x) > 1e-4)
    return x[loud[0] : loud[-1] + 1]


def _faded(x: np.ndarray) -> np.ndarray:
    loud = np.flatnonzero(np.abs(x) > 1e-4)
    end = loud[-1] + 1
    n = max(1, int(0.04 * (end - loud[0])))
    y = x.copy()
    y[end - n : end] *= np.linspace(1.0, 0.0, n, dtype=np.float32)
    return y
