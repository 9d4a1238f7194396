"""Small pieces the map view is built from: palette, drag-out mime data, a signal throttle,
and the selection rubber band / lasso graphics."""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
from PySide6 import QtCore, QtGui, QtWidgets

from core.maps.palette import NOISE_RGB, TAB20


__all__ = [
    "TAB20",
    "NOISE_COLOR",
    "cluster_color",
    "make_drag_mime",
    "Throttle",
    "RubberBand",
]

NOISE_COLOR = QtGui.QColor(*NOISE_RGB, 85)


def cluster_color(i: int) -> QtGui.QColor:
    """Colour of the ``i``-th cluster (0-based): tab20, then lighter/darker variants."""
    base = QtGui.QColor(TAB20[i % len(TAB20)])
    cycle = i // len(TAB20)
    if cycle == 0:
        return base
    return base.lighter(100 + 25 * cycle) if cycle % 2 else base.darker(100 + 20 * cycle)


def make_drag_mime(paths: Sequence[str | os.PathLike[str]]) -> QtCore.QMimeData:
    """Mime data for dragging sound files out to a DAW / file manager: ``text/uri-list`` file
    URLs plus the paths as plain text (one per line)."""
    mime = QtCore.QMimeData()
    ps = [os.fspath(p) for p in paths if p is not None and os.fspath(p)]
    mime.setUrls([QtCore.QUrl.fromLocalFile(os.path.abspath(p)) for p in ps])
    mime.setText("\n".join(ps))
    return mime


class Throttle(QtCore.QObject):
    """Emits ``fired(value)`` at most once per ``interval_ms``: the first trigger fires at once,
    later ones inside the interval collapse into one trailing emission of the latest value."""

    fired = QtCore.Signal(object)

    def __init__(self, interval_ms: int = 70, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QtCore.QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(interval_ms))
        self._timer.timeout.connect(self._on_timeout)
        self._pending: object = None
        self._has_pending = False

    def interval(self) -> int:
        return self._timer.interval()

    def set_interval(self, ms: int) -> None:
        self._timer.setInterval(int(ms))

    def trigger(self, value: object) -> None:
        if self._timer.isActive():
            self._pending, self._has_pending = value, True
            return
        self.fired.emit(value)
        self._timer.start()

    def cancel(self) -> None:
        self._has_pending = False
        self._pending = None

    def _on_timeout(self) -> None:
        if self._has_pending:
            value, self._pending, self._has_pending = self._pending, None, False
            self.fired.emit(value)
            self._timer.start()


class RubberBand:
    """Rectangle / lasso outline drawn in data coordinates inside a ViewBox."""

    def __init__(self, viewbox) -> None:  # noqa: ANN001 - pg.ViewBox
        pen = QtGui.QPen(QtGui.QColor(255, 255, 255, 220))
        pen.setCosmetic(True)
        pen.setWidthF(1.2)
        pen.setStyle(QtCore.Qt.PenStyle.DashLine)
        brush = QtGui.QBrush(QtGui.QColor(120, 170, 255, 40))
        self.rect_item = QtWidgets.QGraphicsRectItem()
        self.rect_item.setPen(pen)
        self.rect_item.setBrush(brush)
        self.rect_item.setZValue(1e6)
        self.rect_item.hide()
        self.path_item = QtWidgets.QGraphicsPathItem()
        self.path_item.setPen(pen)
        self.path_item.setBrush(brush)
        self.path_item.setZValue(1e6)
        self.path_item.hide()
        viewbox.addItem(self.rect_item, ignoreBounds=True)
        viewbox.addItem(self.path_item, ignoreBounds=True)
        self._pts: list[tuple[float, float]] = []

    def show_rect(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.rect_item.setRect(QtCore.QRectF(QtCore.QPointF(x0, y0), QtCore.QPointF(x1, y1)).normalized())
        self.rect_item.show()

    def start_lasso(self, x: float, y: float) -> None:
        self._pts = [(x, y)]
        self._update_path()
        self.path_item.show()

    def add_lasso_point(self, x: float, y: float) -> None:
        self._pts.append((x, y))
        self._update_path()

    def lasso_vertices(self) -> np.ndarray:
        """float64 ``[M, 2]`` lasso polygon in data coordinates."""
        return np.asarray(self._pts, dtype=np.float64).reshape(-1, 2)

    def _update_path(self) -> None:
        path = QtGui.QPainterPath()
        if self._pts:
            path.moveTo(*self._pts[0])
            for p in self._pts[1:]:
                path.lineTo(*p)
            path.closeSubpath()
        self.path_item.setPath(path)

    def hide(self) -> None:
        self.rect_item.hide()
        self.path_item.hide()
        self._pts = []


class HoverLabel(QtWidgets.QLabel):
    """The hovered sound's name, a small label on the plot's viewport next to the point.

    A widget rather than a scene item: it stays crisp at any zoom and is placed in pixels.
    """

    def __init__(self, viewport: QtWidgets.QWidget) -> None:
        super().__init__(viewport)
        self.setObjectName("HoverLabel")
        self.setAttribute(QtCore.Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("QLabel#HoverLabel { background: rgba(20,22,28,215); color: #f0f0f0;"
                           " border-radius: 4px; padding: 2px 6px; }")
        self.hide()

    def show_at(self, text: str, point: QtCore.QPoint) -> None:
        """Show ``text`` just above and right of ``point`` (viewport pixels), kept inside the viewport."""
        if not text:
            self.hide()
            return
        self.setText(text)
        self.adjustSize()
        vp = self.parentWidget()
        x = min(max(0, point.x() + 10), max(0, vp.width() - self.width()))
        y = point.y() - self.height() - 8
        y = y if y >= 0 else point.y() + 12
        self.move(x, y)
        self.show()
        self.raise_()
