"""A small map that morphs epoch by epoch: the training timelapse in the app.

``TimelapseMap(jobs, library)`` takes the training job's epoch snapshots
(:class:`core.training.snapshots.EpochSnapshot`, :meth:`add_snapshot`) or a whole
:class:`core.maps.timelapse.Timelapse` (:meth:`set_timelapse`). Each epoch's map is computed on a worker
(:func:`core.maps.timelapse.next_layout`: UMAP started from the previous epoch's map, then
Procrustes-aligned to it), one at a time and in order; the points then glide from the previous map
to the new one. *Play* loops over every epoch; *Save animation…* draws the GIF
(:func:`core.maps.timelapse.render_frames`) and writes it, also on a worker. Sounds are coloured by
folder (live) or as the :class:`Timelapse` says, the same colour in every frame.
"""

from __future__ import annotations

import time
from html import escape
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from core.jobs import SAVE, Progress
from core.maps.timelapse import Timelapse
from desktop_app.controllers.jobs import JobManager
from desktop_app.views.map.overlays import NOISE_COLOR, cluster_color

MORPH_S = 0.7  # seconds the points take from one epoch's map to the next
HOLD_S = 0.6  # seconds an epoch's map stays when playing
MAX_LEGEND = 16


def _layout_job(library, snap, previous: np.ndarray | None):
    """Worker: the map of one epoch snapshot (and, for the first, the folder of each sound)."""
    from core.maps.timelapse import next_layout
    from core.training.timelapse import sound_groups

    groups = None
    if previous is None:
        groups = yield from sound_groups(library, snap.ids, "folder")
    xy = yield from next_layout(snap.vectors, previous)
    return xy, groups


def _save_job(tl: Timelapse, path: str):
    from core.maps.timelapse import render_frames, write_timelapse_gif

    yield Progress(stage=SAVE, done=0, total=2, message="drawing the frames")
    frames = render_frames(tl)
    yield Progress(stage=SAVE, done=1, total=2, message=f"writing {len(frames.images)} frames")
    write_timelapse_gif(path, frames)
    return path


class TimelapseMap(QWidget):
    """The live (or replayed) training timelapse with *Play* and *Save animation…*."""

    layoutAdded = Signal(int)  # the epoch whose map was added
    saved = Signal(str)  # the path of a written GIF

    def __init__(self, jobs: JobManager, library, parent: QWidget | None = None, title: str = "") -> None:
        super().__init__(parent)
        self.jobs = jobs
        self.library = library
        self.title = title
        self.colour_by = "folder"  # what the colours mean (the caption says it)
        header = QLabel("<b>Training timelapse</b>")
        self.plot = pg.PlotWidget()
        self.plot.hideAxis("left")
        self.plot.hideAxis("bottom")
        self.plot.setAspectLocked(True)
        self.plot.setMouseEnabled(False, False)
        self.plot.setMenuEnabled(False)
        self.plot.setMinimumSize(240, 220)
        self.scatter = pg.ScatterPlotItem(size=6, pen=pg.mkPen(0, 0, 0, 140))
        self.plot.addItem(self.scatter)
        self.caption = QLabel("The map appears when the first epoch starts.")
        self.caption.setWordWrap(True)
        self.legend = QLabel("")
        self.legend.setWordWrap(True)
        self.play_button = QPushButton("Play")
        self.play_button.setCheckable(True)
        self.play_button.toggled.connect(self._on_play)
        self.save_button = QPushButton("Save animation…")
        self.save_button.setToolTip("Write the timelapse as an animated GIF (every epoch, eased frames between)")
        self.save_button.clicked.connect(lambda: self.save_animation())
        buttons = QHBoxLayout()
        buttons.addWidget(self.play_button)
        buttons.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(header)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.legend)
        layout.addWidget(self.caption)
        layout.addLayout(buttons)
        self._timer = QTimer(self)
        self._timer.setInterval(33)
        self._timer.timeout.connect(self._tick)
        self.reset()

    # -- state ----------------------------------------------------------------------------------
    def reset(self, total: int = 0) -> None:
        """Forget every epoch (a new training run of ``total`` epochs)."""
        self.ids: np.ndarray | None = None
        self.epochs: list[int] = []
        self.layouts: list[np.ndarray] = []
        self.total = total
        self.labels: np.ndarray | None = None
        self.names: dict[int, str] = {}
        self._queue: list = []
        self._busy = None
        self._shown: np.ndarray | None = None
        self._targets: list[int] = []
        self._anim: tuple[np.ndarray, int, float] | None = None
        self.play_button.setChecked(False)
        self.scatter.setData([], [])
        self.legend.setText("")
        self._update_buttons()

    def timelapse(self) -> Timelapse | None:
        """What the map holds, as a :class:`Timelapse` (``None`` before the first epoch's map)."""
        if self.ids is None or not self.layouts:
            return None
        return Timelapse(self.ids, list(self.epochs), list(self.layouts), max(self.total, self.epochs[-1]),
                         self.labels, dict(self.names), title=self.title)

    def _update_buttons(self) -> None:
        self.play_button.setEnabled(len(self.layouts) >= 2)
        self.save_button.setEnabled(bool(self.layouts))

    # -- live: epoch snapshots ------------------------------------------------------------------
    def add_snapshot(self, snap) -> None:
        """Queue the map of one epoch (an :class:`EpochSnapshot` of the training job)."""
        if snap.vectors is None or len(snap.ids) < 3:
            self.caption.setText("No live map: the timelapse subset is switched off (timelapse_sounds = 0).")
            return
        if self.ids is None or not np.array_equal(self.ids, snap.ids):
            self.reset(snap.epochs)
            self.ids = np.asarray(snap.ids)
        self.total = snap.epochs
        self._queue.append(snap)
        self._next()

    def _next(self) -> None:
        if self._busy is not None or not self._queue:
            return
        snap = self._queue.pop(0)
        previous = self.layouts[-1] if self.layouts else None
        self.caption.setText(f"Drawing the map of epoch {snap.epoch}…")
        handle = self.jobs.submit("timelapse-map", lambda: _layout_job(self.library, snap, previous),
                                  key=("timelapse", id(self)), description=f"the map of epoch {snap.epoch}",
                                  on_result=lambda r, s=snap: self._on_layout(s.epoch, r))
        handle.ended.connect(self._on_job_ended)
        self._busy = handle

    def _on_job_ended(self, _handle) -> None:
        self._busy = None
        self._next()

    def _on_layout(self, epoch: int, result) -> None:
        xy, groups = result
        if groups is not None:
            self.labels, self.names = groups
            self._set_brushes()
        self.epochs.append(int(epoch))
        self.layouts.append(np.asarray(xy, dtype=np.float32))
        self._morph_to(len(self.layouts) - 1)
        self._update_buttons()
        self.layoutAdded.emit(int(epoch))

    # -- replay: a whole timelapse --------------------------------------------------------------
    def set_timelapse(self, tl: Timelapse) -> None:
        self.reset(tl.total)
        self.ids, self.epochs, self.layouts = np.asarray(tl.ids), list(tl.epochs), list(tl.layouts)
        self.labels, self.names, self.title = tl.labels, dict(tl.names), tl.title or self.title
        self._set_brushes()
        self._show(self.layouts[0], 0)
        self._update_buttons()

    # -- drawing ----------------------------------------------------------------------------------
    def _set_brushes(self) -> None:
        n = 0 if self.ids is None else len(self.ids)
        labels = self.labels if self.labels is not None else np.full(n, -1)
        cache: dict[int, object] = {}
        self._brushes = [cache.setdefault(int(g), pg.mkBrush(cluster_color(int(g)) if g >= 0 else NOISE_COLOR))
                         for g in labels]
        shown = sorted(self.names.items())[:MAX_LEGEND]
        more = f" … and {len(self.names) - MAX_LEGEND} more" if len(self.names) > MAX_LEGEND else ""
        self.legend.setText("  ".join(f'<span style="color:{cluster_color(g).name()}">■</span>&nbsp;{escape(name)}'
                                      for g, name in shown) + more)

    def _show(self, xy: np.ndarray, k: int) -> None:
        self._shown = np.asarray(xy, dtype=np.float32)
        brushes = getattr(self, "_brushes", None)
        if brushes is None or len(brushes) != len(xy):
            self._set_brushes()
        self.scatter.setData(pos=self._shown, brush=self._brushes)
        epoch = self.epochs[k]
        what = "the untrained network" if epoch == 0 else f"epoch {epoch} of {self.total}"
        self.caption.setText(f"Map after {what} ({len(xy)} sounds, coloured by "
                             f"{self.colour_by if self.names else 'nothing'}).")

    def _morph_to(self, k: int) -> None:
        if self._shown is None or len(self._shown) != len(self.layouts[k]):
            self._show(self.layouts[k], k)
            return
        self._targets.append(k)
        if not self._timer.isActive():
            self._start_next()

    def _start_next(self) -> None:
        if not self._targets:
            if self.play_button.isChecked() and len(self.layouts) >= 2:  # loop
                self._show(self.layouts[0], 0)
                self._targets = list(range(1, len(self.layouts)))
                self._anim = None
                self._timer.start()
                return
            self._timer.stop()
            return
        k = self._targets.pop(0)
        self._anim = (np.array(self._shown), k, time.monotonic())
        self._timer.start()

    def _tick(self) -> None:
        if self._anim is None:
            self._start_next()
            return
        start, k, t0 = self._anim
        t = (time.monotonic() - t0) / MORPH_S
        if t < 1.0:
            e = t * t * (3 - 2 * t)
            self._shown = ((1 - e) * start + e * self.layouts[k]).astype(np.float32)
            self.scatter.setData(pos=self._shown, brush=self._brushes)
            return
        if self._shown is not self.layouts[k]:  # arrived: the epoch's own map and caption
            self._show(self.layouts[k], k)
            self._shown = self.layouts[k]
        if t >= 1.0 + (HOLD_S / MORPH_S if self.play_button.isChecked() else 0.0):
            self._anim = None
            self._start_next()

    def _on_play(self, on: bool) -> None:
        self.play_button.setText("Stop" if on else "Play")
        if on and len(self.layouts) >= 2:
            self._targets = []
            self._anim = None
            self._show(self.layouts[0], 0)
            self._targets = list(range(1, len(self.layouts)))
            self._timer.start()
        elif not on:
            self._targets = []

    # -- saving -----------------------------------------------------------------------------------
    def save_animation(self, path: str | None = None):
        """Write the GIF (asks where when ``path`` is ``None``); returns the job handle, or ``None``."""
        tl = self.timelapse()
        if tl is None:
            return None
        if path is None:
            name = (self.title.split(" ")[0] or "timelapse") + "-timelapse.gif"
            path, _ = QFileDialog.getSaveFileName(self, "Save the timelapse", str(Path.home() / name),
                                                  "GIF animation (*.gif)")
            if not path:
                return None
        self.caption.setText("Saving the animation…")
        handle = self.jobs.submit("timelapse-gif", lambda: _save_job(tl, str(path)), key=("timelapse-gif", id(self)),
                                  description="saving the training timelapse", on_result=self._on_saved)
        return handle

    def _on_saved(self, path: str) -> None:
        self.caption.setText(f"Saved {Path(path).name} ({len(self.layouts)} epochs).")
        self.saved.emit(str(path))
