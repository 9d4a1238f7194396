"""The one error path: uncaught exceptions and failed jobs are logged and shown in one dialog.

:class:`ErrorReporter` installs ``sys.excepthook`` and ``threading.excepthook`` and receives
worker errors (:class:`desktop_app.controllers.jobs.JobError`). Each error is written with its traceback
to ``core.paths.log_dir()/sound-explorer.log`` and then shown, on the GUI thread, by the
``show_error(title, message, details)`` callable — by default a single non-modal message box
that collects further errors instead of stacking dialogs. The app keeps running.

Tests inject their own ``show_error`` so nothing blocks.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
import threading
import traceback
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

from core import paths

LOGGER_NAME = "sound_explorer"
ShowError = Callable[[str, str, str], None]


def setup_logging(log_file: Path | None = None) -> Path:
    """Attach a rotating file handler to the app logger (idempotent). Returns the log file."""
    log_file = log_file or paths.log_dir() / "sound-explorer.log"
    logger = logging.getLogger(LOGGER_NAME)
    for h in logger.handlers:
        if isinstance(h, logging.FileHandler) and Path(h.baseFilename) == log_file.resolve():
            return log_file
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.handlers.RotatingFileHandler(log_file, maxBytes=1_000_000, backupCount=3, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return log_file


def readable(exc: BaseException) -> str:
    """One or two sentences a user can act on."""
    from core.audio.decode import DecodeError

    if isinstance(exc, DecodeError):
        return f"Could not read the audio file {Path(exc.path).name}: {exc}"
    if isinstance(exc, MemoryError):
        return "Sound Explorer ran out of memory. Try a smaller folder or close other programs."
    if isinstance(exc, PermissionError):
        return f"Permission denied: {exc.filename or exc}"
    if isinstance(exc, FileNotFoundError):
        return f"File or folder not found: {exc.filename or exc}"
    if isinstance(exc, OSError) and exc.strerror:
        where = f" ({exc.filename})" if exc.filename else ""
        return f"{exc.strerror}{where}."
    text = str(exc).strip() or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"


class ErrorReporter(QObject):
    """Logs and shows errors. ``show_error`` defaults to a non-modal message box."""

    _show = Signal(str, str, str)

    def __init__(self, parent_widget: QWidget | None = None, show_error: ShowError | None = None,
                 log_file: Path | None = None) -> None:
        super().__init__()
        self.log_file = setup_logging(log_file)
        self.logger = logging.getLogger(LOGGER_NAME)
        self.parent_widget = parent_widget
        self.show_error: ShowError = show_error or self._message_box
        self.count = 0
        self._box: QMessageBox | None = None
        self._pending = 0
        self._old_hooks: tuple[Any, Any] | None = None
        self._show.connect(self._on_show, Qt.ConnectionType.QueuedConnection)

    # ------------------------------------------------------------------ entry points
    def report(self, exc: BaseException, tb: str | None = None, context: str = "") -> None:
        """Log ``exc`` and show it (from any thread)."""
        self.count += 1
        tb = tb or "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        self.logger.error("%s%s\n%s", f"{context}: " if context else "", readable(exc), tb.rstrip())
        title = f"{context} failed" if context else "Something went wrong"
        details = f"{tb.rstrip()}\n\nFull log: {self.log_file}"
        if threading.current_thread() is threading.main_thread():
            self._on_show(title, readable(exc), details)
        else:
            self._show.emit(title, readable(exc), details)

    def report_job(self, err: Any) -> None:
        """Slot for ``JobManager.jobFailed`` (a ``JobError``)."""
        self.report(err.exc, err.traceback, err.description)

    def excepthook(self, etype: type[BaseException], value: BaseException, tb: TracebackType | None) -> None:
        if issubclass(etype, KeyboardInterrupt):
            sys.__excepthook__(etype, value, tb)
            return
        self.report(value, "".join(traceback.format_exception(etype, value, tb)))

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_value is not None:
            self.report(args.exc_value, "".join(traceback.format_exception(args.exc_type, args.exc_value,
                                                                           args.exc_traceback)))

    def install(self) -> None:
        if self._old_hooks is None:
            self._old_hooks = (sys.excepthook, threading.excepthook)
            sys.excepthook = self.excepthook
            threading.excepthook = self._thread_hook

    def uninstall(self) -> None:
        if self._old_hooks is not None:
            sys.excepthook, threading.excepthook = self._old_hooks
            self._old_hooks = None

    # ------------------------------------------------------------------------ display
    def _on_show(self, title: str, message: str, details: str) -> None:
        try:
            self.show_error(title, message, details)
        except Exception:  # noqa: BLE001 - never recurse into the error path
            self.logger.exception("could not show an error dialog")

    def _message_box(self, title: str, message: str, details: str) -> None:
        if self._box is not None and self._box.isVisible():
            self._pending += 1
            self._box.setInformativeText(f"{self._pending} more error(s) since — see the log for all of them.")
            return
        self._pending = 0
        box = QMessageBox(self.parent_widget)
        box.setIcon(QMessageBox.Icon.Warning)
        box.setWindowTitle("Sound Explorer")
        box.setText(f"<b>{title}</b><br>{message}")
        box.setDetailedText(details)
        box.setStandardButtons(QMessageBox.StandardButton.Ok)
        box.setWindowModality(Qt.WindowModality.NonModal)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _r: setattr(self, "_box", None))
        self._box = box
        box.show()
