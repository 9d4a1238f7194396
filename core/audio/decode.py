"""Audio decoding: soundfile for WAV/FLAC/OGG/MP3/AIFF, mono mix-down, torchaudio resampling.

Every failure is a :class:`DecodeError` subclass whose message is one readable line, so a scan
can record it and move on. Long files are read in blocks (:func:`iter_blocks`) so memory stays
bounded whatever the file's length.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

#: Extensions the scanner considers audio (lower case, with dot).
AUDIO_EXTENSIONS: frozenset[str] = frozenset(
    {".wav", ".wave", ".flac", ".ogg", ".oga", ".mp3", ".aif", ".aiff", ".aifc"}
)

_BIT_DEPTH = {
    "PCM_S8": 8, "PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32,
    "FLOAT": 32, "DOUBLE": 64, "ALAW": 8, "ULAW": 8,
}


class DecodeError(Exception):
    """A file that cannot be turned into samples. ``reason`` is a short machine-readable kind."""

    reason = "error"

    def __init__(self, path: str | os.PathLike[str], detail: str) -> None:
        self.path = str(path)
        self.detail = detail
        super().__init__(f"{self.reason}: {detail}")


class UnsupportedFormat(DecodeError):
    reason = "unsupported"


class CorruptFile(DecodeError):
    reason = "corrupt"


class EmptyFile(DecodeError):
    reason = "empty"


class UnreadableFile(DecodeError):
    reason = "unreadable"


@dataclass(frozen=True, slots=True)
class AudioInfo:
    """Facts about a file, read from its header without decoding it."""

    duration: float
    sample_rate: int
    channels: int
    frames: int
    bit_depth: int | None
    format: str
    subtype: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def is_audio_path(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in AUDIO_EXTENSIONS


#: Float files may go beyond full scale (±1) by a lot of headroom, but not by this much.
MAX_SAMPLE = 1e4


def _open(path: str | os.PathLike[str]) -> sf.SoundFile:
    p = Path(path)
    if p.suffix.lower() not in AUDIO_EXTENSIONS:
        raise UnsupportedFormat(p, f"'{p.suffix or p.name}' is not an audio format Sound Explorer reads")
    try:
        size = p.stat().st_size
    except FileNotFoundError as exc:
        raise UnreadableFile(p, "the file no longer exists") from exc
    except OSError as exc:
        raise UnreadableFile(p, exc.strerror or str(exc)) from exc
    if size == 0:
        raise EmptyFile(p, "the file is 0 bytes long")
    if not os.access(p, os.R_OK):
        raise UnreadableFile(p, "permission denied")
    try:
        return sf.SoundFile(os.fsencode(p))  # bytes: names that are not valid UTF-8 open too
    except sf.LibsndfileError as exc:
        msg = str(exc).split(":")[-1].strip() or "unknown decoder error"
        raise CorruptFile(p, f"cannot decode ({msg})") from exc
    except OSError as exc:
        raise UnreadableFile(p, exc.strerror or str(exc)) from exc
    except RuntimeError as exc:  # libsndfile wrapper errors for some truncated files
        raise CorruptFile(p, f"cannot decode ({exc})") from exc


def probe(path: str | os.PathLike[str]) -> AudioInfo:
    """Read a file's header. Raises :class:`DecodeError` for anything unusable."""
    with _open(path) as f:
        frames = int(f.frames)
        if f.samplerate <= 0 or f.channels <= 0:
            raise CorruptFile(path, "the header has no sample rate or channels")
        if frames <= 0:
            raise EmptyFile(path, "the file contains no samples")
        return AudioInfo(
            duration=frames / float(f.samplerate),
            sample_rate=int(f.samplerate),
            channels=int(f.channels),
            frames=frames,
            bit_depth=_BIT_DEPTH.get(f.subtype),
            format=str(f.format),
            subtype=str(f.subtype),
        )


def to_mono(x: np.ndarray) -> np.ndarray:
    """``(frames, channels)`` or ``(frames,)`` → ``(frames,)`` float32, by averaging channels."""
    if x.ndim == 2:
        x = x.mean(axis=1)
    return np.ascontiguousarray(x, dtype=np.float32)


def resample(x: np.ndarray, orig_sr: int, target_sr: int, method: str = "torch") -> np.ndarray:
    """Band-limited resampling ``(n,)`` → ``(m,)``.

    ``method='torch'`` (torchaudio's windowed sinc; the analysis default) or ``'poly'`` (scipy's
    polyphase filter: no torch thread pool involved, a few ms for a second of audio even on a busy
    machine, which is what low-latency playback needs).
    """
    if orig_sr == target_sr or x.size == 0:
        return x.astype(np.float32, copy=False)
    if method == "poly":
        from scipy.signal import resample_poly

        g = math.gcd(int(orig_sr), int(target_sr))
        return resample_poly(x, target_sr // g, orig_sr // g).astype(np.float32, copy=False)
    import torch  # lazy: a cached run never needs torch
    import torchaudio.functional as AF

    g = math.gcd(int(orig_sr), int(target_sr))
    y = AF.resample(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)), orig_sr // g, target_sr // g)
    return y.numpy()


def _read(f: sf.SoundFile, frames: int, path: str | os.PathLike[str]) -> np.ndarray:
    try:
        data = f.read(frames, dtype="float32", always_2d=True)
    except (sf.LibsndfileError, RuntimeError) as exc:
        raise CorruptFile(path, f"decoding failed part-way ({exc})") from exc
    if not np.isfinite(data).all():
        data = np.nan_to_num(data, nan=0.0, posinf=1.0, neginf=-1.0)
    peak = float(np.abs(data).max(initial=0.0))
    if peak > MAX_SAMPLE:  # a float file far beyond full scale (±1): damaged, not loud
        raise CorruptFile(path, f"sample values out of range (peak {peak:.3g}, full scale is 1)")
    return data


def load(
    path: str | os.PathLike[str],
    sample_rate: int | None = None,
    *,
    offset_s: float = 0.0,
    max_seconds: float | None = None,
    resampler: str = "torch",
) -> tuple[np.ndarray, int]:
    """Decode ``path`` to mono float32 at ``sample_rate`` (the file's own rate when ``None``).

    ``offset_s``/``max_seconds`` select a window, so callers can bound memory; ``resampler`` is
    ``'torch'`` or ``'poly'`` (see :func:`resample`). Returns
    ``(samples, rate)`` with ``samples`` of shape ``(n,)``.
    """
    with _open(path) as f:
        sr = int(f.samplerate)
        if f.frames <= 0:
            raise EmptyFile(path, "the file contains no samples")
        start = int(offset_s * sr)
        if start:
            f.seek(min(start, f.frames))
        n = -1 if max_seconds is None else int(max_seconds * sr)
        data = _read(f, n, path)
    if data.shape[0] == 0:
        raise EmptyFile(path, "no samples in the requested range")
    mono = to_mono(data)
    target = sample_rate or sr
    return resample(mono, sr, target, resampler), target


def iter_blocks(
    path: str | os.PathLike[str], sample_rate: int, block_seconds: float = 60.0, overlap_s: float = 0.0
) -> Iterator[np.ndarray]:
    """Yield consecutive mono blocks of at most ``block_seconds`` at ``sample_rate``.

    Consecutive blocks overlap by ``overlap_s`` so that a framing step can cover the seams.
    Memory is bounded by the block size, whatever the file's length.
    """
    with _open(path) as f:
        sr = int(f.samplerate)
        if f.frames <= 0:
            raise EmptyFile(path, "the file contains no samples")
        block = max(1, int(block_seconds * sr))
        overlap = int(overlap_s * sr)
        tail = np.zeros((0, f.channels), dtype=np.float32)
        while True:
            data = _read(f, block, path)
            if data.shape[0] == 0:
                break
            chunk = np.concatenate([tail, data]) if tail.size else data
            yield resample(to_mono(chunk), sr, sample_rate)
            if data.shape[0] < block:
                break
            tail = data[-overlap:] if overlap else tail[:0]
