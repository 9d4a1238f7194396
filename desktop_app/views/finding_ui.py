"""The finding features in the main window (issue 10): the Find menu, a dropped audio file as a
query, the recording and results windows, near-duplicates, suggested tags, the kit builder, the
filter panel, and the marks in the map's context menu.

The window creates one :class:`FindingUI` and calls :meth:`FindingUI.build_menu`,
:meth:`FindingUI.handle_drop` and :meth:`FindingUI.add_context_items`; everything else is here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QDockWidget, QFileDialog, QInputDialog, QMenu, QMenuBar

from core.audio.decode import is_audio_path
from core.finding.filters import filter_mask
from desktop_app.controllers.finding import Finding
from desktop_app.views.panels.filters import FilterPanel
from desktop_app.views.panels.docks import scrollable

AUDIO_FILTER = "Audio files (*.wav *.flac *.aif *.aiff *.ogg *.mp3 *.opus);;All files (*)"


class FindingUI:
    """Owns the finding dialogs and the filter dock of one main window ``win``."""

    def __init__(self, win: Any) -> None:
        self.win = win
        self.finding = Finding(win.state, win.jobs, lambda: win.pipeline.library)
        self.dialogs: dict[str, Any] = {}
        self.filters = FilterPanel()
        dock = QDockWidget("Filters", win)
        dock.setObjectName("dock-filters")
        dock.setWidget(scrollable(self.filters))
        win.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
        win.tabifyDockWidget(win.docks["controls"], dock)  # a tab beside Controls: the map keeps its room
        win.docks["controls"].raise_()
        win.docks["filters"] = dock
        self.filters.changed.connect(lambda _f: self.apply_filter())
        self.filters.analyseRequested.connect(self._analyse)
        self.finding.marksChanged.connect(self._on_marks)
        win.pipeline.libraryOpened.connect(self._on_library)
        win.state.events.points.connect(self.apply_filter)

    # ----------------------------------------------------------------------- menu
    def build_menu(self, menubar: QMenuBar, act: Callable[..., QAction]) -> QMenu:
        """The Find menu (``act`` is the menu builder's action factory)."""
        m = menubar.addMenu("F&ind")
        m.addAction(act("find_like", "Find sounds &like a file…", self.find_like_dialog, "Ctrl+L",
                        tip="Choose any audio file: its nearest sounds, and where it would land on the map "
                            "(you can also drop the file on the map)"))
        m.addAction(act("find_record", "Find sounds like a &recording…", self.record_dialog, "Ctrl+R",
                        tip="Record up to 10 s from the microphone and find the sounds like it"))
        m.addSeparator()
        m.addAction(act("duplicates", "Near-&duplicates…", self.duplicates, "Ctrl+D",
                        tip="Exact copies, the same audio in another format, and near-identical sounds"))
        m.addAction(act("suggested_tags", "Suggested &tags…", self.suggested_tags,
                        tip="Tags spread from your tagged sounds to their untagged neighbours; accept or reject"))
        m.addAction(act("kit", "&Kit builder…", self.kit, "Ctrl+K",
                        tip="Drop sounds on 16 pads, play them with keys or a step sequencer, export SFZ"))
        m.addSeparator()
        m.addAction(act("filters", "&Filters", self.show_filters, "Ctrl+Shift+F"))
        return m

    def _library_or_say(self) -> Any:
        lib = self.win.pipeline.library
        if lib is None or not len(self.win.state.ids):
            self.win.notify("Open a folder of sounds first", 4000)
            return None
        return lib

    def _dialog(self, key: str, make: Callable[[], Any]) -> Any:
        d = self.dialogs.get(key)
        if d is None:
            d = self.dialogs[key] = make()
        d.show()
        d.raise_()
        return d

    # ---------------------------------------------------------------------- query
    def find_like(self) -> Any:
        """The results window of query by sound (made once)."""
        from desktop_app.views.dialogs.find_like import FindLikeDialog

        w = self.win
        return self._dialog("find_like", lambda: FindLikeDialog(
            self.finding, w.map, w.play_row, lambda r: w.select_row(r, play=False, fly=True), self.play_file, w))

    def play_file(self, path: str | Path) -> None:
        if self.win._can_play():
            self.win.player.play(str(path))

    def query_file(self, path: str | Path) -> None:
        if self._library_or_say() is not None:
            self.find_like().query_file(path)

    def find_like_dialog(self) -> None:
        if self._library_or_say() is None:
            return
        path, _ = QFileDialog.getOpenFileName(self.win, "Find sounds like…", str(Path.home()), AUDIO_FILTER)
        if path:
            self.query_file(path)

    def record_dialog(self) -> Any:
        from desktop_app.views.dialogs.recording import RecordDialog

        def make() -> Any:
            d = RecordDialog(self.win)
            d.recorded.connect(self.query_recording)
            return d

        return self._dialog("record", make)

    def query_recording(self, samples: np.ndarray, rate: int) -> None:
        if self._library_or_say() is not None:
            self.find_like().query_buffer(samples, rate, "the recording")

    def handle_drop(self, mime: QMimeData) -> bool:
        """A dropped audio file queries (when a library is open); returns whether it was used."""
        if not mime.hasUrls() or self.win.pipeline.library is None:
            return False
        files = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
        if len(files) != 1 or not files[0].is_file() or not is_audio_path(files[0]):
            return False
        self.query_file(files[0])
        return True

    # ------------------------------------------------------- duplicates, tags, kits
    def duplicates(self) -> Any:
        from desktop_app.views.dialogs.duplicates import DuplicatesDialog

        if self._library_or_say() is None:
            return None
        w = self.win
        d = self._dialog("duplicates", lambda: DuplicatesDialog(self.finding, self.play_file, w.rescan, w))
        d.run()
        return d

    def suggested_tags(self) -> Any:
        from desktop_app.views.dialogs.suggested_tags import SuggestedTagsDialog

        if self._library_or_say() is None:
            return None
        d = self._dialog("tags", lambda: SuggestedTagsDialog(self.finding, self.play_file, self.win))
        d.load()
        return d

    def kit(self) -> Any:
        from desktop_app.views.dialogs.kit import KitDialog

        return self._dialog("kit", lambda: KitDialog(self.finding, self.play_file, self.win))

    # ------------------------------------------------------------ marks & filters
    def show_filters(self) -> None:
        self.win.docks["filters"].show()
        self.win.docks["filters"].raise_()

    def _on_library(self, _root: Any) -> None:
        self.filters.set_analysed(False)
        self.finding.load_marks()

    def _analyse(self) -> None:
        self.filters.set_analysed(True)
        self.win.notify("Listening for loops and one-shots…", 4000)
        self.finding.load_marks(analyse=True)

    def _on_marks(self, _data: Any) -> None:
        self.filters.set_collections(self.finding.collections)
        self.apply_filter()

    def apply_filter(self) -> np.ndarray | None:
        """Highlight the sounds that pass the filter panel (``core.finding.filters.filter_mask``)."""
        st, flt, data = self.win.state, self.filters.value(), self.finding.data
        rows = None
        if flt.active and data is not None and len(st.ids):
            rows = np.flatnonzero(filter_mask(st.ids, list(st.sounds.values()), flt, data))
        self.filters.set_count(None if rows is None else len(rows), len(st.ids))
        self.win.binding.set_filter(rows)
        return rows

    def target_ids(self, row: int | None) -> list[int]:
        """The sounds a context-menu mark applies to: the selection if ``row`` is in it, else ``row``."""
        st = self.win.state
        rows: Sequence[int] = st.selection.tolist() if row is None or row in st.selection else [row]
        return [int(st.ids[r]) for r in rows if 0 <= r < len(st.ids)]

    def add_context_items(self, menu: QMenu, row: int | None) -> None:
        """Favourite, rating, collection and kit items for the sound under the cursor (or the selection)."""
        ids = self.target_ids(row)
        if not ids or self.win.pipeline.library is None:
            return
        f = self.finding
        n = f"{len(ids)} sounds" if len(ids) > 1 else "this sound"
        fav = all(f.is_favourite(i) for i in ids)
        a = menu.addAction("★ Favourite", lambda: f.set_favourite(ids, not fav))
        a.setCheckable(True)
        a.setChecked(fav)
        rate = menu.addMenu(f"Rate {n}")
        for stars in range(6):
            r = rate.addAction("☆ none" if stars == 0 else "★" * stars, lambda s=stars: f.set_rating(ids, s))
            r.setCheckable(True)
            r.setChecked(len(ids) == 1 and f.rating(ids[0]) == stars)
        coll = menu.addMenu(f"Add {n} to a collection")
        for c in f.collections:
            coll.addAction(f"{c.name} ({c.size})", lambda cid=c.id: f.add_to_collection(ids, cid, self._added))
        coll.addSeparator()
        coll.addAction("New collection…", lambda: self._new_collection(ids))
        menu.addAction(f"Add {n} to the kit", lambda: self.kit().add_sounds(ids))
        menu.addSeparator()

    def _added(self, n: int) -> None:
        self.win.notify(f"{n} sound{'s' if n != 1 else ''} added to the collection", 4000)

    def _new_collection(self, ids: list[int], name: str | None = None) -> None:
        if name is None:
            name, ok = QInputDialog.getText(self.win, "New collection", "Name:")
            if not ok or not name.strip():
                return
        self.finding.add_to_collection(ids, name, self._added)
