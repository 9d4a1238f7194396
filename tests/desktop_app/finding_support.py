"""Shared helpers of the finding GUI tests: the real window, opening a library, waiting for jobs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QUrl

from desktop_app.model.settings import Settings

READY_MS = 240_000


def window_factory(qtbot: Any, home: Path) -> Iterator[Any]:
    """Yields ``make(model='mfcc')`` → a shown main window (errors collected in ``shown_errors``)."""
    from desktop_app.window import MainWindow

    made = []

    def make(model: str = "mfcc"):
        shown: list[tuple[str, str, str]] = []
        win = MainWindow(Settings(path=home / "config" / "settings.json", model=model),
                         show_error=lambda t, m, d: shown.append((t, m, d)), persist=False)
        win.shown_errors = shown
        win.resize(1440, 900)
        qtbot.addWidget(win)
        win.show()
        made.append(win)
        return win

    yield make
    for win in made:
        win.close()


def open_library(qtbot: Any, win: Any, root: Path) -> None:
    win.open_library(root)
    qtbot.waitUntil(lambda: win.pipeline.ready and not win.jobs.is_busy(), timeout=READY_MS)
    win.binding.flush()


def idle(qtbot: Any, win: Any) -> None:
    qtbot.waitUntil(lambda: not win.jobs.is_busy(), timeout=READY_MS)


def mime_of(*paths: Path) -> QMimeData:
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    return md
