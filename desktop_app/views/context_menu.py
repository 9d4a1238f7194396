"""The map's right-click menu: actions for the sound under the cursor, or the selection."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication, QMenu

from desktop_app.views.reveal import reveal_in_file_manager

def show_map_context_menu(win: Any, row: int, pos: QPoint) -> None:
    """Right-click on the map (``win``: the main window): actions for the sound under the cursor, or the selection."""
    menu = QMenu(win)
    info = win.state.info(row) if row is not None and row >= 0 else None
    if info is not None:
        menu.addAction(f"Play {info.name}", lambda: win.play_row(row))
        menu.addAction("Show similar sounds", lambda: win.select_row(row, play=False, fly=True))
        menu.addAction("Show in folder", lambda: win.notify(reveal_in_file_manager(info.path), 8000))
        menu.addAction("Copy path", lambda: QApplication.clipboard().setText(str(info.path)))
        menu.addSeparator()
    if hasattr(win, "finding_ui"):
        win.finding_ui.add_context_items(menu, row if info is not None else None)
    from desktop_app.controllers.export import rows_for_export

    has_rows = bool(len(rows_for_export(win.state)[0]))
    for key in ("export_folder", "export_m3u", "export_csv"):
        win.actions[key].setEnabled(has_rows)
        menu.addAction(win.actions[key])
    menu.addAction(win.actions["export_map"])
    menu.popup(pos)
