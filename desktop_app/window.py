"""The main window: the map in the middle, controls on the left, the sound and its neighbours on
the right, background jobs in the status bar. Assembly and wiring only — the work is in the
pipeline, the state and the views.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QCloseEvent, QDesktopServices, QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QLabel, QMainWindow, QMenu

from core.resources import demo_dir
from desktop_app.views.map.binding import MapBinding
from desktop_app.errors import ErrorReporter, ShowError
from desktop_app.application import APP_NAME
from desktop_app.icons import icon
from desktop_app.persistence import dropped_folder, restore_window, save_window
from desktop_app.wiring import wire_window
from desktop_app.views.explain_wiring import wire_explain
from desktop_app.menus import build_menus_and_toolbar
from desktop_app.controllers import export as export_actions
from desktop_app.controllers.pipeline import PIPELINE_KINDS, Pipeline
from desktop_app.controllers.sound_work import SoundWork
from desktop_app.model.settings import Settings
from desktop_app.model.session import SessionState
from desktop_app.model.session_colouring import COLOUR_MODES
from desktop_app.views.panels.controls import ControlsPanel
from desktop_app.views.panels.details import DetailsPanel
from desktop_app.views.dialogs.failures import FailureReport, failure_link_text
from desktop_app.views.panels.job_bar import JobBar
from desktop_app.views.panels.search_results import SearchResults
from desktop_app.views.panels.status_line import StatusLine
from desktop_app.views.panels.docks import add_docks
from desktop_app.views.map.spatial import auto_point_size
from desktop_app.views.map.view import MapView
from desktop_app.views.panels.neighbor_list import NeighborList
from desktop_app.views.presenter import Presenter
from desktop_app.controllers.jobs import JobManager



def make_player(parent: Any, device: str | None = None) -> Any:
    """The audio player (``desktop_app.controllers.playback.Player``) on ``device`` (a name; None = default)."""
    from desktop_app.controllers.playback import Player

    return Player(device, parent=parent)


class MainWindow(QMainWindow):
    """Sound Explorer's window. ``show_error`` and ``player`` are injectable (tests)."""

    def __init__(self, settings: Settings | None = None, *, show_error: ShowError | None = None,
                 player: Any = None, library_factory: Callable[[Path], Any] | None = None,
                 persist: bool = True) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.settings = settings or Settings.load()
        self.persist = persist
        s = self.settings

        self.jobs = JobManager(max_threads=4, parent=self)
        self.errors = ErrorReporter(self, show_error)
        self.jobs.jobFailed.connect(self.errors.report_job)

        self.state = SessionState(model=s.model)
        self.state.projection.update(s.projection)
        for method, params in s.cluster_params.items():
            self.state.cluster_params.setdefault(method, {}).update(params)
        if s.colour_by in COLOUR_MODES:
            self.state.colour_by = s.colour_by
        self.pipeline = Pipeline(self.state, self.jobs, s, library_factory)
        self.sound_work = SoundWork(self.pipeline)
        self._fit_neighbors_of: int | None = None  # "show similar sounds" waits for the neighbours

        self.player = player if player is not None else make_player(self)
        self.player.set_volume(s.volume)
        if s.device is not None:  # indices change between sessions: match the saved name
            for index, name in self.player.devices():
                if name == s.device:
                    self.player.set_device(index)
                    break

        self._build_views()
        self._build_status_bar()
        self.actions: dict[str, QAction] = build_menus_and_toolbar(self)
        wire_window(self)
        wire_explain(self)  # tag picker, far neighbours, describe, OSC (desktop_app/views/explain_wiring.py)
        self.player.stateChanged.connect(self._on_play_state)
        self._apply_point_size()
        self.map.set_hover_to_play(s.hover_to_play)
        self.controls.set_values(colour_by=self.state.colour_by, projection=self.state.projection,
                                 cluster_params=self.state.cluster_params, point_size=self.map.point_size())
        restore_window(self)

    # ------------------------------------------------------------------------ assembly
    def _build_views(self) -> None:
        self.map = MapView(self)
        self.setCentralWidget(self.map)
        self.binding = MapBinding(self.state, self.map)
        self.controls = ControlsPanel()
        self.details = DetailsPanel()
        self.neighbors = NeighborList()
        self.search_results = SearchResults()
        self.failure_report = FailureReport(self)
        self.presenter = Presenter(self, self.map, self.state, self.play_row, self.binding.set_annotations,
                                   seconds_per_stop=self.settings.tour_seconds)
        self.docks = add_docks(self, [
            ("controls", "Controls", self.controls, "left"), ("details", "Sound", self.details, "right"),
            ("neighbours", "Neighbours", self.neighbors, "right"), ("search", "Search", self.search_results, "right"),
        ], tabs=[("neighbours", "search")], widths={"controls": 250, "details": 220})
        from desktop_app.views.finding_ui import FindingUI

        self.finding_ui = FindingUI(self)  # issue 10: query by sound, duplicates, tags, filters, kits

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.status_label = StatusLine("Open a folder of sounds to begin (Ctrl+O)")
        self.audio_off = QLabel("Sound off")  # a quiet, lasting indicator: the status line stays free
        self.audio_off.setObjectName("AudioOff")
        self.audio_off.hide()
        self.player.unavailable.connect(self._on_audio_unavailable)
        self.player.error.connect(lambda msg: self.notify(msg, 6000))
        self.failure_label = QLabel("")
        self.failure_label.setObjectName("FailureLink")
        self.failure_label.setTextFormat(Qt.TextFormat.RichText)
        self.failure_label.linkActivated.connect(lambda _l: self.show_failures())
        self.failure_label.hide()
        self.job_bar = JobBar(self.jobs, kinds=PIPELINE_KINDS)
        bar.addWidget(self.status_label, 1)
        bar.addPermanentWidget(self.audio_off)
        bar.addPermanentWidget(self.failure_label)
        bar.addPermanentWidget(self.job_bar)

    # --------------------------------------------------------------------- libraries
    def open_library(self, folder: str | Path) -> bool:
        """Open ``folder``; errors go to the error dialog. Returns whether it opened."""
        try:
            self.pipeline.open(folder)
        except (OSError, ValueError) as exc:
            self.errors.report(exc, context=f"Opening {folder}")
            self.settings.forget(folder)
            self.refresh_recent_menu()
            return False
        return True

    def open_dialog(self) -> None:
        start = str(self.pipeline.library.root.parent) if self.pipeline.library is not None else str(Path.home())
        folder = QFileDialog.getExistingDirectory(self, "Open a folder of sounds", start)
        if folder:
            self.open_library(folder)

    def open_demo(self) -> None:
        self.open_library(demo_dir())

    def rescan(self) -> None:
        self.pipeline.run()

    def _on_library_opened(self, root: Path) -> None:
        self.setWindowTitle(f"{root.name} — {APP_NAME}")
        self.setWindowFilePath(str(root))
        choices = self.pipeline.model_choices or [(self.state.model, self.state.model, "")]
        self.controls.set_models(choices, self.state.model)
        self.details.set_sound(None)
        self.neighbors.clear()
        self.refresh_recent_menu()
        self.save_settings()

    def open_training(self, defaults: dict | None = None) -> None:
        """The training dialog for the open library; a trained model becomes selectable and is shown.
        ``defaults`` pre-fills the dialog (any TrainConfig field)."""
        lib = self.pipeline.library
        if lib is None:
            self.notify("Open a library first", 4000)
            return
        from desktop_app.views.dialogs.training import TrainingDialog

        dialog = TrainingDialog(lib, self, defaults=defaults, jobs=self.jobs)
        dialog.trained.connect(self._on_trained)
        dialog.show()
        self._training_dialog = dialog

    def open_compare(self) -> None:
        """Every model of the open library side by side against its labels (folders, prefix or a CSV)."""
        lib = self.pipeline.library
        if lib is None:
            self.notify("Open a library first", 4000)
            return
        from desktop_app.views.dialogs.compare import CompareDialog

        dialog = CompareDialog(lib, self.jobs, self)
        dialog.show()
        self._compare_dialog = dialog

    def _on_trained(self, name: str) -> None:
        if self.pipeline.library is None:
            return
        self.pipeline.set_model(name)
        self.pipeline.refresh_models(lambda choices: self.controls.set_models(choices, self.state.model))

    def refresh_recent_menu(self) -> None:
        menu: QMenu | None = getattr(self, "recent_menu", None)
        if menu is None:
            return
        menu.clear()
        recent = self.settings.existing_recent()
        for p in recent:
            a = menu.addAction(p.name)
            a.setToolTip(str(p))
            a.setStatusTip(str(p))
            a.triggered.connect(lambda _=False, p=p: self.open_library(p))
        if not recent:
            menu.addAction("No recent folders").setEnabled(False)

    # ------------------------------------------------------------------ drag and drop
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 - Qt API
        if dropped_folder(event.mimeData()) is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802 - Qt API
        if self.finding_ui.handle_drop(event.mimeData()):  # an audio file: find the sounds like it
            event.acceptProposedAction()
            return
        folder = dropped_folder(event.mimeData())
        if folder is not None:
            event.acceptProposedAction()
            self.open_library(folder)

    # ------------------------------------------------------------- selection & play
    def select_row(self, row: int, *, play: bool = True, fly: bool = False) -> None:
        if not 0 <= row < len(self.state.ids):
            return
        self.state.select(row)
        if play:
            self.play_row(row)
        if fly and len(self.state.xy):  # to the sound now, then to fit its neighbours when they are known
            x, y = (float(v) for v in self.state.xy[row])
            span = max(float(self.state.xy.max(axis=0).max() - self.state.xy.min(axis=0).min()) / 6, 1e-3)
            self.map.fly_to((x, y), span)
            self._fit_neighbors_of = row

    def notify(self, text: str, ms: int = 6000) -> None:
        """A passing notice in the status bar (it never draws over the state text)."""
        self.status_label.notify(text, ms)

    def _on_audio_unavailable(self, reason: str) -> None:
        self.audio_off.setToolTip(f"{reason[:1].upper()}{reason[1:]}. The map, search and exports still work.")
        self.audio_off.show()

    def _can_play(self) -> bool:
        reason = self.player.unavailable_reason()
        if reason:
            self.notify(f"Can't play: {reason}", 4000)
        return not reason

    def play_row(self, row: int) -> None:
        info = self.state.info(row)
        if info is not None and self._can_play():
            self.player.play(str(info.path))

    def toggle_play(self) -> None:
        row = self.state.selected if self.state.selected is not None else self.state.hovered
        info = self.state.info(row) if row is not None else None
        if info is None:
            if self.player.is_playing():
                self.player.stop()
            else:
                self.notify("Select a sound to play (click a point)", 3000)
        elif self._can_play():
            self.player.toggle(str(info.path))

    def stop(self) -> None:
        self.player.stop()
        if self.presenter.touring:
            self.presenter.stop_tour()
        elif self.presenter.active:
            self.presenter.leave()

    def _on_play_state(self, state: str) -> None:
        playing = state == "playing"
        self.actions["play"].setIcon(icon("stop" if playing else "play"))
        self.details.play_button.setText("Stop" if playing else "Play")

    def _on_selected(self, row: int | None) -> None:
        info = self.state.info(row) if row is not None else None
        self.details.set_sound(info)
        self.neighbors.set_neighbors(info.name if info else None, [], [])
        if row is not None:
            self.sound_work.preview(row)
            self.sound_work.neighbors(row)

    def _on_selection(self, rows: Any) -> None:
        n = len(rows)
        if n:
            self.notify(f"{n} sound{'s' if n != 1 else ''} selected — File ▸ Export sounds "
                                         "copies them or writes a playlist/table", 8000)

    def _on_query(self, query: str, _rows: Any) -> None:
        self.search_results.set_results(query, self.state.results, self.state.names())
        if query:
            self.docks["search"].raise_()

    def _on_neighbors(self, pairs: list[tuple[int, float]]) -> None:
        sel = self.state.selected
        info = self.state.info(sel) if sel is not None else None
        self.neighbors.set_neighbors(info.name if info else None, pairs, self.state.names())
        if sel is not None and self._fit_neighbors_of == sel and pairs:
            self._fit_neighbors_of = None  # "show similar sounds": the sound and all its neighbours in view
            self.map.fly_to_rows([sel, *(r for r, _ in pairs)], margin=0.2)

    def _on_preview(self, row: int, preview: Any, error: str) -> None:
        if row == self.state.selected:
            self.details.set_preview(preview, error or None)

    def _on_failures(self, failures: list[tuple[str, str]]) -> None:
        self.failure_label.setText(failure_link_text(len(failures)))
        self.failure_label.setVisible(bool(failures))
        self.failure_report.set_failures(failures, self.state.root)

    def export_sounds(self, fmt: str) -> None:
        """Export the selection (or the selected sound's cluster) as 'folder', 'm3u' or 'csv'."""
        export_actions.export_sounds(self, self.state, fmt, self.notify, self.errors.report)

    def show_failures(self) -> None:
        self.failure_report.show()
        self.failure_report.raise_()

    # ----------------------------------------------------------------------- options
    def _apply_point_size(self) -> None:
        """The chosen size, or (never chosen) one that suits the number of sounds."""
        px = self.settings.point_size if self.settings.point_size > 0 else auto_point_size(len(self.state.ids))
        if not self.presenter.active and px != self.map.point_size():
            self.map.set_point_size(px)

    def set_point_size(self, px: float) -> None:
        self.settings.point_size = float(px)
        if not self.presenter.active:
            self.map.set_point_size(px)

    def set_neighbors_k(self, k: int) -> None:
        """List ``k`` neighbours (saved), and list them again for the selected sound."""
        self.settings.neighbors_k = int(k)
        if self.state.selected is not None:
            self.sound_work.neighbors(self.state.selected)

    def set_hover_to_play(self, on: bool) -> None:
        self.settings.hover_to_play = bool(on)
        self.map.set_hover_to_play(on)

    def set_volume(self, volume: float) -> None:
        self.settings.volume = float(volume)
        self.player.set_volume(volume)

    def set_device(self, index: int, name: str) -> None:
        self.player.set_device(index)
        self.settings.device = name

    def focus_search(self) -> None:
        self.docks["controls"].show()
        self.controls.focus_search()

    def show_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.errors.log_file.parent)))

    # -------------------------------------------------------------------- persistence
    def save_settings(self) -> None:
        if self.persist:
            save_window(self)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt API
        if getattr(self, "_shut_down", False):
            super().closeEvent(event)
            return
        self._shut_down = True
        self.presenter.leave()
        self.controls.flush()
        self.save_settings()
        try:
            self.player.close()
            self.osc.close()
        finally:
            self.pipeline.close()
            self.errors.uninstall()
        super().closeEvent(event)
