"""The session model the views subscribe to (napari style): plain Python, no Qt.

:class:`SessionState` holds what the user is looking at — the open library, the encoder, the
projection and clustering parameters, the current points (sound ids in *row order*, their
layout and labels), the colour-by mode, the selected/hovered sound, the search query and the
files that could not be read. Every change goes through a setter that emits one event on
:attr:`SessionState.events`; views connect callbacks and never poke each other.

Rows: all arrays handed to views are in the state's row order (``state.ids``). Results from
core that come with their own id order are aligned to it here, so the views only see rows.

The colouring (colour-by mode, labels and their names, groupings, continuous colourings) is the
:class:`~desktop_app.model.session_colouring.SessionColouring` mixin.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.maps.params import default_cluster_values, default_projection_values
from core.maps.pca import PcaLayout, pca_2d
from desktop_app.model.colouring import GROUPING_MODES, ColourScale
from desktop_app.model.events import StateEvents
from desktop_app.model.search import rows_matching_all, search_rows
from desktop_app.model.session_colouring import SessionColouring
from desktop_app.model.sounds import SoundInfo
from core.defaults import DEFAULT_CLUSTER_METHOD, DEFAULT_MODEL


class SessionState(SessionColouring):
    """Everything the current session shows. Setters emit events; views subscribe.

    Array attributes (all in row order, ``N`` rows): ``ids`` int64 ``[N]``, ``vectors`` float32
    ``[N, D]`` (``None`` before any embedding), ``xy`` float32 ``[N, 2]``, ``labels`` int64
    ``[N]`` (``-1`` noise/none).
    """

    def __init__(self, model: str = DEFAULT_MODEL) -> None:
        self.events = StateEvents()
        self.library: Any = None
        self.root: Path | None = None
        self.model = model
        self.projection: dict[str, float] = default_projection_values()
        self.cluster_params = default_cluster_values()
        self.colour_by = DEFAULT_CLUSTER_METHOD
        self.sounds: dict[int, SoundInfo] = {}
        self.ids = np.zeros(0, dtype=np.int64)
        self.vectors: np.ndarray | None = None
        self.xy = np.zeros((0, 2), dtype=np.float32)
        self.layout_final = False
        self.labels = np.zeros(0, dtype=np.int64)
        self.label_names: dict[int, str] = {}
        self.labelling: Any = None  # the core Labelling behind ``labels`` (None for folder/tag)
        self.colour_tag: str | None = None  # "tag" mode: the chosen tag (None: the most common tags)
        self.colour_scale: ColourScale | None = None  # a continuous colouring: labels are its bins
        self.true_neighbours: Any = None  # core TrueNeighbours of the selected sound (None: unknown)
        self.selected: int | None = None
        self.selection = np.zeros(0, dtype=np.int64)
        self.hovered: int | None = None
        self.query = ""
        self.matches: np.ndarray | None = None
        self.results: list[tuple[int, float, tuple[str, ...]]] = []
        self.neighbors: list[tuple[int, float]] = []
        self.failures: list[tuple[str, str]] = []
        self._row_of: dict[int, int] = {}
        self._pca: PcaLayout | None = None
        self._reselect: int | None = None  # a sound to select again once its rows are back
        self._names: list[str] | None = None  # caches of names()/paths(), per row
        self._paths: list[Path | None] | None = None

    # ----------------------------------------------------------------- library & metadata
    def set_library(self, library: Any, root: Path | None = None) -> None:
        """Switch to another library (or ``None``): clears every per-library field."""
        self.library = library
        self.root = Path(root) if root is not None else (Path(library.root) if library is not None else None)
        self.sounds = {}
        self.failures = []
        self.query = ""
        self.matches = None
        self.results = []
        self._reselect = None
        self._reset_rows(np.zeros(0, dtype=np.int64), None)
        self.events.library.emit(library)
        self.events.points.emit()
        self.events.failures.emit(self.failures)
        self.events.query.emit(self.query, None)

    def set_sounds(self, rows: Iterable[Any]) -> None:
        """Refresh metadata from ``lib.sounds()`` (does not change the row set)."""
        root = Path(self.root or ".")
        self.sounds = {int(r.id): SoundInfo.from_row(r, root) for r in rows}
        self._names = self._paths = None
        if self.colour_by in GROUPING_MODES:
            self._apply_grouping()
        if self.query:
            self.set_query(self.query, force=True)

    def set_failures(self, failures: Sequence[tuple[str, str]]) -> None:
        self.failures = [(str(a), str(b)) for a, b in failures]
        self.events.failures.emit(self.failures)

    def set_status(self, text: str) -> None:
        self.events.status.emit(text)

    def info(self, row: int) -> SoundInfo | None:
        if row is None or not 0 <= row < len(self.ids):
            return None
        return self.sounds.get(int(self.ids[row]))

    def names(self) -> list[str]:
        """Display name per row (cached; extended as batches stream in)."""
        if self._names is None or len(self._names) != len(self.ids):
            self._names = [self._name_of(i) for i in self.ids.tolist()]
        return self._names

    def paths(self) -> list[Path | None]:
        """Absolute path per row (``None`` when the metadata is not known yet); cached."""
        if self._paths is None or len(self._paths) != len(self.ids):
            get = self.sounds.get
            self._paths = [s.path if (s := get(i)) is not None else None for i in self.ids.tolist()]
        return self._paths

    def _name_of(self, sid: int) -> str:
        s = self.sounds.get(sid)
        return s.name if s is not None else f"#{sid}"

    def row_of(self, sound_id: int) -> int | None:
        return self._row_of.get(int(sound_id))

    # --------------------------------------------------------------------- model & params
    def set_model(self, model: str) -> None:
        """Switch the encoder: the points go until its vectors arrive; the selected sound is selected
        again then (its panel is cleared meanwhile, never left stale)."""
        if model != self.model:
            self.model = model
            had = None if self.selected is None else int(self.ids[self.selected])
            self._reset_rows(np.zeros(0, dtype=np.int64), None)
            self._reselect = had
            self.events.model.emit(model)
            self.events.points.emit()
            if had is not None:
                self.events.selected.emit(None)

    def set_projection(self, **params: float) -> None:
        changed = {k: v for k, v in params.items() if self.projection.get(k) != v}
        if changed:
            self.projection.update(changed)
            self.events.params.emit("projection")

    def set_cluster_params(self, method: str, **params: float) -> None:
        cur = self.cluster_params.setdefault(method, {})
        changed = {k: v for k, v in params.items() if cur.get(k) != v}
        if changed:
            cur.update(changed)
            self.events.params.emit("cluster")

    # ------------------------------------------------------------------- rows & vectors
    def _reset_rows(self, ids: np.ndarray, vectors: np.ndarray | None) -> None:
        self._names = self._paths = None
        self.ids = np.asarray(ids, dtype=np.int64)
        self.vectors = vectors
        self._row_of = {int(s): r for r, s in enumerate(self.ids.tolist())}
        self.xy = np.zeros((len(self.ids), 2), dtype=np.float32)
        self.layout_final = False
        self.labels = np.full(len(self.ids), -1, dtype=np.int64)
        self.label_names = {}
        self.labelling = None
        self.colour_scale = None
        self.true_neighbours = None
        self.selected = None
        self.selection = np.zeros(0, dtype=np.int64)
        if not len(self.ids):
            self._pca = None
        self.hovered = None
        self.neighbors = []

    def add_embedded(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Append a streamed batch (``ids`` int64 ``[B]``, ``vectors`` float32 ``[B, D]``).

        Until a real projection exists the layout is a quick PCA of everything embedded so far:
        new points are placed with the current basis, which is refitted (sign-aligned with the
        previous layout, so points stay put) whenever the collection has grown by a third.
        Emits ``points``.
        """
        ids = np.asarray(ids, dtype=np.int64)
        vectors = np.asarray(vectors, dtype=np.float32)
        keep = np.array([int(i) not in self._row_of for i in ids], dtype=bool)
        if not keep.any():
            return
        if self.vectors is not None and self.vectors.shape[1] != vectors.shape[1]:
            return  # a batch from another model; ignore
        old_xy, old_labels, old_names = self.xy, self.labels, self.label_names
        selected, selection, neighbors = self.selected, self.selection, self.neighbors
        new_ids = np.concatenate([self.ids, ids[keep]])
        new_vecs = vectors[keep] if self.vectors is None else np.concatenate([self.vectors, vectors[keep]])
        if self._names is not None and len(self._names) == len(self.ids):
            self._names.extend(self._name_of(i) for i in ids[keep].tolist())
        else:
            self._names = None
        self._paths = None
        self.ids, self.vectors = new_ids, new_vecs
        for r, sid in enumerate(ids[keep].tolist(), start=len(old_xy)):
            self._row_of[int(sid)] = r
        n = len(new_ids)
        if self._pca is None or n >= self._pca.n * 4 // 3 or (self._pca.n < 64 and n > self._pca.n):
            self._pca = PcaLayout.fit(new_vecs, reference=old_xy if len(old_xy) else None)
            self.xy = self._pca.transform(new_vecs)
        else:
            self.xy = np.concatenate([old_xy, self._pca.transform(vectors[keep])])
        self.layout_final = False
        self.labels = np.concatenate([old_labels, np.full(int(keep.sum()), -1, dtype=np.int64)])
        self.label_names = old_names
        self.selected, self.selection, self.neighbors = selected, selection, neighbors
        self.hovered = None
        if self.colour_by in GROUPING_MODES:
            self.labels, self.label_names = self._grouping_labels()
        self.events.points.emit()

    def set_vectors(self, ids: np.ndarray, vectors: np.ndarray, xy: np.ndarray | None = None) -> None:
        """The model's final vectors (``lib.vectors(model)``); resets rows when the set changed.

        ``xy`` float32 ``[N, 2]`` (rows following ``ids``): a final layout already known (a cached
        map); without it the points start on a quick PCA preview.
        """
        ids = np.asarray(ids, dtype=np.int64)
        vectors = np.asarray(vectors, dtype=np.float32)
        if np.array_equal(ids, self.ids):
            self.vectors = vectors
            if xy is not None and not (self.layout_final and np.array_equal(self.xy, xy)):
                self.set_layout(xy, final=True)  # (an unchanged cached map is not drawn again)
            self._restore_selection()
            return
        old_xy = {int(s): self.xy[r] for r, s in enumerate(self.ids.tolist())}
        selected_id = None if self.selected is None else int(self.ids[self.selected])
        self._reset_rows(ids, vectors)
        self._pca = None
        if xy is not None:
            self.xy, self.layout_final = np.asarray(xy, dtype=np.float32), True
        else:
            reference = np.array([old_xy.get(int(s), (np.nan, np.nan)) for s in ids.tolist()], dtype=np.float64)
            self.xy = pca_2d(vectors, reference=reference.reshape(-1, 2) if old_xy else None)
        if self.colour_by in GROUPING_MODES:
            self.labels, self.label_names = self._grouping_labels()
        self.selected = self.row_of(selected_id) if selected_id is not None else None
        self.events.points.emit()
        self._restore_selection()

    def _restore_selection(self) -> None:
        """Select again the sound that was selected before a model switch, once it has a row."""
        if self._reselect is not None and (row := self.row_of(self._reselect)) is not None:
            self._reselect = None
            self.select(row)

    def _align(self, ids: np.ndarray | None, values: np.ndarray, fill: Any) -> np.ndarray | None:
        """Reorder ``values`` (rows follow ``ids``) to the state's row order; ``None`` if no overlap."""
        values = np.asarray(values)
        if ids is None:
            return values if len(values) == len(self.ids) else None
        ids = np.asarray(ids, dtype=np.int64)
        if np.array_equal(ids, self.ids):
            return values
        out = np.full((len(self.ids), *values.shape[1:]), fill, dtype=values.dtype)
        hit = 0
        for src, sid in enumerate(ids.tolist()):
            r = self._row_of.get(int(sid))
            if r is not None:
                out[r] = values[src]
                hit += 1
        return out if hit else None

    def set_layout(self, xy: np.ndarray, ids: np.ndarray | None = None, *, final: bool = False) -> bool:
        """New positions (``xy`` float32 ``[M, 2]``, rows following ``ids`` or the state's rows).

        Returns False (and changes nothing) when the rows do not match the current points.
        """
        aligned = self._align(ids, np.asarray(xy, dtype=np.float32), np.nan)
        if aligned is None:
            return False
        if np.isnan(aligned).any():  # rows without a position keep their preview spot
            aligned = np.where(np.isnan(aligned), self.xy, aligned)
        self.xy = aligned.astype(np.float32, copy=False)
        self.layout_final = final
        self.events.positions.emit(self.xy, final)
        return True

    # ------------------------------------------------------------ selection, hover, search
    def set_true_neighbours(self, found: Any) -> None:
        """The selected sound's true neighbours (``core.maps.faithfulness.TrueNeighbours``; rows of
        this state) or None. Emits ``true_neighbours``."""
        self.true_neighbours = found
        self.events.true_neighbours.emit(found)

    def select(self, row: int | None) -> None:
        if row is not None and not 0 <= row < len(self.ids):
            row = None
        if row != self.selected:
            self.selected = row
            self.neighbors = []
            self.true_neighbours = None
            self.events.selected.emit(row)

    def set_selection(self, rows: Sequence[int] | np.ndarray) -> None:
        rows = np.unique(np.asarray(rows, dtype=np.int64))
        rows = rows[(rows >= 0) & (rows < len(self.ids))]
        self.selection = rows
        self.events.selection.emit(rows)

    def hover(self, row: int | None) -> None:
        if row is not None and not 0 <= row < len(self.ids):
            row = None
        if row != self.hovered:
            self.hovered = row
            self.events.hovered.emit(row)

    def set_neighbors(self, pairs: Sequence[tuple[int, float]]) -> None:
        """Neighbours of the selected sound as ``(sound_id, distance)`` → stored as rows."""
        out: list[tuple[int, float]] = []
        for sid, dist in pairs:
            r = self.row_of(int(sid))
            if r is not None and math.isfinite(float(dist)):
                out.append((r, float(dist)))
        out.sort(key=lambda p: p[1])
        self.neighbors = out
        self.events.neighbors.emit(out)

    def set_query(self, query: str, *, force: bool = False) -> None:
        """Search by word (:func:`core.finding.search.search`): names, folders and tags through the
        synonym table ("kick" finds ``BD_02``), then sounds that sound like the matches.

        ``matches``: rows that match every word (highlighted on the map); ``results``: the ranked list
        ``(row, score, matched words)``: sounds matching more words first, then sounds matching some,
        then the similar sounds (no matched words).
        """
        query = query.strip()
        if query == self.query and not force:
            return
        self.query = query
        self.results = search_rows(self, query) if query else []
        self.matches = self.match(query, self.results) if query else None
        self.events.query.emit(query, self.matches)

    def match(self, query: str, results: list[tuple[int, float, tuple[str, ...]]] | None = None) -> np.ndarray:
        """Rows whose names, folders or tags match every word of ``query`` (through synonyms)."""
        return rows_matching_all(query, search_rows(self, query, similar=0) if results is None else results)
