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
from collections.abc import Sequence
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
    """``db`` float32 ``[F, T]`` (dB re. the maximum, clipped at ``-top_db``), ``freqs`` ``[F]`` Hz,
    ``times`` ``[T]`` seconds (frame centres)."""

    db: np.ndarray
    freqs: np.ndarray
    times: np.ndarray


def spectrogram_db(
    samples: np.ndarray,
    sr: int,
    *,
    n_fft: int = 1024,
    max_frames: int = 600,
    top_db: float = 80.0,
) -> Spectrogram:
    """Log-magnitude STFT of ``samples`` (``[n]`` at ``sr`` Hz) with a Hann window.

    The hop is chosen so that there are at most ``max_frames`` frames (and at least
    ``n_fft // 4`` samples between frames), so the cost is bounded for long files.
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
    mag = np.abs(np.fft.rfft(frames, axis=1)).T  # [F, T]
    ref = float(mag.max()) if mag.size else 0.0
    db = 20.0 * np.log10(np.maximum(mag, 1e-10) / max(ref, 1e-10))
    db = np.maximum(db, -top_db).astype(np.float32)
    freqs = np.fft.rfftfreq(n_fft, 1.0 / sr).astype(np.float32)
    times = ((np.arange(n_frames) * hop + n_fft / 2) / sr).astype(np.float32)
    return Spectrogram(db=db, freqs=freqs, times=times)


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
        spectrogram=spectrogram_db(samples, sr),
        sample_rate=int(sr),
        seconds=seconds,
        truncated=seconds >= max_seconds - 1.0 / sr,
    )


@dataclass(frozen=True, slots=True)
class PcaLayout:
    """A fitted 2-D PCA: ``mean`` ``[D]`` and ``axes`` ``[2, D]`` (scaled and sign-aligned), so
    that ``(v - mean) @ axes.T`` is the layout. ``n`` is the number of rows it was fitted on.

    New rows can be placed with :meth:`transform` without refitting (cheap while an embedding
    job streams in); refit from time to time as the collection grows.
    """

    mean: np.ndarray
    axes: np.ndarray
    n: int

    @classmethod
    def fit(cls, vectors: np.ndarray, reference: np.ndarray | None = None, max_rows: int = 4000) -> PcaLayout:
        """Fit on ``vectors`` ``[N, D]`` (a fixed random subset of ``max_rows`` when larger).

        Scaled so the larger axis has unit standard deviation. ``reference`` (``[M, 2]``,
        ``M <= N``, the previous layout of the first ``M`` rows; NaN rows ignored) fixes each
        axis' sign so a refitted layout stays visually stable.
        """
        v = np.asarray(vectors, dtype=np.float64)
        n, d = v.shape
        mean = v.mean(axis=0) if n else np.zeros(d)
        axes = np.zeros((2, d))
        if n >= 2:
            sample = v if n <= max_rows else v[np.random.default_rng(0).choice(n, max_rows, replace=False)]
            centred = sample - mean
            # Right singular vectors of the centred data are the principal axes.
            _, _, vt = np.linalg.svd(centred, full_matrices=False)
            k = min(2, vt.shape[0])
            axes[:k] = vt[:k]
            scale = (centred @ axes.T).std(axis=0).max()
            if scale > 0:
                axes /= scale
        if reference is not None and len(reference) and n >= 2:
            m = min(len(reference), n)
            ref = np.asarray(reference[:m], dtype=np.float64)
            ok = np.isfinite(ref).all(axis=1)
            proj = (v[:m][ok] - mean) @ axes.T
            for axis in range(2):
                if float(np.dot(proj[:, axis], ref[ok, axis])) < 0:
                    axes[axis] = -axes[axis]
        return cls(mean=mean, axes=axes, n=int(n))

    def transform(self, vectors: np.ndarray) -> np.ndarray:
        """``[M, D]`` → float32 ``[M, 2]``."""
        v = np.asarray(vectors, dtype=np.float64)
        if v.shape[0] == 0:
            return np.zeros((0, 2), dtype=np.float32)
        return ((v - self.mean) @ self.axes.T).astype(np.float32)


def pca_2d(vectors: np.ndarray, reference: np.ndarray | None = None) -> np.ndarray:
    """Project ``vectors`` ``[N, D]`` to 2-D with PCA; returns float32 ``[N, 2]``.

    See :meth:`PcaLayout.fit` for the scaling and the sign alignment with ``reference``.
    """
    v = np.asarray(vectors, dtype=np.float64)
    if v.shape[0] < 2:
        return np.zeros((v.shape[0], 2), dtype=np.float32)
    return PcaLayout.fit(v, reference).transform(v)


def label_centroids(xy: np.ndarray, labels: np.ndarray, noise_label: int = -1) -> dict[int, tuple[float, float]]:
    """Per-label anchor for a cluster's caption: the point of the cluster nearest its median.

    ``xy`` float ``[N, 2]``, ``labels`` int ``[N]``. Noise is skipped. Anchoring on an actual
    point keeps the caption inside non-convex clusters.
    """
    xy = np.asarray(xy, dtype=np.float64)
    labels = np.asarray(labels)
    out: dict[int, tuple[float, float]] = {}
    for lab in np.unique(labels):
        if int(lab) == noise_label:
            continue
        pts = xy[labels == lab]
        med = np.median(pts, axis=0)
        best = pts[int(np.argmin(((pts - med) ** 2).sum(axis=1)))]
        out[int(lab)] = (float(best[0]), float(best[1]))
    return out


def group_labels(keys: Sequence[str | None]) -> tuple[np.ndarray, dict[int, str]]:
    """Integer labels for string keys (``[N]`` → int64 ``[N]``), in sorted key order.

    Empty/``None`` keys get ``-1`` (shown as "none"). Returns ``(labels, names)`` with
    ``names[label] = key``.
    """
    uniq = sorted({k for k in keys if k})
    index = {k: i for i, k in enumerate(uniq)}
    labels = np.fromiter((index.get(k, -1) if k else -1 for k in keys), dtype=np.int64, count=len(keys))
    return labels, {i: k for k, i in index.items()}


def nearest_rows(order_ids: np.ndarray, wanted_ids: Sequence[int]) -> np.ndarray:
    """Row positions of ``wanted_ids`` in ``order_ids`` (``[N]`` int64); unknown ids are dropped."""
    pos = {int(i): r for r, i in enumerate(np.asarray(order_ids).tolist())}
    return np.asarray([pos[int(i)] for i in wanted_ids if int(i) in pos], dtype=np.int64)


def medoid_rows(vectors: np.ndarray, labels: np.ndarray, noise_label: int = -1) -> dict[int, int]:
    """For each label, the row whose vector is most similar to the label's mean direction.

    ``vectors`` float ``[N, D]`` (L2-normalised, as ``lib.vectors`` returns), ``labels`` int ``[N]``.
    Cosine medoid approximated by the point nearest the normalised centroid: O(N·D).
    """
    v = np.asarray(vectors, dtype=np.float32)
    labels = np.asarray(labels)
    out: dict[int, int] = {}
    for lab in np.unique(labels):
        if int(lab) == noise_label:
            continue
        rows = np.flatnonzero(labels == lab)
        c = v[rows].mean(axis=0)
        out[int(lab)] = int(rows[int(np.argmax(v[rows] @ c))])
    return out


@dataclass(frozen=True, slots=True)
class TourStop:
    """One cluster of a guided tour: where to look and what to play.

    ``rows`` starts with the medoid, then members from near to far from it (to show the range).
    ``center`` and ``span`` frame the cluster's points on the map.
    """

    label: int
    rows: list[int]
    center: tuple[float, float]
    span: float


def tour_stops(vectors: np.ndarray, xy: np.ndarray, labels: np.ndarray, members: int = 3,
               noise_label: int = -1, max_stops: int | None = None) -> list[TourStop]:
    """Tour plan: clusters by decreasing size; each plays its medoid then ``members`` others.

    Members are picked at evenly spaced quantiles of cosine distance to the medoid, so the tour
    plays a typical sound, then a close relative, then the edge of the cluster.
    """
    v = np.asarray(vectors, dtype=np.float32)
    xy = np.asarray(xy, dtype=np.float64)
    labels = np.asarray(labels)
    medoids = medoid_rows(v, labels, noise_label)
    order = sorted(medoids, key=lambda lab: (-int((labels == lab).sum()), lab))
    stops: list[TourStop] = []
    for lab in order[:max_stops]:
        rows = np.flatnonzero(labels == lab)
        m = medoids[lab]
        others = rows[rows != m]
        picked: list[int] = []
        if len(others) and members > 0:
            dist = 1.0 - v[others] @ v[m]
            ranked = others[np.argsort(dist, kind="stable")]
            idx = np.unique(np.linspace(0, len(ranked) - 1, min(members, len(ranked))).round().astype(int))
            picked = [int(ranked[i]) for i in idx]
        pts = xy[rows]
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        center = (float((lo[0] + hi[0]) / 2), float((lo[1] + hi[1]) / 2))
        span = float(max(hi[0] - lo[0], hi[1] - lo[1]))
        stops.append(TourStop(int(lab), [m, *picked], center, span))
    return stops
