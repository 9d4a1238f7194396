"""The window's docked panels: scrollable (never squeezed on top of each other), movable, and
sized so the map keeps at least 65 % of a 1440-wide window."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDockWidget, QFrame, QScrollArea, QWidget

_AREAS = {"left": Qt.DockWidgetArea.LeftDockWidgetArea, "right": Qt.DockWidgetArea.RightDockWidgetArea}
_FEATURES = (QDockWidget.DockWidgetFeature.DockWidgetMovable | QDockWidget.DockWidgetFeature.DockWidgetClosable
             | QDockWidget.DockWidgetFeature.DockWidgetFloatable)


def scrollable(panel: QWidget) -> QScrollArea:
    """``panel`` in a frameless vertical scroll area (no horizontal bar: it follows the width)."""
    area = QScrollArea()
    area.setObjectName(f"{panel.objectName() or 'Panel'}Scroll")
    area.setWidget(panel)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    bar = area.verticalScrollBar().sizeHint().width()
    area.setMinimumWidth(panel.minimumSizeHint().width() + bar)  # never cut off sideways
    return area


def add_docks(win: Any, panels: Sequence[tuple[str, str, QWidget, str]], *,
              tabs: Sequence[tuple[str, str]] = (), widths: dict[str, int] | None = None,
              scroll: Sequence[str] = ("controls", "details")) -> dict[str, QDockWidget]:
    """Dock ``(key, title, widget, 'left'|'right')`` panels on the main window ``win``; ``tabs`` pairs
    share one place as tabs (the first stays in front); ``widths`` are the first-start widths."""
    docks: dict[str, QDockWidget] = {}
    for key, title, widget, area in panels:
        dock = QDockWidget(title, win)
        dock.setObjectName(f"dock-{key}")
        dock.setWidget(scrollable(widget) if key in scroll else widget)
        dock.setFeatures(_FEATURES)
        win.addDockWidget(_AREAS[area], dock)
        docks[key] = dock
    for first, second in tabs:
        win.tabifyDockWidget(docks[first], docks[second])
        docks[first].raise_()
    if widths:
        win.resizeDocks([docks[k] for k in widths], list(widths.values()), Qt.Orientation.Horizontal)
    win.setMinimumSize(720, 480)
    return docks
