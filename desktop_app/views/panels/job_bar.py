"""Status-bar widget for background jobs: stage, progress, ETA and a cancel button.

It follows a :class:`desktop_app.controllers.jobs.JobManager` and shows the most recently started job of
the kinds it watches. When nothing runs it collapses to a short "ready" text.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from core import jobs
from core.jobs import Progress
from desktop_app.controllers.jobs import JobHandle, JobManager

_STAGE_NAMES = {
    jobs.SCAN: "Scanning files",
    jobs.EMBED: "Listening",
    jobs.KNN: "Finding neighbours",
    jobs.UMAP: "Arranging the map",
    jobs.PCA: "Arranging the map (PCA)",
    jobs.TSNE: "Arranging the map (t-SNE)",
    jobs.PLACE: "Placing new sounds",
    jobs.CLUSTER: "Finding clusters",
    jobs.TIMELAPSE: "Drawing the timelapse",
    jobs.TAGS: "Reading tags",
    jobs.FEATURES: "Preparing training features",
    jobs.PREPARE: "Preparing",
    jobs.TRAIN: "Training",
    jobs.SAVE: "Saving the model",
    jobs.VERDICT: "Judging the model",
    jobs.EVALUATE: "Scoring",
    jobs.LOAD: "Reading the catalog",
}


def stage_text(stage: str) -> str:
    """A human label for a core progress stage (``"embed mfcc"`` → ``"Listening (mfcc)"``)."""
    name = _STAGE_NAMES.get(jobs.stage_of(stage))
    if name is None:
        return stage[:1].upper() + stage[1:]
    detail = stage[len(jobs.stage_of(stage)):].strip()
    return f"{name} ({detail})" if detail else name


def eta_text(seconds: float | None) -> str:
    if seconds is None or seconds != seconds or seconds < 0:
        return ""
    if seconds < 1.5:
        return "almost done"
    if seconds < 60:
        return f"about {seconds:.0f} s left"
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes < 60:
        return f"about {minutes} min {secs:02d} s left"
    hours, minutes = divmod(minutes, 60)
    return f"about {hours} h {minutes:02d} min left"


class JobBar(QWidget):
    """Progress of the current background job, with cancel. ``cancelRequested(handle)``."""

    cancelRequested = Signal(object)

    def __init__(self, jobs: JobManager, kinds: set[str] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("JobBar")
        self.jobs = jobs
        self.kinds = kinds
        self.current: JobHandle | None = None
        self._last: Progress | None = None

        self.label = QLabel("Ready")
        self.label.setObjectName("JobStage")
        self.bar = QProgressBar()
        self.bar.setFixedWidth(180)
        self.bar.setTextVisible(False)
        self.bar.setMaximumHeight(12)
        self.eta = QLabel("")
        self.eta.setObjectName("JobEta")
        self.cancel_button = QToolButton()
        self.cancel_button.setText("✕")
        self.cancel_button.setToolTip("Cancel this job")
        self.cancel_button.setAutoRaise(True)
        self.cancel_button.clicked.connect(self._cancel)

        lay = QHBoxLayout(self)
        lay.setContentsMargins(4, 0, 4, 0)
        lay.setSpacing(8)
        lay.addWidget(self.label)
        lay.addWidget(self.bar)
        lay.addWidget(self.eta)
        lay.addWidget(self.cancel_button)

        # ETA text refreshes even when a stage reports rarely.
        self._tick = QTimer(self)
        self._tick.setInterval(500)
        self._tick.timeout.connect(self._refresh_eta)

        jobs.jobStarted.connect(self._on_started)
        jobs.jobProgress.connect(self._on_progress)
        jobs.jobEnded.connect(self._on_ended)
        self._idle()

    def _watched(self, h: JobHandle) -> bool:
        return self.kinds is None or h.kind in self.kinds

    # ------------------------------------------------------------------------- slots
    def _on_started(self, h: JobHandle) -> None:
        if not self._watched(h):
            return
        self.current = h
        self._last = None
        self.label.setText(h.description)
        self.bar.setRange(0, 0)  # busy until the first progress
        self.eta.setText("")
        for w in (self.bar, self.eta, self.cancel_button):
            w.show()
        self._tick.start()

    def _on_progress(self, h: JobHandle, p: Progress) -> None:
        if h is not self.current:
            return
        self._last = p
        text = stage_text(p.stage)
        if p.total:
            text += f" — {p.done}/{p.total}"
        self.label.setText(text)
        if p.total:
            self.bar.setRange(0, 1000)
            self.bar.setValue(int(1000 * (p.fraction or 0.0)))
        else:
            self.bar.setRange(0, 0)
        self._refresh_eta()

    def _refresh_eta(self) -> None:
        if self._last is not None:
            self.eta.setText(eta_text(self._last.eta_seconds(time.monotonic())))

    def _on_ended(self, h: JobHandle) -> None:
        if h is not self.current:
            return
        others = [j for j in self.jobs.active() if self._watched(j) and j.state == "running"]
        if others:
            self._on_started(others[-1])
            return
        self.current = None
        self._idle("Cancelled" if h.state == "cancelled" else "Ready")

    def _idle(self, text: str = "Ready") -> None:
        self._tick.stop()
        self._last = None
        self.label.setText(text)
        for w in (self.bar, self.eta, self.cancel_button):
            w.hide()

    def _cancel(self) -> None:
        if self.current is not None:
            self.cancelRequested.emit(self.current)
            self.current.cancel()

    # ------------------------------------------------------------------------ testing
    def text(self) -> str:
        return self.label.text()

    def is_busy(self) -> bool:
        return self.current is not None and self.cancel_button.isVisibleTo(self)


__all__ = ["JobBar", "stage_text", "eta_text"]
