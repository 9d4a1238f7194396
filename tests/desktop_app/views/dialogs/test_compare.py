"""Model → Compare models…, offscreen: every embedded model scored against folder or CSV labels."""

from __future__ import annotations

import pytest

from core.library import Library
from core.jobs import run_job
from desktop_app.views.dialogs.compare import CompareDialog
from desktop_app.controllers.jobs import JobManager


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("SOUND_EXPLORER_HOME", str(tmp_path / "home"))


def test_compare_scores_embedded_models_and_lists_the_rest(qtbot, synth_dir, tmp_path):
    root, labels = synth_dir
    with Library.open(root, tmp_path / "cat.sqlite") as lib:
        run_job(lib.embed("mfcc"))
        jobs = JobManager(max_threads=1)
        dlg = CompareDialog(lib, jobs)
        qtbot.addWidget(dlg)
        with qtbot.waitSignal(dlg.scored, timeout=120_000) as sig:
            dlg.run()
        rows = sig.args[0]
        assert [r["model"] for r in rows] == ["mfcc"]
        assert rows[0]["n"] == len(labels) and rows[0]["classes"] == 4
        assert 0.25 < rows[0]["qbe_map"] <= 1.0  # four classes: chance is about 0.23
        assert dlg.table.rowCount() == 1 and dlg.table.item(0, 0).text() == "mfcc"
        assert dlg.table.item(0, 2).text() == f"{rows[0]['qbe_map']:.3f}"
        assert "pretrained" in dlg.note.text()  # listed as not scored: it has no vectors yet
        assert dlg.run_button.isEnabled()

        # a CSV naming only two classes' sounds: only those are scored
        csv = tmp_path / "labels.csv"
        csv.write_text("path,label\n" + "".join(f"{r},{c}\n" for r, c in labels.items() if c in ("tone", "click")))
        dlg.set_csv("labels", csv)
        with qtbot.waitSignal(dlg.scored, timeout=120_000) as sig:
            dlg.run()
        assert sig.args[0][0]["classes"] == 2 and sig.args[0][0]["n"] == len(labels) // 2
        assert jobs.shutdown()
