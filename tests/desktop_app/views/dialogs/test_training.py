"""The training dialog offscreen: a tiny model trains, the loss curves fill, the verdict shows; cancel works."""

from __future__ import annotations

import pytest

from core.library import Library
from core.training import checkpoint as ckpt
from desktop_app.views.dialogs.training import TrainingDialog

TINY = {"width": 8, "dim": 16, "batch_size": 8, "steps_per_epoch": 3, "reference": "mfcc",
        "min_consistency": None, "val_fraction": 0.3, "test_fraction": 0.4, "val_batches": 1, "samplers": {"noise": 1.0, "tags": 1.0}}


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("SOUND_EXPLORER_HOME", str(tmp_path / "home"))


@pytest.fixture()
def library(fresh_synth, tmp_path):
    root, _ = fresh_synth
    lib = Library.open(root, tmp_path / "cat.sqlite")
    yield lib
    lib.close()


def test_dialog_trains_plots_and_reports(qtbot, library):
    dlg = TrainingDialog(library, defaults={**TINY, "epochs": 2, "name": "gui-model"})
    qtbot.addWidget(dlg)
    assert dlg.method.currentText() == "triplet" and dlg.sampler_on["tags"].isChecked()
    assert not dlg.sampler_on["mix"].isChecked()
    cfg = dlg.config()
    assert cfg.width == 8 and cfg.epochs == 2 and cfg.samplers == {"noise": 1.0, "tags": 1.0}
    with qtbot.waitSignal(dlg.trained, timeout=240_000) as sig:
        dlg.start()
        assert dlg.running and not dlg.start_button.isEnabled() and dlg.cancel_button.isEnabled()
    assert sig.args == ["gui-model"]
    qtbot.waitUntil(lambda: not dlg.running, timeout=10_000)
    assert dlg.state == "trained"
    assert dlg.curve_points("total") == 6 and dlg.curve_points("triplet") == 6
    assert dlg.curve_points("val_total") == 2
    assert "verdict" in dlg.verdict.text() and "gui-model" in dlg.verdict.text()
    assert dlg.start_button.isEnabled()
    assert "gui-model" in library.models()


def test_dialog_cancel_stops_the_job(qtbot, library):
    dlg = TrainingDialog(library, defaults={**TINY, "epochs": 50, "name": "gui-cancel"})
    qtbot.addWidget(dlg)
    emitted: list[str] = []
    dlg.trained.connect(emitted.append)
    dlg.start()
    qtbot.waitUntil(lambda: dlg.curve_points("total") >= 4, timeout=240_000)  # into epoch 2
    with qtbot.waitSignal(dlg.finishedRun, timeout=60_000) as sig:
        dlg.cancel()
    assert sig.args == ["cancelled"]
    assert emitted == [] and dlg.state == "cancelled" and not dlg.running
    assert dlg.curve_points("total") < 50 * 3
    assert "Cancelled" in dlg.status.text()
    assert "gui-cancel" not in library.models()
    saved = ckpt.load_checkpoint(ckpt.model_dir(library.catalog.path, "gui-cancel"))
    assert saved is not None and saved["epoch"] >= 1


def test_bad_settings_show_a_message(qtbot, library):
    dlg = TrainingDialog(library, defaults={**TINY, "samplers": {}})
    qtbot.addWidget(dlg)
    dlg.start()
    assert not dlg.running and "sampler" in dlg.status.text()


def test_tag_list_shows_the_vocabulary_and_unticking_excludes(qtbot, library):
    from core.jobs import run_job

    run_job(library.scan())
    dlg = TrainingDialog(library, defaults={**TINY, "exclude_tags": ["chirps"]})
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.tagsLoaded, timeout=60_000) as sig:
        dlg.show()
    assert sig.args[0] >= 4
    # the synthetic collection's folders are its classes; "chirps" (plural) excluded the tag "chirp"
    assert dlg.tag_checked("tone") is True and dlg.tag_checked("noise") is True
    assert dlg.tag_checked("chirp") is False
    assert "sounds" in dlg.tags_note.text()
    dlg.set_tag_checked("click", False)
    assert dlg.config().exclude_tags == ["chirps", "click"]
    dlg.set_tag_checked("chirp", True)
    assert dlg.config().exclude_tags == ["click"]
    dlg.exclude.setText("click, tones")
    dlg.exclude.editingFinished.emit()
    assert dlg.tag_checked("tone") is False and dlg.tag_checked("noise") is True


def test_tag_list_shows_content_or_provenance_and_flips(qtbot, library):
    from core.jobs import run_job

    run_job(library.scan())
    dlg = TrainingDialog(library, defaults=TINY)
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.tagsLoaded, timeout=60_000):
        dlg.show()
    assert dlg.tag_kind("tone") == "content"  # one folder, one kind of sound: says what the sound is
    dlg.flip_tag("tone")
    assert dlg.tag_kind("tone") == "provenance" and dlg.config().provenance_tags == ["tone"]
    dlg.flip_tag("tone")
    assert dlg.tag_kind("tone") == "content"
    assert dlg.config().content_tags == ["tone"] and dlg.config().provenance_tags == []


def test_the_tag_column_is_wide_enough_to_read_the_tags(qtbot, library):
    """Issue 9, bug 5: the tag column was too narrow to read the tags."""
    from core.jobs import run_job

    run_job(library.scan())  # the tags come from the scan
    dlg = TrainingDialog(library, defaults=TINY)
    qtbot.addWidget(dlg)
    with qtbot.waitSignal(dlg.tagsLoaded, timeout=60_000):
        dlg.show()
    table = dlg.tags_table
    metrics = table.fontMetrics()
    widest = max(metrics.horizontalAdvance(table.item(r, 0).text()) for r in range(table.rowCount()))
    assert table.columnWidth(0) >= widest + 16  # the text, its check box and a margin
    assert table.isVisible() and table.viewport().width() >= sum(table.columnWidth(c) for c in range(4)) - 2
