"""Model → Compare models…: every encoder of the library side by side against the library's labels.

``CompareDialog(library, jobs, parent=None)`` runs :func:`core.evaluation.library.evaluate_library`
on the app's :class:`~desktop_app.controllers.jobs.JobManager` (the scores are computed in ``core``; this
view only lays them out). Labels come from the folders, the filename prefix or a CSV
(``path,label``); optional groups keep near-duplicates (takes of one recording, notes of one
instrument) out of each other's candidates. The table has one row per model — QbE mAP,
precision@10, Recall@10, MRR, nDCG@10, leave-one-out kNN accuracy and the NMI of the three
clusterings — and a bar chart of QbE mAP. Models without current vectors are listed under the table
(embed with them to include them).

The second tab, *What they capture*, runs :func:`desktop_app.controllers.model_explain.explain_models`
(the COALA correlation table: canonical correlations with each acoustic descriptor group on held-out
folds, and the MLP probe, mean ± std over repeats) for the scored models, as a job.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QComboBox, QDialog, QFileDialog, QFormLayout, QHBoxLayout, QHeaderView, QLabel,
    QPushButton, QSpinBox, QTableWidget, QTableWidgetItem, QTabWidget, QVBoxLayout, QWidget,
)

LABEL_SOURCES = {"Folder": "folder", "Top folder": "top", "Filename prefix (before _)": "prefix", "CSV file…": "csv"}
GROUP_SOURCES = {"None": "none", "Folder": "folder", "CSV file…": "csv"}
COLUMNS = [("qbe_map", "QbE mAP"), ("p@10", "P@10"), ("recall@10", "Recall@10"), ("mrr", "MRR"),
           ("ndcg@10", "nDCG@10"), ("knn_acc", "kNN acc."), ("nmi_hdbscan", "NMI HDBSCAN"),
           ("nmi_kmeans", "NMI k-means"), ("nmi_graph", "NMI graph")]
COLUMN_TIPS = {"qbe_map": "mean average precision of query by example", "p@10": "precision of the 10 nearest",
               "recall@10": "share of the relevant sounds found among the 10 nearest",
               "mrr": "mean reciprocal rank of the first relevant sound",
               "ndcg@10": "normalised discounted cumulative gain of the 10 nearest",
               "knn_acc": "the nearest sound has the same label"}


class CompareDialog(QDialog):
    """Pick a label source → Compare → a table and a bar chart of every model's scores."""

    scored = Signal(list)  # the rows, as returned by evaluate_library

    def __init__(self, library, jobs, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare models")
        self.library, self.jobs = library, jobs
        self._csv: dict[str, str] = {}
        self.rows: list[dict[str, Any]] = []
        self._build()

    def _build(self) -> None:
        self.labels = QComboBox()
        self.labels.addItems(list(LABEL_SOURCES))
        self.labels.setToolTip("what counts as relevant: sounds with the same label")
        self.groups = QComboBox()
        self.groups.addItems(list(GROUP_SOURCES))
        self.groups.setToolTip("sounds of the same group are never each other's candidates "
                               "(e.g. notes of one instrument, takes of one recording)")
        for combo, kind in ((self.labels, "labels"), (self.groups, "groups")):
            combo.activated.connect(lambda _i, c=combo, k=kind: self._maybe_pick_csv(c, k))
        form = QFormLayout()
        form.addRow("Labels", self.labels)
        form.addRow("Groups", self.groups)

        self.table = QTableWidget(0, len(COLUMNS) + 2)
        self.table.setHorizontalHeaderLabels(["model", "sounds"] + [t for _, t in COLUMNS])
        for j, (key, _t) in enumerate(COLUMNS, start=2):
            self.table.horizontalHeaderItem(j).setToolTip(COLUMN_TIPS.get(key, ""))
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.chart = pg.PlotWidget()
        self.chart.setMinimumHeight(160)
        self.chart.setLabel("left", "QbE mAP")
        self.chart.getAxis("left").enableAutoSIPrefix(False)
        self.chart.setYRange(0.0, 1.0)
        self.chart.setMouseEnabled(x=False, y=False)
        self.chart.showGrid(y=True, alpha=0.2)
        self.note = QLabel("Choose where the labels come from, then Compare.")
        self.note.setWordWrap(True)
        self.run_button = QPushButton("Compare")
        self.run_button.clicked.connect(self.run)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.note, 1)
        buttons.addWidget(self.run_button)
        buttons.addWidget(close)
        scores = QWidget()
        lay = QVBoxLayout(scores)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.chart, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(scores, "Scores")
        self.tabs.addTab(self._build_explain(), "What they capture")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.tabs, 1)
        layout.addLayout(buttons)
        self.resize(1000, 600)

    def _build_explain(self) -> QWidget:
        self.explain_rows: list[dict[str, Any]] = []
        self.repeats = QSpinBox()
        self.repeats.setRange(1, 50)
        self.repeats.setValue(10)
        self.repeats.setToolTip("MLP probe: reshuffled repeats of the cross-validation (mean ± std over them)")
        self.explain_button = QPushButton("Explain")
        self.explain_button.setToolTip("Correlate each model with acoustic descriptors and run the MLP probe")
        self.explain_button.clicked.connect(self.explain)
        self.explain_note = QLabel("Canonical correlations between each model and groups of acoustic descriptors "
                                   "(held-out folds: first / mean of the first three), and the accuracy of a "
                                   "one-hidden-layer MLP predicting the labels (the COALA protocol).")
        self.explain_note.setWordWrap(True)
        self.cca = QTableWidget(0, 1)
        self.cca.verticalHeader().setVisible(False)
        self.cca.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.cca.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        top = QHBoxLayout()
        top.addWidget(QLabel("Probe repeats"))
        top.addWidget(self.repeats)
        top.addStretch(1)
        top.addWidget(self.explain_button)
        w = QWidget()
        lay = QVBoxLayout(w)
        lay.addLayout(top)
        lay.addWidget(self.explain_note)
        lay.addWidget(self.cca, 1)
        return w

    def explain(self) -> None:
        """Run the correlation table and the probe for the scored models (every model before Compare)."""
        from desktop_app.controllers.model_explain import explain_models

        models = [r["model"] for r in self.rows] or list(self.library.models())
        labels, groups = self._spec("labels"), self._spec("groups")
        self.explain_button.setEnabled(False)
        self.explain_note.setText("Measuring descriptors, correlating, probing… (the first time every sound is "
                                  "analysed once)")
        lib, repeats = self.library, self.repeats.value()
        self.jobs.submit("explain-models", lambda: explain_models(lib, models, labels, groups, repeats),
                         description="explaining models", on_result=self._show_explain,
                         on_error=lambda err: self._explained(f"Could not explain: {err.exc}"),
                         on_cancel=lambda: self._explained("Cancelled."))

    def _explained(self, text: str) -> None:
        self.explain_button.setEnabled(True)
        self.explain_note.setText(text)

    def _show_explain(self, rows: list[dict[str, Any]]) -> None:
        self.explain_rows = rows
        groups = next((r["cca"] for r in rows if r["cca"]), [])
        self.cca.clear()
        self.cca.setColumnCount(1 + len(rows))
        self.cca.setHorizontalHeaderLabels(["descriptor group"] + [f"{r['model']} ({r['n']})" for r in rows])
        self.cca.setRowCount(len(groups) + 1)
        for j in range(1, 1 + len(rows)):
            self.cca.horizontalHeader().setSectionResizeMode(j, QHeaderView.ResizeMode.Stretch)
        for i, g in enumerate(groups):
            self.cca.setItem(i, 0, QTableWidgetItem(f"{g.group} ({g.n_features})"))
        self.cca.setItem(len(groups), 0, QTableWidgetItem("MLP probe accuracy"))
        for j, r in enumerate(rows, start=1):
            for i, c in enumerate(r["cca"]):
                self.cca.setItem(i, j, _cell(f"{c.heldout[0]:.2f} / {np.mean(c.heldout[:3]):.2f}"))
            p = r["probe"]
            self.cca.setItem(len(groups), j, _cell(f"{p.mean:.3f} ± {p.std:.3f}" if p else r["why"] or "–",
                                                   p.summary() if p else ""))
        self._explained("Canonical correlation on held-out folds: first / mean of the first three (1 = the "
                        "descriptors are a linear function of the embedding). Probe: mean ± std over "
                        f"{self.repeats.value()} repeats; hover a cell for details.")

    def _maybe_pick_csv(self, combo: QComboBox, kind: str) -> None:
        if not combo.currentText().startswith("CSV"):
            return
        path, _ = QFileDialog.getOpenFileName(self, f"{kind.title()} CSV (path,{kind[:-1]})", "", "CSV (*.csv)")
        if path:
            self.set_csv(kind, path)
        else:
            combo.setCurrentIndex(0)

    def set_csv(self, kind: str, path: str | Path) -> None:
        """Use a CSV file (``path,label`` or ``path,group``) for ``kind`` = ``labels`` | ``groups``."""
        self._csv[kind] = str(path)
        combo = self.labels if kind == "labels" else self.groups
        combo.setCurrentText("CSV file…")

    def _spec(self, kind: str) -> str | None:
        combo, table = (self.labels, LABEL_SOURCES) if kind == "labels" else (self.groups, GROUP_SOURCES)
        spec = table[combo.currentText()]
        if spec == "csv":
            return self._csv.get(kind)
        return None if spec == "none" else spec

    def run(self) -> None:
        from core.evaluation.library import evaluate_library

        labels, groups = self._spec("labels"), self._spec("groups")
        if labels is None:
            self.note.setText("Choose a labels CSV first.")
            return
        self.run_button.setEnabled(False)
        self.note.setText("Scoring every model…")
        lib = self.library
        self.jobs.submit(
            "compare", lambda: evaluate_library(lib, labels, groups), description="comparing models",
            on_result=self._show, on_error=lambda err: self._done(f"Could not compare: {err.exc}"),
            on_cancel=lambda: self._done("Cancelled."))

    def _done(self, text: str) -> None:
        self.run_button.setEnabled(True)
        self.note.setText(text)

    def _show(self, rows: list[dict[str, Any]]) -> None:
        self.rows = sorted(rows, key=lambda r: -r["qbe_map"])
        self.table.setRowCount(len(self.rows))
        for i, r in enumerate(self.rows):
            cells = [r["model"], str(r["n"])] + [f"{r[k]:.3f}" if k in r else "–" for k, _ in COLUMNS]
            for j, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if j:
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.table.setItem(i, j, item)
        self.chart.clear()
        if self.rows:
            xs = list(range(len(self.rows)))
            self.chart.addItem(pg.BarGraphItem(x=xs, height=[r["qbe_map"] for r in self.rows], width=0.6,
                                               brush="#8ab4f8"))
            self.chart.getAxis("bottom").setTicks([[(x, r["model"]) for x, r in zip(xs, self.rows)]])
        scored = {r["model"] for r in self.rows}
        missing = [m for m in self.library.models() if m not in scored]
        text = (f"{len(self.rows)} model(s) on {self.rows[0]['n']} labelled sounds, {self.rows[0]['classes']} labels."
                if self.rows else "No model has vectors for labelled sounds.")
        if missing:
            text += f" Not scored (no current vectors, or too few labels): {', '.join(missing)}."
        self._done(text)
        self.scored.emit(self.rows)


def _cell(text: str, tip: str = "") -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    item.setToolTip(tip)
    return item
