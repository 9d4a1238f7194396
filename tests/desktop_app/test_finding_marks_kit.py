"""Favourites, ratings, collections and the filter panel on the map, and the kit builder (issue 10),
in the real window offscreen on the synthetic library."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QMenu

from core.export.kits import GM_DRUM_NOTES
from tests.desktop_app.finding_support import idle, open_library, window_factory


@pytest.fixture()
def window(qtbot, home: Path):
    yield from window_factory(qtbot, home)


def _action(menu: QMenu, text: str):
    for a in menu.actions():
        if a.text() == text or a.text().startswith(text):
            return a
        if a.menu() is not None and (found := _action(a.menu(), text)) is not None:
            return found
    return None


def _context(win, row):
    menu = QMenu(win)
    win.finding_ui.add_context_items(menu, row)
    return menu


def _rows(win) -> list[int]:
    rows = win.finding_ui.apply_filter()
    return [] if rows is None else rows.tolist()


def test_marks_from_the_context_menu_filter_the_map(qtbot, window, synth_dir) -> None:
    root, _ = synth_dir
    win = window()
    open_library(qtbot, win, root)
    st, ui, panel = win.state, win.finding_ui, win.finding_ui.filters
    qtbot.waitUntil(lambda: ui.finding.data is not None, timeout=30_000)
    assert "dock-filters" in [d.objectName() for d in win.docks.values()]

    st.set_selection([0, 1])
    _action(_context(win, 0), "★ Favourite").trigger()  # the selection: both sounds
    idle(qtbot, win)
    st.set_selection([])
    _action(_context(win, 2), "★★★★").trigger()
    idle(qtbot, win)
    st.set_selection([3, 4])
    ui._new_collection(ui.target_ids(3), name="Kicks")  # "New collection…" without its name dialog
    idle(qtbot, win)
    qtbot.waitUntil(lambda: len(ui.finding.collections) == 1, timeout=10_000)
    menu = _context(win, 2)
    assert _action(menu, "★★★★").isChecked() and not _action(menu, "★ Favourite").isChecked()
    assert _action(_context(win, 0), "★ Favourite").isChecked()
    assert _action(menu, "Kicks (2)") is not None  # offered in "Add to a collection"

    panel.favourites.setChecked(True)
    win.binding.flush()
    assert _rows(win) == [0, 1] and win.map.highlight().tolist() == [0, 1]
    assert panel.count.text().startswith(f"2 of {len(st.ids)} sounds pass")
    st.set_query("tone")  # the search matches among the filtered sounds
    win.binding.flush()
    expected = sorted(set(st.matches.tolist()) & {0, 1})
    assert win.map.highlight().tolist() == expected
    st.set_query("")
    panel.clear()
    win.binding.flush()
    assert win.map.highlight() is None and panel.count.text() == ""

    panel.rating.setValue(4)
    assert _rows(win) == [2]
    panel.clear()
    panel.collection.setCurrentIndex(panel.collection.findData(ui.finding.collections[0].id))
    assert _rows(win) == [3, 4]
    panel.clear()
    durations = np.array([st.info(r).duration for r in range(len(st.ids))])
    panel.min_s.setValue(1.0)
    panel.max_s.setValue(2.0)
    assert _rows(win) == np.flatnonzero((durations >= 1.0) & (durations <= 2.0)).tolist()
    panel.clear()

    # loops: the loop analysis runs first (once), then click trains long enough are loops
    panel.kind.setCurrentIndex(panel.kind.findData("loop"))
    qtbot.waitUntil(lambda: bool(ui.finding.data.loops), timeout=120_000)
    idle(qtbot, win)
    loops = _rows(win)
    assert loops and {st.info(r).folder for r in loops} == {"click"}
    panel.kind.setCurrentIndex(panel.kind.findData("one-shot"))
    shots = _rows(win)
    assert shots and not set(shots) & set(loops) and "tone" in {st.info(r).folder for r in shots}
    assert not win.shown_errors


def _parse_sfz(text: str) -> list[dict[str, str]]:
    """A small SFZ reader: the opcodes of each <region>."""
    regions: list[dict[str, str]] = []
    for block in re.split(r"<region>", text)[1:]:
        block = re.split(r"<(?:group|global|control)>", block)[0]
        lines = [ln.split("//")[0].strip() for ln in block.splitlines()]
        regions.append(dict(ln.split("=", 1) for ln in lines if "=" in ln))
    return regions


def test_kit_builder_pads_keys_neighbour_swap_sequencer_and_export(qtbot, window, synth_dir, null_audio,
                                                                   tmp_path: Path) -> None:
    root, _ = synth_dir
    win = window()
    open_library(qtbot, win, root)
    st = win.state
    kit = win.finding_ui.kit()
    st.set_selection([0, 1, 2, 3])
    kit.add_selection()
    assert kit.paths[:4] == [st.info(r).path for r in range(4)] and kit.paths[4] is None
    # a sound dragged from the map (its file URL) onto pad 6
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(st.info(10).path))])
    event = QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, md, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    kit.pads[5].dropEvent(event)
    assert kit.paths[5] == st.info(10).path and "6\n" in kit.pads[5].text()
    # the context menu adds to the kit too
    st.set_selection([])
    menu = QMenu(win)
    win.finding_ui.add_context_items(menu, 11)
    next(a for a in menu.actions() if a.text() == "Add this sound to the kit").trigger()
    assert kit.paths[4] == st.info(11).path

    qtbot.keyClick(kit, "2")
    assert win.player.current_path() == str(kit.paths[1]) and kit.current == 1
    qtbot.keyClick(kit, "y")  # pad 14: empty, plays nothing
    assert kit.current == 13 and win.player.current_path() in (None, str(kit.paths[1]))

    # N swaps the current pad for its nearest neighbour not on the kit, then the next one
    kit.hit(0)
    first = st.info(0)
    qtbot.keyClick(kit, "n")
    qtbot.waitUntil(lambda: kit.paths[0] != first.path, timeout=30_000)
    neighbours = [sid for sid, _ in win.pipeline.library.neighbors(st.model, first.id, 8)]
    on_kit = {p for p in kit.paths if p is not None}
    swapped = next(sid for sid in neighbours if st.sounds[sid].path not in on_kit - {kit.paths[0]})
    assert kit.paths[0] == st.sounds[swapped].path
    assert win.player.current_path() == str(kit.paths[0])
    second_path = kit.paths[0]
    qtbot.keyClick(kit, "n")
    assert kit.paths[0] not in (first.path, second_path)  # the next neighbour, no new search

    # the step sequencer: step 1 plays pad 2
    kit.set_step(1, 0)
    assert kit.tick() == 1 and kit.tick() is None
    qtbot.keyClick(kit, Qt.Key.Key_Space)
    assert kit.timer.isActive() and kit.timer.interval() == round(60_000 / 110 / 4)
    qtbot.keyClick(kit, Qt.Key.Key_Space)
    assert not kit.timer.isActive()

    # export: a folder with the samples, an SFZ and a DecentSampler preset that read back
    kit.name.setText("Test Kit")
    kit.export(tmp_path / "kits")
    qtbot.waitUntil(lambda: kit.last_export is not None, timeout=30_000)
    out = kit.last_export
    filled = [(i, p) for i, p in enumerate(kit.paths) if p is not None]
    regions = _parse_sfz(out.sfz.read_text())
    assert len(regions) == len(filled) == 6
    for (i, src), region in zip(filled, regions):
        assert int(region["key"]) == GM_DRUM_NOTES[i]
        assert (out.folder / "samples" / region["sample"]).read_bytes() == src.read_bytes()
    groups = ET.parse(out.dspreset).getroot().find("groups")
    assert [int(g.find("sample").get("rootNote")) for g in groups] == [GM_DRUM_NOTES[i] for i, _ in filled]
    kit.export(tmp_path / "kits")  # the same name again: never overwritten, said in the window
    qtbot.waitUntil(lambda: "not exported" in kit.message.text(), timeout=30_000)
    assert "already exists" in kit.message.text()
