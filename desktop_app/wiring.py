"""How the main window's parts talk: map and panels → session state and pipeline → panels.

Only connections live here (no logic): the window builds its parts, then :func:`wire_window`.
"""

from __future__ import annotations

from typing import Any

from desktop_app.views.cluster_actions import run_cluster_action
from desktop_app.views.context_menu import show_map_context_menu
from desktop_app.views.panels.search_results import vocabulary_words


def wire_window(win: Any) -> None:
    """Connect the parts of ``win`` (a :class:`desktop_app.window.MainWindow`)."""
    st, ev, m = win.state, win.state.events, win.map
    # map → state / playback
    m.pointClicked.connect(lambda row: win.select_row(row, play=True))
    m.pointDoubleClicked.connect(lambda row: win.select_row(row, play=True, fly=True))
    m.pointStepped.connect(lambda row: win.select_row(row, play=False))  # Space plays it
    m.pointHovered.connect(lambda row: st.hover(row if row >= 0 else None))
    m.scrubRequested.connect(win.play_row)
    m.selectionChanged.connect(st.set_selection)
    m.contextMenuRequested.connect(lambda row, pos: show_map_context_menu(win, row, pos))
    m.legend.actionRequested.connect(lambda action, label: run_cluster_action(win, action, label))
    ev.selection.connect(win._on_selection)
    ev.points.connect(win._apply_point_size)
    # panels → pipeline / state
    c = win.controls
    c.modelChanged.connect(win.pipeline.set_model)
    c.colourByChanged.connect(win.pipeline.set_colour_by)
    c.projectionChanged.connect(win.pipeline.set_projection)
    c.clusterParamsChanged.connect(win.pipeline.set_cluster_params)
    c.pointSizeChanged.connect(win.set_point_size)
    c.queryChanged.connect(st.set_query)
    win.neighbors.playRequested.connect(win.play_row)
    win.neighbors.count.setValue(win.settings.neighbors_k)
    win.neighbors.countChanged.connect(win.set_neighbors_k)
    win.neighbors.selectRequested.connect(lambda row: win.select_row(row, play=False, fly=True))
    win.details.playRequested.connect(win.toggle_play)
    win.details.notice.connect(lambda text: win.notify(text, 8000))
    # state → panels
    ev.selected.connect(win._on_selected)
    ev.neighbors.connect(win._on_neighbors)
    ev.failures.connect(win._on_failures)
    ev.status.connect(win.status_label.set_state)
    ev.query.connect(lambda q, rows: c.set_match_count(q, None if rows is None else len(rows)))
    ev.query.connect(win._on_query)
    win.search_results.attach(c.search)
    win.search_results.selectRequested.connect(lambda row, play: win.select_row(row, play=play))
    win.search_results.clearRequested.connect(c.search.clear)
    ev.model.connect(lambda _m: win.neighbors.clear())
    win.sound_work.previewReady.connect(win._on_preview)
    win.pipeline.libraryOpened.connect(win._on_library_opened)
    win.pipeline.embedFinished.connect(lambda _r: win.search_results.set_vocabulary(
        vocabulary_words(win.state.sounds.values())))
