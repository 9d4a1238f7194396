"""A new user's first minutes: regressions for the bugs found by using the app as a new sound
designer would (issue 9), on the real window, offscreen."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStatusBar

from tests.desktop_app.finding_support import window_factory

READY_MS = 240_000


@pytest.fixture()
def window(qtbot, home: Path):
    yield from window_factory(qtbot, home)


def _open(qtbot, win, root: Path) -> None:
    win.open_library(root)
    qtbot.waitUntil(lambda: win.pipeline.ready and not win.jobs.is_busy(), timeout=READY_MS)
    win.binding.flush()


def test_details_show_long_tags_and_paths_on_several_lines(qtbot, window, tmp_path: Path) -> None:
    """Bug 4: Tags and Path were cut to one line, so the file name was hidden."""
    from tests.synth import make_sound
    import soundfile as sf

    deep = tmp_path / "Library" / "Drums_and_Percussion" / "Vintage-Machines" / "Roland_TR-808_Kit_Collection"
    deep.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(4):
        sf.write(deep / f"TR808_Kick_Long_Decay_Variation_{i:02d}_hard.wav", make_sound("click", rng), 22050)
    win = window()
    win.resize(1100, 800)
    _open(qtbot, win, tmp_path / "Library")
    win.select_row(0, play=False)
    path_label: QLabel = win.details.fields["path"]
    tags_label: QLabel = win.details.fields["tags"]
    qtbot.waitUntil(lambda: path_label.isVisible(), timeout=5000)
    name = win.state.info(0).name
    assert name in path_label.text().replace("\u200b", "")
    one_line = path_label.fontMetrics().height()
    assert path_label.width() < path_label.fontMetrics().horizontalAdvance(path_label.text())  # too long for one line…
    qtbot.waitUntil(lambda: path_label.height() >= 2 * one_line, timeout=3000)  # …so it wraps onto several
    assert path_label.geometry().right() <= win.details.width()
    assert tags_label.text() != "—" and tags_label.height() >= one_line


def test_switching_the_encoder_never_leaves_a_stale_sound_panel(qtbot, window, synth_dir) -> None:
    """Bug 6: after switching encoder the Sound panel still showed a sound the map no longer selected,
    and the status said "Opening demo…". Now the panel follows the selection, which comes back."""
    root, _ = synth_dir
    win = window()
    _open(qtbot, win, root)
    statuses: list[str] = []
    win.state.events.status.connect(statuses.append)
    win.select_row(3, play=False)
    sid = int(win.state.ids[3])
    assert win.details.info is not None and win.details.info.id == sid
    win.pipeline.set_model("pretrained")
    # the moment the rows go, the panel is cleared (never showing a sound that is not selected)
    assert win.state.selected is None and win.details.info is None
    qtbot.waitUntil(lambda: win.pipeline.ready and not win.jobs.is_busy(), timeout=READY_MS)
    # once the new model's points are there, the same sound is selected again
    assert win.state.selected is not None and int(win.state.ids[win.state.selected]) == sid
    assert win.details.info is not None and win.details.info.id == sid
    assert any("Switching to pretrained" in s for s in statuses)
    assert not any(s.startswith("Opening") for s in statuses)


def test_one_status_line_and_playback_says_why_it_cannot_play(qtbot, window, synth_dir) -> None:
    """Bug 7 (two status messages drew over each other) and "every Play says why"."""
    root, _ = synth_dir
    win = window()
    _open(qtbot, win, root)
    bar: QStatusBar = win.statusBar()
    texts = [w for w in bar.findChildren(QLabel) if w.isVisible() and w.text()
             and w not in (win.failure_label, win.audio_off) and not win.job_bar.isAncestorOf(w)]
    assert texts == [win.status_label]
    assert bar.currentMessage() == ""  # no temporary message drawn over the widgets
    win.notify("a passing notice", 300)
    assert win.status_label.text() == "a passing notice" and bar.currentMessage() == ""
    qtbot.waitUntil(lambda: win.status_label.text() == win.status_label.state, timeout=3000)
    # with no output device, each Play says so briefly
    win.player._mark_unavailable("no audio output device (test)")  # noqa: SLF001 - what PortAudio reports
    qtbot.waitUntil(lambda: win.audio_off.isVisible(), timeout=3000)  # said once, quietly, and it lasts
    win.select_row(2, play=False)
    win.toggle_play()
    assert "Can't play" in win.status_label.text() and "no audio output device" in win.status_label.text()


def test_the_map_has_room_and_small_windows_do_not_overlap(qtbot, window, synth_dir) -> None:
    """Bug 8: at 1440×900 the map gets at least 65 % of the width; at 900×560 it stays usable; a
    640×420 request gets the minimum size, and panels scroll instead of piling up."""
    from PySide6.QtWidgets import QAbstractButton, QScrollArea

    root, _ = synth_dir
    win = window(size=(1440, 900))
    _open(qtbot, win, root)
    qtbot.wait(50)
    assert win.map.plot.width() >= 0.65 * win.width(), (win.map.plot.width(), win.width())
    # points sized for their count until the user picks a size
    from desktop_app.views.map.spatial import auto_point_size

    assert win.map.point_size() == auto_point_size(len(win.state.ids)) > auto_point_size(100_000)
    win.set_point_size(5)
    assert win.map.point_size() == 5
    assert win.map.legend.isVisible()  # over the map, not beside it
    assert win.map.legend.geometry().right() <= win.map.width() and win.map.legend.x() > win.map.width() / 2
    win.resize(900, 560)
    qtbot.wait(50)
    assert win.map.plot.width() >= 300
    win.resize(640, 420)
    qtbot.wait(50)
    assert win.width() >= 720 and win.height() >= 480  # the window's minimum size
    for dock in ("controls", "details"):
        area = win.docks[dock].widget()
        assert isinstance(area, QScrollArea)
        panel = area.widget()
        for b in panel.findChildren(QAbstractButton):
            if b.isVisible():  # inside its panel (reachable by scrolling), never under another widget
                assert panel.rect().contains(b.geometry().translated(b.parentWidget().mapTo(panel, b.pos()) - b.pos()))


def test_legend_collapses_and_its_menu_selects_exports_and_renames(qtbot, window, synth_dir, tmp_path) -> None:
    from desktop_app.views.cluster_actions import run_cluster_action

    root, _ = synth_dir
    win = window()
    _open(qtbot, win, root)
    legend = win.map.legend
    full = legend.height()
    legend.set_collapsed(True)
    assert legend.height() < full and not legend.list_widget().isVisible()
    legend.set_collapsed(False)
    assert legend.height() == full
    label = int(np.flatnonzero(win.state.labels >= 0)[0])
    label = int(win.state.labels[label])
    menu = legend.menu_for(label)
    assert [a.text() for a in menu.actions() if a.text()] == [text for k, text in legend.ACTIONS if k]
    run_cluster_action(win, "select", label)
    assert set(win.state.selection.tolist()) == set(np.flatnonzero(win.state.labels == label).tolist())
    run_cluster_action(win, "rename", label, new_name="  Clicks  ")
    win.binding.flush()
    assert win.state.label_names[label] == "Clicks"
    assert "Clicks" in [e.name for e in win.map.legend_entries()]
    run_cluster_action(win, "only", label)
    assert win.map.hidden_labels() == set(win.state.label_names) - {label}


def test_actions_say_what_happened_and_hidden_clusters_draw_nothing(qtbot, window, synth_dir, tmp_path) -> None:
    """Bug 10 (zoom-to-selection cropped the neighbours), bug 11 (reveal failed silently; the map
    image was offered for an empty library; hidden clusters still drew the ring and lines)."""
    root, _ = synth_dir
    empty = tmp_path / "empty"
    empty.mkdir()
    win = window()
    win.open_library(empty)
    qtbot.waitUntil(lambda: win.status_label.state == "No sounds in this folder", timeout=60_000)
    assert not win.actions["export_map"].isEnabled()
    _open(qtbot, win, root)
    assert win.actions["export_map"].isEnabled()
    # "Show similar sounds": the sound and every listed neighbour end up in view
    win.select_row(5, play=False, fly=True)
    qtbot.waitUntil(lambda: len(win.state.neighbors) > 0, timeout=30_000)
    qtbot.waitUntil(lambda: not win.map._camera.is_running(), timeout=5000)  # noqa: SLF001
    x0, y0, x1, y1 = win.map.view_rect()
    for r in [5, *(r for r, _ in win.state.neighbors)]:
        x, y = win.state.xy[r]
        assert x0 <= x <= x1 and y0 <= y <= y1, r
    # Show in folder: no file manager offscreen, so the path goes to the clipboard and we say so
    from PySide6.QtWidgets import QApplication

    win.details.reveal()
    assert "clipboard" in win.status_label.text()
    assert QApplication.clipboard().text() == str(win.state.info(5).path)
    # every cluster hidden: no selection ring, no neighbour lines
    win.binding.flush()
    xs, _ = win.map._layers.lines.getData()  # noqa: SLF001
    assert xs is not None and len(xs) > 0
    win.map.legend._set_all(False)  # noqa: SLF001 - the legend's "None" button
    assert len(win.map._layers.selected.data) == 0  # noqa: SLF001
    xs, _ = win.map._layers.lines.getData()  # noqa: SLF001
    assert xs is None or len(xs) == 0


def test_search_lists_results_steps_with_the_keys_and_suggests_words(qtbot, window, tmp_path) -> None:
    """Issue 9 "Search" and issue 10 "search by word": "kick" finds BD_02 through the synonym table;
    Enter and the arrow keys step through the results (selecting and playing), Esc clears."""
    import soundfile as sf

    from tests.synth import make_sound

    rng = np.random.default_rng(3)
    for folder, names, kind in (("Drums", ["BD_01.wav", "BD_02.wav", "PearlKick-Soft.wav"], "click"),
                                ("Drums", ["SN_01.wav", "snare_2.wav"], "noise"),
                                ("Pads", ["warm_pad.wav", "dark_pad.wav", "pad_three.wav"], "tone")):
        (tmp_path / "lib" / folder).mkdir(parents=True, exist_ok=True)
        for n in names:
            sf.write(tmp_path / "lib" / folder / n, make_sound(kind, rng), 22050)
    win = window()
    _open(qtbot, win, tmp_path / "lib")
    box = win.controls.search
    box.setText("kick")
    win.controls.flush()
    names = {win.state.info(r).name for r in win.state.matches}
    assert names == {"BD_01.wav", "BD_02.wav", "PearlKick-Soft.wav"}
    panel = win.search_results
    assert panel.list.count() > 3  # the matches, then sounds like them
    assert "match" in panel.title.text()
    qtbot.keyClick(box, Qt.Key.Key_Return)
    first = panel.list.item(0).data(Qt.ItemDataRole.UserRole)
    assert win.state.selected == first
    qtbot.keyClick(box, Qt.Key.Key_Down)
    assert win.state.selected == panel.list.item(1).data(Qt.ItemDataRole.UserRole)
    qtbot.keyClick(box, Qt.Key.Key_Escape)
    win.controls.flush()  # the search is debounced while typing
    assert box.text() == "" and win.state.matches is None and panel.list.count() == 0
    words = panel._words.stringList()  # noqa: SLF001 - what the completer offers
    assert "pad" in words and "kick" in words


def test_how_many_neighbours_are_listed_is_a_control(qtbot, window, synth_dir) -> None:
    root, _ = synth_dir
    win = window()
    _open(qtbot, win, root)
    win.select_row(4, play=False)
    qtbot.waitUntil(lambda: win.neighbors.tree.topLevelItemCount() == 10, timeout=30_000)
    win.neighbors.count.setValue(5)
    qtbot.waitUntil(lambda: win.neighbors.tree.topLevelItemCount() == 5, timeout=30_000)
    assert win.settings.neighbors_k == 5
