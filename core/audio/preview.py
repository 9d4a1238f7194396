"""Small numeric helpers behind the desktop views: waveform/spectrogram previews and quick layouts.

The widgets only draw; every array they show is computed here (headless, numpy only).

- :func:`waveform_envelope` – min/max envelope of a signal at a given pixel width.
- :func:`spectrogram_db` – a log-magnitude STFT bounded in size whatever the file length.
- :func:`load_preview` – decode a file (bounded duration) and compute both.
- :func:`pca_2d` – a fast 2-D PCA layout of the vectors embedded so far, sign-aligned with the
  previous layout so points do not jump while the embedding job streams in.
- :func:`label_centroids` – where to write each cluster's name on the map.
- :func:`group_labels` – integer labels from string keys (folder, tag), for colour-by.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from core.audio.decode import load


def waveform_envelope(samples: np.ndarray, width: int) -> np.ndarray:
    """Min/max envelope of ``samples`` (shape ``[n]``) at ``width`` columns.

    Returns float32 ``[width, 2]`` with column 0 the minimum and column 1 the maximum of the
    samples falling in each column. When ``n < width`` every sample gets its own column and
    the result has ``n`` rows. An empty signal gives ``[0, 2]``.
    """
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    if width <= 0:
        raise ValueError("width must be positive")
    n = x.shape[0]
    if n == 0:
        return np.zeros((0, 2), dtype=np.float32)
    if n <= width:
        return np.stack([x, x], axis=1)
    edges = np.linspace(0, n, width + 1).astype(np.int64)
    starts = edges[:-1]
    mins = np.minimum.reduceat(x, starts)
    maxs = np.maximum.reduceat(x, starts)
    return np.stack([mins, maxs], axis=1).astype(np.float32, copy=False)


@dataclass(frozen=True, slots=True)
class Spectrogram:
    """``db`` float32 ``[F, T]`` (dB re. the maximum, clipped at ``-top_db``), ``freqs`` ``[F]`` Hz
    (the centre of each row: log-spaced bands, or the FFT bins with ``log_freq=False``),
    ``times`` ``[T]`` seconds (frame centres). ``levels`` ``(lo, hi)`` dB: a display range that
    shows the sound's own dynamics (a quiet 808 is not black)."""

    db: np.ndarray
    freqs: np.ndarray
    times: np.ndarray
    levels: tuple[float, float] = (-80.0, 0.0)


def _log_bands(power: np.ndarray, fft_freqs: np.ndarray, n_bands: int, f_min: float
               ) -> tuple[np.ndarray, np.ndarray]:
    """Average FFT power ``[F, T]`` into ``n_bands`` log-spaced bands from ``f_min`` to Nyquist.

    A band narrower than one FFT bin takes the nearest bin, so low bands are never empty.
    """
    f_max = float(fft_freqs[-1])
    f_min = min(f_min, f_max / 4)
    edges = np.geomspace(f_min, f_max, n_bands + 1)
    centres = np.sqrt(edges[:-1] * edges[1:])
    lo = np.searchsorted(fft_freqs, edges[:-1], side="left")
    hi = np.maximum(np.searchsorted(fft_freqs, edges[1:], side="right"), lo + 1)
    csum = np.vstack([np.zeros((1, power.shape[1])), np.cumsum(power, axis=0)])
    near = np.clip(np.rint(centres / float(fft_freqs[1])).astype(np.int64), 0, len(fft_freqs) - 1)
    lo = np.where(hi - lo <= 1, near, lo)
    hi = np.where(hi - lo <= 1, near + 1, hi)
    return (csum[hi] - csum[lo]) / (hi - lo)[:, None], centres.astype(np.float32)


def spectrogram_db(
    samples: np.ndarray,
    sr: int,
    *,
    n_fft: int = 1024,
    max_frames: int = 600,
    top_db: float = 80.0,
    log_freq: bool = False,
    n_bands: int = 160,
    f_min: float = 30.0,
) -> Spectrogram:
    """Log-magnitude STFT of ``samples`` (``[n]`` at ``sr`` Hz) with a Hann window.

    The hop is chosen so that there are at most ``max_frames`` frames (and at least
    ``n_fft // 4`` samples between frames), so the cost is bounded for long files. With
    ``log_freq`` the rows are ``n_bands`` log-spaced bands from ``f_min`` Hz (what a person reads:
    octaves get equal height). ``levels`` spans the loud part of this sound's range.
    """
    x = np.asarray(samples, dtype=np.float32).reshape(-1)
    if sr <= 0:
        raise ValueError("sample rate must be positive")
    if x.shape[0] < n_fft:
        x = np.pad(x, (0, n_fft - x.shape[0]))
    n = x.shape[0]
    hop = max(n_fft // 4, int(np.ceil((n - n_fft) / max(1, max_frames - 1))))
    n_frames = 1 + (n - n_fft) // hop
    idx = np.arange(n_fft)[None, :] + hop * np.arange(n_frames)[:, None]
    frames = x[idx] * np.hanning(n_fft).astype(np.float32)[None, :]
    power = (np.abs(np.fft.rfft(frames, axis=1)) ** 2).T  # [F, T]
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr).astype(np.float32)
    if log_freq:
        power, freqs = _log_bands(power, freqs, n_bands, f_min)
    ref = float(power.max()) if power.size else 0.0
    db = 10.0 * np.log10(np.maximum(power, 1e-20) / max(ref, 1e-20))
    db = np.maximum(db, -top_db).astype(np.float32)
    times = ((np.arange(n_frames) * hop + n_fft / 2) / sr).astype(np.float32)
    hi = 0.0
    lo = float(np.percentile(db, 20)) if db.size else -top_db
    lo = min(max(lo, -top_db), hi - 30.0)  # at least 30 dB of range, at most top_db
    return Spectrogram(db=db, freqs=freqs, times=times, levels=(lo, hi))


@dataclass(frozen=True, slots=True)
class Preview:
    """What the details panel draws for one sound.

    ``envelope`` float32 ``[W, 2]`` (min, max), ``spectrogram`` see :class:`Spectrogram`,
    ``seconds`` the duration covered (may be shorter than the file when it was truncated).
    """

    envelope: np.ndarray
    spectrogram: Spectrogram
    sample_rate: int
    seconds: float
    truncated: bool


def load_preview(
    path: str | os.PathLike[str], *, width: int = 1200, max_seconds: float = 60.0
) -> Preview:
    """Decode at most ``max_seconds`` of ``path`` (mono, native rate) and compute its previews.

    Raises :class:`core.audio.decode.DecodeError` for unreadable files.
    """
    samples, sr = load(path, None, max_seconds=max_seconds)
    seconds = samples.shape[0] / float(sr)
    return Preview(
        envelope=waveform_envelope(samples, width),
        spectrogram=spectrogram_db(samples, sr, n_fft=2048, log_freq=True),
        sample_rate=int(sr),
        seconds=seconds,
        truncated=seconds >= max_seconds - 1.0 / sr,
    )
