"""Describe this cluster: the descriptors and tags that set a cluster apart from the other sounds.

Opened from the legend's per-cluster menu. The numbers come from
``core.evaluation.describe.describe_cluster`` (run by ``Pipeline.explain.describe`` on a worker);
this panel only lays them out: one table of descriptors (in words, Cohen's d, the mean inside and
outside) and one of tags (how many sounds carry it here and elsewhere, the enrichment).
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.evaluation.describe import WORDS

__all__ = ["DescribePanel", "descriptor_words"]


def descriptor_words(d: Any) -> str:
    """"brighter (brightness)", or "higher mfcc3_var" for a descriptor without friendly words."""
    if d.name in WORDS:
        quantity, more, less = WORDS[d.name]
        return f"{more if d.effect > 0 else less} ({quantity})"
    return f"{'higher' if d.effect > 0 else 'lower'} {d.name}"


def _table(headers: list[str]) -> QTableWidget:
    t = QTableWidget(0, len(headers))
    t.setHorizontalHeaderLabels(headers)
    t.verticalHeader().setVisible(False)
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    t.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
    return t


def _fill(t: QTableWidget, rows: list[list[str]]) -> None:
    t.setRowCount(len(rows))
    for i, cells in enumerate(rows):
        for j, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if j:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            t.setItem(i, j, item)


class DescribePanel(QDialog):
    """A non-modal window describing one cluster; :meth:`show_description` fills it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DescribePanel")
        self.setWindowTitle("Describe this cluster")
        self.title = QLabel("")
        self.title.setObjectName("PanelTitle")
        self.title.setWordWrap(True)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.descriptors = _table(["What sets it apart", "d", "here", "elsewhere"])
        self.tags = _table(["Tag", "here", "elsewhere", "× more often"])
        lay = QVBoxLayout(self)
        lay.addWidget(self.title)
        lay.addWidget(self.summary)
        lay.addWidget(QLabel("Acoustic descriptors (largest effect first; d = Cohen's d):"))
        lay.addWidget(self.descriptors, 2)
        lay.addWidget(QLabel("Tags found more often in this cluster (most significant first):"))
        lay.addWidget(self.tags, 1)
        self.resize(560, 520)

    def show_waiting(self, name: str) -> None:
        self.title.setText(f"<b>{name}</b>")
        self.summary.setText("Measuring the sounds… (the first time, every sound is analysed once)")
        _fill(self.descriptors, [])
        _fill(self.tags, [])

    def show_error(self, text: str) -> None:
        self.summary.setText(text)

    def show_description(self, name: str, desc: Any) -> None:
        """``desc``: a ``core.evaluation.describe.ClusterDescription``."""
        self.title.setText(f"<b>{name}</b>")
        self.summary.setText(f"{desc.n_in} sounds, compared with the other {desc.n_out}."
                             + ("" if desc.descriptors else " (No descriptors: its sounds could not be analysed.)"))
        _fill(self.descriptors, [[descriptor_words(d),
                                  f"{d.effect:+.2f}", f"{d.mean_in:.3g}", f"{d.mean_out:.3g}"]
                                 for d in desc.descriptors])
        _fill(self.tags, [[t.tag, f"{t.count_in} of {t.n_in}", f"{t.count_out} of {t.n_out}", f"{t.enrichment:.1f}"]
                          for t in desc.tags])

    def descriptor_texts(self) -> list[str]:
        return [self.descriptors.item(i, 0).text() for i in range(self.descriptors.rowCount())]

    def tag_texts(self) -> list[str]:
        return [self.tags.item(i, 0).text() for i in range(self.tags.rowCount())]
