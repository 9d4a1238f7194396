"""The map as a picture for slides and papers: PNG/JPEG at any width, or SVG, with its legend.

The plot is drawn with ``QGraphicsScene.render`` into the target (a ``QImage`` or a
``QSvgGenerator``): pyqtgraph's exporters either cannot scale the point cloud or (SVG, pyqtgraph
0.14 with Qt 6.12) fail to parse Qt's path syntax. The legend (swatch, name and size of each
visible cluster) is painted to the right of the map; raster layers stay raster, text stays text.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6 import QtCore, QtGui

DEFAULT_WIDTH = 2400  #: pixels, for raster images


def export_map_image(view: Any, path: str | os.PathLike[str], width: int | None = None, *,
                     legend: bool = True) -> None:
    """Write ``view`` (a :class:`~desktop_app.views.map.view.MapView`) to ``path`` (format by suffix),
    ``width`` pixels wide in all (legend included; default 2400 for raster images)."""
    p = os.fspath(path)
    src = view.plot_item.sceneBoundingRect()
    entries = [e for e in view.legend_entries() if e.label not in view.hidden_labels()] if legend else []
    svg = p.lower().endswith(".svg")
    total_w = int(width or (max(1, int(src.width())) if svg else DEFAULT_WIDTH))
    font = QtGui.QFont(view.font())
    font.setPixelSize(max(11, total_w // 90))
    metrics = QtGui.QFontMetrics(font)
    row_h = int(metrics.height() * 1.5)
    legend_w = (max((metrics.horizontalAdvance(_text(e)) for e in entries), default=0) + 2 * row_h) if entries else 0
    legend_w = min(legend_w, total_w // 3)
    map_w = total_w - legend_w
    map_h = max(1, int(round(map_w * src.height() / max(1.0, src.width()))))
    total = QtCore.QSize(total_w, map_h)

    if svg:
        from PySide6 import QtSvg

        device: Any = QtSvg.QSvgGenerator()
        device.setFileName(p)
        device.setSize(total)
        device.setViewBox(QtCore.QRect(QtCore.QPoint(0, 0), total))
        device.setTitle("Sound Explorer map")
    else:
        device = QtGui.QImage(total, QtGui.QImage.Format.Format_ARGB32)
    painter = QtGui.QPainter(device)
    try:
        painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
        painter.fillRect(QtCore.QRectF(0, 0, total.width(), total.height()), view.plot.backgroundBrush())
        view.plot.scene().render(painter, QtCore.QRectF(0, 0, map_w, map_h), src)
        _paint_legend(painter, entries, QtCore.QRectF(map_w, 0, legend_w, map_h), font, row_h)
    finally:
        painter.end()
    if not svg and not device.save(p):
        raise OSError(f"cannot write the image {p}")


def _text(entry: Any) -> str:
    return f"{entry.name}  ({entry.size})"


def _paint_legend(painter: QtGui.QPainter, entries: list[Any], area: QtCore.QRectF, font: QtGui.QFont,
                  row_h: int) -> None:
    if not entries:
        return
    painter.setFont(font)
    y = area.top() + row_h
    for e in entries:
        if y + row_h > area.bottom():
            painter.setPen(QtGui.QColor("#c8ccd4"))
            painter.drawText(QtCore.QPointF(area.left() + row_h, y + row_h * 0.7), "…")
            break
        swatch = QtCore.QRectF(area.left() + row_h * 0.5, y + row_h * 0.25, row_h * 0.5, row_h * 0.5)
        painter.setPen(QtCore.Qt.PenStyle.NoPen)
        painter.setBrush(QtGui.QColor(e.color))
        painter.drawEllipse(swatch)
        painter.setPen(QtGui.QColor("#e6e8ee"))
        painter.drawText(QtCore.QPointF(area.left() + row_h * 1.3, y + row_h * 0.7), _text(e))
        y += row_h
