"""Work-arounds for Qt binding bugs, applied once on import (idempotent).

PySide6 6.12.0 ``SignalInstance.emit()`` returns ``True`` without taking a reference, so every
signal emitted from Python drops one reference to ``True``. On Python 3.11 ``True`` is not
immortal: after a few thousand emits (pyqtgraph emits constantly) the interpreter aborts with
"Fatal Python error: bool_dealloc: deallocating True or False". 6.11.x is not affected.

The guard measures the bug (it does nothing on a fixed binding or on Python >= 3.12, where
``True`` is immortal) and, when present, gives ``True`` a practically infinite reference count
so it can never be deallocated — which is what Python 3.12 does for every interpreter constant.
The real fix is a PySide6 without the bug (``PySide6-Essentials!=6.12.0``; 6.11.3 is clean).
"""

from __future__ import annotations

import ctypes
import sys

_applied = False
#: Whether the running binding showed the ``emit`` reference bug (set by :func:`apply`).
EMIT_REFCOUNT_BUG: bool | None = None


def _emit_drops_true_reference() -> bool:
    from PySide6.QtCore import QObject, Signal

    class _Probe(QObject):
        sig = Signal(object)

    probe = _Probe()
    before = sys.getrefcount(True)
    for _ in range(8):
        probe.sig.emit(None)
    after = sys.getrefcount(True)
    probe.deleteLater()
    return after < before


def apply() -> None:
    """Measure and neutralise known binding bugs (safe to call many times)."""
    global _applied, EMIT_REFCOUNT_BUG
    if _applied:
        return
    _applied = True
    if sys.version_info >= (3, 12) or sys.implementation.name != "cpython":
        EMIT_REFCOUNT_BUG = False
        return
    EMIT_REFCOUNT_BUG = _emit_drops_true_reference()
    if EMIT_REFCOUNT_BUG:
        # ob_refcnt is the first field of every CPython object (non-debug builds).
        refcnt = ctypes.c_ssize_t.from_address(id(True))
        refcnt.value += 1 << 50


apply()

# The same binding drops a reference to ``None`` on every void C++ call; that guard lives in
# ``desktop_app._none_guard`` and is applied on import. Importing this module applies both.
from desktop_app import _none_guard  # noqa: E402, F401
