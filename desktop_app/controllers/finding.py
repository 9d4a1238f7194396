"""The finding features' jobs (issue 10): query by a sound, near-duplicates, suggested tags, marks
(favourites, ratings, collections) and the filter data, the kit export.

Every catalog read or write and every model run goes through the :class:`JobManager` on a worker;
results come back to the GUI thread through the ``on_result`` callbacks. Jobs are keyed by the
library root, so opening another library cancels them. The work itself is in ``core.finding``,
``core.catalog.marks`` / ``suggestions`` and ``core.export.kits``.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Signal

from core.maps.params import ProjectionParams
from desktop_app.controllers.jobs import JobHandle, JobManager
from desktop_app.model.session import SessionState

Callback = Callable[[Any], None] | None


class Finding(QObject):
    """Signals: ``marksChanged(FilterData)`` after the marks were (re)loaded or changed."""

    marksChanged = Signal(object)

    def __init__(self, state: SessionState, jobs: JobManager, library: Callable[[], Any]) -> None:
        super().__init__()
        self.state = state
        self.jobs = jobs
        self._library = library
        self.data: Any = None  # core.finding.filters.FilterData, once loaded
        self.collections: list[Any] = []  # core.catalog.marks.Collection
        self._writes: deque[tuple[Any, str, Callable[[], Any], str, Callback]] = deque()
        self._writing: JobHandle | None = None
        self._serial = 0

    @property
    def library(self) -> Any:
        return self._library()

    @property
    def key(self) -> str | None:
        lib = self.library
        return None if lib is None else str(lib.root)

    def _submit(self, kind: str, make: Callable[[], Any], description: str, on_result: Callback,
                on_progress: Callback = None, on_error: Callback = None) -> JobHandle | None:
        if self.library is None:
            return None
        return self.jobs.submit(kind, make, key=self.key, description=description, on_result=on_result,
                                on_progress=on_progress, on_error=on_error)

    def _call(self, kind: str, fn: Callable[[], Any], description: str, on_result: Callback,
              on_error: Callback = None) -> JobHandle | None:
        def job() -> Any:
            return fn()
            yield  # pragma: no cover - a generator with no progress

        return self._submit(kind, job, description, on_result, on_error=on_error)

    def _write(self, kind: str, fn: Callable[[], Any], description: str, on_result: Callback) -> None:
        """Run catalog or file writes one at a time, in the order asked (a new job of one kind and key
        would cancel the last, so each write gets its own kind)."""
        self._writes.append((self.key, kind, fn, description, on_result))
        self._next_write()

    def _next_write(self) -> None:
        if self._writing is not None and not self._writing.is_done():
            return
        self._writing = None
        while self._writes and self._writing is None:
            key, kind, fn, description, on_result = self._writes.popleft()
            if key != self.key:
                continue  # asked of a library that is no longer open
            self._serial += 1
            self._writing = self._call(f"{kind}#{self._serial}", fn, description, on_result)
        if self._writing is not None:
            self._writing.ended.connect(lambda _h: self._next_write())

    def is_writing(self) -> bool:
        return bool(self._writes) or (self._writing is not None and not self._writing.is_done())

    # ------------------------------------------------------------------------- query
    def query(self, *, path: str | Path | None = None, samples: np.ndarray | None = None, rate: int | None = None,
              k: int = 10, on_result: Callback = None, on_error: Callback = None) -> JobHandle | None:
        """Embed a file or a recording with the current model, its ``k`` neighbours and its place on
        the map (``core.finding.query.query_library``) → ``on_result(QueryResult)``."""
        from core.finding.query import query_library

        lib, model = self.library, self.state.model
        projection = ProjectionParams().updated(self.state.projection)
        return self._call("query", lambda: query_library(lib, model, path=path, samples=samples, rate=rate, k=k,
                                                         projection=projection),
                          "Finding sounds like it", on_result, on_error)

    def neighbors(self, sound_id: int, k: int, on_result: Callback) -> JobHandle | None:
        lib, model = self.library, self.state.model
        return self._call("kit-neighbours", lambda: lib.neighbors(model, int(sound_id), k),
                          "Finding neighbours", on_result)

    # -------------------------------------------------------------------- duplicates
    def duplicates(self, params: Any, on_result: Callback, on_progress: Callback = None) -> JobHandle | None:
        """``core.finding.duplicates.find_duplicates`` → ``on_result(DuplicateReport)``."""
        from core.finding.duplicates import find_duplicates

        lib = self.library
        return self._submit("duplicates", lambda: find_duplicates(lib.catalog, params), "Looking for duplicates",
                            on_result, on_progress)

    def move(self, paths: Sequence[str | Path], folder: str | Path, on_result: Callback) -> None:
        """Move files (never deleting) → ``on_result(MoveRecord)``; a rescan follows in the caller."""
        from core.finding.moves import move_files

        root = self.library.root if self.library is not None else None
        self._write("move", lambda: move_files(list(paths), folder, root), "Moving files", on_result)

    def undo_move(self, record: Any, on_result: Callback) -> None:
        from core.finding.moves import undo_moves

        self._write("move", lambda: undo_moves(record), "Putting files back", on_result)

    # ----------------------------------------------------------------- suggested tags
    def suggest_tags(self, on_result: Callback, params: Any = None, *, rerun: bool = True,
                     on_progress: Callback = None) -> JobHandle | None:
        """Run label propagation and store the pending suggestions (``rerun``), then
        ``on_result(list[TagSuggestion])``: every stored suggestion, the most confident first."""
        from core.catalog.suggestions import SuggestionStore
        from core.finding.suggest_tags import suggest_tags

        lib, model = self.library, self.state.model

        def job() -> Any:
            store = SuggestionStore(lib.catalog)
            if rerun:
                ids, vectors = lib.vectors(model)
                made = yield from suggest_tags(lib.sounds(), ids, vectors, params, extra_tags=store.accepted_tags(),
                                               exclude=store.rejected())
                store.replace_pending(made, model)
            return store.suggestions()

        return self._submit("suggest-tags", job, "Suggesting tags", on_result, on_progress)

    def review_tags(self, items: Sequence[tuple[int, str]], status: str, on_result: Callback) -> None:
        """Accept or reject ``(sound_id, tag)`` suggestions → ``on_result(rows changed)``."""
        from core.catalog.suggestions import SuggestionStore

        lib, items = self.library, list(items)
        self._write("review-tags", lambda: SuggestionStore(lib.catalog).set_status(items, status),
                    "Saving the reviewed tags", on_result)

    # ------------------------------------------------------------- marks and filters
    def load_marks(self, *, analyse: bool = False, on_result: Callback = None) -> JobHandle | None:
        """Read favourites, ratings, collections and loop flags (after the loop analysis when
        ``analyse``); ``marksChanged`` follows."""
        from core.catalog.marks import MarkStore
        from core.finding.duplicates import analyse_sounds
        from core.finding.filters import FilterData

        lib = self.library

        def job() -> Any:
            if analyse:
                yield from analyse_sounds(lib.catalog)
            return FilterData.load(lib.catalog), MarkStore(lib.catalog).collections()

        def done(result: Any) -> None:
            self.data, self.collections = result
            self.marksChanged.emit(self.data)
            if on_result is not None:
                on_result(self.data)

        return self._submit("marks-analyse" if analyse else "marks", job, "Reading favourites and collections", done)

    def _mark(self, what: Callable[[Any], Any], on_result: Callback = None) -> None:
        from core.catalog.marks import MarkStore

        lib = self.library

        def work() -> Any:
            return what(MarkStore(lib.catalog))

        def done(result: Any) -> None:
            self.load_marks()
            if on_result is not None:
                on_result(result)

        self._write("mark", work, "Saving marks", done)

    def set_favourite(self, ids: Sequence[int], favourite: bool, on_result: Callback = None) -> None:
        ids = [int(i) for i in ids]
        self._mark(lambda m: m.set_favourite(ids, favourite), on_result)

    def set_rating(self, ids: Sequence[int], rating: int, on_result: Callback = None) -> None:
        ids = [int(i) for i in ids]
        self._mark(lambda m: m.set_rating(ids, int(rating)), on_result)

    def add_to_collection(self, ids: Sequence[int], collection: int | str, on_result: Callback = None) -> None:
        """Add sounds to a collection (an id, or a name: a new collection) → ``on_result(added)``."""
        ids = [int(i) for i in ids]

        def add(m: Any) -> int:
            cid = m.create_collection(collection) if isinstance(collection, str) else int(collection)
            return m.add_to_collection(cid, ids)

        self._mark(add, on_result)

    def is_favourite(self, sound_id: int) -> bool:
        return self.data is not None and int(sound_id) in self.data.favourites

    def rating(self, sound_id: int) -> int:
        return 0 if self.data is None else int(self.data.ratings.get(int(sound_id), 0))

    # ---------------------------------------------------------------------------- kits
    def export_kit(self, kit: Any, parent: str | Path, on_result: Callback, on_error: Callback = None
                   ) -> JobHandle | None:
        """``core.export.kits.export_kit`` on a worker (it copies files) → ``on_result(KitExport)``."""
        from core.export.kits import export_kit

        return self._call("kit-export", lambda: export_kit(kit, parent), "Exporting the kit", on_result, on_error)
