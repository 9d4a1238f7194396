"""The one 2-D PCA: a fitted layout that places new rows without refitting (streaming previews),
and a one-call projection. Both return float32 ``[N, 2]``."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


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
        if n >= 2:  # deterministic signs: each axis' largest-magnitude coordinate is positive
            proj = (v - mean) @ axes.T
            for axis in range(2):
                col = proj[:, axis]
                if col[np.argmax(np.abs(col))] < 0:
                    axes[axis] = -axes[axis]
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
