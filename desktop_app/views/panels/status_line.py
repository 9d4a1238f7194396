"""The status bar's one line of text: the pipeline's state, and short notices that pass.

One label for both, so two messages never draw over each other: a notice replaces the state text
for a few seconds, then the latest state comes back.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QWidget


class StatusLine(QLabel):
    """``set_state(text)`` for what the app is doing; ``notify(text, ms)`` for a passing notice."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self.setObjectName("StatusText")
        self._state = text
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(lambda: self.setText(self._state))

    @property
    def state(self) -> str:
        return self._state

    def set_state(self, text: str) -> None:
        self._state = text
        if not self._timer.isActive():
            self.setText(text)

    def notify(self, text: str, ms: int = 6000) -> None:
        self.setText(text)
        self._timer.start(max(500, int(ms)))
