"""MapView with real mouse events on the plot's viewport (offscreen Qt, pytest-qt)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6 import QtCore, QtWidgets, QtGui

from desktop_app.views.map.overlays import make_drag_mime
from desktop_app.views.map.view import MapView

Qt = QtCore.Qt


def grid_points() -> tuple[np.ndarray, np.ndarray]:
    """Four well separated 5×5 blobs (label = blob), 100 points, spacing 1 inside a blob."""
    pts, labs = [], []
    for lab, (cx, cy) in enumerate([(0, 0), (20, 0), (0, 20), (20, 20)]):
        for i in range(5):
            for j in range(5):
                pts.append((cx + i, cy + j))
                labs.append(lab)
    return np.asarray(pts, np.float32), np.asarray(labs)


@pytest.fixture()
def view(qtbot) -> MapView:  # noqa: ANN001
    v = MapView()
    qtbot.addWidget(v)
    v.resize(700, 600)
    v.show()
    qtbot.waitExposed(v)
    xy, _ = grid_points()
    v.set_points(xy, [f"sound{i}" for i in range(len(xy))], [f"/tmp/snd/{i}.wav" for i in range(len(xy))])
    v.set_hover_label(False)
    QtCore.QCoreApplication.processEvents()
    return v


def vp_pos(v: MapView, row: int, dx: float = 0.0, dy: float = 0.0) -> QtCore.QPoint:
    x, y = v.positions()[row]
    p = v.view_to_viewport(float(x), float(y))
    return QtCore.QPoint(int(round(p.x() + dx)), int(round(p.y() + dy)))


def test_hover_emits_the_row_under_the_mouse(view: MapView, qtbot) -> None:  # noqa: ANN001
    seen: list[int] = []
    view.pointHovered.connect(seen.append)
    vp = view.plot.viewport()
    corner = QtCore.QPoint(3, 3)
    for row in (0, 37, 99, 62):
        # Qt sends no move event when the cursor is already there (another test may have left it
        # on this spot), so come from the empty corner each time.
        qtbot.mouseMove(vp, corner)
        qtbot.wait(30)  # let pending layout/range updates land before mapping the target
        qtbot.mouseMove(vp, vp_pos(view, row, 1, -1))
        qtbot.waitUntil(lambda r=row: seen and seen[-1] == r, timeout=2000)
        assert view.hovered() == row
    # far from every point: -1
    qtbot.mouseMove(vp, corner)
    qtbot.waitUntil(lambda: seen[-1] == -1, timeout=2000)
    assert view.pick(corner) == -1


def test_hovering_shows_the_name_next_to_the_point(view: MapView, qtbot) -> None:  # noqa: ANN001
    """Issue 9, bug 3: the hover ring appeared but the name did not. The name must be painted."""
    view.set_hover_label(True)
    vp = view.plot.viewport()
    qtbot.mouseMove(vp, QtCore.QPoint(3, 3))
    qtbot.wait(30)
    before = vp.grab().toImage()
    qtbot.mouseMove(vp, vp_pos(view, 37, 1, -1))
    qtbot.waitUntil(lambda: view.hovered() == 37, timeout=2000)
    label = view.findChild(QtWidgets.QLabel, "HoverLabel")
    assert label is not None and label.isVisible() and label.text() == "sound37"
    assert vp.rect().contains(label.geometry())  # inside the map, next to the point
    dist = QtCore.QLineF(QtCore.QPointF(label.geometry().center()), QtCore.QPointF(vp_pos(view, 37))).length()
    assert dist < 120
    after = vp.grab().toImage()
    g = label.geometry()
    changed = sum(before.pixel(x, y) != after.pixel(x, y) for x in range(g.left(), g.right(), 2)
                  for y in range(g.top(), g.bottom(), 2))
    assert changed > 20  # the label's pixels are on screen
    qtbot.mouseMove(vp, QtCore.QPoint(3, 3))
    qtbot.waitUntil(lambda: not label.isVisible(), timeout=2000)


def test_click_and_double_click(view: MapView, qtbot) -> None:  # noqa: ANN001
    vp = view.plot.viewport()
    with qtbot.waitSignal(view.pointClicked, timeout=2000) as blocker:
        qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=vp_pos(view, 42))
    assert blocker.args == [42]
    assert view.selected() == 42
    with qtbot.waitSignal(view.pointDoubleClicked, timeout=2000) as blocker:
        qtbot.mouseDClick(vp, Qt.MouseButton.LeftButton, pos=vp_pos(view, 7))
    assert blocker.args == [7]
    with qtbot.waitSignal(view.backgroundClicked, timeout=2000):
        qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=QtCore.QPoint(4, 4))


def test_recolour_keeps_the_item_and_changes_what_is_drawn(view: MapView, qtbot) -> None:  # noqa: ANN001
    _, labs = grid_points()
    item = view.cloud
    before = item.row_colors().copy()
    view.set_labels(labs)
    assert view.cloud is item
    after = item.row_colors().copy()
    assert not np.array_equal(before, after)
    # every blob has one colour, blobs differ
    per_blob = [set(after[labs == k].tolist()) for k in range(4)]
    assert all(len(s) == 1 for s in per_blob)
    assert len(set().union(*per_blob)) == 4
    # relabel: blob 0 becomes noise → grey and smaller, others keep distinct colours
    renders = item.renders
    labs2 = labs.copy()
    labs2[labs == 0] = -1
    view.set_labels(labs2)
    assert view.cloud is item
    c0 = QtGui.QColor.fromRgba(int(item.row_colors()[0]))
    assert c0.alpha() < 255 and abs(c0.red() - c0.blue()) < 30
    # the rendered pixels follow: centre of blob 3 has blob 3's colour
    img = view.plot.grab().toImage()
    assert item.renders > renders
    p = vp_pos(view, 75 + 12)  # centre point of blob 3
    got = QtGui.QColor(img.pixel(p))
    want = view.label_color(3)
    assert abs(got.red() - want.red()) + abs(got.green() - want.green()) + abs(got.blue() - want.blue()) < 40
    names = [e.name for e in view.legend.entries()]
    assert names[-1] == "Noise" and len(names) == 4


def test_hidden_labels_from_legend_and_api(view: MapView, qtbot) -> None:  # noqa: ANN001
    _, labs = grid_points()
    view.set_labels(labs, names={0: "kicks", 1: "snares", 2: "hats", 3: "pads"})
    assert {e.name for e in view.legend.entries()} == {"kicks", "snares", "hats", "pads"}
    with qtbot.waitSignal(view.legendToggled, timeout=1000) as blocker:
        view.legend.set_label_checked(1, False)
    assert blocker.args == [{1}]
    assert view.hidden_labels() == {1}
    assert view.pick(vp_pos(view, 25 + 12)) == -1  # blob 1 hidden: nothing to pick
    assert view.pick(vp_pos(view, 12)) == 12
    view.plot.grab()
    assert view.cloud.last_visible == 75
    view.set_hidden_labels({0, 2})
    assert view.legend.hidden() == {0, 2}
    assert view.pick(vp_pos(view, 25 + 12)) == 25 + 12
    mask = view.enabled_mask()
    assert mask is not None and not mask[:25].any() and mask[25:50].all()


def test_rect_and_lasso_selection(view: MapView, qtbot) -> None:  # noqa: ANN001
    vp = view.plot.viewport()
    got: list[np.ndarray] = []
    view.selectionChanged.connect(got.append)
    # Shift-drag a rectangle around blob 1 (rows 25..49)
    a = vp_pos(view, 25, -6, 6)
    b = vp_pos(view, 49, 6, -6)
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, a)
    for t in np.linspace(0, 1, 6)[1:]:
        qtbot.mouseMove(vp, QtCore.QPoint(int(a.x() + (b.x() - a.x()) * t), int(a.y() + (b.y() - a.y()) * t)))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ShiftModifier, b)
    qtbot.waitUntil(lambda: len(got) == 1, timeout=2000)
    np.testing.assert_array_equal(got[0], np.arange(25, 50))
    np.testing.assert_array_equal(view.selection(), np.arange(25, 50))
    # lasso (Ctrl-drag) a triangle around blob 2's lower-left corner rows
    view.set_selection_mode("lasso")
    xy = view.positions()
    cx, cy = xy[50]  # blob 2 origin (0, 20)
    tri = [(cx - 0.5, cy - 0.5), (cx + 2.6, cy - 0.5), (cx - 0.5, cy + 2.6)]
    pts = [view.view_to_viewport(x, y) for x, y in tri]
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
    for p in pts[1:] + [pts[0]]:
        qtbot.mouseMove(vp, p)
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
    qtbot.waitUntil(lambda: len(got) == 2, timeout=2000)
    sel = xy[got[1]] - (cx, cy)
    assert len(got[1]) == 6  # (0,0) (1,0) (2,0) (0,1) (1,1) (0,2)
    assert (sel.sum(axis=1) <= 2.0 + 1e-6).all()


def test_hover_scrub_is_throttled(view: MapView, qtbot) -> None:  # noqa: ANN001
    view.set_hover_to_play(True)
    view.set_scrub_interval(150)
    hovered: list[int] = []
    scrubs: list[int] = []
    view.pointHovered.connect(hovered.append)
    view.scrubRequested.connect(scrubs.append)
    vp = view.plot.viewport()
    rows = list(range(0, 25, 2))
    for r in rows:
        qtbot.mouseMove(vp, vp_pos(view, r))
    assert [h for h in hovered if h >= 0] == rows  # hover is immediate, every point
    assert 1 <= len(scrubs) < len(rows)
    qtbot.waitUntil(lambda: scrubs[-1] == rows[-1], timeout=2000)  # trailing scrub = last point
    view.set_hover_to_play(False)
    n = len(scrubs)
    qtbot.mouseMove(vp, vp_pos(view, 30))
    qtbot.wait(200)
    assert len(scrubs) == n


def test_fly_to_ends_at_target(view: MapView, qtbot) -> None:  # noqa: ANN001
    with qtbot.waitSignal(view.flyFinished, timeout=3000):
        view.fly_to((20.0, 20.0), 6.0, duration_ms=150)
    x0, y0, x1, y1 = view.view_rect()
    assert (x0 + x1) / 2 == pytest.approx(20.0, abs=1e-3)
    assert (y0 + y1) / 2 == pytest.approx(20.0, abs=1e-3)
    # aspect is locked, so one axis spans exactly 6 and the other at least 6
    assert min(x1 - x0, y1 - y0) == pytest.approx(6.0, rel=1e-3)
    # the map keeps the user's view when positions update
    view.update_positions(view.positions() + 0.5)
    assert view.view_rect() == pytest.approx((x0, y0, x1, y1))
    view.reset_view()
    x0, y0, x1, y1 = view.view_rect()
    assert x0 < 0.5 and x1 > 24.5


def test_update_positions_autoranges_and_moves_picking(view: MapView) -> None:
    xy = view.positions().copy()
    item = view.cloud
    view.update_positions(xy * 3 + 100)
    assert view.cloud is item
    x0, y0, x1, y1 = view.view_rect()
    assert x0 <= 100 and x1 >= 172 and y0 <= 100 and y1 >= 172
    assert view.pick(vp_pos(view, 12)) == 12
    with pytest.raises(ValueError):
        view.update_positions(xy[:10])


def test_highlight_neighbors_annotations_and_point_size(view: MapView) -> None:
    _, labs = grid_points()
    view.set_labels(labs)
    view.set_highlight([3, 4, 60])
    assert view.cloud.opacity() < 0.5
    np.testing.assert_array_equal(view.highlight(), [3, 4, 60])
    view.set_highlight(None)
    assert view.cloud.opacity() == 1.0
    view.set_selected(12)
    view.set_neighbor_lines(12, [13, 14, 40])
    xs, ys = view._layers.lines.getData()  # noqa: SLF001
    assert len(xs) == 6 and xs[0] == view.positions()[12, 0] and xs[5] == view.positions()[40, 0]
    view.set_cluster_annotations({0: (2.0, 2.0, "Kicks"), 3: (22.0, 22.0, "Pads")})
    items = [item for _, item in view._layers.annotations]  # noqa: SLF001
    assert [i.textItem.toPlainText() for i in items] == ["Kicks", "Pads"]
    view.set_hidden_labels({3})
    assert items[0].isVisible() and not items[1].isVisible()
    view.set_point_size(12)
    assert view.cloud.styles()[1].size == 12


def test_export_png_and_svg(view: MapView, tmp_path) -> None:  # noqa: ANN001
    _, labs = grid_points()
    view.set_labels(labs)
    png = tmp_path / "map.png"
    view.export_image(png, width=800)
    img = QtGui.QImage(str(png))
    assert not img.isNull() and img.width() == 800
    # points are drawn: several distinct colours in the image
    arr = np.frombuffer(img.convertToFormat(QtGui.QImage.Format.Format_RGB32).constBits(), np.uint32)
    assert len(np.unique(arr)) > 5
    # the legend is drawn at the right: every cluster's colour appears there
    right = arr.reshape(img.height(), img.width())[:, int(img.width() * 0.72):]
    for e in view.legend_entries():
        assert (right == (e.color.rgb() & 0xFFFFFFFF)).any(), e.name
    big = tmp_path / "big.png"
    view.export_image(big)  # the default size is for slides, not the screen
    assert QtGui.QImage(str(big)).width() == 2400
    svg = tmp_path / "map.svg"
    view.export_image(svg)
    assert svg.stat().st_size > 1000 and b"<svg" in svg.read_bytes()[:2000]


def test_drag_mime_carries_file_urls(view: MapView) -> None:
    mime = make_drag_mime(["/tmp/a b.wav", "/tmp/c.flac"])
    urls = mime.urls()
    assert [u.toLocalFile() for u in urls] == ["/tmp/a b.wav", "/tmp/c.flac"]
    assert all(u.isLocalFile() for u in urls)
    assert mime.text().splitlines() == ["/tmp/a b.wav", "/tmp/c.flac"]
    m2 = view.drag.mime([3, 5])
    assert [u.toLocalFile() for u in m2.urls()] == ["/tmp/snd/3.wav", "/tmp/snd/5.wav"]
    # only selected points drag out: the selected sound, or the whole multi-selection
    assert view.drag.rows_for(3).size == 0
    view.set_selected(3)
    np.testing.assert_array_equal(view.drag.rows_for(3), [3])
    view.set_selection([3, 8, 9])
    np.testing.assert_array_equal(view.drag.rows_for(8), [3, 8, 9])


def test_dragging_a_selected_point_starts_a_file_drag(view: MapView, qtbot) -> None:  # noqa: ANN001
    vp = view.plot.viewport()
    started: list[np.ndarray] = []
    view.dragStarted.connect(started.append)
    # an unselected point: a plain drag pans instead
    p = vp_pos(view, 30)
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p)
    qtbot.mouseMove(vp, p + QtCore.QPoint(30, 0))
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p + QtCore.QPoint(30, 0))
    assert started == []
    view.set_selection([10, 11, 12])
    p = vp_pos(view, 11)
    qtbot.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p)
    qtbot.mouseMove(vp, p + QtCore.QPoint(15, 0))
    qtbot.mouseMove(vp, p + QtCore.QPoint(40, 0))  # offscreen QDrag.exec returns at once
    qtbot.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, p + QtCore.QPoint(40, 0))
    assert len(started) == 1
    np.testing.assert_array_equal(started[0], [10, 11, 12])


def test_large_map_draws_a_bounded_subset_and_all_when_zoomed_in(qtbot) -> None:  # noqa: ANN001
    v = MapView(max_points=5000)
    qtbot.addWidget(v)
    v.resize(600, 500)
    v.show()
    qtbot.waitExposed(v)
    rng = np.random.default_rng(0)
    xy = rng.normal(0, 10, (60000, 2)).astype(np.float32)
    v.set_points(xy, [""] * len(xy))
    v.plot.grab()
    item = v.cloud
    assert item.last_visible == 60000 and item.last_drawn <= 5000
    v.fly_to((0.0, 0.0), 1.0, duration_ms=0)
    v.plot.grab()
    assert 0 < item.last_visible <= 5000 and item.last_drawn == item.last_visible


def test_arrow_keys_walk_the_map(view: MapView, qtbot) -> None:  # noqa: ANN001
    """Issue 9: the arrow keys move the selection to the nearest point in that direction."""
    vp = view.plot.viewport()
    stepped: list[int] = []
    view.pointStepped.connect(stepped.append)
    qtbot.mouseClick(vp, Qt.MouseButton.LeftButton, pos=vp_pos(view, 42))
    assert view.selected() == 42 and vp.hasFocus()
    x, y = view.positions()[42]
    qtbot.keyClick(vp, Qt.Key.Key_Right)
    assert stepped and view.selected() == stepped[-1] != 42
    nx, ny = view.positions()[view.selected()]
    assert nx > x and abs(ny - y) <= abs(nx - x)
    qtbot.keyClick(vp, Qt.Key.Key_Left)
    assert view.selected() == 42  # and back
    qtbot.keyClick(vp, Qt.Key.Key_Up)
    assert view.positions()[view.selected()][1] > y


def test_cluster_captions_never_overlap(view: MapView, qtbot) -> None:  # noqa: ANN001
    """Issue 9, bug 9: captions overlapped each other. Where two collide, the larger cluster's wins,
    and zooming in brings the other back."""
    _, labs = grid_points()
    view.set_labels(labs)
    x, y = (float(v) for v in view.positions()[10])
    view.set_cluster_annotations({0: (x, y, "Kicks and more kicks"), 1: (x + 0.01, y, "Snares"),
                                  2: (x + 50.0, y + 50.0, "Pads")})
    items = dict(view._layers.annotations)  # noqa: SLF001
    assert items[0].isVisible() and not items[1].isVisible() and items[2].isVisible()
    shown = [i.mapRectToScene(i.boundingRect()) for i in items.values() if i.isVisible()]
    assert not any(a.intersects(b) for k, a in enumerate(shown) for b in shown[k + 1:])
    view.set_hidden_labels({0})  # hiding the big one frees the place for the next
    assert not items[0].isVisible() and items[1].isVisible()
