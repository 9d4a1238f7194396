"""Synthetic audio with known structure, for tests. No network, no files outside the repo.

Four classes that any sensible embedding separates: steady tones, noise bursts, click trains
and chirps. Each sound gets random pitch/length/level so the classes are not trivial copies.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

CLASSES = ("tone", "noise", "click", "chirp")


def make_sound(kind: str, rng: np.random.Generator, sr: int = 22050, seconds: float | None = None) -> np.ndarray:
    """Return a mono float32 signal of class ``kind``."""
    dur = seconds if seconds is not None else float(rng.uniform(0.6, 2.5))
    n = max(1, int(dur * sr))
    t = np.arange(n) / sr
    if kind == "tone":
        f0 = rng.uniform(220, 880)
        x = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in (1, 2, 3))
        x = x * np.minimum(1.0, t / 0.02)
    elif kind == "noise":
        x = rng.standard_normal(n)
        env = np.exp(-t * rng.uniform(1.0, 4.0))
        x = x * env
    elif kind == "click":
        x = np.zeros(n)
        period = int(sr / rng.uniform(4, 12))
        for start in range(0, n, period):
            m = min(n - start, 64)
            x[start : start + m] += np.hanning(128)[64 : 64 + m] * rng.uniform(0.6, 1.0)
    elif kind == "chirp":
        f0, f1 = rng.uniform(200, 600), rng.uniform(2000, 6000)
        phase = 2 * np.pi * (f0 * t + (f1 - f0) * t**2 / (2 * dur))
        x = np.sin(phase)
    else:
        raise ValueError(kind)
    x = np.asarray(x, dtype=np.float64)
    x = x / (np.abs(x).max() + 1e-9) * rng.uniform(0.3, 0.9)
    return x.astype(np.float32)


def write_collection(
    root: Path, per_class: int = 8, seed: int = 0, sr: int = 22050, formats: tuple[str, ...] = ("wav", "flac")
) -> dict[str, str]:
    """Write ``per_class`` sounds of each class under ``root/<class>/``. Returns {relpath: class}."""
    rng = np.random.default_rng(seed)
    labels: dict[str, str] = {}
    for kind in CLASSES:
        (root / kind).mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            ext = formats[i % len(formats)]
            rel = f"{kind}/{kind}_{i:03d}.{ext}"
            x = make_sound(kind, rng, sr)
            if i % 3 == 1:  # some stereo files with a different rate
                x2 = np.stack([x, x * 0.5], axis=1)
                sf.write(root / rel, x2, 44100 if ext == "wav" else sr)
            else:
                sf.write(root / rel, x, sr)
            labels[rel] = kind
    return labels
