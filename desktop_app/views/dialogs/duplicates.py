"""Near-duplicates: the groups of ``core.finding.duplicates.find_duplicates``, an adjustable
threshold, A/B playback within a group, the report as CSV, and moving chosen files to a folder
with undo. Nothing is ever deleted.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from core.finding.duplicates import DuplicateParams, write_duplicates_csv
from desktop_app.views.param_widgets import field_of, spin_for

PATH_ROLE = Qt.ItemDataRole.UserRole


class DuplicatesDialog(QDialog):
    """``finding``: :class:`desktop_app.controllers.finding.Finding`; ``play_file(path)``;
    ``after_move()`` (a rescan) runs after files were moved or put back."""

    def __init__(self, finding: Any, play_file: Callable[[str], None], after_move: Callable[[], None],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("DuplicatesDialog")
        self.setWindowTitle("Near-duplicates")
        self.finding = finding
        self._play = play_file
        self._after_move = after_move
        self.report: Any = None
        self.record: Any = None  # the last move, for Undo
        self.root: Path | None = None
        self.threshold = spin_for(field_of(DuplicateParams, "threshold_db"))
        self.threshold.setSuffix(" dB")
        self.rerun = QPushButton("Find again")
        self.rerun.clicked.connect(self.run)
        self.summary = QLabel("")
        self.summary.setWordWrap(True)
        self.tree = QTreeWidget()
        self.tree.setColumnCount(3)
        self.tree.setHeaderLabels(["Sound", "Kind", "Difference"])
        self.tree.setAlternatingRowColors(True)
        self.tree.itemClicked.connect(lambda item, _c: self.play_item(item))
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, header.ResizeMode.Stretch)
        self.play_a = QPushButton("A: reference")
        self.play_b = QPushButton("B: chosen")
        self.play_a.setToolTip("Play the group's reference, the best copy (key A)")
        self.play_b.setToolTip("Play the sound chosen in the list (key B)")
        self.play_a.clicked.connect(lambda: self.play_ab("a"))
        self.play_b.clicked.connect(lambda: self.play_ab("b"))
        self.export = QPushButton("Export report (CSV)…")
        self.export.clicked.connect(lambda: self.export_csv())
        self.move = QPushButton("Move ticked files to a folder…")
        self.move.clicked.connect(lambda: self.move_checked())
        self.undo = QPushButton("Undo move")
        self.undo.setEnabled(False)
        self.undo.clicked.connect(self.undo_move)
        top = QHBoxLayout()
        top.addWidget(QLabel("Threshold"))
        top.addWidget(self.threshold)
        top.addWidget(self.rerun)
        top.addStretch(1)
        bottom = QHBoxLayout()
        for b in (self.play_a, self.play_b):
            b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            bottom.addWidget(b)
        bottom.addStretch(1)
        for b in (self.export, self.move, self.undo):
            bottom.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.summary)
        lay.addWidget(self.tree, 1)
        lay.addLayout(bottom)
        note = QLabel("Nothing is deleted: ticked files can be moved to a folder you choose, and moved back.")
        note.setObjectName("Hint")
        lay.addWidget(note)
        self.resize(760, 520)

    # ------------------------------------------------------------------------ run
    def params(self) -> DuplicateParams:
        return DuplicateParams(threshold_db=float(self.threshold.value()))

    def run(self) -> None:
        """Look for duplicates at the threshold shown (on a worker)."""
        lib = self.finding.library
        self.root = None if lib is None else Path(lib.root)
        self.summary.setText(f"Looking for duplicates at {self.threshold.value():g} dB…")
        self.rerun.setEnabled(False)
        self.finding.duplicates(self.params(), self.show_report, self._progress)

    def _progress(self, p: Any) -> None:
        if p.total:
            self.summary.setText(f"Looking for duplicates: {p.stage} {p.done} of {p.total}…")

    def show_report(self, report: Any) -> None:
        self.report = report
        self.rerun.setEnabled(True)
        self.tree.clear()
        for g in report.groups:
            top = QTreeWidgetItem([f"Group {g.number}: {len(g.members)} sounds", g.kind, ""])
            top.setFirstColumnSpanned(False)
            self.tree.addTopLevelItem(top)
            for m in g.members:
                dist = "" if m.kind in ("reference", "exact") or not math.isfinite(m.distance_db) \
                    else f"{m.distance_db:.2f} dB"
                item = QTreeWidgetItem([m.relpath, m.kind, dist])
                item.setData(0, PATH_ROLE, str(self.root / m.relpath) if self.root else m.relpath)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(0, Qt.CheckState.Unchecked if m.kind == "reference" else Qt.CheckState.Checked)
                top.addChild(item)
            top.setExpanded(True)
        failed = f" {len(report.failed)} files could not be read." if report.failed else ""
        self.summary.setText(report.summary() + "." + failed + (" Copies are ticked; the reference (the best "
                             "copy) is not." if report.groups else ""))
        if self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0).child(0))

    # ------------------------------------------------------------------- playback
    def play_item(self, item: QTreeWidgetItem | None) -> None:
        if item is not None and item.data(0, PATH_ROLE):
            self._play(str(item.data(0, PATH_ROLE)))

    def play_ab(self, which: str) -> None:
        """A: the current group's reference; B: the current sound (or the group's second)."""
        item = self.tree.currentItem()
        if item is None:
            return
        group = item if item.parent() is None else item.parent()
        if group.childCount() == 0:
            return
        if which == "a":
            self.play_item(group.child(0))
        else:
            self.play_item(item if item.parent() is not None and item is not group.child(0) else group.child(1))

    def keyPressEvent(self, event: Any) -> None:
        key = event.key()
        if key in (Qt.Key.Key_A, Qt.Key.Key_B):
            self.play_ab("a" if key == Qt.Key.Key_A else "b")
            return
        super().keyPressEvent(event)

    # ------------------------------------------------------------ report and moves
    def checked_paths(self) -> list[str]:
        out = []
        for i in range(self.tree.topLevelItemCount()):
            g = self.tree.topLevelItem(i)
            out += [str(g.child(j).data(0, PATH_ROLE)) for j in range(g.childCount())
                    if g.child(j).checkState(0) == Qt.CheckState.Checked]
        return out

    def export_csv(self, path: str | Path | None = None) -> Path | None:
        """Write the report (``group,path,kind,distance_db``); asks where when ``path`` is None."""
        if self.report is None or self.root is None:
            return None
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Export the duplicates report",
                                                  str(Path.home() / "duplicates.csv"), "CSV (*.csv)")
            if not path:
                return None
        out = write_duplicates_csv(self.report, self.root, Path(path))
        self.summary.setText(f"Report written to {out}")
        return out

    def move_checked(self, folder: str | Path | None = None) -> None:
        """Move the ticked files into ``folder`` (asked when None), keeping their sub-folders."""
        paths = self.checked_paths()
        if not paths:
            self.summary.setText("Tick the files to move first.")
            return
        if folder is None:
            folder = QFileDialog.getExistingDirectory(self, f"Move {len(paths)} files to…", str(Path.home()))
            if not folder:
                return
        self.finding.move(paths, folder, self._moved)

    def _moved(self, record: Any) -> None:
        self.record = record
        self.undo.setEnabled(bool(record.moves))
        failed = f"; {len(record.failed)} could not be moved ({record.failed[0][1]})" if record.failed else ""
        where = Path(record.moves[0][1]).parent if record.moves else ""
        self.summary.setText(f"Moved {len(record.moves)} files to {where}{failed}. Undo puts them back.")
        self._after_move()

    def undo_move(self) -> None:
        if self.record is not None:
            self.finding.undo_move(self.record, self._undone)

    def _undone(self, back: Any) -> None:
        self.record = None
        self.undo.setEnabled(False)
        failed = f"; {len(back.failed)} could not ({back.failed[0][1]})" if back.failed else ""
        self.summary.setText(f"Put {len(back.moves)} files back{failed}.")
        self._after_move()
