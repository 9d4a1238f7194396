"""The QApplication: name, icon and the style sheet."""

from __future__ import annotations

import sys

from PySide6.QtWidgets import QApplication

from core.resources import resource_path
from desktop_app.icons import icon

APP_NAME = "Sound Explorer"


def create_app(argv: list[str] | None = None) -> QApplication:
    """The QApplication with the app's name, style sheet and icon."""
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setOrganizationName("sound-explorer")
    app.setApplicationDisplayName(APP_NAME)
    app.setWindowIcon(icon("app"))
    qss = resource_path("style.qss")
    if qss.exists():
        icons = resource_path("icons").as_posix()  # url(@ICONS@/x.svg) in the sheet: the installed icon folder
        app.setStyleSheet(qss.read_text(encoding="utf-8").replace("@ICONS@", icons))
    return app
