"""Model → Training timelapse…: replay how a trained model's map formed, epoch by epoch, and save it as a GIF.

``TimelapseDialog(library, jobs, model=None, parent=None)`` lists the library's trained models; for the
chosen one it runs :func:`core.training.timelapse.timelapse_job` on the app's
:class:`~desktop_app.controllers.jobs.JobManager` (the saved epoch weights embed a subset of the
sounds, one aligned map per epoch) and plays the result in a
:class:`~desktop_app.views.dialogs.timelapse_map.TimelapseMap` (*Play*, *Save animation…*). A model
without epoch weights (trained before they were kept, imported, built in) gets a sentence saying so
instead of an error box.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from core.training.timelapse import COLOUR_MODES, DEFAULT_MAX_SOUNDS, NoEpochWeights, epoch_weight_files
from desktop_app.controllers.jobs import JobManager
from desktop_app.views.dialogs.timelapse_map import TimelapseMap
from desktop_app.views.panels.job_bar import stage_text


class TimelapseDialog(QDialog):
    """Choose a trained model → its timelapse plays; *Save animation…* writes the GIF."""

    built = Signal(str)  # model name, once its timelapse is shown
    unavailable = Signal(str)  # the reason a model has no timelapse

    def __init__(self, library, jobs: JobManager, model: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Training timelapse")
        self.library = library
        self.jobs = jobs
        self._handle = None
        self.model = QComboBox()
        trained = [m for m in library.models() if library.registry.info(m).kind == "trained"]
        self.model.addItems(trained)
        if model in trained:
            self.model.setCurrentText(model)
        self.colour = QComboBox()
        self.colour.addItems(list(COLOUR_MODES))
        self.colour.setToolTip("cluster: the clusters of the last epoch; folder; type: the sound type; none")
        self.max_sounds = QSpinBox()
        self.max_sounds.setRange(10, 20000)
        self.max_sounds.setValue(DEFAULT_MAX_SOUNDS)
        self.max_sounds.setToolTip("at most this many sounds (a fixed random subset) are drawn")
        form = QFormLayout()
        form.addRow("Model", self.model)
        form.addRow("Colour by", self.colour)
        form.addRow("Sounds", self.max_sounds)
        self.build_button = QPushButton("Build")
        self.build_button.clicked.connect(self.build)
        self.status = QLabel("")
        self.status.setWordWrap(True)
        self.map = TimelapseMap(jobs, library, self)
        self.map.setMinimumSize(420, 380)
        close = QPushButton("Close")
        close.clicked.connect(self.close)
        row = QHBoxLayout()
        row.addWidget(self.status, 1)
        row.addWidget(self.build_button)
        row.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.map, 1)
        layout.addLayout(row)
        self.model.currentTextChanged.connect(lambda _m: self.build())
        self.colour.currentTextChanged.connect(lambda _m: self.build())
        if not trained:
            self._unavailable("No model of this library was trained here yet: Model → Train on this library… "
                              "keeps every epoch, and its timelapse appears here.")

    def showEvent(self, event) -> None:  # noqa: N802 (Qt)
        super().showEvent(event)
        if self._handle is None and not self.map.layouts and self.model.count():
            self.build()

    def _unavailable(self, reason: str) -> None:
        self.map.reset()
        self.map.caption.setText("")
        self.status.setText(reason)
        self.build_button.setEnabled(bool(self.model.count()))
        self.unavailable.emit(reason)

    def build(self) -> None:
        """Compute the chosen model's timelapse on a worker, then play it."""
        name = self.model.currentText()
        if not name:
            return
        try:
            epoch_weight_files(self.library, name)  # a catalog row and a folder listing: instant
        except NoEpochWeights as exc:
            self._unavailable(str(exc))
            return
        from core.training.timelapse import timelapse_job

        self.map.reset()
        self.map.title, self.map.colour_by = name, self.colour.currentText()
        self.build_button.setEnabled(False)
        self.status.setText(f"Embedding a subset with every saved epoch of {name}…")
        colour, n = self.colour.currentText(), self.max_sounds.value()
        self._handle = self.jobs.submit(
            "timelapse", lambda: timelapse_job(self.library, name, max_sounds=n, colour_by=colour),
            key=("timelapse-dialog", id(self)), description=f"the training timelapse of {name}",
            on_progress=lambda p: self.status.setText(f"{stage_text(p.stage)}: {p.message}"),
            on_result=lambda tl, m=name: self._on_built(m, tl))
        self._handle.ended.connect(self._on_ended)

    def _on_built(self, name: str, tl) -> None:
        self.map.set_timelapse(tl)
        self.status.setText(f"{name}: {len(tl.epochs)} maps (epochs {tl.epochs[0]}–{tl.epochs[-1]} of {tl.total}), "
                            f"{len(tl.ids)} sounds.")
        self.map.play_button.setChecked(True)
        self.built.emit(name)

    def _on_ended(self, handle) -> None:
        if handle is self._handle:  # not an earlier build that a newer one replaced
            self._handle = None
            self.build_button.setEnabled(True)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt)
        self.map.play_button.setChecked(False)
        if self._handle is not None:
            self._handle.cancel()
        super().closeEvent(event)
