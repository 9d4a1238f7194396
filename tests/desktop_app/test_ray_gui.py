"""File ▸ Embed on a Ray cluster…: a person adds sounds to an open library and embeds them on a local Ray
cluster from the dialog; the job bar follows the run and can cancel it, a second run picks up what the
first finished, and the map refreshes with the new sounds. Without Ray, the same action says how to
install it. The real window, the real Ray (skipped when it is not installed).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from core.catalog import Catalog
from core.jobs import run_job
from core.library import Library
from tests.desktop_app.finding_support import READY_MS, open_library, window_factory
from tests.synth import write_collection


@pytest.fixture()
def window(qtbot, home: Path):
    yield from window_factory(qtbot, home)


def _processes_using(folder: str) -> list[str]:
    """Command lines of the running processes that name ``folder`` (Ray's private temp folder)."""
    out = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True).stdout
    return [line for line in out.splitlines() if folder in line]


def test_without_ray_the_action_says_how_to_install_it(qtbot, window, fresh_synth, monkeypatch) -> None:
    root, _ = fresh_synth
    win = window()
    open_library(qtbot, win, root)
    monkeypatch.setitem(sys.modules, "ray", None)  # Ray cannot be imported, as when the extra is not installed
    win.actions["ray_embed"].trigger()
    box = win._ray_dialog
    assert isinstance(box, QMessageBox) and box.isVisible()
    assert "sound-explorer[cluster]" in box.text() and "requirements-cluster.lock" in box.text()
    box.accept()
    assert win.shown_errors == [] and not win.jobs.is_busy()


@pytest.mark.timeout(300)
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Ray Data's own settings
def test_new_sounds_embedded_on_a_local_ray_cluster_appear_on_the_map_and_a_cancelled_run_resumes(qtbot, window, fresh_synth, tmp_path) -> None:
    ray = pytest.importorskip("ray", reason="Ray is not installed: the cluster extra (requirements-cluster.lock)")
    pytest.importorskip("ray.data", reason="Ray Data is not installed (pip install 'ray[data]')")
    from tests.ray_support import private_ray_env

    root, truth = fresh_synth
    win = window()
    open_library(qtbot, win, root)
    before = len(win.state.ids)
    added = write_collection(root / "added", per_class=1, seed=7)  # new sounds, not embedded yet
    bar: list[str] = []
    win.jobs.jobProgress.connect(lambda _h, _p: bar.append(win.job_bar.text()))
    ready: list[bool] = []
    win.pipeline.mapReady.connect(lambda: ready.append(True))
    statuses: list[str] = []
    win.state.events.status.connect(statuses.append)
    shards = Path(f"{win.pipeline.library.catalog.path}.shards")
    with private_ray_env() as temp:
        win.actions["ray_embed"].trigger()
        dialog = win._ray_dialog
        assert dialog.model.currentData() == "mfcc" and dialog.address.text() == ""  # blank: a local cluster
        dialog.accept()
        # the job bar follows the run; its cancel button stops it at the next shard (one shard here)
        qtbot.waitUntil(lambda: any(t.startswith("Listening (mfcc on Ray)") for t in bar), timeout=READY_MS)
        win.job_bar.cancel_button.click()
        qtbot.waitUntil(lambda: not win.jobs.is_busy(), timeout=READY_MS)
        assert not ray.is_initialized() and any(t.startswith("Stopped") for t in statuses), statuses
        qtbot.waitUntil(lambda: not _processes_using(temp), timeout=30_000)  # the local cluster is gone
        assert len(win.state.ids) == before and not ready  # nothing merged, the map untouched
        assert list(shards.glob("mfcc*.parquet"))  # the shard the cluster finished is kept
        # run again: the finished shard is merged without starting Ray, and the map refreshes
        win.actions["ray_embed"].trigger()
        win._ray_dialog.accept()
        qtbot.waitUntil(lambda: bool(ready) and not win.jobs.is_busy(), timeout=READY_MS)
        assert not ray.is_initialized()
    assert win.shown_errors == []
    # the map shows the new sounds, laid out and coloured
    st = win.state
    assert len(st.ids) == before + len(added) == len(truth) + len(added)
    assert st.layout_final and np.isfinite(st.xy).all() and len(set(st.labels.tolist()) - {-1}) >= 2
    # their vectors came from the cluster (the result shard next to the catalog) and equal the local engine's
    by_path = {st.info(row).path.relative_to(root).as_posix(): st.vectors[row] for row in range(len(st.ids))}
    with Library(Catalog.open(root, tmp_path / "local.sqlite")) as lib:
        run_job(lib.embed("mfcc"))
        ids, local = lib.vectors("mfcc")
        for i, ref in zip(ids, local):
            v = by_path[lib.catalog.sound(int(i)).relpath]
            assert float(v @ ref / (np.linalg.norm(v) * np.linalg.norm(ref))) >= 0.999
