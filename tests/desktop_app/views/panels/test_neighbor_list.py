"""NeighbourList widget: sorted by distance; click plays; arrow keys walk and play; double-click/Enter select."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from desktop_app.views.panels.neighbor_list import NeighborList

NAMES = [f"sound_{i}.wav" for i in range(10)]


@pytest.fixture()
def nl(qtbot) -> NeighborList:
    w = NeighborList()
    qtbot.addWidget(w)
    w.resize(360, 300)
    w.show()
    qtbot.waitExposed(w)
    w.set_neighbors("centre.wav", [(7, 0.40), (2, 0.05), (5, 0.20), (9, 0.31)], NAMES)
    return w


def _click(qtbot, w: NeighborList, index: int, double: bool = False) -> None:
    item = w.tree.topLevelItem(index)
    rect = w.tree.visualItemRect(item)
    pos = rect.center()
    pos.setX(rect.left() + 60)  # on the name column
    if double:  # a real double click is press, release, then the double-click event
        qtbot.mouseClick(w.tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
        qtbot.mouseDClick(w.tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    else:
        qtbot.mouseClick(w.tree.viewport(), Qt.MouseButton.LeftButton, pos=pos)


def test_rows_sorted_by_distance_with_names_and_ranks(nl: NeighborList) -> None:
    assert nl.rows() == [2, 5, 9, 7]
    assert nl.distances() == sorted(nl.distances()) == [0.05, 0.2, 0.31, 0.4]
    top = nl.tree.topLevelItem(0)
    assert top.text(0) == "1" and top.text(1) == "sound_2.wav"
    assert "centre.wav" in nl.title.text()
    nl.clear()
    assert nl.rows() == [] and "Select a sound" in nl.title.text()


def test_click_plays_once_and_again_on_a_second_click(qtbot, nl: NeighborList) -> None:
    played: list[int] = []
    nl.playRequested.connect(played.append)
    _click(qtbot, nl, 1)
    assert played == [5]
    qtbot.wait(700)  # a later click on the same (current) row plays it again
    _click(qtbot, nl, 1)
    assert played == [5, 5]


def test_arrow_keys_walk_and_play(qtbot, nl: NeighborList) -> None:
    played: list[int] = []
    nl.playRequested.connect(played.append)
    nl.keyboard_focus()  # first neighbour becomes current (and plays)
    qtbot.keyClick(nl.tree, Qt.Key.Key_Down)
    qtbot.keyClick(nl.tree, Qt.Key.Key_Down)
    qtbot.keyClick(nl.tree, Qt.Key.Key_Up)
    assert played == [2, 5, 9, 5]


def test_double_click_and_enter_select_on_the_map(qtbot, nl: NeighborList) -> None:
    selected: list[int] = []
    nl.selectRequested.connect(selected.append)
    _click(qtbot, nl, 2, double=True)
    assert selected == [9]
    nl.tree.setCurrentItem(nl.tree.topLevelItem(3))
    qtbot.keyClick(nl.tree, Qt.Key.Key_Return)
    assert selected == [9, 7]


def test_filling_the_list_plays_nothing(qtbot, nl: NeighborList) -> None:
    played: list[int] = []
    nl.playRequested.connect(played.append)
    nl.set_neighbors("other.wav", [(1, 0.3), (3, 0.1)], NAMES)
    assert played == [] and nl.rows() == [3, 1]
