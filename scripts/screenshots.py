"""Take the README's screenshots of the real app: run under Xvfb (not offscreen, so fonts and
the window manager-free layout match a desktop).

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots.py [FOLDER] [--model pretrained]

Writes docs/img/map.png (a first launch with default settings), docs/img/neighbours.png (a sound
selected: details, neighbour list, neighbour lines), docs/img/presentation.png (presentation mode
with cluster captions, during the cluster tour) and docs/img/search.png (a search by word).
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
    ap.add_argument("--model", default=None, help="default: the app's default encoder (a first launch)")
    ap.add_argument("--colour-by", default=None, help="default: the app's default colouring")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    ap.add_argument("--select", default="drums/drum_snare_hard.flac", help="relpath of the sound to select")
    args = ap.parse_args()
    os.environ.setdefault("SOUND_EXPLORER_HOME", tempfile.mkdtemp(prefix="se-shots-"))

    from PySide6.QtCore import QTimer

    from core.resources import demo_dir
    from desktop_app.application import create_app
    from desktop_app.window import MainWindow
    from desktop_app.model.settings import Settings

    app = create_app(sys.argv[:1])
    settings = Settings.load()  # a fresh home: a first launch with default settings
    if args.model:
        settings.model = args.model
    if args.colour_by:
        settings.colour_by = args.colour_by
    win = MainWindow(settings, show_error=lambda t, m, d: print("error:", t, m, d, file=sys.stderr), persist=False)
    win.resize(1440, 880)
    args.out.mkdir(parents=True, exist_ok=True)
    steps: list = []

    def shot(name: str) -> None:
        app.processEvents()
        win.grab().save(str(args.out / name))
        print("wrote", args.out / name)

    def after(ms: int, fn) -> None:
        QTimer.singleShot(ms, fn)

    def on_map() -> None:
        if steps:
            return
        steps.append(1)
        after(800, first)

    def first() -> None:
        shot("map.png")
        rows = [r for r in range(len(win.state.ids)) if (i := win.state.info(r)) is not None and i.relpath == args.select]
        row = rows[0] if rows else len(win.state.ids) // 2
        win.select_row(row, play=False)
        after(1500, second)

    def second() -> None:
        shot("neighbours.png")
        win.presenter.enter(fullscreen=False)
        win.presenter.start_tour()
        after(2500, third)

    def third() -> None:
        shot("presentation.png")
        win.presenter.stop_tour()
        win.presenter.leave()
        win.controls.search.setText("kick")  # search by word: synonyms, then sounds like the matches
        win.controls.flush()
        win.search_results.step(+1)
        after(1500, fourth)

    def fourth() -> None:
        shot("search.png")
        win.close()
        app.quit()

    win.pipeline.mapReady.connect(on_map)
    win.show()
    after(0, lambda: win.open_library(args.folder or demo_dir()))
    after(900_000, app.quit)
    app.exec()
    return 0 if steps else 1


if __name__ == "__main__":
    sys.exit(main())
