"""Train a model on the user's own collection: settings, a live per-term loss plot, ETA, cancel, verdict.

``TrainingDialog(library, parent=None, defaults=None)`` runs :func:`core.training.loop.train_job` on a
worker thread (:class:`desktop_app.controllers.jobs.JobManager`). Every training step's loss terms
(``Progress.partial``) become points of one pyqtgraph curve per term (faint per step, bold running
mean); epoch ends add validation points. At the end the held-out verdict is shown
and ``trained(model_name)`` is emitted so the main window can redraw the map with the new model.

A tag list shows the vocabulary the run would use (tag, sounds, informativeness; computed by
:func:`core.training.data.preview_tags` on a worker when the dialog opens, and on *Refresh*).
Unticking a tag excludes it (it joins the *Exclude tags* field); ticking it again brings it back.
The *kind* column says whether a tag is content (what a sound is: training relevance) or provenance
(kit, pack, velocity, mic: kept as metadata, not trained on), with the reason as a tooltip; clicking
it flips the tag (``TrainConfig.content_tags`` / ``provenance_tags``).

``defaults`` pre-fills the form and may also carry any other
:class:`~core.training.config.TrainConfig` field (e.g. ``{"epochs": 1, "width": 8}``) that the form
does not show. Cancel closes the job generator between two steps; the last finished epoch stays
checkpointed (a later run with *Resume* continues from it).
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDialog, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox,
    QHBoxLayout, QHeaderView, QLabel, QLineEdit, QPushButton, QSpinBox, QTableWidget, QTableWidgetItem,
    QVBoxLayout, QWidget,
)

from core.jobs import Progress
from core.training.config import SAMPLERS, TrainConfig
from desktop_app.views.panels.job_bar import eta_text, stage_text

TERM_COLOURS = {
    "total": "#e8eaed", "triplet": "#8ab4f8", "distill": "#f6c26b", "recon": "#81c995", "audio": "#81c995",
    "tags": "#c58af9", "align": "#f28b82",
}
SAMPLER_TIPS = {
    "noise": "positive = the patch times (1 + |Gaussian noise|)",
    "shift": "positive = the patch shifted in time (circular) and in pitch (a few mel bands)",
    "mix": "positive = the patch with another sound mixed in quietly",
    "proximity": "positive = a nearby moment of the same recording (loops, ambiences, long files)",
    "tags": "positive = another sound sharing a tag; negative shares none",
    "ranked": "positive = a near neighbour under the reference model; negative far down its list",
}


def _drive(job, stop: threading.Event):
    """Forward a core job's progress (as snapshots) and stop it cleanly, on the worker thread."""
    try:
        while True:
            if stop.is_set():
                job.close()
                return None
            try:
                p = next(job)
            except StopIteration as done:
                return done.value
            partial = dict(p.partial) if isinstance(p.partial, dict) else None
            yield Progress(p.stage, p.done, p.total, p.message, partial, p.started)
    finally:
        job.close()


class TrainingDialog(QDialog):
    """Settings → Start → live loss curves → verdict. Emits ``trained(name)`` when a model is ready."""

    trained = Signal(str)
    finishedRun = Signal(str)  # 'trained' | 'cancelled' | 'failed'
    tagsLoaded = Signal(int)  # number of tags listed

    def __init__(self, library, parent: QWidget | None = None, defaults: dict[str, Any] | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Train a model on this collection")
        self.library = library
        self.defaults = dict(defaults or {})
        self._worker = None
        self._jobs = None
        self._stop = threading.Event()
        self._curves: dict[str, pg.PlotDataItem] = {}
        self._points: dict[str, tuple[list[float], list[float]]] = {}
        self._raw: dict[str, pg.PlotDataItem] = {}  # faint per-step lines under the smoothed ones
        self._smooth: dict[str, list[float]] = {}
        self.result = None
        self.state = "idle"
        self._filling_tags = False
        self._tags_requested = False
        self._flips: dict[str, str] = {}  # tag → "content" | "provenance", chosen by the user
        self._build()
        self._apply_defaults()

    # -- layout -----------------------------------------------------------------------------
    def _build(self) -> None:
        form = QFormLayout()
        self.method = QComboBox()
        self.method.addItems(["triplet", "coala", "ec"])
        self.method.setToolTip("triplet: self-supervised and/or tag triplets; coala: audio + tag autoencoders "
                               "aligned; ec: the alignment only")
        self.init = QComboBox()
        self.init.addItems(["random", "pretrained"])
        self.init.setToolTip("random: a compact CNN (fast on a CPU); pretrained: fine-tune the aiSFX CNN (GPU)")
        self.keep = QComboBox()
        self.keep.addItems(["distill", "recon", "both", "none"])
        self.keep.setToolTip("how to keep the reference model's acoustic structure")
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 500)
        self.name = QLineEdit()
        self.name.setPlaceholderText("automatic")
        self.exclude = QLineEdit()
        self.exclude.setPlaceholderText("tags to ignore, comma-separated (e.g. kit, mic, take)")
        self.resume = QCheckBox("Resume the last run of this name")
        form.addRow("Method", self.method)
        form.addRow("Start from", self.init)
        form.addRow("Keep structure", self.keep)
        form.addRow("Epochs", self.epochs)
        form.addRow("Name", self.name)
        form.addRow("Exclude tags", self.exclude)
        form.addRow("", self.resume)

        box = QGroupBox("Triplet sampling (switch and weight)")
        grid = QGridLayout(box)
        self.sampler_on: dict[str, QCheckBox] = {}
        self.sampler_weight: dict[str, QDoubleSpinBox] = {}
        for row, s in enumerate(SAMPLERS):
            cb = QCheckBox(s)
            cb.setToolTip(SAMPLER_TIPS[s])
            w = QDoubleSpinBox()
            w.setRange(0.0, 10.0)
            w.setSingleStep(0.5)
            w.setValue(1.0)
            grid.addWidget(cb, row // 2, 2 * (row % 2))
            grid.addWidget(w, row // 2, 2 * (row % 2) + 1)
            self.sampler_on[s], self.sampler_weight[s] = cb, w
        self.method.currentTextChanged.connect(lambda m: box.setEnabled(m == "triplet"))
        tags_box = self._build_tags()

        self.plot = pg.PlotWidget()
        self.plot.setMinimumHeight(220)
        self.plot.addLegend(offset=(-10, 10))
        self.plot.setLabel("bottom", "step")
        self.plot.setLabel("left", "loss")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        self.plot.showGrid(x=True, y=True, alpha=0.2)

        self.status = QLabel("Ready.")
        self.eta = QLabel("")
        self.verdict = QLabel("")
        self.verdict.setWordWrap(True)
        self.verdict.setStyleSheet("font-family: monospace")
        self.start_button = QPushButton("Start")
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setEnabled(False)
        self.close_button = QPushButton("Close")
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.close_button.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        buttons.addWidget(self.eta)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)

        settings = QVBoxLayout()
        settings.addLayout(form)
        settings.addWidget(box)
        top = QHBoxLayout()
        top.addLayout(settings, 3)
        top.addWidget(tags_box, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.verdict)
        layout.addLayout(buttons)

    def _build_tags(self) -> QGroupBox:
        box = QGroupBox("Tags (untick to exclude)")
        self.tags_table = QTableWidget(0, 4)
        self.tags_table.setHorizontalHeaderLabels(["tag", "sounds", "weight", "kind"])
        self.tags_table.setToolTip("the weak labels of the tag-based samplers and COALA, most informative "
                                   "first; weight = IDF × how alike the tag's sounds are under the reference; "
                                   "kind: content tags are trained on, provenance tags (kit, pack, velocity, "
                                   "mic) are not — click the kind to flip it")
        self.tags_table.itemClicked.connect(self._on_kind_clicked)
        self.tags_table.verticalHeader().setVisible(False)
        self.tags_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.tags_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.tags_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tags_table.itemChanged.connect(self._on_tag_toggled)
        self.tags_note = QLabel("")
        self.tags_note.setWordWrap(True)
        refresh = QPushButton("Refresh")
        refresh.setToolTip("recompute the vocabulary (after embedding with the reference model, or new tags)")
        refresh.clicked.connect(self.load_tags)
        self.exclude.editingFinished.connect(self._sync_tag_checks)
        lay = QVBoxLayout(box)
        lay.addWidget(self.tags_table, 1)
        row = QHBoxLayout()
        row.addWidget(self.tags_note, 1)
        row.addWidget(refresh)
        lay.addLayout(row)
        return box

    def _apply_defaults(self) -> None:
        d = TrainConfig()
        get = self.defaults.get
        self.method.setCurrentText(get("method", d.method))
        self.init.setCurrentText(get("init", d.init))
        self.keep.setCurrentText(get("keep", d.keep))
        self.epochs.setValue(int(get("epochs", d.epochs)))
        self.name.setText(get("name", ""))
        self.exclude.setText(",".join(get("exclude_tags", [])))
        samplers = get("samplers", d.samplers)
        for s in SAMPLERS:
            self.sampler_on[s].setChecked(s in samplers and samplers[s] > 0)
            self.sampler_weight[s].setValue(float(samplers.get(s, 1.0)) or 1.0)

    # -- settings → config ------------------------------------------------------------------
    def _defaults_kw(self) -> dict[str, Any]:
        """The ``defaults`` that are :class:`TrainConfig` fields."""
        known = {f.name for f in dataclasses.fields(TrainConfig)}
        return {k: v for k, v in self.defaults.items() if k in known}

    def config(self) -> TrainConfig:
        """The :class:`TrainConfig` the form (plus ``defaults``) describes. Raises ``ValueError``."""
        kw = self._defaults_kw()
        kw.update(
            method=self.method.currentText(), init=self.init.currentText(), keep=self.keep.currentText(),
            epochs=self.epochs.value(), name=self.name.text().strip(),
            exclude_tags=self.excluded_tags(),
            content_tags=sorted(t for t, k in self._flips.items() if k == "content"),
            provenance_tags=sorted(t for t, k in self._flips.items() if k == "provenance"),
            samplers={s: self.sampler_weight[s].value() for s in SAMPLERS if self.sampler_on[s].isChecked()},
        )
        return TrainConfig(**kw)

    # -- the tag list -----------------------------------------------------------------------
    def showEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().showEvent(event)
        if not self._tags_requested:
            self.load_tags()

    def _manager(self):
        if self._jobs is None:
            from desktop_app.controllers.jobs import JobManager

            # Python threads, not Qt's pool: torch on reused QThreadPool threads crashed (see workers.py).
            self._jobs = JobManager(max_threads=1, parent=self)
        return self._jobs

    def excluded_tags(self) -> list[str]:
        return [t.strip() for t in self.exclude.text().split(",") if t.strip()]

    def _excluded_normalised(self) -> set[str]:
        from core.training.vocabulary import normalise_tag

        return {normalise_tag(t) or t.lower() for t in self.excluded_tags()}

    def load_tags(self) -> None:
        """Compute the vocabulary the current settings would use, on a worker."""
        from core.training.data import preview_tags

        self._tags_requested = True
        try:
            cfg = self.config()
        except ValueError:  # e.g. no sampler ticked: the tags do not depend on the samplers
            cfg = TrainConfig(**{k: v for k, v in self._defaults_kw().items() if k != "samplers"})
        self.tags_note.setText("Reading tags…")
        self._manager().submit(
            "tags", lambda: preview_tags(self.library, cfg), description="reading tags",
            on_result=self._show_tags, on_error=lambda err: self.tags_note.setText(f"Tags unavailable: {err.exc}"))

    def _show_tags(self, preview) -> None:
        vocab = preview.vocab
        excluded = self._excluded_normalised()
        order = sorted(range(vocab.size), key=lambda i: -float(vocab.weights[i]))
        self._filling_tags = True
        try:
            self.tags_table.setRowCount(len(order))
            for row, i in enumerate(order):
                tag = QTableWidgetItem(vocab.tags[i])
                tag.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsUserCheckable)
                tag.setCheckState(Qt.CheckState.Unchecked if vocab.tags[i] in excluded else Qt.CheckState.Checked)
                count = QTableWidgetItem(str(int(vocab.doc_freq[i])))
                weight = QTableWidgetItem(f"{float(vocab.weights[i]):.2f}")
                for item in (count, weight):
                    item.setFlags(Qt.ItemFlag.ItemIsEnabled)
                    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                self.tags_table.setItem(row, 0, tag)
                self.tags_table.setItem(row, 1, count)
                self.tags_table.setItem(row, 2, weight)
                self.tags_table.setItem(row, 3, self._kind_item(vocab.kinds.get(vocab.tags[i])))
        finally:
            self._filling_tags = False
        dropped = len(vocab.dropped)
        how = (f"weighed by how alike their sounds are under {preview.reference}" if preview.reference
               else "weighed by rarity only (embed with the reference model to weigh by sound)")
        self.tags_note.setText(f"{vocab.size} tags on {len(vocab.tagged())} of {preview.n_sounds} sounds, {how}; "
                               f"{dropped} dropped (stopwords, too common or rare, inconsistent)."
                               if vocab.size else "No usable tags: the tag sampler and COALA need some.")
        self.tagsLoaded.emit(vocab.size)

    def _kind_item(self, kind) -> QTableWidgetItem:
        """The *kind* cell of a tag (``kind``: a :class:`core.audio.taxonomy.TagKind`, or ``None``)."""
        text = kind.kind if kind is not None else "content"
        item = QTableWidgetItem(text + (" (yours)" if kind is not None and kind.flipped else ""))
        item.setFlags(Qt.ItemFlag.ItemIsEnabled)
        item.setData(Qt.ItemDataRole.UserRole, text)
        item.setToolTip((kind.reason if kind is not None else "") + " — click to flip")
        if text == "provenance":
            item.setForeground(Qt.GlobalColor.gray)
        return item

    def tag_kind(self, tag: str) -> str | None:
        """``'content'`` or ``'provenance'`` as listed (``None`` when the tag is not listed)."""
        for row in range(self.tags_table.rowCount()):
            if self.tags_table.item(row, 0).text() == tag:
                return self.tags_table.item(row, 3).data(Qt.ItemDataRole.UserRole)
        return None

    def flip_tag(self, tag: str) -> None:
        """Make a content tag provenance or the reverse (for the next run; the list is updated)."""
        from core.audio.taxonomy import TagKind

        for row in range(self.tags_table.rowCount()):
            if self.tags_table.item(row, 0).text() != tag:
                continue
            new = "content" if self.tags_table.item(row, 3).data(Qt.ItemDataRole.UserRole) == "provenance" else "provenance"
            self._flips[tag] = new
            self.tags_table.setItem(row, 3, self._kind_item(TagKind(tag, new, f"set by you ({new})", flipped=True)))

    def _on_kind_clicked(self, item: QTableWidgetItem) -> None:
        if item.column() == 3:
            self.flip_tag(self.tags_table.item(item.row(), 0).text())

    def _tag_items(self) -> list[QTableWidgetItem]:
        return [self.tags_table.item(row, 0) for row in range(self.tags_table.rowCount())]

    def tag_checked(self, tag: str) -> bool | None:
        """Whether ``tag`` is ticked in the list (``None`` when it is not listed)."""
        item = next((i for i in self._tag_items() if i.text() == tag), None)
        return None if item is None else item.checkState() == Qt.CheckState.Checked

    def set_tag_checked(self, tag: str, on: bool) -> None:
        for item in self._tag_items():
            if item.text() == tag:
                item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)

    def _on_tag_toggled(self, item: QTableWidgetItem) -> None:
        if self._filling_tags or item.column() != 0:
            return
        from core.training.vocabulary import normalise_tag

        tag = item.text()
        excluded = [t for t in self.excluded_tags() if (normalise_tag(t) or t.lower()) != tag]
        if item.checkState() != Qt.CheckState.Checked:
            excluded.append(tag)
        self.exclude.setText(", ".join(excluded))

    def _sync_tag_checks(self) -> None:
        excluded = self._excluded_normalised()
        self._filling_tags = True
        try:
            for item in self._tag_items():
                want = Qt.CheckState.Unchecked if item.text() in excluded else Qt.CheckState.Checked
                if item.checkState() != want:
                    item.setCheckState(want)
        finally:
            self._filling_tags = False

    # -- running ----------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self._worker is not None

    def start(self) -> None:
        if self.running:
            return
        from core.training.loop import train_job

        try:
            cfg = self.config()
        except ValueError as exc:
            self.status.setText(str(exc))
            return
        self._reset_plot()
        self.verdict.setText("")
        self.result = None
        self.state = "running"
        self._stop = threading.Event()
        job = train_job(self.library, cfg, resume=self.resume.isChecked())
        stop = self._stop
        handle = self._manager().submit(
            "train", lambda: _drive(job, stop), description=f"training {cfg.model_name()}",
            on_progress=self._on_progress, on_result=self._on_returned,
            on_cancel=lambda: self._on_returned(None), on_error=lambda err: self._on_error(err.exc),
        )
        handle.ended.connect(lambda _h: self._on_finished())
        self._worker = handle
        self._set_busy(True)
        self.status.setText(f"Preparing {cfg.model_name()}…")

    def cancel(self) -> None:
        """Stop after the current step (the last finished epoch stays checkpointed)."""
        if self.running:
            self._stop.set()
            self.status.setText("Cancelling after this step…")

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt)
        self.cancel()
        super().closeEvent(event)

    def _set_busy(self, busy: bool) -> None:
        self.start_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)

    def _reset_plot(self) -> None:
        for c in [*self._curves.values(), *self._raw.values()]:
            self.plot.removeItem(c)
        self._curves.clear()
        self._raw.clear()
        self._smooth.clear()
        self._points.clear()

    def curve_points(self, term: str) -> int:
        """How many points the curve of ``term`` has (``val_total`` for validation)."""
        return len(self._points.get(term, ([], []))[0])

    def _add_point(self, term: str, x: float, y: float) -> None:
        """Step terms: a faint raw line and a bold running mean (EMA, 0.1); validation: dots."""
        if term not in self._curves:
            colour = TERM_COLOURS.get(term.removeprefix("val_"), "#aecbfa")
            if term.startswith("val_"):
                item = self.plot.plot([], [], pen=None, symbol="o", symbolSize=7, symbolBrush=colour, name=term)
            else:
                faint = pg.mkColor(colour)
                faint.setAlpha(70)
                self._raw[term] = self.plot.plot([], [], pen=pg.mkPen(faint, width=1))
                item = self.plot.plot([], [], pen=pg.mkPen(colour, width=2), name=term)
            self._curves[term] = item
            self._points[term] = ([], [])
            self._smooth[term] = []
        xs, ys = self._points[term]
        xs.append(x)
        ys.append(y)
        if term in self._raw:
            sm = self._smooth[term]
            sm.append(y if not sm else sm[-1] + 0.1 * (y - sm[-1]))
            self._raw[term].setData(xs, ys)
            self._curves[term].setData(xs, sm)
        else:
            self._curves[term].setData(xs, ys)

    def _on_progress(self, p: Progress) -> None:
        if self._stop.is_set():
            return
        self.status.setText(f"{stage_text(p.stage)}: {p.message}" if p.message else stage_text(p.stage))
        self.eta.setText(eta_text(p.eta_seconds()) if p.stage == "train" else "")
        if p.stage != "train" or not isinstance(p.partial, dict):
            return
        is_epoch_end = any(k.startswith("val_") for k in p.partial)
        for term, value in p.partial.items():
            if is_epoch_end and not term.startswith("val_"):
                continue  # epoch means duplicate the step curves; only validation points are new
            if term == "val_total" or not term.startswith("val_"):
                self._add_point(term, float(p.done), float(value))

    def _on_returned(self, result) -> None:
        if result is None:  # stopped by cancel
            self.state = "cancelled"
            return
        self.result = result
        self.state = "trained"
        lines = [result.summary()]
        if result.verdict is not None:
            lines.append(result.verdict.table())
        self.verdict.setText("\n".join(lines))
        self.trained.emit(result.name)

    def _on_error(self, exc: BaseException) -> None:
        self.state = "failed"
        self.status.setText(f"Training failed: {exc}")

    def _on_finished(self) -> None:
        self._worker = None
        self._set_busy(False)
        if self.state == "cancelled":
            self.status.setText("Cancelled. The last finished epoch is saved; tick Resume to continue.")
        elif self.state == "trained":
            self.status.setText("Done.")
        self.eta.setText("")
        self.finishedRun.emit(self.state)
