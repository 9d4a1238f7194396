"""How a labelling is drawn: label → colour/name, draw groups and styles, legend rows, hide mask.

A continuous colouring (map faithfulness, a descriptor) arrives as bin labels ``0..bins-1`` with
:class:`ScaleNames` (the names dict carrying the ``desktop_app.model.colouring.ColourScale``): bin
``b`` gets the colour map's colour at ``(b + ½) / bins`` and the legend draws a colour bar.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6 import QtGui

from desktop_app.views.panels.legend import LegendEntry, scale_colors
from desktop_app.views.map.overlays import NOISE_COLOR, cluster_color
from desktop_app.views.map.scatter import PointStyle

__all__ = ["LabelColoring", "DEFAULT_COLOR", "ScaleNames"]

DEFAULT_COLOR = QtGui.QColor("#4c9be8")


class ScaleNames(dict):
    """Label names of a continuous colouring; ``scale`` is its ``ColourScale``."""

    def __init__(self, names: dict[int, str], scale: Any) -> None:
        super().__init__(names)
        self.scale = scale


class LabelColoring:
    """Colours for ``labels`` int ``[N]`` (None: one colour for all ``n`` points).

    Clusters get tab20-like colours in ascending label order; the noise label is grey, faint and
    drawn smaller and underneath (draw group 0). Lookups go through a table indexed by
    ``label - min(label)``, so every per-row operation is one vectorised gather.
    """

    def __init__(self, labels: np.ndarray | None, n: int, names: dict[int, str] | None = None,
                 noise_label: int = -1) -> None:
        self.noise_label = int(noise_label)
        self.scale = getattr(names, "scale", None)
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
        if self.scale is not None:  # bins keep their place on the colour map, present or not
            table = scale_colors(self.scale)
            self._colors = {u: table[min(max(u, 0), len(table) - 1)] for u in self.real}
        else:
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
        """Largest cluster first, noise last; a continuous colouring: bins low to high, each entry
        carrying the scale (the legend then draws a colour bar)."""
        if self.labels is None:
            return []
        if self.scale is not None:
            out = [LegendEntry(u, self._colors[u], self.name(u), self.sizes[u], self.scale) for u in self.real]
        else:
            out = [LegendEntry(u, self._colors[u], self.name(u), self.sizes[u])
                   for u in sorted(self.real, key=lambda u: (-self.sizes[u], u))]
        if self.noise_label in self.sizes:
            name = "No value" if self.scale is not None else self.name(self.noise_label)
            out.append(LegendEntry(self.noise_label, QtGui.QColor(NOISE_COLOR), name,
                                   self.sizes[self.noise_label], self.scale))
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
