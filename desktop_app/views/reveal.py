"""Reveal a sound in the file manager, and say so when the desktop has none."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QApplication


def reveal_in_file_manager(path: str | Path) -> str:
    """Open the folder of ``path`` in the file manager; returns what to tell the user.

    Where no file manager can be launched (no desktop, no ``xdg-open``), the path goes to the
    clipboard instead, and the message says so: the action never fails silently.
    """
    path = Path(path)
    folder = path.parent
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
        return f"Opened {folder}"
    QApplication.clipboard().setText(str(path))
    return f"No file manager could be opened; the path is on the clipboard: {path}"
