"""Screenshots of the training timelapse in the real app (run under Xvfb):

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots_timelapse.py [FOLDER] \
        [--epochs 4] [--home DIR]

Opens FOLDER (default: the bundled demo collection) with the ``pretrained`` map, opens Model → Train on
this library…, trains a default triplet model for ``--epochs`` epochs and, when the live timelapse map
has every epoch, writes the dialog (docs/img/timelapse-training.png); then Model → Training
timelapse… replays that model from its saved epoch weights, coloured by folder, and the dialog is
written while it plays (docs/img/timelapse-dialog.png). ``--home`` keeps the catalog and the model
(e.g. for ``sound-explorer timelapse`` afterwards).
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
    ap.add_argument("--epochs", type=int, default=4)
    ap.add_argument("--home", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = ap.parse_args()
    os.environ["SOUND_EXPLORER_HOME"] = str(args.home or tempfile.mkdtemp(prefix="se-shots-"))
    print("home:", os.environ["SOUND_EXPLORER_HOME"], flush=True)

    from PySide6.QtCore import QTimer

    from core.resources import demo_dir
    from desktop_app.menus import open_timelapse

    from shot_support import saver, window

    app, win = window("pretrained")
    shot = saver(app, args.out)
    done: list[str] = []

    def on_map() -> None:
        if done:
            return
        done.append("opened")
        win.open_training({"epochs": args.epochs})
        dlg = win._training_dialog
        dlg.resize(1180, 820)
        live = dlg.timelapse_map
        live.layoutAdded.connect(lambda epoch: print("live map of epoch", epoch, flush=True))

        def when_all_maps() -> None:
            if len(live.layouts) == args.epochs + 1 and dlg.state == "trained":
                QTimer.singleShot(1500, lambda: (shot(dlg, "timelapse-training.png"), dlg.close(),
                                                 QTimer.singleShot(500, replay)))
            else:
                QTimer.singleShot(500, when_all_maps)

        dlg.finishedRun.connect(lambda state: when_all_maps() if state == "trained" else app.quit())
        dlg.tagsLoaded.connect(lambda _n: QTimer.singleShot(300, dlg.start))

    def replay() -> None:
        open_timelapse(win)
        tdlg = win._timelapse_dialog
        tdlg.resize(640, 640)
        tdlg.colour.setCurrentText("folder")  # rebuilds
        tdlg.built.connect(lambda _m: QTimer.singleShot(
            2600, lambda: (shot(tdlg, "timelapse-dialog.png"), done.append("replayed"), win.close(), app.quit())))

    win.pipeline.mapReady.connect(on_map)
    win.show()
    QTimer.singleShot(0, lambda: win.open_library(args.folder or demo_dir()))
    QTimer.singleShot(1_200_000, app.quit)
    app.exec()
    return 0 if "replayed" in done else 1


if __name__ == "__main__":
    sys.exit(main())
