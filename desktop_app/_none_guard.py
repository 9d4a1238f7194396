"""Guard for a second PySide6 6.12.0 reference bug: every call of a C++ ``void`` method returns
``None`` without taking a reference, so each call (``QPainter.drawImage``, ``QWidget.update``,
pyqtgraph's whole paint path) drops one reference to ``None``. On Python 3.11 ``None`` is not
immortal and the interpreter aborts with "Fatal Python error: none_dealloc" after a few tens of
thousands of calls (seen here within one benchmark run).

Same remedy as :mod:`desktop_app.qtcompat` applies to ``True``: measure the bug, and when present
give ``None`` a practically infinite reference count (what Python 3.12 does for all constants).
Belongs in ``qtcompat``; kept separate only because that module has another owner.
"""

from __future__ import annotations

import ctypes
import sys

_applied = False
#: Whether the running binding showed the ``None`` reference bug (set by :func:`apply`).
NONE_REFCOUNT_BUG: bool | None = None


def _void_call_drops_none_reference() -> bool:
    from PySide6.QtCore import QPoint

    p = QPoint(0, 0)
    before = sys.getrefcount(None)
    for _ in range(16):
        p.setX(1)  # a void method
    return sys.getrefcount(None) < before


def apply() -> None:
    """Measure and neutralise the bug (idempotent)."""
    global _applied, NONE_REFCOUNT_BUG
    if _applied:
        return
    _applied = True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        NONE_REFCOUNT_BUG = False
        return
    NONE_REFCOUNT_BUG = _void_call_drops_none_reference()
    if NONE_REFCOUNT_BUG:
        ctypes.c_ssize_t.from_address(id(None)).value += 1 << 50


apply()
