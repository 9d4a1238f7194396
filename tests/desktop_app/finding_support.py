"""Shared helpers of the GUI tests: the real main window, opening a library, waiting for jobs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QUrl

from desktop_app.model.settings import Settings

READY_MS = 240_000


def window_factory(qtbot: Any, home: Path) -> Iterator[Any]:
    """Yields ``make(model='mfcc', size=(1440, 900))`` → a shown main window on a fresh settings file
    under ``home``. It collects error dialogs in ``shown_errors`` and the kinds of the jobs it started
    in ``started_kinds``. ``mfcc`` keeps tests fast; the product default has its own test."""
    from desktop_app.window import MainWindow

    made = []

    def make(model: str = "mfcc", size: tuple[int, int] = (1440, 900)):
        shown: list[tuple[str, str, str]] = []
        win = MainWindow(Settings(path=home / "config" / "settings.json", model=model),
                         show_error=lambda t, m, d: shown.append((t, m, d)), persist=False)
        win.shown_errors = shown
        started: list[str] = []
        win.jobs.jobStarted.connect(lambda h: started.append(h.kind))
        win.started_kinds = started
        win.resize(*size)
        qtbot.addWidget(win)
        win.show()
        qtbot.waitExposed(win)
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
