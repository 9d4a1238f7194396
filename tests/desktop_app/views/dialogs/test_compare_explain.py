"""Compare models: the Recall@10 / MRR / nDCG@10 columns and the "What they capture" tab (the
correlation table and the MLP probe run as a job), offscreen on synthetic audio."""

from __future__ import annotations

import numpy as np
import pytest

from core.audio import descriptors as D
from core.evaluation.probes import cca_table
from core.jobs import run_job
from core.library import Library
from desktop_app.controllers.jobs import JobManager
from desktop_app.views.dialogs.compare import COLUMNS, CompareDialog


@pytest.fixture(autouse=True)
def _home(tmp_path, monkeypatch):
    monkeypatch.setenv("SOUND_EXPLORER_HOME", str(tmp_path / "home"))


def test_ranking_columns_and_the_correlation_table(qtbot, synth_dir, tmp_path):
    root, _labels = synth_dir
    with Library.open(root, tmp_path / "cat.sqlite") as lib:
        run_job(lib.embed("mfcc"))
        jobs = JobManager(max_threads=1)
        dlg = CompareDialog(lib, jobs)
        qtbot.addWidget(dlg)
        with qtbot.waitSignal(dlg.scored, timeout=120_000) as sig:
            dlg.run()
        row = sig.args[0][0]
        heads = [dlg.table.horizontalHeaderItem(j).text() for j in range(dlg.table.columnCount())]
        for key, title in (("recall@10", "Recall@10"), ("mrr", "MRR"), ("ndcg@10", "nDCG@10")):
            j = heads.index(title)
            assert dlg.table.item(0, j).text() == f"{row[key]:.3f}"
            assert 0.0 < row[key] <= 1.0
        assert len(heads) == len(COLUMNS) + 2

        dlg.repeats.setValue(2)
        dlg.explain()
        qtbot.waitUntil(lambda: dlg.explain_button.isEnabled(), timeout=240_000)
        assert [r["model"] for r in dlg.explain_rows] == ["mfcc"]
        ids, vecs = lib.vectors("mfcc")
        d_ids, desc = run_job(D.library_descriptors(lib, ids))
        ref = cca_table(vecs[np.searchsorted(ids, d_ids)], desc, D.groups())
        assert dlg.cca.rowCount() == len(ref) + 1
        for i, r in enumerate(ref):
            assert dlg.cca.item(i, 0).text() == f"{r.group} ({r.n_features})"
            assert dlg.cca.item(i, 1).text() == f"{r.heldout[0]:.2f} / {np.mean(r.heldout[:3]):.2f}"
        probe = dlg.explain_rows[0]["probe"]
        assert probe is not None and len(probe.repeats) == 2 and probe.classes == 4
        assert dlg.cca.item(len(ref), 1).text() == f"{probe.mean:.3f} ± {probe.std:.3f}"
        assert probe.mean > 0.5  # four well-separated synthetic classes; chance is 0.25
        assert jobs.shutdown()
