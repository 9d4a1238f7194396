"""``sound-explorer``: the desktop app, or the command line when given a subcommand.

    sound-explorer                    # the last library (the demo collection on first start)
    sound-explorer ~/Sounds/Foley     # open that folder
    sound-explorer embed ~/Sounds     # a CLI subcommand → core.cli.main (no Qt is imported)
    sound-explorer --smoke [DIR]      # open DIR (or the demo), wait for the map + clusters, exit 0
                                      # (it prints the time the map was shown: benchmarks/bench_reopen_gui.py)
    sound-explorer --screenshot out.png [DIR]   # same, then save a picture of the window

``--smoke`` runs with a throw-away per-user folder (unless ``SOUND_EXPLORER_HOME`` is set), so it
writes nothing to the user's settings or catalogs.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

def parse_gui_args(argv: Sequence[str]) -> argparse.Namespace:
    from core.cli.main import command_names

    p = argparse.ArgumentParser(
        prog="sound-explorer",
        description="Map a sound collection by how it sounds. Commands "
                    f"({', '.join(sorted(command_names()))}) run the command line version; see "
                    "'sound-explorer COMMAND --help'.",
    )
    p.add_argument("folder", nargs="?", type=Path, help="a folder of sounds to open")
    p.add_argument("--smoke", action="store_true", help="open, wait for the map and clusters, then exit 0")
    p.add_argument("--screenshot", type=Path, metavar="PNG", help="save the window once the map is ready, then exit")
    p.add_argument("--timeout", type=float, default=600.0, help="seconds --smoke/--screenshot may wait (default 600)")
    p.add_argument("--model", default=None, help="encoder to start with (e.g. mfcc, pretrained)")
    p.add_argument("--size", default="1440x880", help="window size for --screenshot (WxH)")
    return p.parse_args(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    from core.cli.main import command_names

    if argv and argv[0] in command_names():
        from core.cli.main import main as cli_main

        return int(cli_main(argv) or 0)
    args = parse_gui_args(argv)
    return run_gui(args)


def choose_folder(folder: Path | None, settings, headless: bool, demo: Path) -> Path:  # noqa: ANN001
    """The folder to open: the one given, else the last library (if it still exists and this is
    not a smoke/screenshot run), else the bundled demo collection."""
    if folder is not None:
        return folder
    last = Path(settings.last_library) if settings.last_library else None
    if last is not None and last.is_dir() and not headless:
        return last
    return demo


def run_gui(args: argparse.Namespace) -> int:
    headless_run = args.smoke or args.screenshot is not None
    tmp_home = None
    if headless_run and not os.environ.get("SOUND_EXPLORER_HOME"):
        tmp_home = tempfile.TemporaryDirectory(prefix="sound-explorer-smoke-")
        os.environ["SOUND_EXPLORER_HOME"] = tmp_home.name
    try:
        return _run(args, headless_run)
    finally:
        if tmp_home is not None:
            tmp_home.cleanup()


def _run(args: argparse.Namespace, headless_run: bool) -> int:
    from PySide6.QtCore import QTimer

    from core.resources import demo_dir
    from desktop_app.application import create_app
    from desktop_app.window import MainWindow
    from desktop_app.model.settings import Settings

    app = create_app(sys.argv[:1])
    settings = Settings.load()
    if args.model:
        settings.model = args.model
    failures: list[str] = []

    def show_error_headless(title: str, message: str, details: str) -> None:
        failures.append(f"{title}: {message}")
        print(f"error: {title}: {message}\n{details}", file=sys.stderr)

    win = MainWindow(settings, show_error=show_error_headless if headless_run else None,
                     persist=not headless_run)
    win.errors.install()

    folder = choose_folder(args.folder, settings, headless_run, demo_dir())

    exit_code = {"value": 0}
    if headless_run:
        w, _, h = args.size.partition("x")
        win.resize(int(w or 1440), int(h or 880))

        def done() -> None:
            if args.screenshot is not None:
                args.screenshot.parent.mkdir(parents=True, exist_ok=True)
                if not win.grab().save(str(args.screenshot)):
                    print(f"error: could not write {args.screenshot}", file=sys.stderr)
                    exit_code["value"] = 1
            if failures:
                exit_code["value"] = 1
            n = len(win.state.ids)
            k = len(set(win.state.labels.tolist()) - {-1})
            loose = int((win.state.labels < 0).sum())
            print(f"smoke: map ready with {n} sounds ({win.state.model}), {k} clusters, {loose} unassigned "
                  f"({100 * loose / max(1, n):.0f} %), {len(win.state.failures)} unreadable files")
            win.close()
            app.quit()

        def timeout() -> None:
            print(f"error: the map was not ready after {args.timeout:.0f} s", file=sys.stderr)
            exit_code["value"] = 1
            win.close()
            app.quit()

        shown_at: list[float] = []

        def shown() -> None:  # the first time: when the map and its colours are on screen (benchmarks time it)
            if not shown_at:
                shown_at.append(time.time())
                k = len(set(win.state.labels.tolist()) - {-1})
                print(f"timing: map shown at {shown_at[0]:.3f} (epoch s), {len(win.state.ids)} sounds, "
                      f"{k} clusters", flush=True)

        win.pipeline.mapReady.connect(shown)
        # Let the last frames (UMAP animation, labels) reach the view before grabbing.
        win.pipeline.mapReady.connect(lambda: QTimer.singleShot(300, done))
        QTimer.singleShot(int(args.timeout * 1000), timeout)
    win.show()
    QTimer.singleShot(0, lambda: win.open_library(folder) or (headless_run and _fail_open(win, app, exit_code)))
    rc = app.exec()
    return exit_code["value"] if headless_run else int(rc)


def _fail_open(win, app, exit_code: dict) -> None:  # noqa: ANN001
    exit_code["value"] = 1
    win.close()
    app.quit()


if __name__ == "__main__":
    sys.exit(main())
