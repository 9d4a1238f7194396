"""The app's icons: SVG files under ``resources/icons``."""

from __future__ import annotations

from PySide6.QtGui import QIcon

from core.resources import resource_path


def icon(name: str) -> QIcon:
    """The icon ``resources/icons/<name>.svg`` (an empty icon when the file is missing)."""
    p = resource_path("icons", f"{name}.svg")
    return QIcon(str(p)) if p.exists() else QIcon()
