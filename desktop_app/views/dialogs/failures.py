"""The failure report: files that could not be read, with the reason, copyable."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


def failures_text(failures: Sequence[tuple[str, str]]) -> str:
    """Tab-separated ``file<TAB>reason`` lines (for the clipboard)."""
    return "\n".join(f"{f}\t{r}" for f, r in failures)


class FailureReport(QDialog):
    """Non-modal dialog listing ``(relpath, reason)``; double-click reveals the file's folder."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("FailureReport")
        self.setWindowTitle("Files that could not be read")
        self.setModal(False)
        self.resize(720, 380)
        self.root: Path | None = None
        self.failures: list[tuple[str, str]] = []

        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.table = QTableWidget(0, 2)
        self.table.setHorizontalHeaderLabels(["File", "Reason"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(0, 300)
        self.table.cellDoubleClicked.connect(self._reveal)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = QPushButton("Copy list")
        copy.clicked.connect(self.copy_to_clipboard)
        buttons.addButton(copy, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.close)

        lay = QVBoxLayout(self)
        lay.addWidget(self.summary)
        lay.addWidget(self.table)
        lay.addWidget(buttons)

    def set_failures(self, failures: Sequence[tuple[str, str]], root: Path | None = None) -> None:
        self.root = root
        self.failures = [(str(f), str(r)) for f, r in failures]
        self.table.setRowCount(len(self.failures))
        for i, (f, r) in enumerate(self.failures):
            a = QTableWidgetItem(f)
            a.setToolTip(f)
            b = QTableWidgetItem(r)
            b.setToolTip(r)
            self.table.setItem(i, 0, a)
            self.table.setItem(i, 1, b)
        n = len(self.failures)
        self.summary.setText(
            "Every file could be read." if n == 0 else
            f"{n} file{'s' if n != 1 else ''} could not be read and {'are' if n != 1 else 'is'} left off the map. "
            "Double-click a row to open its folder."
        )

    def rows(self) -> list[tuple[str, str]]:
        return [(self.table.item(i, 0).text(), self.table.item(i, 1).text()) for i in range(self.table.rowCount())]

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(failures_text(self.failures))

    def _reveal(self, row: int, _col: int) -> None:
        if self.root is None or not 0 <= row < len(self.failures):
            return
        folder = (self.root / self.failures[row][0]).parent
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def failure_link_text(n: int) -> str:
    """Status-bar text (rich text with a ``show`` link)."""
    if n <= 0:
        return ""
    files = "file" if n == 1 else "files"
    return f"{n} {files} could not be read — <a href='show'>show</a>"

