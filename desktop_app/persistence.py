"""The window's geometry and dock layout (Qt blobs in ``window.ini``), the settings file, and
folders dropped on the window."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QSettings

from core import paths


def _qsettings() -> QSettings:
    return QSettings(str(paths.config_dir() / "window.ini"), QSettings.Format.IniFormat)


def restore_window(win: Any) -> None:
    """Restore ``win``'s size, position and docks (a first start: 1440 × 880)."""
    qs = _qsettings()
    geo, dock_state = qs.value("geometry"), qs.value("state")
    if geo is not None:
        win.restoreGeometry(geo)
    else:
        win.resize(1440, 880)
    if dock_state is not None:
        win.restoreState(dock_state)


def save_window(win: Any) -> None:
    """Save the settings file and ``win``'s geometry; a failure goes to the error path."""
    try:
        win.settings.save()
        qs = _qsettings()
        qs.setValue("geometry", win.saveGeometry())
        qs.setValue("state", win.saveState())
    except OSError as exc:
        win.errors.report(exc, context="Saving settings")


def dropped_folder(md: QMimeData) -> Path | None:
    """The folder a drag carries: a dropped folder, or the folder of a dropped file."""
    if not md.hasUrls():
        return None
    for url in md.urls():
        if url.isLocalFile():
            p = Path(url.toLocalFile())
            return p if p.is_dir() else p.parent if p.exists() else None
    return None
