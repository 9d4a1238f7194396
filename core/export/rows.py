"""The rows of a table export, built once for the CLI's ``export`` and the GUI's export actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.export.writers import ExportRow
from core.maps.labels import cluster_name


def export_rows(root: Path, sounds: Sequence[Any], xy: np.ndarray, labels: np.ndarray,
                vectors: np.ndarray | None = None, names: Mapping[int, str] | None = None) -> list[ExportRow]:
    """One :class:`ExportRow` per sound.

    ``sounds``: objects with ``relpath``, ``tags`` and ``duration`` (catalog rows or the GUI's
    sound infos), aligned with ``xy`` float ``[N, 2]``, ``labels`` int ``[N]`` (-1 = noise) and
    ``vectors`` float ``[N, D]`` (optional). ``names``: cluster names by label (default "Cluster n").
    """
    names = names or {}
    out = []
    for k, s in enumerate(sounds):
        rel = str(s.relpath).replace("\\", "/")
        label = int(labels[k]) if len(labels) > k else -1
        out.append(ExportRow(
            path=str(Path(root) / rel), x=float(xy[k, 0]), y=float(xy[k, 1]), cluster=label,
            tags=list(s.tags or []), vector=None if vectors is None else vectors[k],
            name=rel.rpartition("/")[2], folder=rel.rpartition("/")[0], duration=s.duration,
            cluster_name=names.get(label, cluster_name(label)),
        ))
    return out
