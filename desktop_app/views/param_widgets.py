"""Widgets built from parameter dataclass fields (``core.maps.params`` style metadata: ``range``,
``step``, ``help``), so a control's range, step, tooltip and default come from the one definition."""

from __future__ import annotations

from dataclasses import Field, fields
from typing import Any

from PySide6.QtWidgets import QDoubleSpinBox, QSpinBox


def field_of(cls: type, name: str) -> Field:
    """The dataclass field ``name`` of ``cls``."""
    return next(f for f in fields(cls) if f.name == name)


def spin_for(f: Field, value: Any = None) -> QSpinBox | QDoubleSpinBox:
    """A spin box for a parameter field (a float field gets two decimals); set to ``value``, or the
    field's default."""
    lo, hi = f.metadata["range"]
    if isinstance(f.default, float):
        s: QSpinBox | QDoubleSpinBox = QDoubleSpinBox()
        s.setDecimals(2)
    else:
        s = QSpinBox()
        hi = min(hi, 10_000)
    s.setRange(lo, hi)
    s.setSingleStep(f.metadata.get("step", 1))
    s.setToolTip(f.metadata.get("help", ""))
    s.setKeyboardTracking(False)
    s.setValue(f.default if value is None else value)
    return s
