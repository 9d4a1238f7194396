"""Export actions: the map as PNG/SVG, and a set of sounds as files, an M3U playlist or a table.

Which sounds: the multi-selection on the map when there is one, else the cluster of the selected
sound. The pure functions (``rows_for_export``, ``copy_sounds``, ``write_playlist``,
``write_table``) do the work and are tested; the ``*_dialog`` functions only ask where.
Playlists and tables are written by ``core.export.writers``.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtWidgets import QFileDialog, QWidget

from core.export.rows import export_rows
from core.export.writers import ExportRow
from core.maps.labels import cluster_name
from desktop_app.model.session import SessionState


def rows_for_export(state: SessionState) -> tuple[np.ndarray, str]:
    """``(rows int64 [K], description)``: the map selection, else the selected sound's cluster."""
    if len(state.selection):
        n = len(state.selection)
        return state.selection.copy(), f"{n} selected sound{'s' if n != 1 else ''}"
    if state.selected is not None:
        lab = int(state.labels[state.selected]) if len(state.labels) > state.selected else -1
        if lab >= 0:
            rows = state.cluster_rows(lab)
            return rows, f"{state.label_names.get(lab, cluster_name(lab))} ({len(rows)} sounds)"
        return np.array([state.selected], dtype=np.int64), "the selected sound"
    return np.zeros(0, dtype=np.int64), "nothing"


def _unique_target(folder: Path, name: str) -> Path:
    target = folder / name
    stem, suffix = Path(name).stem, Path(name).suffix
    i = 2
    while target.exists():
        target = folder / f"{stem} ({i}){suffix}"
        i += 1
    return target


def copy_sounds(paths: Sequence[Path], dest: Path) -> list[Path]:
    """Copy files into ``dest`` (created); name clashes get `` (2)``, `` (3)``… Returns the copies."""
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for p in paths:
        target = _unique_target(dest, Path(p).name)
        shutil.copy2(p, target)
        out.append(target)
    return out


def table_rows(state: SessionState, rows: Sequence[int]) -> list[ExportRow]:
    """The export rows (:func:`core.export.rows.export_rows`) of the given map rows."""
    rows = [int(r) for r in rows if state.info(int(r)) is not None]
    vectors = state.vectors if state.vectors is not None and len(state.vectors) == len(state.ids) else None
    labels = state.labels[rows] if len(state.labels) == len(state.ids) else np.full(len(rows), -1)
    root = state.root if state.root is not None else Path("/")
    return export_rows(root, [state.info(r) for r in rows], state.xy[rows], labels,
                       None if vectors is None else vectors[rows], state.label_names)


def write_playlist(path: Path, state: SessionState, rows: Sequence[int]) -> Path:
    from core.export.writers import export_m3u

    infos = [i for i in (state.info(int(r)) for r in rows) if i is not None]
    export_m3u(path, [str(i.path) for i in infos], titles=[i.name for i in infos],
               durations=[i.duration for i in infos])
    return path


def write_table(path: Path, state: SessionState, rows: Sequence[int]) -> Path:
    from core.export.writers import export_table

    export_table(path, table_rows(state, rows))
    return path


# ---------------------------------------------------------------------------- dialogs
def export_map_dialog(parent: QWidget, map_view: Any, suggested: str = "sound-map.png") -> Path | None:
    path, _ = QFileDialog.getSaveFileName(parent, "Export map image", suggested,
                                          "PNG image (*.png);;SVG drawing (*.svg)")
    if not path:
        return None
    p = Path(path)
    if p.suffix.lower() not in (".png", ".svg"):
        p = p.with_suffix(".png")
    map_view.export_image(p)
    return p


def export_sounds_dialog(parent: QWidget, state: SessionState, fmt: str) -> tuple[Path, int] | None:
    """Ask where, then export the current rows as ``fmt`` ('folder'|'m3u'|'csv'). ``None`` if cancelled."""
    rows, _what = rows_for_export(state)
    if not len(rows):
        return None
    if fmt == "folder":
        folder = QFileDialog.getExistingDirectory(parent, "Copy sounds to folder")
        if not folder:
            return None
        copies = copy_sounds([state.info(int(r)).path for r in rows if state.info(int(r))], Path(folder))
        return Path(folder), len(copies)
    if fmt == "m3u":
        path, _ = QFileDialog.getSaveFileName(parent, "Save playlist", "sounds.m3u", "M3U playlist (*.m3u *.m3u8)")
        if not path:
            return None
        return write_playlist(Path(path), state, rows), len(rows)
    if fmt == "csv":
        path, _ = QFileDialog.getSaveFileName(parent, "Save table", "sounds.csv",
                                              "CSV table (*.csv);;Parquet table (*.parquet)")
        if not path:
            return None
        p = Path(path)
        if p.suffix.lower() not in (".csv", ".parquet"):
            p = p.with_suffix(".csv")
        return write_table(p, state, rows), len(rows)
    raise ValueError(f"unknown export format {fmt!r}")


def export_sounds(parent: QWidget, state: SessionState, fmt: str, notify: Any, report: Any) -> None:
    """Ask where, export the current rows as ``fmt``, and say what happened (``notify(text, ms)``;
    errors go to ``report(exc, context=...)``)."""
    try:
        out = export_sounds_dialog(parent, state, fmt)
    except (OSError, ValueError, ImportError) as exc:
        report(exc, context="Export")
        return
    if out is None:
        if not len(rows_for_export(state)[0]):
            notify("Select sounds first: click one (its cluster is exported) or drag a rectangle/lasso", 6000)
        return
    path, n = out
    notify(f"Exported {n} sound{'s' if n != 1 else ''} to {path}", 8000)
