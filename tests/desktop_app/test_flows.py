"""User flows that cross features and front ends: the CLI and the GUI on one library, reopening a
cached library, a settings file that names a model of another library.

Each flow drives the real CLI (``core.cli.main.main``) and the real window (offscreen); nothing of the
project is mocked.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.catalog import Catalog
from core.cli.main import main as cli
from core.defaults import DEFAULT_CLUSTER_METHOD
from tests.desktop_app.finding_support import window_factory
from tests.synth import write_collection

READY_MS = 240_000
REPO = Path(__file__).resolve().parents[2]


def _stored(root: Path, model: str = "mfcc") -> tuple[list[dict], list[dict]]:
    """The catalog's labellings and projections of ``model`` (metadata, newest first)."""
    with Catalog.open(root) as cat:
        (version,) = {v for m, v, _ in cat.embedded_models() if m == model}
        return cat.labellings(model, version), cat.projections(model, version)


@pytest.fixture()
def window(qtbot, home: Path):
    yield from window_factory(qtbot, home)


def _open(qtbot, win, root: Path) -> None:
    win.open_library(root)
    qtbot.waitUntil(lambda: win.pipeline.ready, timeout=READY_MS)
    qtbot.waitUntil(lambda: not win.jobs.is_busy(), timeout=READY_MS)
    win.binding.flush()


def test_cli_then_gui_store_one_labelling_and_one_map(qtbot, window, fresh_synth, capsys) -> None:
    root, _ = fresh_synth
    assert cli(["cluster", str(root), "--model", "mfcc", "-q"]) == 0
    printed = capsys.readouterr().out
    assert cli(["map", str(root), "--model", "mfcc", "-q"]) == 0
    labellings, maps = _stored(root)
    assert len(labellings) == 1 and labellings[0]["method"] == DEFAULT_CLUSTER_METHOD and len(maps) == 1

    win = window()
    _open(qtbot, win, root)
    after_l, after_m = _stored(root)
    assert [(x["id"], x["created"]) for x in after_l] == [(x["id"], x["created"]) for x in labellings]
    assert [(x["id"], x["created"]) for x in after_m] == [(x["id"], x["created"]) for x in maps]
    assert "cluster" not in win.started_kinds and "map" not in win.started_kinds  # nothing recomputed
    # the same clusters, with the same numbers and names, in the CLI and the legend
    pairs = [line.strip().rsplit(": ", 1) for line in printed.splitlines()[1:]]
    # "Cluster 2 (noise): 4 sounds": the number, the name the legend shows, the size
    sizes = {head.partition(" (")[2].rstrip(")") or head: int(n.split()[0]) for head, n in pairs}
    legend = {e.name: e.size for e in win.map.legend_entries()}
    assert sizes == legend and len(legend) >= 2
    numbers = {head.partition(" (")[0] for head, _ in pairs}
    assert numbers == {f"Cluster {k}" for k in range(1, len(legend) + 1)}
    assert win.shown_errors == []


def test_gui_then_cli_reuse_the_gui_results(qtbot, window, fresh_synth, capsys) -> None:
    root, _ = fresh_synth
    win = window()
    _open(qtbot, win, root)
    assert {"cluster", "map"} <= set(win.started_kinds)  # a fresh library: computed once
    labellings, maps = _stored(root)
    assert len(labellings) == 1 and len(maps) == 1
    win.close()
    assert cli(["cluster", str(root), "--model", "mfcc", "-q"]) == 0
    assert cli(["map", str(root), "--model", "mfcc", "-q"]) == 0
    after_l, after_m = _stored(root)
    assert [x["created"] for x in after_l] == [x["created"] for x in labellings]
    assert [x["created"] for x in after_m] == [x["created"] for x in maps]


REOPEN = r"""
import json, sys, threading, time
from pathlib import Path
from PySide6.QtWidgets import QApplication
from core.library import Library
from desktop_app.model.settings import Settings
from desktop_app.window import MainWindow
app = QApplication([])
gui_sql = []  # statements the pipeline's catalog ran on the GUI thread

def traced(root):
    lib = Library.open(root)
    on_gui = lambda sql: threading.current_thread() is threading.main_thread() and gui_sql.append(sql[:80])
    lib.catalog._conn.set_trace_callback(on_gui)
    return lib

win = MainWindow(Settings(path=Path(sys.argv[2]) / "s.json", model="mfcc"), show_error=lambda *a: None,
                 persist=False, library_factory=traced)
started = []
win.jobs.jobStarted.connect(lambda h: started.append(h.kind))
t0 = time.monotonic()
win.open_library(sys.argv[1])
shown = None
while time.monotonic() - t0 < 120:
    app.processEvents()
    if shown is None and win.pipeline.ready:
        shown = time.monotonic() - t0
    if shown is not None and not win.jobs.is_busy():
        break
    time.sleep(0.005)
heavy = [m for m in ("torch", "umap", "hdbscan", "numba", "pynndescent", "networkx") if m in sys.modules]
encoders = [m for m in ("core.encoders.mfcc", "core.encoders.pretrained", "core.embedding.job") if m in sys.modules]
coloured = len(set(win.state.labels.tolist()) - {-1})
print(json.dumps({"shown": shown, "heavy": heavy, "encoders": encoders, "gui_sql": gui_sql, "started": started,
                  "n": len(win.state.ids),
                  "coloured": coloured, "final": bool(win.state.layout_final)}))
win.close()
"""


def test_reopening_a_cached_library_computes_nothing_and_imports_nothing_heavy(fresh_synth, home: Path) -> None:
    root, truth = fresh_synth
    for cmd in (["cluster", str(root)], ["map", str(root)]):
        assert cli([*cmd, "--model", "mfcc", "-q"]) == 0
    r = subprocess.run([sys.executable, "-c", REOPEN, str(root), str(home)], cwd=REPO, capture_output=True,
                       text=True, timeout=300, env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"})
    assert r.returncode == 0, r.stderr[-3000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    assert out["shown"] is not None and out["n"] == len(truth) and out["final"] and out["coloured"] >= 2
    assert out["heavy"] == [], out  # no encoder ran, no projection or clustering was computed
    assert out["encoders"] == [], out  # no encoder was even built (their modules load with the first one)
    assert out["gui_sql"] == [], out  # every catalog read ran on a worker thread
    assert "cluster" not in out["started"] and "map" not in out["started"], out


def test_a_model_of_another_library_falls_back_to_the_default(qtbot, window, fresh_synth) -> None:
    root, _ = fresh_synth
    win = window(model="triplet-joint")  # e.g. trained on the demo, saved in the settings
    messages: list[str] = []
    win.state.events.status.connect(messages.append)
    _open(qtbot, win, root)
    assert win.state.model != "triplet-joint" and win.settings.model == win.state.model
    assert any("belongs to another library" in m for m in messages)
    assert win.controls.model.findData("triplet-joint") < 0
    assert win.shown_errors == [] and len(win.state.ids) == len(list(root.rglob("*.*")))
    assert np.isfinite(win.state.xy).all()
    # the next library opens with the same (valid) model, without a message
    other = root.parent / "other"
    write_collection(other, per_class=2, seed=5)
    messages.clear()
    _open(qtbot, win, other)
    assert not any("another library" in m for m in messages)


def test_the_library_default_opens_and_the_encoder_box_reads_well(qtbot, window, fresh_synth, tmp_path) -> None:
    """A model training (or the user) made this library's default is what opening it shows; the encoder
    box names every model in words and marks the default; a user's other choice is kept."""
    from core.defaults import DEFAULT_MODEL

    root, _ = fresh_synth
    npz = tmp_path / "v.npz"
    assert cli(["export", str(root), "--model", "mfcc", "-q", "--format", "npz", "-o", str(npz)]) == 0
    assert cli(["import", str(root), str(npz), "--name", "mine", "-q"]) == 0
    with Catalog.open(root) as cat:
        cat.set_default_model("mine")
    win = window(model=DEFAULT_MODEL)
    messages: list[str] = []
    win.state.events.status.connect(messages.append)
    _open(qtbot, win, root)
    assert win.state.model == "mine"
    assert any("made this library's default" in m for m in messages)
    box = win.controls.model
    texts = {box.itemData(i): box.itemText(i) for i in range(box.count())}
    assert texts["mine"] == "mine (imported) ★" and texts["mfcc"] == "MFCC (fast)"
    assert box.currentData() == "mine" and win.shown_errors == []
    # the user picks another model: reopening keeps that choice
    win.pipeline.set_model("mfcc")
    qtbot.waitUntil(lambda: not win.jobs.is_busy(), timeout=READY_MS)
    _open(qtbot, win, root)
    assert win.state.model == "mfcc"
