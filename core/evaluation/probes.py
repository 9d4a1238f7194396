"""What does an embedding capture? CCA against acoustic descriptors, and the MLP probe.

Both follow the COALA paper (Favory et al., 2020):

- :func:`cca_table`: per descriptor group (MFCC, chroma, centroid, …; :mod:`core.audio.descriptors`),
  the top canonical correlations between the embedding and that group. Regularised CCA (a ridge
  ``reg`` on the standardised covariances) after a PCA of the embedding to at most ``max_dims``
  dimensions, fitted on training folds and reported **on held-out folds** (the training-set
  correlations of a few hundred sounds in 512 dimensions would be close to 1 whatever the embedding).
- :func:`mlp_probe`: one hidden layer of 256 units (sklearn ``MLPClassifier``), standardised features
  (scaler fitted on the training fold), grouped stratified k-fold cross-validation (sounds of one
  group never on both sides), accuracy as mean ± std over ``repeats`` reshuffled repeats.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from core.jobs import EVALUATE, Job, Progress, run_job

# -- CCA ------------------------------------------------------------------------------------------


def _inv_sqrt(c: np.ndarray) -> np.ndarray:
    w, v = np.linalg.eigh(c)
    return (v / np.sqrt(np.maximum(w, 1e-12))) @ v.T


@dataclass(frozen=True, slots=True)
class CcaFit:
    """A fitted CCA: ``x → (x − mx) @ wx``, ``y → (y − my) @ wy``; ``corrs`` the training correlations."""

    mx: np.ndarray
    my: np.ndarray
    wx: np.ndarray
    wy: np.ndarray
    corrs: np.ndarray

    def transform(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (np.asarray(x, np.float64) - self.mx) @ self.wx, (np.asarray(y, np.float64) - self.my) @ self.wy


def cca_fit(x: np.ndarray, y: np.ndarray, n_components: int = 1, reg: float = 0.0) -> CcaFit:
    """Canonical correlation analysis of ``x`` ``[N, p]`` and ``y`` ``[N, q]``.

    ``reg`` adds ``reg · I`` to each covariance after scaling every column to unit variance (a ridge
    relative to the variance; 0 gives the classical CCA). The canonical correlations are the
    singular values of ``Cxx^{-1/2} Cxy Cyy^{-1/2}``.
    """
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    n = x.shape[0]
    if n < 3:
        raise ValueError("CCA needs at least 3 samples")
    mx, my = x.mean(axis=0), y.mean(axis=0)
    sx, sy = x.std(axis=0), y.std(axis=0)
    sx[sx < 1e-12], sy[sy < 1e-12] = 1.0, 1.0
    xs, ys = (x - mx) / sx, (y - my) / sy
    cxx = xs.T @ xs / (n - 1) + reg * np.eye(xs.shape[1])
    cyy = ys.T @ ys / (n - 1) + reg * np.eye(ys.shape[1])
    cxy = xs.T @ ys / (n - 1)
    kx, ky = _inv_sqrt(cxx), _inv_sqrt(cyy)
    u, s, vt = np.linalg.svd(kx @ cxy @ ky)
    c = int(max(1, min(n_components, len(s))))
    return CcaFit(mx, my, (kx @ u[:, :c]) / sx[:, None], (ky @ vt.T[:, :c]) / sy[:, None], s[:c])


def _corr_cols(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    a, b = a - a.mean(axis=0), b - b.mean(axis=0)
    den = np.sqrt((a**2).sum(axis=0) * (b**2).sum(axis=0))
    return np.where(den > 1e-12, (a * b).sum(axis=0) / np.maximum(den, 1e-12), 0.0)


def _pca_fit(x: np.ndarray, dims: int) -> tuple[np.ndarray, np.ndarray]:
    mean = x.mean(axis=0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    return mean, vt[:dims].T


def _folds(n: int, k: int, groups: Sequence[Any] | None, seed: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    from sklearn.model_selection import GroupKFold, KFold

    if groups is None:
        yield from KFold(n_splits=max(2, min(k, n)), shuffle=True, random_state=seed).split(np.zeros(n))
        return
    g = np.asarray([str(v) for v in groups])
    k = max(2, min(k, len(set(g))))
    yield from GroupKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(n), groups=g)


@dataclass(frozen=True, slots=True)
class CcaRow:
    group: str
    n_features: int
    heldout: list[float]  # canonical correlations on held-out folds (mean over folds), strongest first
    train: list[float]  # the same on the training folds (optimistic)


def cca_table(vectors: np.ndarray, descriptors: np.ndarray, groups: Mapping[str, Sequence[int]],
              sample_groups: Sequence[Any] | None = None, n_components: int = 3, reg: float = 0.1,
              folds: int = 5, max_dims: int = 32, seed: int = 0) -> list[CcaRow]:
    """The COALA correlation table: per descriptor group, the top ``n_components`` canonical correlations.

    ``descriptors`` ``[N, K]`` with ``groups`` naming its columns (e.g. :func:`core.audio.descriptors.groups`);
    ``sample_groups`` keeps related sounds in the same fold.
    """
    x = np.asarray(vectors, np.float64)
    d = np.asarray(descriptors, np.float64)
    if x.shape[0] != d.shape[0]:
        raise ValueError(f"{x.shape[0]} vectors but {d.shape[0]} descriptor rows")
    splits = list(_folds(x.shape[0], folds, sample_groups, seed))
    rows = []
    for name, cols in groups.items():
        y = d[:, list(cols)]
        c = int(min(n_components, y.shape[1]))
        held, train = [], []
        for tr, te in splits:
            mean, basis = _pca_fit(x[tr], int(min(max_dims, x.shape[1], max(1, len(tr) // 4))))
            fit = cca_fit((x[tr] - mean) @ basis, y[tr], c, reg)
            a, b = fit.transform((x[te] - mean) @ basis, y[te])
            held.append(_corr_cols(a, b))
            train.append(fit.corrs)
        cc = min(len(h) for h in held)
        rows.append(CcaRow(name, len(cols), [float(v) for v in np.mean([h[:cc] for h in held], axis=0)],
                           [float(v) for v in np.mean([t[:cc] for t in train], axis=0)]))
    return rows


def format_cca_table(tables: Mapping[str, list[CcaRow]]) -> str:
    """Markdown table: one row per descriptor group, one column per model (held-out top-1 / top-3 mean)."""
    models = list(tables)
    if not models:
        return ""
    head = "| descriptor group | " + " | ".join(f"{m}: r1 / mean r1–3" for m in models) + " |"
    lines = [head, "|" + "---|" * (len(models) + 1)]
    for i, row in enumerate(tables[models[0]]):
        cells = []
        for m in models:
            h = tables[m][i].heldout
            cells.append(f"{h[0]:.2f} / {np.mean(h[:3]):.2f}")
        lines.append(f"| {row.group} ({row.n_features}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


# -- MLP probe ------------------------------------------------------------------------------------


@dataclass(slots=True)
class ProbeResult:
    mean: float
    std: float
    repeats: list[float] = field(default_factory=list)  # mean accuracy over the folds of each repeat
    folds: int = 0
    n: int = 0
    classes: int = 0
    chance: float = 0.0  # the majority class's share

    def summary(self) -> str:
        return (f"{self.mean:.3f} ± {self.std:.3f} ({len(self.repeats)} repeats × {self.folds} folds, "
                f"{self.n} sounds, {self.classes} classes, majority {self.chance:.3f})")


def probe_splits(labels: Sequence[Any], groups: Sequence[Any] | None, folds: int, seed: int
                 ) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified (and, with ``groups``, grouped) k-fold splits, reshuffled by ``seed``."""
    from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold

    y = np.asarray([str(v) for v in labels])
    biggest = int(np.unique(y, return_counts=True)[1].max())
    with warnings.catch_warnings():  # a class smaller than the number of folds is simply absent from some
        warnings.filterwarnings("ignore", message=".*least populated class.*", category=UserWarning)
        if groups is None:
            k = max(2, min(folds, biggest))
            return list(StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y))
        g = np.asarray([str(v) for v in groups])
        k = max(2, min(folds, len(set(g))))
        return list(StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=seed).split(np.zeros(len(y)), y, g))


def mlp_probe_job(features: np.ndarray, labels: Sequence[Any], groups: Sequence[Any] | None = None,
                  repeats: int = 10, folds: int = 5, hidden: int = 256, seed: int = 0,
                  max_iter: int = 300) -> Job[ProbeResult]:
    """Job: the COALA MLP probe; one progress step per repeat."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.asarray(features, np.float64)
    y = np.asarray([str(v) for v in labels])
    if len(set(y)) < 2:
        raise ValueError("the probe needs at least two classes")
    scores: list[float] = []
    progress = Progress(stage=EVALUATE, done=0, total=repeats, message="MLP probe")
    yield progress
    n_folds = 0
    for r in range(repeats):
        splits = probe_splits(y, groups, folds, seed + r)
        n_folds = len(splits)
        accs = []
        for tr, te in splits:
            model = make_pipeline(StandardScaler(), MLPClassifier(hidden_layer_sizes=(hidden,), max_iter=max_iter,
                                                                  random_state=seed + r))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                model.fit(x[tr], y[tr])
            accs.append(float((model.predict(x[te]) == y[te]).mean()))
        scores.append(float(np.mean(accs)))
        progress.done = r + 1
        yield progress
    _, counts = np.unique(y, return_counts=True)
    return ProbeResult(float(np.mean(scores)), float(np.std(scores)), scores, n_folds, len(y), len(counts),
                       float(counts.max() / len(y)))


def mlp_probe(features: np.ndarray, labels: Sequence[Any], groups: Sequence[Any] | None = None, **kw: Any
              ) -> ProbeResult:
    """:func:`mlp_probe_job` run to completion."""
    return run_job(mlp_probe_job(features, labels, groups, **kw))
