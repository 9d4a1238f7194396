"""The finding features in the real window (issue 10), offscreen, on synthetic libraries: query by a
dropped file and by a recording, near-duplicates, suggested tags. Nothing of the project is mocked;
sound goes to ALSA's null output and comes from the test microphone (``tests/desktop_app/capture.py``).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDropEvent

from core.catalog.suggestions import SuggestionStore
from tests.desktop_app.capture import RATE, synthetic_mic  # noqa: F401 - fixtures
from tests.desktop_app.finding_support import (
    READY_MS,
    idle,
    mime_of,
    open_library,
    window_factory,
)
from tests.synth import CLASSES, make_sound


@pytest.fixture()
def window(qtbot, home: Path):
    yield from window_factory(qtbot, home)


def classes_of(win, rows: list[int]) -> list[str]:
    return [win.state.info(r).folder for r in rows]


def test_query_by_a_dropped_file_and_by_a_recording(
        qtbot, window, synth_dir, synthetic_mic, tmp_path: Path) -> None:  # noqa: F811 - the fixture
    root, _ = synth_dir
    win = window()
    assert win.player.is_available()  # ALSA's null output
    open_library(qtbot, win, root)
    # a tone from outside the library, dropped on the window
    tone = make_sound("tone", np.random.default_rng(42), 44100)
    query = tmp_path / "outside" / "my tone.wav"
    query.parent.mkdir()
    sf.write(query, np.stack([tone, tone], axis=1), 44100)
    assert not win.finding_ui.handle_drop(mime_of(query.parent))  # a folder still opens as a library
    md = mime_of(query)  # kept alive: the event does not own it
    drop = QDropEvent(QPointF(600, 400), Qt.DropAction.CopyAction, md, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    win.dropEvent(drop)  # the window's drop handler: a file queries, it does not open a library
    accepted = bool(drop.isAccepted())
    assert accepted and str(win.pipeline.library.root) == str(root.resolve())
    dialog = win.finding_ui.dialogs["find_like"]
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60_000)
    rows = dialog.rows()
    assert len(rows) == 10
    assert classes_of(win, rows[:3]) == ["tone"] * 3, classes_of(win, rows)
    xy = dialog.result.xy
    assert xy is not None and dialog.marker.position() == pytest.approx((float(xy[0]), float(xy[1])))
    # where it lands is among its neighbours: inside the box of the 10 nearest sounds, widened by half
    near = win.state.xy[rows]
    lo, hi = near.min(axis=0), near.max(axis=0)
    assert np.all(xy >= lo - (hi - lo) / 2) and np.all(xy <= hi + (hi - lo) / 2)
    # the neighbours are playable: choosing one plays its file
    dialog.neighbors.tree.setCurrentItem(dialog.neighbors.tree.topLevelItem(1))
    assert win.player.current_path() == str(win.state.info(rows[1]).path)
    by_file = dialog.result.neighbors

    # the same audio as a buffer, through the recording window's path: the same neighbours
    record = win.finding_ui.record_dialog()
    samples, rate = sf.read(query, dtype="float32")  # the file's very samples (16-bit), stereo
    record.set_recording(samples, rate)
    dialog.result = None
    record.submit()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60_000)
    assert [s for s, _ in dialog.result.neighbors] == [s for s, _ in by_file]
    np.testing.assert_allclose([d for _, d in dialog.result.neighbors], [d for _, d in by_file], atol=1e-5)

    # a real recording from the test microphone: its first second is what the query embeds (the
    # test microphone skips periods, so the tone has clicks in it: no claim on its class here)
    names = [record.device.itemText(i) for i in range(record.device.count())]
    record.device.setCurrentIndex(next(i for i, n in enumerate(names) if n.startswith(synthetic_mic[0])))
    with qtbot.waitSignal(record.recorder.stopped, timeout=20_000):
        record.toggle()
    record.end_s.setValue(1.0)
    dialog.result = None
    record.submit()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=60_000)
    assert dialog.label == "the recording" and len(dialog.rows()) == 10 and dialog.marker.position() is not None
    from core.finding.query import embed_buffer

    heard = record.recorder.samples()[:RATE]
    np.testing.assert_allclose(dialog.result.vector, embed_buffer(win.pipeline.library.encoder("mfcc"), heard, RATE),
                               atol=1e-5)
    assert not win.shown_errors


def test_a_query_before_a_library_is_open_says_what_to_do(qtbot, window, tmp_path: Path) -> None:
    win = window()
    f = tmp_path / "a.wav"
    sf.write(f, make_sound("noise", np.random.default_rng(0), 22050), 22050)
    assert not win.finding_ui.handle_drop(mime_of(f))  # no library: a dropped file opens its folder, as before
    statuses: list[str] = []
    win.status_label.notify = lambda text, ms=0: statuses.append(text)
    win.finding_ui.query_recording(np.zeros((100, 1), np.float32), 44100)
    assert statuses == ["Open a folder of sounds first"] and "find_like" not in win.finding_ui.dialogs


def write_duplicates(root: Path) -> dict[str, str | None]:
    from tests.core.finding.dupset import write_duplicate_set

    return write_duplicate_set(root, per_class=1, seed=3, variants=("copy", "flac", "gain", "trim"))


def test_duplicates_review_export_move_and_undo(qtbot, window, null_audio, tmp_path: Path) -> None:
    root = tmp_path / "lib"
    truth = write_duplicates(root)
    win = window()
    open_library(qtbot, win, root)
    dialog = win.finding_ui.duplicates()
    assert dialog.threshold.value() == 0.75 and dialog.threshold.suffix() == " dB"
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=READY_MS)
    groups = {frozenset(m.relpath for m in g.members) for g in dialog.report.groups}
    expected: dict[str, set[str]] = {}
    for rel, g in truth.items():
        if g is not None:
            expected.setdefault(g, set()).add(rel)
    assert groups == {frozenset(v) for v in expected.values()}  # every group, and no distractor
    assert dialog.tree.topLevelItemCount() == len(CLASSES)
    assert "0.75 dB" in dialog.summary.text()

    # A/B: A plays the group's reference, B the chosen copy
    group = dialog.tree.topLevelItem(0)
    dialog.tree.setCurrentItem(group.child(2))
    dialog.play_ab("a")
    assert win.player.current_path() == str(group.child(0).data(0, 256))
    dialog.play_ab("b")
    assert win.player.current_path() == str(group.child(2).data(0, 256))

    out = dialog.export_csv(tmp_path / "report.csv")
    rows = list(csv.DictReader(out.open()))
    assert {r["path"] for r in rows} == {str(root / rel) for rel, g in truth.items() if g is not None}
    assert set(rows[0]) >= {"group", "path", "kind"}

    # move the ticked copies out of the library, then undo: nothing is ever deleted
    ticked = dialog.checked_paths()
    assert len(ticked) == len(CLASSES) * 4 and all(Path(p).exists() for p in ticked)
    aside = tmp_path / "aside"
    dialog.move_checked(aside)
    qtbot.waitUntil(lambda: dialog.record is not None, timeout=30_000)
    assert not any(Path(p).exists() for p in ticked)
    assert len(list(aside.rglob("*.*"))) == len(ticked) and dialog.undo.isEnabled()
    idle(qtbot, win)
    dialog.undo_move()
    qtbot.waitUntil(lambda: dialog.record is None, timeout=30_000)
    assert all(Path(p).exists() for p in ticked) and not list(aside.rglob("*.*"))
    idle(qtbot, win)

    # a stricter threshold, shown and re-run
    dialog.threshold.setValue(0.0)
    dialog.run()
    qtbot.waitUntil(lambda: dialog.rerun.isEnabled(), timeout=READY_MS)
    assert dialog.report.params.threshold_db == 0.0 and "threshold 0 dB" in dialog.summary.text()
    assert not win.shown_errors


def test_suggested_tags_accept_reject_and_export(qtbot, window, tmp_path: Path) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    rng = np.random.default_rng(7)
    truth, lines = {}, ["path,tags"]
    for n in range(40):
        kind = CLASSES[n % 4]
        rel = f"s_{n:03d}.wav"
        sf.write(root / rel, make_sound(kind, rng, 22050), 22050)
        truth[rel] = kind
        if n % 8 < 4:  # half of the sounds keep their class as a tag
            lines.append(f"{rel},{kind}")
    (root / "tags.csv").write_text("\n".join(lines) + "\n")
    win = window()
    open_library(qtbot, win, root)
    dialog = win.finding_ui.suggested_tags()
    qtbot.waitUntil(lambda: dialog.rerun.isEnabled(), timeout=READY_MS)
    sugg = dialog.suggestions
    assert sugg and dialog.tree.topLevelItemCount() == len(sugg)
    rel_of = {sid: s.relpath for sid, s in win.state.sounds.items()}
    untagged = {rel for n, rel in enumerate(sorted(truth)) if n % 8 >= 4}
    assert {rel_of[s.sound_id] for s in sugg} <= untagged
    right = np.mean([s.tag == truth[rel_of[s.sound_id]] for s in sugg])
    assert right >= 0.8, right
    assert dialog.tree.topLevelItem(0).text(2).endswith("%")

    dialog.tree.topLevelItem(0).setSelected(True)
    dialog.review(dialog.chosen(), "rejected")
    dialog.tree.clearSelection()
    dialog.tree.topLevelItem(1).setSelected(True)
    dialog.review(dialog.chosen(), "accepted")
    dialog.bulk_min.setValue(0.0)
    dialog.accept_confident()
    idle(qtbot, win)
    store = SuggestionStore(win.pipeline.library.catalog)
    status = {(s.sound_id, s.tag): s.status for s in store.suggestions()}
    assert status[(sugg[0].sound_id, sugg[0].tag)] == "rejected"
    assert all(v == "accepted" for k, v in status.items() if k != (sugg[0].sound_id, sugg[0].tag))
    assert "0 to review" in dialog.summary.text()

    out = dialog.export_csv(tmp_path / "suggested.csv")
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == len(sugg) and rows[0]["status"] == "rejected" and set(rows[0]) == {"path", "tag",
                                                                                          "confidence", "status"}
    assert not (root / "suggested.csv").exists()  # nothing written into the library
    # a new round keeps the reviews
    dialog.load(rerun=True)
    qtbot.waitUntil(lambda: dialog.rerun.isEnabled(), timeout=READY_MS)
    assert [s.status for s in dialog.suggestions].count("rejected") == 1
    assert not win.shown_errors
