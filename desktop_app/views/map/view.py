"""The interactive sound map: a pyqtgraph plot of every sound, coloured by cluster.

Mouse (on the plot's viewport, handled by an event filter so it does not depend on
pyqtgraph's mouse-rate limiting):

* hover → ``pointHovered(row)`` at once (-1 when none), and, with hover-to-play, a throttled
  ``scrubRequested(row)`` so sweeping the mouse auditions sounds like a scrub;
* click → ``pointClicked(row)`` (the point is also marked selected), background click →
  ``backgroundClicked()``; double click → ``pointDoubleClicked(row)``; Ctrl/Shift-click toggles a
  point in the multi-selection;
* plain drag pans (mode ``'none'``), Shift-drag = rectangle, Ctrl/Alt-drag = lasso; with
  ``set_selection_mode('rect'|'lasso')`` a plain drag selects too → ``selectionChanged(rows)``;
* dragging the selected point, or a point of the multi-selection, starts a ``QDrag`` whose mime
  data holds the files' URLs (drop into a DAW / file manager);
* wheel zooms, right-click emits ``contextMenuRequested(row, global_pos)``.

Picking uses :class:`desktop_app.views.map.spatial.PointIndex` (never ``pointsAt``); drawing uses
:class:`~desktop_app.views.map.scatter.PointCloudItem` (level of detail + cached raster). The
selected sound, the multi-selection and the gestures that change them (what :mod:`mouse` calls)
are the :class:`~desktop_app.views.map.selection.MapSelection` mixin.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from desktop_app.views.map.spatial import PointIndex
from desktop_app.views.panels.legend import LegendWidget
from desktop_app.views.map.camera import ViewAnimator, rows_box
from desktop_app.views.map.image import export_map_image
from desktop_app.views.map.labels import LabelColoring
from desktop_app.views.map.layers import MapLayers
from desktop_app.views.map.mouse import MapMouse
from desktop_app.views.map.drag import FileDrag
from desktop_app.views.map.overlays import HoverLabel, RubberBand, Throttle
from desktop_app.views.map.scatter import PointCloudItem
from desktop_app.views.map.selection import EMPTY_ROWS, MapSelection

__all__ = ["MapView"]


class MapView(MapSelection, QtWidgets.QWidget):
    """Scatter map of N sounds (see module docstring for the interaction model)."""

    pointHovered = QtCore.Signal(int)
    pointClicked = QtCore.Signal(int)
    pointDoubleClicked = QtCore.Signal(int)
    pointStepped = QtCore.Signal(int)  # arrow keys moved the selection here
    backgroundClicked = QtCore.Signal()
    selectionChanged = QtCore.Signal(object)  # np.ndarray int64 rows
    legendToggled = QtCore.Signal(object)  # set[int] hidden labels
    scrubRequested = QtCore.Signal(int)
    contextMenuRequested = QtCore.Signal(int, QtCore.QPoint)
    dragStarted = QtCore.Signal(object)  # np.ndarray rows dragged out
    flyFinished = QtCore.Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None, *, max_points: int = 40_000,
                 background: str = "#15171c") -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget(background=background)
        self.plot_item = self.plot.getPlotItem()
        self.plot_item.hideAxis("left")
        self.plot_item.hideAxis("bottom")
        self.plot_item.setMenuEnabled(False)
        self.plot_item.hideButtons()
        self.vb: pg.ViewBox = self.plot_item.getViewBox()
        self.vb.setAspectLocked(True)
        self.vb.setDefaultPadding(0.04)
        self.vb.sigRangeChangedManually.connect(self._on_manual_range)
        self.vb.sigRangeChanged.connect(  # at each zoom: the hover label follows, colliding captions hide
            lambda *_: (self._hover >= 0 and self._place_hover_label(), self._layers.declutter()))

        self.cloud = PointCloudItem(max_points=max_points)  # the one item drawing the points
        self.cloud.setZValue(0)
        self.vb.addItem(self.cloud)
        self._layers = MapLayers(self.vb, self.cloud, max_points // 2)
        self._band = RubberBand(self.vb)
        self._hover_text = HoverLabel(self.plot.viewport())

        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.plot, 1)
        self.legend = LegendWidget(self, floating=True)  # over the map's top-right corner
        self.legend_allowed = True  # presentation mode turns the legend off
        self.legend.toggled.connect(self._on_legend_toggled)
        self.legend.hide()

        self._throttle = Throttle(70, self)
        self._throttle.fired.connect(lambda r: self.scrubRequested.emit(int(r)))
        self._camera = ViewAnimator(self.vb, self)
        self._camera.finished.connect(self.flyFinished)

        self._xy = np.zeros((0, 2), dtype=np.float32)
        self._index = PointIndex(self._xy)
        self._names: list[str] = []
        self._paths: list[str] | None = None
        self._coloring = LabelColoring(None, 0)
        self._hidden: set[int] = set()
        self._enabled: np.ndarray | None = None
        self._highlight: np.ndarray | None = None
        self._selection = EMPTY_ROWS
        self._selected = -1
        self._hover = -1
        self._hover_to_play = False
        self._hover_label = True
        self._point_size = 6.0
        self._pick_px = 7.0
        self._user_moved = False
        self.drag = FileDrag(self)
        self._mouse = MapMouse(self)
        self._apply_styles()

    # ================================================================ data
    def set_points(self, xy: np.ndarray, names: Sequence[str], paths: Sequence[str] | None = None) -> None:
        """Show ``xy`` float32 ``[N, 2]``; ``names``/``paths`` are per row (paths enable drag-out).
        Clears labels, highlight, selection and hidden clusters; auto-ranges the view."""
        xy = np.ascontiguousarray(np.asarray(xy, dtype=np.float32).reshape(-1, 2))
        if len(names) != xy.shape[0] or (paths is not None and len(paths) != xy.shape[0]):
            raise ValueError("names/paths must have one entry per point")
        self._xy = xy
        self._names = list(names)
        self._paths = None if paths is None else [os.fspath(p) for p in paths]
        self._index = PointIndex(xy)
        # the grid is built lazily by the first pick (set_points may be called per streamed batch)
        self._coloring = LabelColoring(None, xy.shape[0])
        self._hidden = set()
        self._enabled = None
        self._highlight = None
        self._selection = EMPTY_ROWS
        self._selected = -1
        self._set_hover(-1)
        self.cloud.set_data(xy)
        self._layers.set_highlight(None)
        self._layers.set_selection(EMPTY_ROWS)
        self._layers.set_selected(-1)
        self._layers.set_neighbors(None)
        self.set_cluster_annotations({})
        self.legend.set_entries([])
        self.legend.hide()
        self._apply_styles()
        self._user_moved = False
        self.vb.autoRange(padding=0.04)

    def update_positions(self, xy: np.ndarray) -> None:
        """Move the points (same N/order), e.g. during the UMAP animation. Nothing is rebuilt;
        the view auto-ranges unless the user has moved it."""
        xy = np.ascontiguousarray(np.asarray(xy, dtype=np.float32).reshape(-1, 2))
        if xy.shape[0] != self._xy.shape[0]:
            raise ValueError(f"expected {self._xy.shape[0]} points, got {xy.shape[0]}")
        self._xy = xy
        self._index.update(xy)
        self.cloud.set_positions(xy)
        self._refresh_layers()
        if not self._user_moved and not self._camera.is_running():
            self.vb.autoRange(padding=0.04)

    def positions(self) -> np.ndarray:
        """float32 ``[N, 2]`` current positions."""
        return self._xy

    def point_count(self) -> int:
        return int(self._xy.shape[0])

    def index(self) -> PointIndex:
        return self._index

    # ================================================================ colours / legend
    def set_labels(self, labels: np.ndarray | None, names: dict[int, str] | None = None,
                   noise_label: int = -1) -> None:
        """Colour by ``labels`` int ``[N]`` (None = single colour). Noise is grey, faint, smaller.
        Fills the legend (largest cluster first, noise last). Recolours the existing item."""
        self._coloring = LabelColoring(labels, self._xy.shape[0], names, noise_label)
        self._hidden &= set(self._coloring.sizes)
        self._apply_styles()
        self._apply_enabled()
        entries = self._coloring.legend_entries()
        self.legend.set_entries(entries, self._hidden)
        self.legend.setVisible(bool(entries) and self.legend_allowed)

    def labels(self) -> np.ndarray | None:
        return self._coloring.labels

    def label_color(self, label: int) -> QtGui.QColor:
        """The colour a label is drawn with."""
        return self._coloring.color(label)

    def set_hidden_labels(self, hidden: set[int]) -> None:
        """Hide the points (and annotations) of these labels; no signal."""
        self._hidden = set(int(h) for h in hidden)
        self.legend.set_hidden(self._hidden)
        self._apply_enabled()

    def hidden_labels(self) -> set[int]:
        return set(self._hidden)

    def _on_legend_toggled(self, hidden: set[int]) -> None:
        self._hidden = set(hidden)
        self._apply_enabled()
        self.legendToggled.emit(set(self._hidden))

    def _apply_styles(self) -> None:
        self._groups, self._styles = self._coloring.groups_and_styles(self._point_size)
        self.cloud.set_groups(self._groups, self._styles)
        self._refresh_layers()

    def _apply_enabled(self) -> None:
        self._enabled = self._coloring.enabled_mask(self._hidden)
        self.cloud.set_enabled(self._enabled)
        self._layers.show_annotations_except(self._hidden)
        if self._hover >= 0 and self._enabled is not None and not self._enabled[self._hover]:
            self._set_hover(-1)
        self._refresh_layers()

    # ================================================================ overlays
    def set_point_size(self, px: float) -> None:
        """Point diameter in pixels (noise is drawn at 60%)."""
        self._point_size = float(max(1.0, px))
        self._pick_px = max(6.0, self._point_size * 0.75 + 3)
        self._apply_styles()

    def point_size(self) -> float:
        return self._point_size

    def set_highlight(self, rows: np.ndarray | Sequence[int] | None) -> None:
        """Emphasise ``rows`` (search matches: bigger, outlined) and dim the others; None clears."""
        self._highlight = None if rows is None else np.unique(np.asarray(rows, dtype=np.int64))
        self._layers.set_highlight(self._highlight)

    def highlight(self) -> np.ndarray | None:
        return self._highlight

    def set_neighbor_lines(self, row: int | None, neighbor_rows: Sequence[int] | np.ndarray | None) -> None:
        """Lines from ``row`` to each of ``neighbor_rows``; None clears."""
        if row is None or row < 0 or neighbor_rows is None or len(neighbor_rows) == 0:
            self._layers.set_neighbors(None)
        else:
            self._layers.set_neighbors((int(row), np.asarray(neighbor_rows, dtype=np.int64)))

    def set_cluster_annotations(self, notes: dict[int, tuple[float, float, str]]) -> None:
        """Large text labels at (x, y) per cluster label (presentation mode); {} clears."""
        self._layers.set_annotations(notes, self.label_color, self._hidden)

    def _refresh_layers(self) -> None:
        self._layers.set_context(self._xy, self._enabled, self._groups, self._styles, self._point_size)

    # ================================================================ hover / play
    def set_hover_to_play(self, enabled: bool) -> None:
        """When on, hovering emits the throttled ``scrubRequested(row)``."""
        self._hover_to_play = bool(enabled)
        if not enabled:
            self._throttle.cancel()

    def hover_to_play(self) -> bool:
        return self._hover_to_play

    def set_scrub_interval(self, ms: int) -> None:
        self._throttle.set_interval(ms)

    def set_hover_label(self, enabled: bool) -> None:
        """Show the hovered sound's name next to the cursor."""
        self._hover_label = bool(enabled)
        self._place_hover_label()

    def hovered(self) -> int:
        return self._hover

    def pick(self, viewport_pos: QtCore.QPointF | QtCore.QPoint) -> int:
        """Row under a viewport position (within the pick radius), or -1."""
        if self._xy.shape[0] == 0:
            return -1
        scene = self.plot.mapToScene(QtCore.QPointF(viewport_pos).toPoint())
        if not self.vb.sceneBoundingRect().contains(scene):
            return -1
        pt = self.vb.mapSceneToView(scene)
        pw, ph = self.vb.viewPixelSize()
        if not (pw > 0 and ph > 0):
            return -1
        return self._index.nearest(pt.x(), pt.y(), self._pick_px, scale=(1.0 / pw, 1.0 / ph), mask=self._enabled)

    def view_to_viewport(self, x: float, y: float) -> QtCore.QPoint:
        """Viewport pixel position of data point (x, y) (for tests, tooltips)."""
        return self.plot.mapFromScene(self.vb.mapViewToScene(QtCore.QPointF(x, y)))

    def _place_hover_label(self) -> None:
        row = self._hover
        if not (self._hover_label and 0 <= row < len(self._names)):
            self._hover_text.hide()
            return
        self._hover_text.show_at(self._names[row], self.view_to_viewport(*map(float, self._xy[row])))

    def _set_hover(self, row: int) -> None:
        if row == self._hover:
            return
        self._hover = row
        self._layers.set_hover(row)
        self._place_hover_label()
        self.pointHovered.emit(row)
        if row >= 0 and self._hover_to_play:
            self._throttle.trigger(row)

    # ================================================================ view range
    def _on_manual_range(self, *_args) -> None:  # noqa: ANN002
        self._user_moved = True

    def view_rect(self) -> tuple[float, float, float, float]:
        """Visible data rectangle (x0, y0, x1, y1)."""
        (x0, x1), (y0, y1) = self.vb.viewRange()
        return float(x0), float(y0), float(x1), float(y1)

    def fly_to(self, center_xy: Sequence[float], span: float | Sequence[float], duration_ms: int = 600) -> None:
        """Animate the view to ``center_xy`` showing at least ``span`` (scalar or (w, h)) data
        units; ``flyFinished`` when done. The view then stays put on layout updates."""
        w, h = (float(span), float(span)) if np.isscalar(span) else (float(span[0]), float(span[1]))
        self._user_moved = True
        self._camera.fly(float(center_xy[0]), float(center_xy[1]), w, h, duration_ms)

    def fly_to_rows(self, rows: Sequence[int] | np.ndarray, margin: float = 0.15, duration_ms: int = 600) -> None:
        """Fly to the bounding box of ``rows`` (e.g. a cluster), with a relative margin."""
        box = rows_box(self._xy, rows, margin)
        if box is not None:
            self.fly_to(*box, duration_ms)

    def stop_fly(self) -> None:
        self._camera.stop()

    def reset_view(self) -> None:
        """Show everything and follow layout updates again."""
        self._camera.stop()
        self._user_moved = False
        self.vb.autoRange(padding=0.04)

    # ================================================================ export
    def export_image(self, path: str | os.PathLike[str], width: int | None = None, legend: bool = True) -> None:
        """Write the map with its legend as PNG/JPEG (``width`` px wide, default 2400) or SVG (by suffix)."""
        export_map_image(self, path, width, legend=legend)

    def legend_entries(self) -> list:
        """The legend's entries (largest cluster first, noise last)."""
        return self._coloring.legend_entries()
