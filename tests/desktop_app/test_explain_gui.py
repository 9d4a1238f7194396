"""The "what the map means" GUI on the real window (offscreen, synthetic audio): colour by map
faithfulness, by a descriptor, by tag and sound type; true neighbours far on the map; Describe this
cluster; OSC out received on 127.0.0.1."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from core.jobs import run_job
from core.maps.faithfulness import map_faithfulness, true_neighbours
from desktop_app.model.colouring import quantise
from desktop_app.model.settings import Settings

READY_MS = 240_000


@pytest.fixture(scope="module")
def explain_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("se_explain_home")


@pytest.fixture()
def win(qtbot, explain_home: Path, synth_dir, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    from desktop_app.window import MainWindow

    monkeypatch.setenv("SOUND_EXPLORER_HOME", str(explain_home))
    w = MainWindow(Settings(path=explain_home / "config" / "settings.json", model="mfcc"),
                   show_error=lambda t, m, d: pytest.fail(f"error dialog: {t}: {m}"), persist=False)
    w.resize(1200, 800)
    qtbot.addWidget(w)
    w.show()
    w.open_library(synth_dir[0])
    qtbot.waitUntil(lambda: w.pipeline.ready and w.state.layout_final and not w.jobs.is_busy(), timeout=READY_MS)
    w.binding.flush()
    yield w
    w.close()
    logging.getLogger("sound_explorer").handlers.clear()


def _colour_by(qtbot, w, mode: str, until: Callable[[], bool]) -> None:
    combo = w.controls.colour
    combo.setCurrentIndex(combo.findData(mode))
    qtbot.waitUntil(lambda: w.state.colour_by == mode and until(), timeout=READY_MS)
    w.binding.flush()


def test_colour_by_faithfulness_quantises_core_preservation_and_states_t_and_c(qtbot, win) -> None:
    st = win.state
    _colour_by(qtbot, win, "faithfulness", lambda: st.colour_scale is not None and win.pipeline.ready)
    ref = map_faithfulness(st.vectors, st.xy, 10)
    assert np.array_equal(st.labels, quantise(ref.preservation, 0.0, 1.0, 32))
    assert np.array_equal(win.map.labels(), st.labels)
    legend = win.map.legend
    assert legend.scale is not None and legend.scale.title == "Map faithfulness"
    assert f"trustworthiness {ref.trustworthiness:.3f}" in legend.caption()
    assert f"continuity {ref.continuity:.3f}" in legend.caption()
    assert legend.colour_bar().isVisible() and not legend.list_widget().isVisible()
    # the colour of a point follows its bin on the colour map: higher bins are different colours
    colors = win.map.cloud.row_colors()
    lo, hi = int(np.argmin(st.labels)), int(np.argmax(st.labels))
    assert st.labels[lo] != st.labels[hi] and colors[lo] != colors[hi]
    # back to a clustering: the list legend returns
    _colour_by(qtbot, win, "kmeans", lambda: st.labelling is not None)
    assert legend.scale is None and legend.list_widget().isVisible()


def test_colour_by_duration_orders_points_by_the_descriptor(qtbot, win) -> None:
    from core.audio.descriptors import column, library_descriptors

    st = win.state
    _colour_by(qtbot, win, "descriptor:duration", lambda: st.colour_scale is not None and win.pipeline.ready)
    ids, values = run_job(library_descriptors(win.pipeline.library, st.ids))
    dur = column(values, "duration")
    rows = np.array([st.row_of(i) for i in ids])
    order = np.argsort(dur, kind="stable")
    assert np.all(np.diff(st.labels[rows][order]) >= 0)  # bins never go down as duration goes up
    assert st.colour_scale.title == "Duration" and st.colour_scale.unit == "s"
    assert win.map.legend.scale is st.colour_scale


def test_colour_by_tag_with_the_picker_and_by_sound_type(qtbot, win) -> None:
    st, c = win.state, win.controls
    _colour_by(qtbot, win, "tag", lambda: True)
    assert c.tag.isVisible() and c.tag.count() > 4
    tag = "chirp"
    c.tag.setCurrentIndex(c.tag.findData(tag))
    win.binding.flush()
    carries = np.array([tag in st.info(r).tags for r in range(len(st.ids))])
    assert carries.any() and not carries.all()
    assert np.array_equal(st.labels >= 0, carries) and win.settings.colour_tag == tag
    assert win.map.legend_entries()[0].name == f"tagged '{tag}'"
    _colour_by(qtbot, win, "type", lambda: True)
    assert not c.tag.isVisible()
    from desktop_app.model.colouring import sound_type

    want = [sound_type(st.info(r)) for r in range(len(st.ids))]  # through the taxonomy
    got = [st.label_names[int(x)] if x >= 0 else None for x in st.labels]
    assert got == want


def test_true_neighbours_far_on_the_map_are_ringed_and_named(qtbot, win) -> None:
    st = win.state
    # a map that tears row 0's neighbourhood apart: the more alike in the embedding, the farther on the map
    v = st.vectors / np.linalg.norm(st.vectors, axis=1, keepdims=True)
    d = 1.0 - v @ v[0]
    x = np.where(np.arange(len(d)) == 0, 0.0, d.max() - d + 1.0)
    st.set_layout(np.column_stack([x, 0.01 * np.arange(len(d))]).astype(np.float32), final=True)
    win.binding.flush()
    row = 0
    win.select_row(row, play=False)
    qtbot.waitUntil(lambda: st.true_neighbours is not None and st.true_neighbours.row == row, timeout=60_000)
    qtbot.waitUntil(lambda: bool(win.neighbors.rows()), timeout=60_000)
    win.binding.flush()
    ref = true_neighbours(st.vectors, st.xy, row, win.settings.neighbors_k)
    far = [nb.row for nb in ref.far]
    assert far, "a shuffled map must put some true neighbours far away"
    assert [nb.row for nb in st.true_neighbours.neighbours] == [nb.row for nb in ref.neighbours]
    assert sorted(win.binding.far.rows.tolist()) == sorted(far)
    label = win.neighbors.far_label
    assert label.isVisible() and "far on the map" in label.text() and label.text() == ref.message()
    assert set(win.neighbors.far_rows()) == set(far) & set(win.neighbors.rows())
    win.select_row(row + 1, play=False)  # another sound: the marks go until its own arrive
    assert win.binding.far.rows.size == 0 or st.true_neighbours is None


def test_describe_this_cluster_lists_descriptors_and_tags(qtbot, win) -> None:
    from desktop_app.views.cluster_actions import run_cluster_action

    st = win.state
    _colour_by(qtbot, win, "folder", lambda: True)
    label = next(k for k, v in st.label_names.items() if v == "click")
    assert "describe" in [k for k, _ in win.map.legend.ACTIONS]
    run_cluster_action(win, "describe", label)
    panel = win.describe_panel
    qtbot.waitUntil(lambda: panel.descriptors.rowCount() > 0, timeout=READY_MS)
    assert "click" in panel.title.text()
    assert panel.tag_texts()[0] == "click"  # every sound of the folder carries its folder's tag
    assert len(panel.descriptor_texts()) == 8


@pytest.fixture()
def receiver():
    from pythonosc.dispatcher import Dispatcher
    from pythonosc.osc_server import ThreadingOSCUDPServer

    got: queue.Queue = queue.Queue()
    disp = Dispatcher()
    disp.set_default_handler(lambda address, *args: got.put((address, list(args))))
    server = ThreadingOSCUDPServer(("127.0.0.1", 0), disp)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], got
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _messages(got: queue.Queue, n: int) -> list[tuple[str, list]]:
    return [got.get(timeout=5) for _ in range(n)]


def test_osc_out_of_hover_selection_and_tour(qtbot, win, receiver) -> None:
    port, got = receiver
    st = win.state
    assert not Settings().osc_enabled and not win.osc.enabled  # off by default
    st.hover(2)
    st.select(3)
    assert got.empty()
    from desktop_app.views.explain_wiring import open_osc_dialog

    dialog = open_osc_dialog(win)
    dialog.enabled.setChecked(True)
    dialog.port.setValue(port)
    dialog.host.setText("  ")
    assert not dialog.apply() and "host" in dialog.error.text()  # a bad host is said, nothing changes
    dialog.host.setText("127.0.0.1")
    assert dialog.apply()
    assert (win.settings.osc_enabled, win.settings.osc_host, win.settings.osc_port) == (True, "127.0.0.1", port)
    st.hover(4)
    st.select(5)
    (a1, hover), (a2, select) = _messages(got, 2)
    info4, info5 = st.info(4), st.info(5)
    assert a1 == "/sound-explorer/hover" and hover[:2] == [info4.id, str(info4.path)]
    assert hover[2:] == pytest.approx([float(v) for v in st.xy[4]], rel=1e-5)
    assert a2 == "/sound-explorer/select" and select[:2] == [info5.id, str(info5.path)]
    assert select[4] == (int(st.labels[5]) + 1 if st.labels[5] >= 0 else 0)
    win.presenter.start_tour()
    stop = win.presenter.current_stop()
    seen: list[tuple[str, list]] = []
    deadline = 20
    while not any(a == "/sound-explorer/tour" for a, _ in seen) and deadline:
        qtbot.wait(250)
        deadline -= 0.25
        while not got.empty():
            seen.append(got.get_nowait())
    tour = next(args for a, args in seen if a == "/sound-explorer/tour")
    assert tour[0] == stop.label + 1 and tour[2] == 1 and tour[3] == len(stop.rows)
    assert tour[4] == st.info(stop.rows[0]).id
    win.presenter.stop_tour()
    for _ in range(50):  # drain what the tour sent until the stop arrives
        address, args = got.get(timeout=5)
        if address == "/sound-explorer/tour/stop":
            assert args == []
            break
    else:
        pytest.fail("no /tour/stop")


def test_place_sounds_by_two_descriptors_and_back_to_the_map(qtbot, win) -> None:
    from core.audio.descriptors import column, library_descriptors
    from desktop_app.model.colouring import descriptor_xy

    st, c = win.state, win.controls
    umap_xy = st.xy.copy()
    c.place_y.setCurrentIndex(c.place_y.findData("duration"))
    moved: list[bool] = []
    st.events.positions.connect(lambda _xy, final: moved.append(final))
    c.place_x.setCurrentIndex(c.place_x.findData("loudness"))
    assert c.place_y.isVisible()
    qtbot.waitUntil(lambda: bool(moved), timeout=READY_MS)
    ids, values = run_job(library_descriptors(win.pipeline.library, st.ids))
    want = descriptor_xy(column(values, "loudness"), column(values, "duration"))
    rows = [st.row_of(i) for i in ids]
    assert np.allclose(st.xy[rows], want) and st.layout_final
    win.binding.flush()
    assert np.allclose(win.map.positions(), st.xy)
    moved.clear()
    c.place_x.setCurrentIndex(0)  # the UMAP map again (from the catalog's cache)
    qtbot.waitUntil(lambda: bool(moved) and moved[-1], timeout=READY_MS)
    assert np.allclose(st.xy, umap_xy) and not c.place_y.isVisible()
