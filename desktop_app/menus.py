"""Menus, toolbar and keyboard shortcuts of the main window.

Every action is also added to the window itself so its shortcut keeps working when the menu bar
and toolbar are hidden (presentation mode).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMessageBox, QSlider, QToolBar

from desktop_app.controllers import export as export_actions
from desktop_app.icons import icon
from desktop_app.views.dialogs.ray_embed import open_ray_dialog
from desktop_app.views.explain_wiring import open_osc_dialog

if TYPE_CHECKING:
    from desktop_app.window import MainWindow


def build_menus_and_toolbar(win: MainWindow) -> dict[str, QAction]:

    actions: dict[str, QAction] = {}

    def act(key: str, text: str, slot: Callable[..., object] | None = None, shortcut: str | QKeySequence | None = None,
            icon_name: str | None = None, checkable: bool = False, tip: str = "") -> QAction:
        a = QAction(text, win)
        if icon_name:
            a.setIcon(icon(icon_name))
        if shortcut is not None:
            a.setShortcut(QKeySequence(shortcut))
            a.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        a.setCheckable(checkable)
        if tip:
            a.setToolTip(tip)
            a.setStatusTip(tip)
        if slot is not None:
            (a.toggled if checkable else a.triggered).connect(lambda *args: slot(*args[:1]) if checkable else slot())
        win.addAction(a)
        actions[key] = a
        return a

    # ---------------------------------------------------------------------------- File
    mb = win.menuBar()
    m = mb.addMenu("&File")
    m.addAction(act("open", "&Open folder…", win.open_dialog, QKeySequence.StandardKey.Open, "open",
                    tip="Open a folder of sounds (Ctrl+O); you can also drop a folder on the window"))
    win.recent_menu = m.addMenu("Open &recent")
    win.refresh_recent_menu()
    m.addAction(act("demo", "Open the &demo collection", win.open_demo))
    m.addAction(act("rescan", "Re&scan folder", win.rescan, "F5", "rescan",
                    tip="Look for new, changed and deleted files (F5)"))
    m.addAction(act("ray_embed", "Embed on a &Ray cluster…", lambda: open_ray_dialog(win),
                    tip="Embed the sounds that have no vector yet on a Ray cluster (or a local one); docs/ray.md"))
    m.addAction(act("find_like_file", "Find sounds &like…", lambda: win.finding_ui.find_like_dialog(),
                    tip="Choose any audio file and find the sounds like it (or drop the file on the map)"))
    m.addSeparator()
    m.addAction(act("export_map", "Export map &image…", lambda: _export_map(win), "Ctrl+E", "export",
                    tip="Save the map as PNG or SVG (Ctrl+E)"))
    sub = m.addMenu("Export &sounds")
    for key, text in (("folder", "Copy to a folder…"), ("m3u", "Playlist (M3U)…"), ("csv", "Table (CSV/Parquet)…")):
        sub.addAction(act(f"export_{key}", text, lambda k=key: win.export_sounds(k)))
    sub.aboutToShow.connect(lambda: _describe_export(win, sub))
    m.addSeparator()
    m.addAction(act("quit", "&Quit", win.close, QKeySequence.StandardKey.Quit))

    # ---------------------------------------------------------------------------- View
    m = mb.addMenu("&View")
    for dock in win.docks.values():
        m.addAction(dock.toggleViewAction())
    m.addSeparator()
    m.addAction(act("captions", "Cluster &names on the map", win.binding.set_annotations, "N", checkable=True))
    m.addAction(act("reset_view", "&Fit map to window", win.map.reset_view, "Home", "fit"))
    m.addAction(act("search", "&Search…", win.focus_search, QKeySequence.StandardKey.Find))
    m.addSeparator()
    m.addAction(act("present", "&Presentation mode", win.presenter.toggle, "F11", "present",
                    tip="Full screen, large points, hover to listen (F11; Esc leaves)"))
    m.addAction(act("tour", "Cluster &tour", win.presenter.toggle_tour, "T", "tour",
                    tip="Fly to each cluster and play its typical sounds (T)"))

    win.finding_ui.build_menu(mb, act)

    # ------------------------------------------------------------------------ Playback
    m = mb.addMenu("&Model")
    m.addAction(act("train", "&Train on this library…", win.open_training, "Ctrl+T"))
    m.addAction(act("timelapse", "Training &timelapse…", lambda: open_timelapse(win),
                    tip="A trained model's map epoch by epoch, as it formed; save it as an animated GIF"))
    m.addAction(act("compare", "&Compare models…", win.open_compare,
                    tip="QbE mAP, P@10, kNN accuracy and cluster NMI of every model against the folders or a CSV"))

    m = mb.addMenu("&Playback")
    m.addAction(act("play", "&Play / stop", win.toggle_play, "Space", "play",
                    tip="Play or stop the selected sound (Space)"))
    m.addAction(act("stop", "&Stop", win.stop, "Esc", "stop"))
    hover = act("hover", "&Hover to play", win.set_hover_to_play, "H", "hover", checkable=True,
                tip="Audition sounds by moving the mouse over the map (H)")
    hover.setChecked(win.settings.hover_to_play)
    m.addAction(hover)
    win.device_menu = m.addMenu("Output &device")
    win.device_menu.aboutToShow.connect(lambda: _fill_devices(win))
    m.addAction(act("osc", "&OSC output…", lambda: open_osc_dialog(win),
                    tip="Send hover, selection and tour steps to Max, Pd, SuperCollider… (off by default)"))

    # -------------------------------------------------------------------------- Select
    m = mb.addMenu("&Select")
    group = QActionGroup(win)
    for key, text, mode, sc, ic in (("pan", "&Pan", "none", "P", "pan"), ("rect", "&Rectangle", "rect", "R", "rect"),
                                    ("lasso", "&Lasso", "lasso", "L", "lasso")):
        a = act(f"mode_{key}", text, lambda checked, mode=mode: checked and win.map.set_selection_mode(mode),
                sc, ic, checkable=True, tip=f"Mouse drag: {text.replace('&', '').lower()} ({sc})")
        group.addAction(a)
        m.addAction(a)
    actions["mode_pan"].setChecked(True)
    m.addSeparator()
    m.addAction(act("clear_selection", "&Clear selection", lambda: win.state.set_selection([]), "Ctrl+Shift+A"))

    # ---------------------------------------------------------------------------- Help
    m = mb.addMenu("&Help")
    m.addAction(act("failures", "Files that could not be read…", win.show_failures))
    m.addAction(act("log", "Open the &log folder", win.show_log_folder))
    m.addAction(act("about", "&About Sound Explorer", lambda: _about(win)))

    # ------------------------------------------------------------------------- Toolbar
    tb = QToolBar("Main", win)
    tb.setObjectName("MainToolbar")
    tb.setMovable(False)
    tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
    win.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
    for key in ("open", "rescan", None, "play", "stop", "hover", None, "mode_pan", "mode_rect", "mode_lasso",
                None, "reset_view", "present", "tour", None, "export_map"):
        tb.addSeparator() if key is None else tb.addAction(actions[key])
    volume = QSlider(Qt.Orientation.Horizontal)
    volume.setObjectName("VolumeSlider")
    volume.setRange(0, 100)
    volume.setFixedWidth(110)
    volume.setToolTip("Volume")
    volume.setValue(int(round(win.settings.volume * 100)))
    volume.valueChanged.connect(lambda v: win.set_volume(v / 100.0))
    tb.addSeparator()
    tb.addWidget(volume)
    win.toolbar = tb
    win.volume_slider = volume
    # the map image needs a map: offered only when there are points
    update_export = lambda: actions["export_map"].setEnabled(bool(len(win.state.ids)))  # noqa: E731
    win.state.events.points.connect(update_export)
    update_export()
    return actions


def _export_map(win: MainWindow) -> None:
    if not len(win.state.ids):
        win.notify("Nothing to export yet: open a folder of sounds first", 4000)
        return
    name = f"{win.state.root.name if win.state.root else 'sound'}-map.png"
    path = export_actions.export_map_dialog(win, win.map, name)
    if path is not None:
        win.notify(f"Map saved to {path}", 6000)


def _describe_export(win: MainWindow, menu) -> None:  # noqa: ANN001
    rows, what = export_actions.rows_for_export(win.state)
    menu.setTitle(f"Export sounds — {what}" if len(rows) else "Export sounds (select some first)")
    for a in menu.actions():
        a.setEnabled(bool(len(rows)))


def _fill_devices(win: MainWindow) -> None:
    menu = win.device_menu
    menu.clear()
    try:
        devices = win.player.devices()
    except Exception as exc:  # noqa: BLE001 - audio back-ends fail in many ways
        menu.addAction(f"Unavailable: {exc}").setEnabled(False)
        return
    if not devices:
        menu.addAction("No output devices").setEnabled(False)
    group = QActionGroup(menu)
    for index, name in devices:
        a = menu.addAction(name)
        a.setCheckable(True)
        a.setChecked(name == win.settings.device)
        group.addAction(a)
        a.triggered.connect(lambda _=False, i=index, n=name: win.set_device(i, n))


def open_timelapse(win: MainWindow) -> None:
    """Model → Training timelapse…: the open library's trained models, replayed epoch by epoch."""
    lib = win.pipeline.library
    if lib is None:
        win.notify("Open a library first", 4000)
        return
    from desktop_app.views.dialogs.timelapse import TimelapseDialog

    dialog = TimelapseDialog(lib, win.jobs, model=win.state.model, parent=win)
    dialog.show()
    win._timelapse_dialog = dialog


def _about(win: MainWindow) -> None:
    from core import __version__

    QMessageBox.about(win, "About Sound Explorer",
                      f"<h3>Sound Explorer {__version__}</h3>"
                      "<p>Maps a sound collection by how it sounds: every sound becomes a point, similar "
                      "sounds land close together, colours show clusters.</p>"
                      "<p>Click to listen · Space plays/stops · hover-to-play (H) · F11 presents · T tours.</p>")
