"""The training timelapse in the app, as a user meets it: train 2 epochs in the training dialog and watch
the live map morph, save the GIF; then Model → Training timelapse… on that model; and the message for
a model without epoch weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtGui import QImageReader

from core.training import checkpoint as ckpt
from core.training.snapshots import epoch_files
from tests.desktop_app.finding_support import idle, open_library, window_factory

TINY = {"width": 8, "dim": 16, "batch_size": 8, "steps_per_epoch": 3, "reference": "mfcc", "min_consistency": None,
        "val_fraction": 0.3, "test_fraction": 0.4, "val_batches": 1, "samplers": {"noise": 1.0, "shift": 1.0}}
GIF_FRAMES = 3 + 2 * 8  # epochs 0, 1, 2 and 8 eased frames between each pair (render_frames' defaults)


@pytest.fixture()
def make_window(qtbot, home: Path):
    yield from window_factory(qtbot, home)


def _gif_frames(path: Path) -> int:
    reader = QImageReader(str(path))
    assert reader.canRead(), reader.errorString()
    return reader.imageCount()


def test_train_watch_the_map_morph_save_it_then_replay_it(qtbot, make_window, fresh_synth, tmp_path):
    root, _ = fresh_synth
    win = make_window()
    open_library(qtbot, win, root)

    # Model → Train on this library…, 2 epochs
    win.open_training(defaults={**TINY, "epochs": 2, "name": "tl-gui"})
    dlg = win._training_dialog
    live = dlg.timelapse_map
    assert not live.save_button.isEnabled() and not live.play_button.isEnabled()
    added: list[int] = []
    live.layoutAdded.connect(added.append)
    with qtbot.waitSignal(dlg.trained, timeout=240_000):
        dlg.start()
    qtbot.waitUntil(lambda: len(live.layouts) == 3, timeout=120_000)
    assert added == [0, 1, 2] and live.epochs == [0, 1, 2]  # the untrained network, then each epoch
    assert all(xy.shape == (16, 2) for xy in live.layouts) and not np.allclose(live.layouts[0], live.layouts[2])
    assert live.names and set(live.names.values()) <= {"chirp", "click", "noise", "tone"}  # coloured by folder
    qtbot.waitUntil(lambda: "Map after epoch 2 of 2 (16 sounds" in live.caption.text(), timeout=5_000)  # morphed
    assert live.save_button.isEnabled() and live.play_button.isEnabled()

    # Save animation… (the path a file dialog would return)
    out = tmp_path / "live.gif"
    with qtbot.waitSignal(live.saved, timeout=60_000) as sig:
        live.save_animation(str(out))
    assert sig.args == [str(out)] and _gif_frames(out) == GIF_FRAMES
    assert "Saved live.gif" in live.caption.text()
    live.play_button.setChecked(True)  # plays from epoch 0 in a loop
    qtbot.wait(300)
    assert live.play_button.text() == "Stop"
    live.play_button.setChecked(False)
    dlg.close()
    idle(qtbot, win)

    # Model → Training timelapse… on the model just trained
    menu = next(a.menu() for a in win.menuBar().actions() if a.text() == "&Model")
    action = next(a for a in menu.actions() if a.text() == "Training &timelapse…")
    action.trigger()
    tdlg = win._timelapse_dialog
    assert tdlg.model.currentText() == "tl-gui"  # the trained model is now the map's model
    qtbot.waitUntil(lambda: len(tdlg.map.layouts) == 3, timeout=120_000)
    assert tdlg.map.epochs == [0, 1, 2] and tdlg.map.play_button.isChecked()  # it plays
    assert "3 maps" in tdlg.status.text()
    out2 = tmp_path / "replay.gif"
    with qtbot.waitSignal(tdlg.map.saved, timeout=60_000):
        tdlg.map.save_animation(str(out2))
    assert _gif_frames(out2) == GIF_FRAMES

    # the same model without its epoch weights (as if trained before they were kept): a clear message
    for _, f in epoch_files(ckpt.model_dir(win.pipeline.library.catalog.path, "tl-gui")):
        f.unlink()
    with qtbot.waitSignal(tdlg.unavailable, timeout=5_000) as sig:
        tdlg.build()
    assert "has no saved epoch weights" in sig.args[0] and "train it again" in tdlg.status.text()
    assert not tdlg.map.layouts and not tdlg.map.save_button.isEnabled()
    tdlg.close()
    idle(qtbot, win)
    assert win.shown_errors == []


def test_a_library_without_trained_models_says_so(qtbot, make_window, fresh_synth):
    root, _ = fresh_synth
    win = make_window()
    open_library(qtbot, win, root)
    from desktop_app.menus import open_timelapse

    open_timelapse(win)
    tdlg = win._timelapse_dialog
    assert tdlg.model.count() == 0 and "No model of this library was trained here yet" in tdlg.status.text()
    assert not tdlg.build_button.isEnabled()
    tdlg.close()
    assert win.shown_errors == []
