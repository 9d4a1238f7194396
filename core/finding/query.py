"""Query by any sound: a file dropped on the map or a microphone recording, embedded with the
current model through exactly the path a library file takes, placed on the map, with its neighbours.

A file goes through :func:`core.audio.decode.load` (mono mix-down, torchaudio resampling to the
encoder's rate); a buffer goes through :func:`prepare_buffer`, which does the same two steps, so the
same audio gives the same vector either way. Recordings are at most :data:`MAX_RECORD_SECONDS`
long and may be trimmed (:func:`trim_buffer`); :func:`meter_levels` is the level meter's maths.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from core.audio.decode import resample, to_mono

if TYPE_CHECKING:
    from core.encoders.base import Encoder
    from core.library import Library
    from core.maps.params import ProjectionParams

MAX_RECORD_SECONDS = 10.0
MAX_FILE_SECONDS = 600.0  # as Library.embed_file


def trim_buffer(samples: np.ndarray, rate: int, start_s: float = 0.0, end_s: float | None = None) -> np.ndarray:
    """A recording ``[n]`` or ``[n, channels]`` cut to ``[start_s, end_s)`` and to at most
    :data:`MAX_RECORD_SECONDS` (the first ones kept). Raises ``ValueError`` when nothing is left."""
    x = np.asarray(samples)
    a = max(0, int(round(start_s * rate)))
    b = len(x) if end_s is None else min(len(x), int(round(end_s * rate)))
    b = min(b, a + int(MAX_RECORD_SECONDS * rate))
    if b <= a:
        raise ValueError("the trimmed recording is empty")
    return x[a:b]


def meter_levels(block: np.ndarray) -> tuple[float, float]:
    """``(rms_db, peak_db)`` dBFS of an audio block ``[n]`` or ``[n, channels]`` (−120 for silence)."""
    x = np.asarray(block, dtype=np.float64)
    if x.size == 0:
        return -120.0, -120.0
    rms = float(np.sqrt(np.mean(x * x)))
    peak = float(np.max(np.abs(x)))
    return max(-120.0, 20 * np.log10(rms + 1e-12)), max(-120.0, 20 * np.log10(peak + 1e-12))


def prepare_buffer(samples: np.ndarray, rate: int, target_rate: int) -> np.ndarray:
    """``[n]`` or ``[n, channels]`` float audio → mono float32 ``[m]`` at ``target_rate``, as a file is decoded."""
    x = np.asarray(samples, dtype=np.float32)
    if x.ndim not in (1, 2) or x.shape[0] == 0:
        raise ValueError(f"a recording must be [n] or [n, channels] with n > 0, got shape {x.shape}")
    if not np.isfinite(x).all():
        x = np.nan_to_num(x, nan=0.0, posinf=1.0, neginf=-1.0)
    return resample(to_mono(x), int(rate), int(target_rate))


def embed_buffer(encoder: Encoder, samples: np.ndarray, rate: int) -> np.ndarray:
    """One L2-normalised vector float32 ``[D]`` for a buffer (a recording, or any samples in memory)."""
    return _finite(encoder.embed_wave(prepare_buffer(samples, rate, encoder.sample_rate)))


def embed_path(encoder: Encoder, path: str | os.PathLike[str]) -> np.ndarray:
    """One vector float32 ``[D]`` for a file (raises :class:`core.audio.decode.DecodeError`)."""
    from core.audio.decode import load

    wave, _ = load(path, encoder.sample_rate, max_seconds=MAX_FILE_SECONDS)
    return _finite(encoder.embed_wave(wave))


def _finite(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float32)
    if not np.isfinite(v).all():
        raise ValueError("the query could not be embedded (the model gave non-finite values)")
    return v


def place_query(ref_vectors: np.ndarray, ref_xy: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """Where the query lands on a map: ``ref_vectors`` ``[N, D]`` and ``ref_xy`` ``[N, 2]`` (same rows)
    and the query ``[D]`` → float32 ``[2]`` (:func:`core.maps.projection.place_new`; the map does not move)."""
    from core.maps.projection import place_new

    return place_new(ref_vectors, ref_xy, np.asarray(vector, np.float32)[None])[0]


@dataclass(slots=True)
class QueryResult:
    vector: np.ndarray  # float32 [D]
    neighbors: list[tuple[int, float]]  # (sound id, cosine distance), nearest first
    xy: np.ndarray | None  # float32 [2] on the model's cached map, or None when there is none


def query_library(lib: Library, model: str, *, path: str | os.PathLike[str] | None = None,
                  samples: np.ndarray | None = None, rate: int | None = None, k: int = 10,
                  projection: ProjectionParams | None = None) -> QueryResult:
    """Embed a file (``path``) or a buffer (``samples`` at ``rate``) with ``model``, find its ``k``
    nearest sounds, and place it on the cached map of ``projection`` (when there is one).

    The library must be embedded with ``model``. Runs the model: call it on a worker thread.
    """
    if (path is None) == (samples is None):
        raise ValueError("query by a file or by a recording: give exactly one")
    encoder = lib.encoder(model)
    if path is not None:
        vector = embed_path(encoder, path)
    else:
        if rate is None or rate <= 0:
            raise ValueError("a recording needs its sample rate")
        vector = embed_buffer(encoder, samples, rate)
    neighbors = lib.neighbors_of_vector(model, vector, k)
    xy = None
    mapped = lib.cached_map(model, projection)
    if mapped is not None:
        ids, vectors = lib.vectors(model)
        if np.array_equal(ids, mapped.ids):
            xy = place_query(vectors, mapped.xy, vector)
    return QueryResult(vector, neighbors, xy)
