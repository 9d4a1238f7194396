"""Suggested tags: the user's tags spread to untagged neighbours (``core.finding.suggest_tags``),
each with its confidence; accept or reject per row or in bulk; export the sidecar CSV. Suggestions
live in the catalog (``core.catalog.suggestions``); nothing is written into the sounds.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.finding.suggest_tags import PropagationParams, write_suggestions_csv
from desktop_app.views.param_widgets import field_of, spin_for

INDEX_ROLE = Qt.ItemDataRole.UserRole


class SuggestedTagsDialog(QDialog):
    """``finding``: :class:`desktop_app.controllers.finding.Finding`; ``play_file(path)``."""

    def __init__(self, finding: Any, play_file: Callable[[str], None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("SuggestedTagsDialog")
        self.setWindowTitle("Suggested tags")
        self.finding = finding
        self.state = finding.state
        self._play = play_file
        self.suggestions: list[Any] = []
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        conf = field_of(PropagationParams, "min_confidence")
        self.min_confidence = spin_for(conf)
        self.min_confidence.setToolTip(f"The {conf.metadata['help']}: a sound's confidences in all tags add up to "
                                       "1, so with many related tags (kick, bd, drum) each one gets less")
        self.tree = QTreeWidget()
        self.tree.setColumnCount(4)
        self.tree.setHeaderLabels(["Sound", "Suggested tag", "Confidence", "Status"])
        self.tree.setRootIsDecorated(False)
        self.tree.setAlternatingRowColors(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.tree.itemClicked.connect(lambda item, _c: self._play_item(item))
        self.tree.header().setSectionResizeMode(0, self.tree.header().ResizeMode.Stretch)
        self.accept_sel = QPushButton("Accept")
        self.reject_sel = QPushButton("Reject")
        self.accept_sel.setToolTip("Accept the chosen rows (key Y)")
        self.reject_sel.setToolTip("Reject the chosen rows: never suggested again (key N)")
        self.accept_sel.clicked.connect(lambda: self.review(self.chosen(), "accepted"))
        self.reject_sel.clicked.connect(lambda: self.review(self.chosen(), "rejected"))
        self.bulk_min = QDoubleSpinBox()
        self.bulk_min.setRange(0.0, 1.0)
        self.bulk_min.setSingleStep(0.05)
        self.bulk_min.setValue(0.8)
        self.bulk = QPushButton("Accept all pending at or above")
        self.bulk.clicked.connect(self.accept_confident)
        self.rerun = QPushButton("Suggest again")
        self.rerun.setToolTip("Spread the tags again (the model shown on the map); reviewed rows stay")
        self.rerun.clicked.connect(lambda: self.load(rerun=True))
        self.export = QPushButton("Export CSV…")
        self.export.clicked.connect(lambda: self.export_csv())
        row = QHBoxLayout()
        for w in (self.accept_sel, self.reject_sel, self.bulk, self.bulk_min):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.rerun)
        row.addWidget(self.export)
        top = QHBoxLayout()
        top.addWidget(QLabel("Suggest tags with a confidence of at least"))
        top.addWidget(self.min_confidence)
        top.addStretch(1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.summary)
        lay.addWidget(self.tree, 1)
        lay.addLayout(row)
        self.resize(780, 520)

    # ------------------------------------------------------------------------ data
    def load(self, rerun: bool = True) -> None:
        """Spread the tags (on a worker, with the current model) and list every suggestion."""
        self.summary.setText(f"Spreading your tags to untagged sounds ({self.state.model})…")
        self.rerun.setEnabled(False)
        params = PropagationParams(min_confidence=float(self.min_confidence.value()))
        self.finding.suggest_tags(self.show_suggestions, params, rerun=rerun)

    def show_suggestions(self, suggestions: list[Any]) -> None:
        self.suggestions = list(suggestions)
        self.rerun.setEnabled(True)
        self.tree.clear()
        for i, s in enumerate(self.suggestions):
            info = self.state.sounds.get(int(s.sound_id))
            item = QTreeWidgetItem([info.relpath if info else f"#{s.sound_id}", s.tag, f"{s.confidence:.0%}", s.status])
            item.setData(0, INDEX_ROLE, i)
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.tree.addTopLevelItem(item)
        self._count()

    def _count(self) -> None:
        by = {st: sum(s.status == st for s in self.suggestions) for st in ("pending", "accepted", "rejected")}
        if not self.suggestions:
            self.summary.setText("No suggestions at this confidence. Lower it and press Suggest again, or tag more "
                                 "sounds (file names, folders or a tags.csv): tags on at least 2 sounds spread to "
                                 "their untagged neighbours.")
            return
        self.summary.setText(f"{len(self.suggestions)} suggested tags: {by['pending']} to review, "
                             f"{by['accepted']} accepted, {by['rejected']} rejected. Click a row to hear the sound. "
                             "Nothing is written into your files.")

    def chosen(self) -> list[int]:
        return sorted(int(it.data(0, INDEX_ROLE)) for it in self.tree.selectedItems())

    # ---------------------------------------------------------------------- review
    def review(self, indices: list[int], status: str) -> None:
        """Set ``status`` ('accepted' / 'rejected') on these suggestions (list indices), in the catalog too."""
        if not indices:
            return
        items = [(self.suggestions[i].sound_id, self.suggestions[i].tag) for i in indices]
        for i in indices:
            self.suggestions[i].status = status
            self.tree.topLevelItem(i).setText(3, status)
        self._count()
        self.finding.review_tags(items, status, lambda _n: None)

    def accept_confident(self) -> None:
        floor = self.bulk_min.value()
        self.review([i for i, s in enumerate(self.suggestions) if s.status == "pending" and s.confidence >= floor],
                    "accepted")

    def keyPressEvent(self, event: Any) -> None:
        key = event.key()
        if key in (Qt.Key.Key_Y, Qt.Key.Key_N):
            self.review(self.chosen(), "accepted" if key == Qt.Key.Key_Y else "rejected")
            return
        super().keyPressEvent(event)

    def _play_item(self, item: QTreeWidgetItem) -> None:
        info = self.state.sounds.get(int(self.suggestions[int(item.data(0, INDEX_ROLE))].sound_id))
        if info is not None:
            self._play(str(info.path))

    def export_csv(self, path: str | Path | None = None) -> Path | None:
        """The sidecar CSV ``path,tag,confidence,status`` (asks where when ``path`` is None)."""
        root = self.state.root
        if root is None:
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export suggested tags",
                                                  str(Path.home() / "suggested-tags.csv"), "CSV (*.csv)")
            if not path:
                return None
        out = write_suggestions_csv(self.suggestions, self.state.sounds, root, Path(path))
        self.summary.setText(f"Suggestions written to {out}")
        return out
