"""The assembled app on synthetic collections (offscreen): open → map, selection, colouring,
cancellation, unreadable files, the error path, search, presentation/tour, export, entry point.

Per-user state lives in a temporary ``SOUND_EXPLORER_HOME``; most tests share one (module scope),
so after the first run the catalog cache makes opening the collection quick.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

from core.defaults import DEFAULT_MODEL
from desktop_app.model.settings import Settings
from tests.synth import write_collection

READY_MS = 240_000


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("se_home")


@pytest.fixture()
def make_window(qtbot, shared_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., object]]:
    from desktop_app.window import MainWindow

    created = []

    def make(home: Path | None = None, model: str = "mfcc"):
        """A window on a fresh settings object; ``model`` "mfcc" keeps most tests fast (the product
        default is checked by its own test)."""
        home = home or shared_home
        monkeypatch.setenv("SOUND_EXPLORER_HOME", str(home))
        shown: list[tuple[str, str, str]] = []
        win = MainWindow(Settings(path=home / "config" / "settings.json", model=model),
                         show_error=lambda t, m, d: shown.append((t, m, d)), persist=False)
        win.shown_errors = shown
        win.resize(1200, 800)
        qtbot.addWidget(win)
        win.show()
        created.append(win)
        return win

    yield make
    for win in created:
        win.close()
        logging.getLogger("sound_explorer").handlers.clear()


def open_and_wait(qtbot, win, folder: Path) -> None:
    win.open_library(folder)
    qtbot.waitUntil(lambda: win.pipeline.ready, timeout=READY_MS)
    win.binding.flush()


def test_open_streams_points_then_shows_the_map(qtbot, make_window, synth_dir, tmp_path: Path) -> None:
    root, truth = synth_dir
    win = make_window(tmp_path / "home")  # a fresh catalog: everything is computed
    counts: list[int] = []
    moves: list[bool] = []
    win.state.events.points.connect(lambda: counts.append(len(win.state.ids)))
    win.state.events.positions.connect(lambda _xy, final: moves.append(final))
    open_and_wait(qtbot, win, root)
    n = len(truth)
    assert win.map.point_count() == n == len(win.state.ids)
    # Points appeared while embedding (batches of 16), before the map existed.
    assert any(0 < c < n for c in counts), counts
    # The map animated (partial layouts) before the final one.
    assert moves and moves[-1] is True and moves.count(False) >= 1
    assert np.allclose(win.map.positions(), win.state.xy)
    labels = win.map.labels()
    assert labels is not None and np.array_equal(labels, win.state.labels)
    assert len(set(labels.tolist()) - {-1}) >= 2
    assert root.name in win.windowTitle()
    assert win.settings.last_library == str(root.resolve())
    assert win.shown_errors == []
    assert not win.failure_label.isVisible()


def test_selecting_a_sound_fills_neighbors_details_and_lines(qtbot, make_window, synth_dir) -> None:
    root, truth = synth_dir
    win = make_window()
    open_and_wait(qtbot, win, root)
    row = 3
    win.map.pointClicked.emit(row)  # what a click on the point does
    qtbot.waitUntil(lambda: win.neighbors.tree.topLevelItemCount() == win.settings.neighbors_k, timeout=60_000)
    dists = win.neighbors.distances()
    assert dists == sorted(dists) and all(d >= 0 for d in dists)
    rows = win.neighbors.rows()
    assert row not in rows
    # The list shows what the library says, mapped to rows of the map.
    sid = int(win.state.ids[row])
    expected = [win.state.row_of(i) for i, _ in win.pipeline.library.neighbors(win.state.model, sid, len(rows))]
    assert rows == expected
    win.binding.flush()  # the binding pushes state to the map on its next frame
    assert win.map.selected() == row
    info = win.state.info(row)
    assert win.details.title.text() == info.name
    qtbot.waitUntil(win.details.has_preview, timeout=30_000)
    # Neighbour list: double-click selects on the map, Enter as well.
    win.neighbors.selectRequested.emit(rows[0])
    assert win.state.selected == rows[0]


def test_switching_colouring_changes_brushes_not_the_item(qtbot, make_window, synth_dir) -> None:
    root, truth = synth_dir
    win = make_window()
    open_and_wait(qtbot, win, root)
    item = win.map.cloud
    before = item.row_colors().copy()
    combo = win.controls.colour
    combo.setCurrentIndex(combo.findData("folder"))
    win.binding.flush()
    assert win.map.cloud is item
    after = item.row_colors()
    assert not np.array_equal(before, after)
    folders = {Path(r).parent.name for r in truth}
    assert {e.name for e in win.map.legend.entries()} == folders
    # One colour per folder, the same within a folder.
    for f in folders:
        rows = [r for r in range(len(win.state.ids)) if win.state.info(r).folder == f]
        assert len({int(c) for c in after[rows]}) == 1
    # A clustering method runs in the background and recolours the same item.
    combo.setCurrentIndex(combo.findData("kmeans"))
    qtbot.waitUntil(lambda: win.state.labelling is not None and win.state.labelling.method == "kmeans",
                    timeout=60_000)
    win.binding.flush()
    assert win.map.cloud is item
    assert len(set(win.state.labels.tolist())) == min(win.state.cluster_params["kmeans"]["k"], len(truth))


@pytest.mark.parametrize("model", ["mfcc", DEFAULT_MODEL])
def test_cancelling_the_embedding_leaves_a_consistent_state(qtbot, make_window, tmp_path: Path, model) -> None:
    """Also with the product default, a model fused from two encoders: its points stream in while
    the slow one runs, and what they show is in the catalog after a cancel."""
    root = tmp_path / "big"
    truth = write_collection(root, per_class=16, seed=5)  # 64 files = 4 embedding batches
    win = make_window(tmp_path / "home", model=model)
    handles = []

    def on_progress(h, p) -> None:  # cancel as soon as the first batch has been committed
        if h.kind == "embed" and hasattr(p.partial, "ids") and not handles:
            handles.append(h)
            win.job_bar.cancel_button.click()

    win.jobs.jobProgress.connect(on_progress)
    win.open_library(root)
    qtbot.waitUntil(lambda: bool(handles) and handles[0].is_done(), timeout=READY_MS)
    assert handles[0].state == "cancelled"
    assert not win.pipeline.ready and not win.jobs.is_busy(["embed", "map", "cluster"])
    # Whatever the view shows was committed to the catalog; not everything was embedded.
    ids, _ = win.pipeline.library.vectors(win.state.model)
    assert 0 < len(win.state.ids) < len(truth)
    assert set(win.state.ids.tolist()) <= set(ids.tolist())
    assert len(ids) < len(truth)
    assert win.shown_errors == []
    assert "Stopped" in win.status_label.state
    # The next run resumes and completes.
    win.rescan()
    qtbot.waitUntil(lambda: win.pipeline.ready, timeout=READY_MS)
    win.binding.flush()
    assert win.map.point_count() == len(truth)
    assert win.shown_errors == []


def test_unreadable_files_go_to_the_failure_report(qtbot, make_window, fresh_synth, tmp_path: Path) -> None:
    root, truth = fresh_synth
    (root / "tone" / "broken.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 7)
    (root / "noise" / "empty.flac").write_bytes(b"")
    win = make_window(tmp_path / "home")
    open_and_wait(qtbot, win, root)
    assert win.map.point_count() == len(truth)
    assert win.failure_label.isVisible() and "2 files could not be read" in win.failure_label.text()
    failed = {Path(f).name for f, _ in win.failure_report.rows()}
    assert failed == {"broken.wav", "empty.flac"}
    assert all(reason for _, reason in win.failure_report.rows())
    win.failure_label.linkActivated.emit("show")
    assert win.failure_report.isVisible()
    assert win.shown_errors == []  # per-file problems are a report, not an error dialog


def test_errors_are_logged_and_shown_and_the_app_keeps_running(qtbot, make_window, synth_dir,
                                                               tmp_path: Path) -> None:
    win = make_window(tmp_path / "home")
    # A failing background job.
    win.jobs.call("boom", lambda: 1 / 0, description="Dividing")
    qtbot.waitUntil(lambda: len(win.shown_errors) == 1, timeout=10_000)
    title, message, details = win.shown_errors[0]
    assert title == "Dividing failed" and "ZeroDivisionError" in message and "Traceback" in details
    # An exception escaping a slot (sys.excepthook).
    try:
        raise RuntimeError("slot exploded")
    except RuntimeError as exc:
        win.errors.excepthook(type(exc), exc, exc.__traceback__)
    assert "slot exploded" in win.shown_errors[1][1]
    # A folder that does not exist.
    assert win.open_library(tmp_path / "nope") is False
    assert "not found" in win.shown_errors[2][1].lower() or "no such" in win.shown_errors[2][1].lower()
    log = (tmp_path / "home" / "logs" / "sound-explorer.log").read_text()
    assert "ZeroDivisionError" in log and "slot exploded" in log
    assert win.isVisible()
    # Still usable afterwards.
    open_and_wait(qtbot, win, synth_dir[0])
    assert win.map.point_count() == len(synth_dir[1])


def test_search_highlights_matching_names(qtbot, make_window, synth_dir) -> None:
    root, truth = synth_dir
    win = make_window()
    open_and_wait(qtbot, win, root)
    win.controls.search.setText("chirp")
    win.controls.flush()
    win.binding.flush()
    hl = win.map.highlight()
    assert hl is not None and len(hl) == sum(1 for c in truth.values() if c == "chirp")
    assert all(win.state.info(int(r)).folder == "chirp" for r in hl)
    assert "8 matches" in win.controls.match_label.text()
    win.controls.search.clear()
    win.controls.flush()
    win.binding.flush()
    assert win.map.highlight() is None


def test_presentation_mode_and_cluster_tour(qtbot, make_window, synth_dir) -> None:
    root, _ = synth_dir
    win = make_window()
    open_and_wait(qtbot, win, root)
    size = win.map.point_size()
    p = win.presenter
    p.seconds_per_stop = 1.0
    in_front = [k for k, d in win.docks.items() if d.isVisible() and not d.visibleRegion().isEmpty()]
    assert "controls" in in_front and "filters" not in in_front
    for _ in range(2):  # the menu and status bars come back, every time (issue 9, bug 1)
        p.enter(fullscreen=False)
        assert not win.menuBar().isVisible() and not win.statusBar().isVisible() and not win.map.legend.isVisible()
        p.leave()
        assert win.menuBar().isVisible() and win.statusBar().isVisible() and win.map.legend.isVisible()
        # the same tabs are in front as before (Filters used to come in front of Controls)
        assert [k for k, d in win.docks.items() if d.isVisible() and not d.visibleRegion().isEmpty()] == in_front
    p.enter(fullscreen=False)
    assert p.active and not win.docks["controls"].isVisible() and win.map.hover_to_play()
    assert win.map.point_size() > size
    win.binding.flush()  # the captions come on: the legend stays off
    assert not win.map.legend.isVisible()
    assert len(win.map._layers.annotations) == len(set(win.state.labels.tolist()) - {-1})
    assert p.start_tour()
    first = p.current_stop()
    qtbot.waitUntil(lambda: win.state.selected == first.rows[0], timeout=10_000)
    assert win.state.labels[first.rows[0]] == first.label
    qtbot.waitUntil(lambda: p.current_stop() is not None and p.current_stop().label != first.label, timeout=15_000)
    # the caption names the cluster the camera is flying to, not the last sound of the previous one
    second = win.state.label_names[p.current_stop().label]
    assert second in p.caption.text() and win.state.label_names[first.label] not in p.caption.text()
    win.actions["stop"].trigger()  # Esc: stops the tour first…
    assert not p.touring and p.active
    win.actions["stop"].trigger()  # …then leaves presentation mode
    assert not p.active and win.docks["controls"].isVisible()
    assert win.map.point_size() == size and not win.map.hover_to_play()


def test_export_selection_as_table_playlist_and_files(qtbot, make_window, synth_dir, tmp_path: Path) -> None:
    from desktop_app.controllers import export as export_actions

    root, _ = synth_dir
    win = make_window()
    open_and_wait(qtbot, win, root)
    win.map.selectionChanged.emit(np.array([0, 5, 9]))
    rows, what = export_actions.rows_for_export(win.state)
    assert rows.tolist() == [0, 5, 9] and "3 selected" in what
    table = export_actions.write_table(tmp_path / "t.csv", win.state, rows)
    with open(table, newline="") as fh:
        recs = list(csv.DictReader(fh))
    assert [r["path"] for r in recs] == [str(win.state.info(r).path) for r in rows]
    assert float(recs[1]["x"]) == pytest.approx(float(win.state.xy[5, 0]))
    m3u = export_actions.write_playlist(tmp_path / "p.m3u", win.state, rows).read_text()
    assert m3u.startswith("#EXTM3U") and m3u.count("#EXTINF") == 3
    copies = export_actions.copy_sounds([win.state.info(r).path for r in rows] * 2, tmp_path / "out")
    assert len(copies) == 6 and len({c.name for c in copies}) == 6
    # Without a multi-selection, the selected sound's cluster is exported.
    win.state.set_selection([])
    win.state.select(int(np.flatnonzero(win.state.labels >= 0)[0]))
    rows, _ = export_actions.rows_for_export(win.state)
    lab = win.state.labels[win.state.selected]
    assert set(rows.tolist()) == set(np.flatnonzero(win.state.labels == lab).tolist())
    out = tmp_path / "map.png"
    win.map.export_image(out)
    assert out.stat().st_size > 1000


def test_entry_point_dispatches_cli_commands(capsys, fresh_synth, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from desktop_app.main import main, parse_gui_args

    monkeypatch.setenv("SOUND_EXPLORER_HOME", str(tmp_path / "home"))
    root, truth = fresh_synth
    assert main(["scan", str(root), "-q"]) == 0
    assert f"{len(truth)} added" in capsys.readouterr().out
    args = parse_gui_args(["--smoke", str(root)])
    assert args.smoke and args.folder == root and args.screenshot is None
    # Which folder opens: given > last library (GUI runs only) > demo.
    from desktop_app.main import choose_folder

    s = Settings(path=tmp_path / "s.json")
    demo = tmp_path / "demo"
    assert choose_folder(None, s, False, demo) == demo  # first start
    s.add_recent(root)
    assert choose_folder(None, s, False, demo) == root.resolve()
    assert choose_folder(None, s, True, demo) == demo  # --smoke never depends on user state
    assert choose_folder(tmp_path, s, False, demo) == tmp_path
    s.last_library = str(tmp_path / "gone")
    assert choose_folder(None, s, False, demo) == demo
    # Every command of the real CLI parser is routed to the CLI (its own --help, not the GUI's).
    from core.cli.main import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    assert {"scan", "embed", "map", "cluster", "neighbors", "export", "info", "train", "evaluate"} <= set(sub.choices)
    for name in sub.choices:
        capsys.readouterr()
        with pytest.raises(SystemExit) as exit_info:
            main([name, "--help"])
        assert exit_info.value.code == 0
        assert capsys.readouterr().out.startswith(f"usage: sound-explorer {name} ")


def test_settings_round_trip_and_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "settings.json"
    s = Settings(path=path)
    for i in range(14):
        (tmp_path / f"lib{i}").mkdir()
        s.add_recent(tmp_path / f"lib{i}")
    s.add_recent(tmp_path / "lib3")  # moves to the top, no duplicate
    s.volume = 0.4
    s.cluster_params["hdbscan"]["min_cluster_size"] = 9
    s.save()
    t = Settings.load(path)
    assert t.recent_libraries[0] == str((tmp_path / "lib3").resolve())
    assert len(t.recent_libraries) == 10 and len(set(t.recent_libraries)) == 10
    assert t.volume == 0.4 and t.cluster_params["hdbscan"]["min_cluster_size"] == 9
    assert t.cluster_params["kmeans"]["k"] == 8  # defaults kept for keys the file lacks
    path.write_text("{not json")
    u = Settings.load(path)
    assert u.recent_libraries == [] and path.with_suffix(".json.bad").exists()
    path.write_text('{"volume": "loud", "model": "pretrained"}')
    v = Settings.load(path)
    assert v.volume == 0.8 and v.model == "pretrained"  # wrong types fall back to defaults


def test_dropping_a_folder_opens_it(qtbot, make_window, synth_dir) -> None:
    from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    root, truth = synth_dir
    win = make_window()
    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile(str(root))])
    enter = QDragEnterEvent(win.rect().center(), Qt.DropAction.CopyAction, md, Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier)
    win.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(win.rect().center()), Qt.DropAction.CopyAction, md, Qt.MouseButton.NoButton,
                      Qt.KeyboardModifier.NoModifier)
    win.dropEvent(drop)
    qtbot.waitUntil(lambda: win.pipeline.ready, timeout=READY_MS)
    assert len(win.state.ids) == len(truth) and root.name in win.windowTitle()
    # Plain files that are not folders are refused.
    md2 = QMimeData()
    md2.setText("hello")
    enter2 = QDragEnterEvent(win.rect().center(), Qt.DropAction.CopyAction, md2, Qt.MouseButton.NoButton,
                             Qt.KeyboardModifier.NoModifier)
    win.dragEnterEvent(enter2)
    assert not enter2.isAccepted()


def test_switching_encoder_runs_in_the_background_and_reuses_the_cache(qtbot, make_window, synth_dir) -> None:
    """mfcc → pretrained (torch on a worker thread that already ran torch code) → mfcc (cached)."""
    import time

    from core.encoders.pretrained import PretrainedUnavailable, checkpoint_path

    try:
        checkpoint_path()
    except PretrainedUnavailable as exc:
        pytest.skip(str(exc))
    root, truth = synth_dir
    win = make_window()
    open_and_wait(qtbot, win, root)
    combo = win.controls.model
    combo.setCurrentIndex(combo.findData("pretrained"))
    assert win.state.model == "pretrained"
    qtbot.waitUntil(lambda: win.pipeline.ready and win.state.model == "pretrained", timeout=READY_MS)
    assert len(win.state.ids) == len(truth) and win.state.vectors.shape[1] != 0
    pretrained_xy = win.state.xy.copy()
    t = time.monotonic()
    combo.setCurrentIndex(combo.findData("mfcc"))
    qtbot.waitUntil(lambda: win.pipeline.ready and win.state.model == "mfcc", timeout=60_000)
    cached_seconds = time.monotonic() - t
    assert not np.allclose(win.state.xy, pretrained_xy)
    assert win.shown_errors == []
    assert cached_seconds < 20.0  # catalog hits: no embedding, no UMAP


def test_training_from_the_menu_switches_the_map_to_the_new_model(qtbot, make_window, fresh_synth, tmp_path: Path) -> None:
    root, _ = fresh_synth
    win = make_window(tmp_path / "home")
    open_and_wait(qtbot, win, root)
    tiny = {"width": 8, "dim": 16, "batch_size": 8, "steps_per_epoch": 2, "reference": "mfcc", "min_consistency": None,
            "val_fraction": 0.3, "test_fraction": 0.4, "val_batches": 1, "samplers": {"noise": 1.0},
            "epochs": 1, "name": "menu-model"}
    win.actions["train"].trigger()  # the menu action opens the dialog for the open library
    assert win._training_dialog.library is win.pipeline.library
    win._training_dialog.close()
    win.open_training(tiny)
    dlg = win._training_dialog
    with qtbot.waitSignal(dlg.trained, timeout=240_000):
        dlg.start()
    qtbot.waitUntil(lambda: win.state.model == "menu-model", timeout=10_000)
    qtbot.waitUntil(lambda: win.pipeline.ready, timeout=READY_MS)
    assert "menu-model" in win.pipeline.library.models()
    assert len(win.state.ids) > 0


def test_style_sheet_images_resolve_to_bundled_files(qapp):
    import re
    from pathlib import Path

    from desktop_app.application import create_app

    sheet = create_app().styleSheet()
    urls = re.findall(r"url\(([^)]+)\)", sheet)
    assert "@ICONS@" not in sheet and urls  # e.g. the check mark of ticked check boxes
    assert all(Path(u).is_file() for u in urls)
