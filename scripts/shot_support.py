"""What the screenshot scripts share: the app, a main window on fresh settings, and saving a widget.

Import it after ``SOUND_EXPLORER_HOME`` is set (the settings load from there)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable


def window(model: str, colour_by: str = "folder", size: tuple[int, int] = (1440, 880)) -> tuple[Any, Any]:
    """``(app, win)``: the real application and a main window showing ``model``, coloured by
    ``colour_by``; errors are printed instead of shown in a dialog."""
    from desktop_app.application import create_app
    from desktop_app.model.settings import Settings
    from desktop_app.window import MainWindow

    app = create_app(sys.argv[:1])
    settings = Settings.load()
    settings.model = model
    settings.colour_by = colour_by
    win = MainWindow(settings, show_error=lambda t, m, d: print("error:", t, m, d, file=sys.stderr), persist=False)
    win.resize(*size)
    return app, win


def saver(app: Any, out: Path) -> Callable[[Any, str], None]:
    """``shot(widget, name)``: process pending events, then save the widget as ``out/name``."""
    out.mkdir(parents=True, exist_ok=True)

    def shot(widget: Any, name: str) -> None:
        app.processEvents()
        widget.grab().save(str(out / name))
        print("wrote", out / name, flush=True)

    return shot
