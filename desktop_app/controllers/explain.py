"""Jobs behind "what the map means": continuous colourings (map faithfulness, descriptors), the
selected sound's true neighbours, and cluster descriptions. Everything runs on workers through
the :class:`~desktop_app.controllers.jobs.JobManager`; results reach the state on the GUI thread.

Caches: the faithfulness of a layout (per model and layout), the library's descriptors (per
library and row set; core also caches them in the catalog, so a restart only reads them).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import numpy as np

from core.maps.faithfulness import faithfulness_job, true_neighbours
from desktop_app.model.colouring import (
    DESCRIPTOR_MODES,
    ColourScale,
    descriptor_axis,
    descriptor_colouring,
    descriptor_xy,
)

FAITHFULNESS_K = 10


def _digest(*arrays: np.ndarray) -> str:
    h = hashlib.blake2b(digest_size=16)
    for a in arrays:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def faithfulness_scale(result: Any) -> ColourScale:
    """The colour scale of a ``core.maps.faithfulness.Faithfulness``: its legend line as caption."""
    return ColourScale("Map faithfulness", 0.0, 1.0, result.legend(), "", "plasma", fmt="{:.1f}")


class Explain:
    """Owned by the :class:`~desktop_app.controllers.pipeline.Pipeline` (``pipeline.explain``)."""

    def __init__(self, pipeline: Any) -> None:
        self.pipeline = pipeline
        self.state = pipeline.state
        self.jobs = pipeline.jobs
        self._faith: dict[tuple[str, str], Any] = {}
        self._desc: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self.faithfulness: Any = None  # the last Faithfulness shown
        ev = self.state.events
        ev.selected.connect(lambda row: row is not None and self.find_true_neighbours(row))
        ev.positions.connect(lambda _xy, final: final and self._refresh_true_neighbours())

    # ------------------------------------------------------------------ colourings
    def colour(self, mode: str) -> None:
        """Compute and show the continuous colouring ``mode`` ('faithfulness' or 'descriptor:AXIS')."""
        p, st = self.pipeline, self.state
        if p.library is None or not len(st.ids):
            return
        if mode == "faithfulness":
            self._faithfulness(p._generation)
        elif mode in DESCRIPTOR_MODES:
            self._descriptor(p._generation, descriptor_axis(mode))
        else:
            raise ValueError(f"{mode!r} is not a continuous colouring")

    def _faithfulness(self, gen: int) -> None:
        p, st = self.pipeline, self.state
        if st.vectors is None or not st.layout_final:
            p._mark_done("cluster")  # the map's arrival colours it (Pipeline._map_done)
            return
        ids, vectors, xy = st.ids.copy(), st.vectors, st.xy.copy()
        key = (st.model, _digest(ids, xy))
        if key in self._faith:
            self._show_faithfulness(gen, ids, self._faith[key])
            return
        p._pending.add("cluster")

        def done(result: Any) -> None:
            self._faith = {key: result}  # one layout per session is enough
            self._show_faithfulness(gen, ids, result)

        self.jobs.submit("cluster", lambda: faithfulness_job(vectors, xy, FAITHFULNESS_K), key=p.key,
                         description="Measuring how faithful the map is", on_result=done,
                         on_error=lambda _e: p._current(gen) and p._mark_done("cluster"),
                         on_cancel=lambda: p._stopped(gen, "Stopped", "cluster"))

    def _show_faithfulness(self, gen: int, ids: np.ndarray, result: Any) -> None:
        p = self.pipeline
        if not p._current(gen) or self.state.colour_by != "faithfulness":
            return
        self.faithfulness = result
        self.state.set_colour_values(result.preservation, ids, faithfulness_scale(result))
        p._mark_done("cluster")

    def descriptors(self, on_result: Callable[[np.ndarray, np.ndarray], None], *,
                    kind: str = "descriptors", on_error: Callable[[Any], None] | None = None) -> None:
        """``on_result(ids, values [N, K])`` for the current rows (sounds that could not be read are
        left out); computed on a worker the first time, then from memory."""
        p, st = self.pipeline, self.state
        lib, ids = p.library, st.ids.copy()
        key = (str(lib.root), _digest(np.sort(ids)))
        if key in self._desc:
            on_result(*self._desc[key])
            return

        def job() -> Any:
            from core.audio.descriptors import library_descriptors

            return (yield from library_descriptors(lib, ids))

        def done(res: tuple[np.ndarray, np.ndarray]) -> None:
            self._desc[key] = res
            on_result(*res)

        self.jobs.submit(kind, job, key=p.key, after_key=True, description="Measuring brightness, loudness, pitch…",
                         on_result=done, on_error=on_error)

    def _descriptor(self, gen: int, axis: str) -> None:
        from core.audio.descriptors import column

        p = self.pipeline
        p._pending.add("cluster")
        mode = f"descriptor:{axis}"

        def show(ids: np.ndarray, values: np.ndarray) -> None:
            if not p._current(gen) or self.state.colour_by != mode:
                return
            shown, scale = descriptor_colouring(axis, column(values, axis))
            self.state.set_colour_values(shown, ids, scale)
            p._mark_done("cluster")

        self.descriptors(show, kind="cluster", on_error=lambda _e: p._current(gen) and p._mark_done("cluster"))

    # ------------------------------------------------------------------ layouts
    def place_by(self, x_axis: str | None, y_axis: str | None = None,
                 on_done: Callable[[], None] | None = None) -> None:
        """Place the sounds by two descriptors (x, y: ``core.audio.descriptors.AXES`` names), as
        CataRT does; ``x_axis`` None goes back to the UMAP map (from the catalog's cache)."""
        from core.audio.descriptors import column

        p, st = self.pipeline, self.state
        if p.library is None or not len(st.ids):
            return
        if not x_axis:
            p.remap()
            return
        gen = p._generation
        p.jobs.cancel("map", p.key)

        def show(ids: np.ndarray, values: np.ndarray) -> None:
            if not p._current(gen):
                return
            xy = descriptor_xy(column(values, x_axis), column(values, y_axis or x_axis))
            full = np.full((len(st.ids), 2), -0.1, np.float32)  # sounds without descriptors: the corner
            rows = [st.row_of(int(i)) for i in ids]
            ok = np.array([r is not None for r in rows], bool)
            full[np.array([r for r in rows if r is not None], np.int64)] = xy[ok]
            st.set_layout(full, final=True)
            if st.colour_by == "faithfulness":
                p.recluster()
            if on_done is not None:
                on_done()

        self.descriptors(show, kind="layout")

    # ------------------------------------------------------------- true neighbours
    def find_true_neighbours(self, row: int) -> None:
        """The selected sound's k true neighbours and where the map put them (a quick job)."""
        st, p = self.state, self.pipeline
        if st.vectors is None or not 0 <= row < len(st.ids) or len(st.ids) < 3:
            return
        vectors, xy = st.vectors, st.xy.copy()
        k = int(getattr(p.settings, "neighbors_k", FAITHFULNESS_K))

        def done(found: Any) -> None:
            if st.selected == row and len(st.xy) == len(xy):
                st.set_true_neighbours(found)

        self.jobs.call("true-neighbours", true_neighbours, vectors, xy, row, k, key=p.key,
                       description="Where the map put the neighbours", on_result=done)

    def _refresh_true_neighbours(self) -> None:
        if self.state.selected is not None:
            self.find_true_neighbours(self.state.selected)

    # --------------------------------------------------------------- describe
    def describe(self, label: int, on_result: Callable[[Any], None],
                 on_error: Callable[[Any], None] | None = None) -> None:
        """``on_result(ClusterDescription)`` of cluster ``label`` of the current colouring: the
        descriptors and tags that set it apart (``core.evaluation.describe``), on a worker."""
        from core.audio.descriptors import names
        from core.evaluation.describe import describe_cluster

        st = self.state
        labels = st.labels.copy()
        row_of = {int(s): r for r, s in enumerate(st.ids.tolist())}
        tags = [list(s.tags) if (s := st.sounds.get(int(i))) else [] for i in st.ids.tolist()]

        def with_descriptors(ids: np.ndarray, values: np.ndarray) -> None:
            rows = np.array([row_of[int(i)] for i in ids if int(i) in row_of], dtype=np.int64)
            keep = np.array([int(i) in row_of for i in ids], dtype=bool)
            if not (labels[rows] == label).any():  # no readable sound in it: tags only
                rows, vals = np.arange(len(labels)), None
            else:
                vals = values[keep]
            self.jobs.call("describe", describe_cluster, labels[rows], int(label), vals,
                           names() if vals is not None else None, [tags[r] for r in rows],
                           key=self.pipeline.key, description="Describing the cluster",
                           on_result=on_result, on_error=on_error)

        self.descriptors(with_descriptors, on_error=on_error)
