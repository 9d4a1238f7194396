"""A decoded-content fingerprint of a sound, robust to format, bit depth, sample rate, gain and
leading/trailing silence; plus the loop/one-shot heuristic that needs the same decode.

Steps (:func:`analyse`): mono → silence trimmed (first and last sample above :data:`SILENCE_DB`
below the peak, so it does not depend on the gain) → resampled to :data:`FP_RATE` (8 kHz,
polyphase: what every format and rate shares) → log-mel frames (:data:`N_BANDS` bands, 32 ms hop)
in dB below the loudest cell, clipped at :data:`RANGE_DB` and quantised to :data:`DB_STEP`.

Two fingerprints are compared by :func:`frame_distance`: the frames are aligned at the trimmed
start (±``max_lag`` frames), the gain difference is removed (the median dB difference), and the
distance is a trimmed mean of the absolute dB differences over the cells above the floor in either
sound (the smallest 80 %: local edits do not count).
Re-encodings come out near 0 dB, different takes of the same kind of sound several dB apart.
"""

from __future__ import annotations

import os
from functools import lru_cache

import numpy as np

from core.catalog.analysis import SoundAnalysis

#: Bump when anything below changes: stored analyses of another version are recomputed.
FP_VERSION = "1"
FP_RATE = 8000
N_FFT = 512
HOP = 256  # 32 ms
N_BANDS = 40
F_MIN, F_MAX = 40.0, 3500.0  # inside the pass band of every resampler to 8 kHz
SILENCE_DB = -50.0  # trim threshold, relative to the peak sample
RANGE_DB = 60.0  # cells more than this below the loudest cell sit on the floor
DB_STEP = 0.25  # quantisation of the stored frames (uint8: 0..240)
KEEP_FRACTION = 0.8  # the share of cell differences a distance averages (the smallest ones)
MAX_SECONDS = 30.0  # only the first seconds after the trimmed start are fingerprinted

# Loop heuristic (see is_loop)
LOOP_MIN_SECONDS = 1.0
LOOP_END_DB = -10.0
LOOP_MIN_PERIODICITY = 0.3
LOOP_ONSET_RISE = float(np.log(2.0))  # an onset: the 10 ms envelope at least doubles


@lru_cache(maxsize=4)
def _mel_bank(n_fft: int = N_FFT, rate: int = FP_RATE, n_bands: int = N_BANDS) -> np.ndarray:
    """Triangular mel filters float32 ``[n_fft // 2 + 1, n_bands]`` (HTK mel scale, unit peak)."""
    def mel(f: np.ndarray | float) -> np.ndarray:
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def hz(m: np.ndarray) -> np.ndarray:
        return 700.0 * (10.0 ** (m / 2595.0) - 1.0)

    edges = hz(np.linspace(mel(F_MIN), mel(F_MAX), n_bands + 2))
    freqs = np.linspace(0, rate / 2, n_fft // 2 + 1)
    lo, mid, hi = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs[None] - lo) / (mid - lo)
    down = (hi - freqs[None]) / (hi - mid)
    return np.clip(np.minimum(up, down), 0.0, None).T.astype(np.float32)


def trim_bounds(x: np.ndarray, silence_db: float = SILENCE_DB) -> tuple[int, int]:
    """``(start, stop)`` sample indices of ``x`` ``[n]`` without leading/trailing silence; ``(0, 0)`` if silent."""
    a = np.abs(x)
    peak = float(a.max()) if a.size else 0.0
    if peak <= 1e-7:
        return 0, 0
    loud = np.flatnonzero(a >= peak * 10.0 ** (silence_db / 20.0))
    return int(loud[0]), int(loud[-1]) + 1


def log_mel_db(x: np.ndarray) -> np.ndarray:
    """Mono ``[n]`` at :data:`FP_RATE` → power log-mel in dB, float32 ``[frames, N_BANDS]``."""
    n = max(len(x), 1)
    frames = 1 + (max(n - N_FFT, 0) + HOP - 1) // HOP
    padded = np.zeros((frames - 1) * HOP + N_FFT, dtype=np.float32)
    padded[: len(x)] = x
    idx = np.arange(N_FFT)[None] + HOP * np.arange(frames)[:, None]
    spec = np.abs(np.fft.rfft(padded[idx] * np.hanning(N_FFT).astype(np.float32), axis=1)) ** 2
    return (10.0 * np.log10(spec.astype(np.float32) @ _mel_bank() + 1e-12)).astype(np.float32)


def quantise(db: np.ndarray) -> np.ndarray:
    """dB frames → uint8 steps above the floor (:data:`RANGE_DB` below the loudest cell)."""
    rel = np.clip(db - db.max() + RANGE_DB, 0.0, RANGE_DB)
    return np.round(rel / DB_STEP).astype(np.uint8)


def analyse(samples: np.ndarray, rate: int, content_hash: str = "") -> SoundAnalysis:
    """Fingerprint and loop flag of a mono float signal ``[n]`` at ``rate``."""
    from core.audio.decode import resample

    x = np.asarray(samples, dtype=np.float32)
    start, stop = trim_bounds(x)  # at the file's own rate: content above FP_RATE / 2 counts as sound
    if stop <= start:  # silence: nothing to compare but the hash
        return SoundAnalysis(FP_VERSION, content_hash, 0.0, 0.0, -200.0, False, np.zeros((0, N_BANDS), np.uint8))
    core = resample(x[start:stop], int(rate), FP_RATE, method="poly")
    level = float(10.0 * np.log10(float(np.mean(core.astype(np.float64) ** 2)) + 1e-20))
    db = log_mel_db(core[: int(MAX_SECONDS * FP_RATE)])
    return SoundAnalysis(
        version=FP_VERSION, hash=content_hash, duration=(stop - start) / rate, lead=start / rate,
        level_db=level, loop=is_loop(core, FP_RATE), frames=quantise(db),
    )


def analyse_file(path: str | os.PathLike[str], content_hash: str = "") -> SoundAnalysis:
    """Decode ``path`` (raises :class:`core.audio.decode.DecodeError`) and :func:`analyse` it.

    Only the first ``4 × MAX_SECONDS`` (2 minutes) are decoded, so memory stays bounded: for longer
    files the trimmed duration and the loop flag describe those two minutes.
    """
    from core.audio.decode import load

    x, rate = load(path, None, max_seconds=MAX_SECONDS * 4)
    return analyse(x, rate, content_hash)


def frame_distance(a: np.ndarray, b: np.ndarray, max_lag: int = 2,
                   keep_fraction: float = KEEP_FRACTION) -> tuple[float, float]:
    """``(distance_db, overlap)`` of two quantised fingerprints uint8 ``[Ta, B]`` and ``[Tb, B]``.

    For each lag in ``[-max_lag, max_lag]`` frames the overlapping frames are compared: the median
    dB difference (a gain change) is removed and the mean of the smallest ``keep_fraction`` (:data:`KEEP_FRACTION`) of the
    absolute differences over the cells above the floor in either sound is taken (so a local edit,
    a fade-out or a cut click, touching less than the rest does not count); the smallest over the lags is returned, with the overlap as
    a fraction of the longer fingerprint. Empty fingerprints give ``(inf, 0.0)``.
    """
    ta, tb = len(a), len(b)
    if ta == 0 or tb == 0:
        return float("inf"), 0.0
    fa, fb = a.astype(np.float32) * DB_STEP, b.astype(np.float32) * DB_STEP
    best, best_overlap = float("inf"), 0.0
    for lag in range(-max_lag, max_lag + 1):
        sa, sb = max(lag, 0), max(-lag, 0)
        n = min(ta - sa, tb - sb)
        if n <= 0:
            continue
        xa, xb = fa[sa : sa + n], fb[sb : sb + n]
        live = (xa > 0) | (xb > 0)
        if not live.any():
            continue
        d = (xa - xb)[live]
        e = np.abs(d - np.median(d))
        keep = max(1, int(keep_fraction * len(e)))
        dist = float(np.partition(e, keep - 1)[:keep].mean())
        if dist < best:
            best, best_overlap = dist, n / max(ta, tb)
    return best, best_overlap


def summary(frames: np.ndarray) -> np.ndarray:
    """A cheap pre-filter vector float32 ``[B]``: the mean dB per band, its own median removed."""
    if len(frames) == 0:
        return np.zeros(frames.shape[1] if frames.ndim == 2 else N_BANDS, np.float32)
    m = frames.astype(np.float32).mean(axis=0) * DB_STEP
    return (m - np.median(m)).astype(np.float32)


def is_loop(x: np.ndarray, rate: int) -> bool:
    """The loop/one-shot heuristic on a trimmed mono signal ``[n]``.

    A loop (1) lasts at least :data:`LOOP_MIN_SECONDS`; (2) has onsets — at least two places where
    the 10 ms envelope at least doubles — (3) in a periodic pattern: the autocorrelation of the onset
    envelope reaches :data:`LOOP_MIN_PERIODICITY` at some period between 0.1 s and half the sound;
    and (4) keeps going to the end: the loudest 10 ms of its last quarter is within
    :data:`LOOP_END_DB` of the loudest of its first quarter (no fade-out, no decaying tail).
    So a drone is a one-shot (no onsets), a decaying hit is a one-shot (one onset), a bouncing or
    fading pattern is a one-shot (4), and a drum loop or a steady click train is a loop.
    """
    n = len(x)
    if n < LOOP_MIN_SECONDS * rate:
        return False
    hop = max(1, rate // 100)  # 10 ms envelope
    m = n // hop
    env = np.sqrt(np.mean(x[: m * hop].astype(np.float64).reshape(m, hop) ** 2, axis=1))
    level = 20.0 * np.log10(env + 1e-9)
    q = max(1, m // 4)
    if level[-q:].max() < level[:q].max() + LOOP_END_DB:
        return False
    onset = np.maximum(np.diff(np.log(env + 1e-6)), 0.0)
    if len(onset) < 20 or np.count_nonzero(onset > LOOP_ONSET_RISE) < 2:
        return False
    onset = onset - onset.mean()
    ac = np.correlate(onset, onset, mode="full")[len(onset) - 1 :]
    ac = ac / (ac[0] + 1e-20)
    lo, hi = 10, len(onset) // 2  # periods from 0.1 s to half the sound
    return hi > lo and float(ac[lo:hi].max()) >= LOOP_MIN_PERIODICITY
