"""Screenshots of "what the map means" in the real app, under Xvfb:

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots_explain.py FOLDER [--model pretrained]

Writes docs/img/explain-faithfulness.png (colour by map faithfulness, a sound selected with its true
neighbours that the map put far away), explain-brightness.png (colour by brightness),
explain-describe.png (Describe this cluster) and explain-correlation.png (Compare models ▸ What they
capture: the CCA table and the MLP probe).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", type=Path)
    ap.add_argument("--model", default="pretrained")
    ap.add_argument("--labels", default="Filename prefix (before _)", help="Compare's label source (its combo text)")
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = ap.parse_args()
    os.environ.setdefault("SOUND_EXPLORER_HOME", tempfile.mkdtemp(prefix="se-shots-"))

    import numpy as np
    from PySide6.QtCore import QTimer

    from desktop_app.application import create_app
    from desktop_app.model.settings import Settings
    from desktop_app.views.cluster_actions import run_cluster_action
    from desktop_app.window import MainWindow

    app = create_app(sys.argv[:1])
    settings = Settings.load()
    settings.model, settings.colour_by = args.model, "faithfulness"
    win = MainWindow(settings, show_error=lambda t, m, d: print("error:", t, m, d, file=sys.stderr), persist=False)
    win.resize(1440, 880)
    args.out.mkdir(parents=True, exist_ok=True)
    st = win.state
    done: list[str] = []

    def shot(widget, name: str) -> None:
        app.processEvents()
        widget.grab().save(str(args.out / name))
        done.append(name)
        print("wrote", args.out / name, flush=True)

    def when(cond, then, timeout_s: float = 600) -> None:
        t0 = time.monotonic()

        def poll() -> None:
            if cond():
                QTimer.singleShot(600, then)
            elif time.monotonic() - t0 > timeout_s:
                print("timed out waiting", file=sys.stderr)
                app.quit()
            else:
                QTimer.singleShot(200, poll)
        poll()

    def colour(mode: str) -> None:
        c = win.controls.colour
        c.setCurrentIndex(c.findData(mode))

    def faithful() -> None:
        # the sound whose neighbourhood the map kept worst (ties: the first)
        row = int(np.argmin(np.where(st.labels >= 0, st.labels, 99)))
        win.select_row(row, play=False)
        when(lambda: st.true_neighbours is not None and bool(win.neighbors.rows()), shot_faithful)

    def shot_faithful() -> None:
        win.binding.flush()
        shot(win, "explain-faithfulness.png")
        st.select(None)
        colour("descriptor:brightness")
        when(lambda: st.colour_scale is not None and st.colour_scale.title == "Brightness" and win.pipeline.ready,
             shot_brightness)

    def shot_brightness() -> None:
        shot(win, "explain-brightness.png")
        colour("graph")
        when(lambda: st.labelling is not None and win.pipeline.ready, describe)

    def describe() -> None:
        sizes = np.bincount(st.labels[st.labels >= 0])
        run_cluster_action(win, "describe", int(np.argmax(sizes)))
        win.describe_panel.resize(600, 640)
        when(lambda: win.describe_panel.descriptors.rowCount() > 0, shot_describe)

    def shot_describe() -> None:
        shot(win.describe_panel, "explain-describe.png")
        win.describe_panel.close()
        win.open_compare()
        dlg = win._compare_dialog
        dlg.labels.setCurrentText(args.labels)
        dlg.run()
        when(lambda: bool(dlg.rows), lambda: explain(dlg))

    def explain(dlg) -> None:
        dlg.repeats.setValue(args.repeats)
        dlg.tabs.setCurrentIndex(1)
        dlg.explain()
        when(lambda: bool(dlg.explain_rows), lambda: finish(dlg), timeout_s=1800)

    def finish(dlg) -> None:
        dlg.resize(1000, 520)
        shot(dlg, "explain-correlation.png")
        dlg.tabs.setCurrentIndex(0)
        shot(dlg, "explain-compare.png")
        win.close()
        app.quit()

    win.show()
    QTimer.singleShot(0, lambda: win.open_library(args.folder))
    when(lambda: win.pipeline.ready and st.layout_final and st.colour_scale is not None, faithful)
    QTimer.singleShot(2_400_000, app.quit)
    app.exec()
    return 0 if len(done) == 5 else 1


if __name__ == "__main__":
    sys.exit(main())
