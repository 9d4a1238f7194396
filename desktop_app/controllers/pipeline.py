"""Drives the library's jobs for the session: scan → embed → cluster → map, and the follow-ups.

:class:`Pipeline` owns the open :class:`core.library.Library`, submits its jobs to the
:class:`desktop_app.controllers.jobs.JobManager` and feeds results into the
:class:`desktop_app.model.session.SessionState`:

- opening a folder shows whatever the catalog already knows at once, then runs ``lib.embed``
  (which scans first); streamed :class:`core.embedding.report.EmbedBatch` partials grow a quick PCA
  preview so points appear as they are embedded;
- then the clustering (fast; colours appear on the preview) and the UMAP map, whose partial
  layouts animate the points while it optimises;
- parameter changes re-run only what they affect; a newer job of the same kind replaces the
  running one (see the manager); results from stale generations are ignored.

``mapReady`` fires once per generation when vectors, the final map and the colouring exist.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.embedding.report import EmbedBatch
from core.jobs import EMBED, LOAD, Progress
from core.library import Snapshot, SoundList
from desktop_app.model.settings import Settings
from core.maps.naming import cluster_names
from core.maps.params import CLUSTER_METHODS, ProjectionParams, cluster_params
from desktop_app.model.session import SessionState
from desktop_app.controllers.explain import Explain
from desktop_app.controllers.jobs import JobHandle, JobManager
from desktop_app.model.colouring import CONTINUOUS_MODES

PIPELINE_KINDS = {"open", "embed", "map", "cluster"}


def _open_library(root: Path) -> Any:
    from core.library import Library

    return Library.open(root)


@dataclass(slots=True)
class Opened:
    """The result of the open job: the library, what its catalog holds, and the model in use."""

    library: Any
    snapshot: Any  # core.library.Snapshot
    fallback: str = ""  # why the requested model was not used ("" when it was)
    choices: list = field(default_factory=list)  # Library.model_choices(), read on the worker


class Pipeline(QObject):
    """Signals: ``libraryOpened(Path)``, ``mapReady()``, ``embedFinished(object report)``."""

    libraryOpened = Signal(object)
    mapReady = Signal()
    embedFinished = Signal(object)

    def __init__(self, state: SessionState, jobs: JobManager, settings: Settings,
                 library_factory: Callable[[Path], Any] | None = None) -> None:
        super().__init__()
        self.state = state
        self.jobs = jobs
        self.settings = settings
        self.library: Any = None
        self.model_choices: list[tuple[str, str, str]] = []  # (name, label, description) of the library's models
        self._factory = library_factory
        self._generation = 0
        self._pending: set[str] = set()
        self._closing: list[Any] = []
        self._closed = False
        self.ready = False
        self.explain = Explain(self)  # continuous colourings, true neighbours, cluster descriptions
        jobs.jobEnded.connect(self._close_finished_libraries)

    # ------------------------------------------------------------------------- library
    @property
    def key(self) -> str | None:
        return str(self.library.root) if self.library is not None else None

    def open(self, root: str | Path) -> JobHandle:
        """Open ``root`` and read what its catalog holds, on a worker; show it, then run the chain.

        Raises ``FileNotFoundError``/``NotADirectoryError`` at once for bad paths; other
        failures go to the error path. ``libraryOpened`` fires when the library is in use.
        A model that this library does not have (a model trained on another library) falls back
        to the default encoder, and the status bar says so once.
        """
        root = Path(root).expanduser()
        if not root.exists():
            raise FileNotFoundError(2, "No such folder", str(root))
        if not root.is_dir():
            raise NotADirectoryError(20, "Not a folder", str(root))
        factory = self._factory or _open_library
        self.state.set_status(f"Opening {root.name}…")
        wanted = self.state.model
        projection, method, params = self._map_params(), *self._cluster_request()

        def job() -> Any:
            lib = factory(root)
            try:
                model, why = lib.model_to_show(wanted)
                snap = yield from lib.snapshot(model, projection, method, params)
            except BaseException:
                lib.close()
                raise
            return Opened(lib, snap, why, lib.model_choices())

        return self.jobs.submit("open", job, key="open", description=f"Opening {root.name}",
                                on_result=self._adopt)

    def refresh_models(self, then: Callable[[list[tuple[str, str, str]]], None]) -> None:
        """Re-read the library's models (e.g. after training) on a worker; ``then(choices)``."""
        lib = self.library

        def done(choices: list[tuple[str, str, str]]) -> None:
            if self.library is lib:
                self.model_choices = choices
                then(choices)

        if lib is not None:
            self.jobs.call("models", lib.model_choices, key=self.key, description="Reading the models", on_result=done)

    def _map_params(self) -> ProjectionParams:
        return ProjectionParams().updated(self.state.projection)

    def _cluster_request(self) -> tuple[str | None, Any]:
        mode = self.state.colour_by
        if mode not in CLUSTER_METHODS:
            return None, None
        return mode, cluster_params(mode, self.state.cluster_params.get(mode))

    def _adopt(self, opened: Opened) -> None:
        """Make the opened library the session's (GUI thread): show the snapshot, then run the chain."""
        lib, snap = opened.library, opened.snapshot
        if self._closed:
            lib.close()
            return
        self._retire_library()
        self.library = lib
        self.model_choices = opened.choices
        if snap.model != self.state.model:
            self.settings.model = snap.model
            self.state.set_model(snap.model)
        self.state.set_library(lib)
        self.settings.add_recent(lib.root)
        self.libraryOpened.emit(Path(lib.root))
        self._show(snap)
        if snap.map is not None and (snap.labelling is not None or self.state.colour_by not in CLUSTER_METHODS):
            self.ready = True  # a cached library shows its map and colours before the scan
            n = len(self.state.ids)
            self.state.set_status(f"{n} sound{'s' if n != 1 else ''} · {self.state.model}")
            self.mapReady.emit()
        self.run(note=opened.fallback)

    def _show(self, snap: Any) -> None:
        """Put a snapshot on the map: sounds, vectors, and the cached map and colours when present."""
        self.state.set_sounds(snap.sounds)
        self.state.set_failures(snap.failures)
        if not len(snap.ids):
            return
        self.state.set_vectors(snap.ids, snap.vectors, None if snap.map is None else snap.map.xy)
        same = (self.state.labelling is not None and np.array_equal(self.state.ids, snap.ids)
                and np.array_equal(self.state.labels, snap.labelling.labels if snap.labelling is not None else []))
        if snap.labelling is not None and snap.labelling.method == self.state.colour_by and not same:
            self.state.set_labelling(snap.labelling.labels, snap.ids, snap.names, labelling=snap.labelling)

    def _retire_library(self) -> None:
        if self.library is None:
            return
        old_key = self.key
        for h in self.jobs.active(key=old_key):
            h.cancel()
        self._closing.append(self.library)
        self.library = None
        self._close_finished_libraries()

    def _close_finished_libraries(self, *_: Any) -> None:
        for lib in list(self._closing):
            if not self.jobs.active(key=str(lib.root)):
                self._closing.remove(lib)
                lib.close()

    def close(self) -> None:
        """Cancel everything, wait for the workers, close the library."""
        self._closed = True
        self.jobs.shutdown()
        if self.library is not None:
            self._closing.append(self.library)
            self.library = None
        for lib in self._closing:
            lib.close()
        self._closing.clear()

    # ------------------------------------------------------------------------ the chain
    def run(self, note: str = "", cached_first: bool = False, embed: Callable[[Any, str], Any] | None = None) -> None:
        """(Re)scan and embed, then cluster and map what the catalog does not hold yet.

        Cheap when everything is cached: the scan finds no change, nothing is embedded, and the
        catalog's map and clusters are shown as they are (no torch, UMAP or HDBSCAN is imported).
        Every catalog read happens on the worker; the GUI thread only receives the results.
        With ``cached_first`` (switching model) what the catalog holds is shown before the scan.
        ``embed(library, model)``: the scan-and-embed job (default ``library.embed``; or the Ray engine's)."""
        if self.library is None:
            return
        self._generation += 1
        self._pending = {"embed", "map", "cluster"}
        gen = self._generation
        lib, model = self.library, self.state.model
        projection, (method, params) = self._map_params(), self._cluster_request()
        name = Path(lib.root).name
        self.state.set_status(note or (f"Checking {name} for changes…" if self.ready else f"Listening to {name}…"))

        def job() -> Any:
            if cached_first:
                first = yield from lib.snapshot(model, projection, method, params)
                yield Progress(stage=LOAD, message="cached", partial=first)
            report = yield from (embed(lib, model) if embed is not None else lib.embed(model))
            snap = yield from lib.snapshot(model, projection, method, params)
            return report, snap

        self.jobs.submit(
            "embed", job, key=self.key, after_key=True,
            description=f"Listening to {name}",
            on_progress=lambda p: self._embed_progress(gen, p, model),
            on_result=lambda r: self._embed_done(gen, *r),
            on_cancel=lambda: self._stopped(gen, "Stopped — choose File ▸ Rescan to continue", "embed"),
            on_error=lambda _e: self._stopped(gen, "Listening failed"),
        )

    def _current(self, gen: int) -> bool:
        return gen == self._generation and self.library is not None

    def _embed_progress(self, gen: int, p: Progress, model: str) -> None:
        if not self._current(gen):
            return
        part = p.partial
        if isinstance(part, SoundList):  # the scan is committed: names and tags are known now
            self.state.set_sounds(part.sounds)
            self.state.set_failures(part.failures)
        elif isinstance(part, EmbedBatch) and p.stage == f"{EMBED} {model}":  # not another model's batch
            self.state.add_embedded(part.ids, part.vectors)
        elif isinstance(part, Snapshot):
            self._show(part)

    def _embed_done(self, gen: int, report: Any, snap: Any) -> None:
        if not self._current(gen):
            return
        self._show(snap)
        self._pending.discard("embed")
        self.embedFinished.emit(report)
        if len(snap.ids) == 0:
            self._pending.clear()
            self.state.set_status("No sounds could be read in this folder" if snap.failures
                                  else "No sounds in this folder")
            return
        if snap.labelling is None or snap.labelling.method != self.state.colour_by:
            self.recluster()
        else:
            self._mark_done("cluster")
        if snap.map is None:
            self.remap()
        else:
            self._mark_done("map")

    def _stopped(self, gen: int, text: str, kind: str | None = None) -> None:
        """A job was cancelled: say so, unless a newer job of the same kind replaced it."""
        if self._current(gen) and not (kind and self.jobs.active(kind, self.key)):
            self.state.set_status(text)

    def recluster(self) -> None:
        """Recompute the colouring for the current colour-by mode."""
        if self.library is None or not len(self.state.ids):
            return
        mode = self.state.colour_by
        if mode in CONTINUOUS_MODES:
            self.explain.colour(mode)
            return
        if mode not in CLUSTER_METHODS:
            self.jobs.cancel("cluster", self.key)
            self.state.set_colour_by(mode)  # folder/tag labels are already applied by the state
            self._mark_done("cluster")
            return
        gen, lib, model = self._generation, self.library, self.state.model
        params = cluster_params(mode, self.state.cluster_params.get(mode))
        ids = self.state.ids.copy()
        self._pending.add("cluster")
        self.jobs.submit(
            "cluster", lambda: lib.cluster(model, mode, params), key=self.key,
            description=f"Finding clusters ({mode})",
            on_result=lambda lab: self._cluster_done(gen, mode, ids, lab),
            on_error=lambda _e: self._current(gen) and self._mark_done("cluster"),
            on_cancel=lambda: self._stopped(gen, "Clustering stopped", "cluster"),
        )

    def _cluster_done(self, gen: int, mode: str, ids: np.ndarray, labelling: Any) -> None:
        if not self._current(gen) or mode != self.state.colour_by:
            return
        self.state.set_labelling(labelling.labels, ids, self._names(ids, labelling.labels), labelling=labelling)
        self._mark_done("cluster")

    def _names(self, ids: np.ndarray, labels: np.ndarray) -> dict[int, str]:
        """Cluster names from the sounds' tags (already in memory: no catalog read on this thread)."""
        infos = self.state.sounds
        return cluster_names(labels, [infos[int(i)].tags if int(i) in infos else [] for i in ids])

    def remap(self, recompute: bool = False) -> None:
        """Recompute the 2-D map with the current projection parameters."""
        if self.library is None or not len(self.state.ids):
            return
        gen, lib, model = self._generation, self.library, self.state.model
        params = ProjectionParams().updated(self.state.projection)
        n = len(self.state.ids)
        self._pending.add("map")
        self.jobs.submit(
            "map", lambda: lib.map(model, params, recompute=recompute), key=self.key,
            description="Arranging the map",
            on_progress=lambda p: self._map_progress(gen, n, p),
            on_result=lambda res: self._map_done(gen, res),
            on_error=lambda _e: self._current(gen) and self._mark_done("map"),
            on_cancel=lambda: self._stopped(gen, "Map stopped — showing a quick preview (F5 recomputes)", "map"),
        )

    def _map_progress(self, gen: int, n: int, p: Progress) -> None:
        if self._current(gen) and isinstance(p.partial, np.ndarray) and len(p.partial) == n == len(self.state.ids):
            self.state.set_layout(p.partial)

    def _map_done(self, gen: int, result: Any) -> None:
        if not self._current(gen):
            return
        self.state.set_layout(result.xy, result.ids, final=True)
        if self.state.colour_by == "faithfulness":  # a new map: measure it again
            self.recluster()
        self._mark_done("map")

    def _mark_done(self, what: str) -> None:
        self._pending.discard(what)
        if not self._pending and len(self.state.ids):
            self.ready = True
            n = len(self.state.ids)
            self.state.set_status(f"{n} sound{'s' if n != 1 else ''} · {self.state.model}")
            self.mapReady.emit()

    # ----------------------------------------------------------------- user changes
    def set_model(self, model: str, embed: Callable[[Any, str], Any] | None = None) -> None:
        if self.library is None or model == self.state.model:
            return
        for kind in PIPELINE_KINDS:
            self.jobs.cancel(kind, self.key)
        self.settings.model = model
        self.ready = False
        self.state.set_model(model)
        self.run(note=f"Switching to {model}…", cached_first=True, embed=embed)

    def set_projection(self, params: dict[str, float]) -> None:
        self.state.set_projection(**params)
        self.settings.projection = dict(self.state.projection)
        self.ready = False
        self.remap()

    def set_colour_by(self, mode: str) -> None:
        self.state.set_colour_by(mode)
        self.settings.colour_by = mode
        self.recluster()

    def set_cluster_params(self, method: str, params: dict[str, float]) -> None:
        self.state.set_cluster_params(method, **params)
        self.settings.cluster_params = {m: dict(p) for m, p in self.state.cluster_params.items()}
        if method == self.state.colour_by:
            self.recluster()
