"""Train a model on the user's own collection: settings, a live per-term loss plot, ETA, cancel, verdict.

``TrainingDialog(library, parent=None, defaults=None, jobs=None)`` runs :func:`core.training.loop.train_job`
on a worker thread of the app's :class:`desktop_app.controllers.jobs.JobManager` (the one job driver). Every training step's loss terms
(``Progress.partial``) become points of one pyqtgraph curve per term (faint per step, bold running
mean); epoch ends add validation points. At the end the held-out verdict is shown
and ``trained(model_name)`` is emitted so the main window can redraw the map with the new model.

Beside the loss curves, the training timelapse (:class:`~desktop_app.views.dialogs.timelapse_map.TimelapseMap`):
a small map of a fixed subset of sounds that morphs as epochs finish (each epoch's
:class:`~core.training.snapshots.EpochSnapshot` becomes an aligned map on a worker), with *Play* and
*Save animation…* (a GIF).

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
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDialog, QDoubleSpinBox, QFormLayout, QGridLayout, QGroupBox,
    QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from core.jobs import Progress
from core.training.config import SAMPLERS, TrainConfig
from core.training.snapshots import EpochSnapshot
from desktop_app.controllers.jobs import JobManager
from desktop_app.views.dialogs.training_plot import LossPlotMixin
from desktop_app.views.dialogs.timelapse_map import TimelapseMap
from desktop_app.views.dialogs.training_tags import TagListMixin
from desktop_app.views.panels.job_bar import eta_text, stage_text

SAMPLER_TIPS = {
    "noise": "positive = the patch times (1 + |Gaussian noise|)",
    "shift": "positive = the patch shifted in time (circular) and in pitch (a few mel bands)",
    "mix": "positive = the patch with another sound mixed in quietly",
    "proximity": "positive = a nearby moment of the same recording (loops, ambiences, long files)",
    "tags": "positive = another sound sharing a tag; negative shares none",
    "ranked": "positive = a near neighbour under the reference model; negative far down its list",
}


class TrainingDialog(TagListMixin, LossPlotMixin, QDialog):
    """Settings → Start → live loss curves → verdict. Emits ``trained(name)`` when a model is ready."""

    trained = Signal(str)
    finishedRun = Signal(str)  # 'trained' | 'cancelled' | 'failed'
    tagsLoaded = Signal(int)  # number of tags listed

    def __init__(self, library, parent: QWidget | None = None, defaults: dict[str, Any] | None = None,
                 jobs: JobManager | None = None) -> None:
        """``jobs``: the app's job manager (the dialog's own when used alone, e.g. in a script)."""
        super().__init__(parent)
        self.setWindowTitle("Train a model on this collection")
        self.library = library
        self.defaults = dict(defaults or {})
        self._worker = None
        self._jobs = jobs if jobs is not None else JobManager(max_threads=2, parent=self)  # training + timelapse maps
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

        self.timelapse_map = TimelapseMap(self._jobs, self.library, self)
        self.timelapse_map.setToolTip("The training timelapse: a fixed subset of sounds mapped after every epoch")

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
        curves = QHBoxLayout()
        curves.addWidget(self.plot, 3)
        curves.addWidget(self.timelapse_map, 2)
        layout.addLayout(curves, 1)
        layout.addWidget(self.verdict)
        layout.addLayout(buttons)

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
        self.timelapse_map.reset(cfg.epochs)
        self.timelapse_map.title = cfg.model_name()
        self.verdict.setText("")
        self.result = None
        self.state = "running"
        handle = self._jobs.submit(
            "train", lambda: train_job(self.library, cfg, resume=self.resume.isChecked()),
            key=f"train:{self.library.root}", description=f"training {cfg.model_name()}",
            on_progress=self._on_progress, on_result=self._on_returned,
            on_cancel=lambda: self._on_returned(None), on_error=lambda err: self._on_error(err.exc),
        )
        handle.ended.connect(lambda _h: self._on_finished())
        self._worker = handle
        self._set_busy(True)
        self.status.setText(f"Preparing {cfg.model_name()}…")

    def cancel(self) -> None:
        """Stop after the current step (the last finished epoch stays checkpointed)."""
        if self.running and self._worker is not None:
            self._worker.cancel()  # the one driver closes the job at its next step
            self.status.setText("Cancelling after this step…")

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt)
        self.cancel()
        super().closeEvent(event)

    def _set_busy(self, busy: bool) -> None:
        self.start_button.setEnabled(not busy)
        self.cancel_button.setEnabled(busy)

    def _on_progress(self, p: Progress) -> None:
        self.status.setText(f"{stage_text(p.stage)}: {p.message}" if p.message else stage_text(p.stage))
        self.eta.setText(eta_text(p.eta_seconds()) if p.stage == "train" else "")
        if isinstance(p.partial, EpochSnapshot):
            self.timelapse_map.add_snapshot(p.partial)
            return
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
