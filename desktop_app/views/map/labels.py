"""How a labelling is drawn: label → colour/name, draw groups and styles, legend rows, hide mask."""

from __future__ import annotations

import numpy as np
from PySide6 import QtGui

from desktop_app.views.panels.legend import LegendEntry
from desktop_app.views.map.overlays import NOISE_COLOR, cluster_color
from desktop_app.views.map.scatter import PointStyle

__all__ = ["LabelColoring", "DEFAULT_COLOR"]

DEFAULT_COLOR = QtGui.QColor("#4c9be8")


class LabelColoring:
    """Colours for ``labels`` int ``[N]`` (None: one colour for all ``n`` points).

    Clusters get tab20-like colours in ascending label order; the noise label is grey, faint and
    drawn smaller and underneath (draw group 0). Lookups go through a table indexed by
    ``label - min(label)``, so every per-row operation is one vectorised gather.
    """

    def __init__(self, labels: np.ndarray | None, n: int, names: dict[int, str] | None = None,
                 noise_label: int = -1) -> None:
        self.noise_label = int(noise_label)
        self.names = dict(names or {})
        self.n = int(n)
        if labels is None:
            self.labels = None
            self._colors: dict[int, QtGui.QColor] = {}
            self.sizes: dict[int, int] = {}
            return
        lab = np.asarray(labels).astype(np.int64).reshape(-1)
        if lab.shape[0] != n:
            raise ValueError(f"labels has {lab.shape[0]} rows, expected {n}")
        self.labels = lab
        self._lo = int(lab.min()) if lab.size else 0
        self._off = (lab - self._lo).astype(np.int32)
        counts = np.bincount(self._off) if lab.size else np.zeros(0, np.int64)
        present = np.flatnonzero(counts)
        self.sizes = {int(u) + self._lo: int(counts[u]) for u in present}
        self.real = [u for u in sorted(self.sizes) if u != self.noise_label]
        self._colors = {u: cluster_color(i) for i, u in enumerate(self.real)}

    def color(self, label: int) -> QtGui.QColor:
        if self.labels is None:
            return QtGui.QColor(DEFAULT_COLOR)
        if int(label) == self.noise_label:
            return QtGui.QColor(NOISE_COLOR)
        return QtGui.QColor(self._colors.get(int(label), DEFAULT_COLOR))

    def name(self, label: int) -> str:
        if label in self.names:
            return str(self.names[label])
        return "Noise" if label == self.noise_label else f"Cluster {label}"

    def groups_and_styles(self, point_size: float) -> tuple[np.ndarray, list[PointStyle]]:
        """Draw group per row (int32 ``[N]``) and the style of each group."""
        s = float(point_size)
        noise = PointStyle.of(NOISE_COLOR, max(2.0, s * 0.6))
        if self.labels is None:
            return np.ones(self.n, np.int32), [noise, PointStyle.of(DEFAULT_COLOR, s)]
        lut = np.zeros(int(self._off.max(initial=0)) + 1, dtype=np.int32)  # noise → group 0
        for i, u in enumerate(self.real):
            lut[u - self._lo] = i + 1
        return lut[self._off], [noise] + [PointStyle.of(self._colors[u], s) for u in self.real]

    def legend_entries(self) -> list[LegendEntry]:
        """Largest cluster first, noise last."""
        if self.labels is None:
            return []
        out = [LegendEntry(u, self._colors[u], self.name(u), self.sizes[u])
               for u in sorted(self.real, key=lambda u: (-self.sizes[u], u))]
        if self.noise_label in self.sizes:
            out.append(LegendEntry(self.noise_label, QtGui.QColor(NOISE_COLOR), self.name(self.noise_label),
                                   self.sizes[self.noise_label]))
        return out

    def enabled_mask(self, hidden: set[int]) -> np.ndarray | None:
        """bool ``[N]``, False for rows whose label is hidden; None when nothing is hidden."""
        if self.labels is None or not hidden:
            return None
        show = np.ones(int(self._off.max(initial=0)) + 1, dtype=bool)
        for h in hidden:
            if 0 <= h - self._lo < show.size:
                show[h - self._lo] = False
        return show[self._off]
