"""A debounced call: each call restarts a single-shot timer, and only the last arguments are used.

It replaces superqt's ``qdebounced`` here, whose import (the whole superqt package) cost a reopened app
~0.15 s of its start on this machine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer


class Debounced(QObject):
    """``Debounced(fn, timeout_ms, parent)(*args)`` calls ``fn(*args)`` once, ``timeout_ms`` after the last
    call; :meth:`flush` makes a pending call now."""

    def __init__(self, fn: Callable[..., Any], timeout: int, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._fn = fn
        self._args: tuple[Any, ...] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(timeout))
        self._timer.timeout.connect(self.flush)

    def __call__(self, *args: Any) -> None:
        self._args = args
        self._timer.start()

    def flush(self) -> None:
        self._timer.stop()
        args, self._args = self._args, None
        if args is not None:
            self._fn(*args)
