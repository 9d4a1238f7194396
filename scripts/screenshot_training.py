"""Screenshots of training in the real app (run under Xvfb):

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshot_training.py [FOLDER] [--epochs 6]

Opens FOLDER (default: the bundled demo collection) in a fresh home with the ``pretrained`` map,
opens Model → Train on this library…, lets the tag list load (docs/img/training-tags.png), starts a
default triplet run with ``--epochs`` epochs, and when it has finished writes the dialog with its
loss curves and verdict (docs/img/training.png) and the main window redrawn with the new model
(docs/img/map-trained.png); then Model → Compare models… scores the models against the folders
(docs/img/compare.png).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", type=Path, default=None)
    ap.add_argument("--epochs", type=int, default=6)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = ap.parse_args()
    os.environ.setdefault("SOUND_EXPLORER_HOME", tempfile.mkdtemp(prefix="se-shots-"))

    from PySide6.QtCore import QTimer

    from core.resources import demo_dir

    from shot_support import saver, window

    app, win = window("pretrained")
    shot = saver(app, args.out)
    done: list[str] = []

    def on_map() -> None:
        if done:
            if done == ["trained"] and win.state.model != "pretrained":
                done.append("map")
                QTimer.singleShot(1500, finish)
            return
        done.append("opened")
        win.open_training({"epochs": args.epochs})
        dlg = win._training_dialog
        dlg.resize(1100, 820)
        dlg.tagsLoaded.connect(lambda _n: QTimer.singleShot(300, lambda: (shot(dlg, "training-tags.png"),
                                                                           dlg.start())))
        dlg.finishedRun.connect(lambda state: on_trained(dlg, state))

    def on_trained(dlg, state: str) -> None:
        print("training:", state, flush=True)
        shot(dlg, "training.png")
        done[:] = ["trained"]
        if state != "trained":
            app.quit()

    def finish() -> None:
        shot(win, "map-trained.png")
        win.open_compare()
        dlg = win._compare_dialog
        dlg.scored.connect(lambda _rows: QTimer.singleShot(500, lambda: (shot(dlg, "compare.png"), done.append("compare"),
                                                                         win.close(), app.quit())))
        dlg.run()

    win.pipeline.mapReady.connect(on_map)
    win.show()
    QTimer.singleShot(0, lambda: win.open_library(args.folder or demo_dir()))
    QTimer.singleShot(1_500_000, app.quit)
    app.exec()
    return 0 if "compare" in done else 1


if __name__ == "__main__":
    sys.exit(main())
