"""Panels that scroll instead of squeezing their controls on top of each other in a small window."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget


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
