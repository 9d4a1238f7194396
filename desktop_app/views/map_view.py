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

Picking uses :class:`core.spatial.PointIndex` (never ``pointsAt``); drawing uses
:class:`~desktop_app.views.scatter.PointCloudItem` (level of detail + cached raster).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6 import QtCore, QtGui, QtWidgets

from core.spatial import PointIndex
from desktop_app import _none_guard, qtcompat  # noqa: F401  (PySide6 6.12.0 refcount guards)
from desktop_app.views.legend import LegendEntry, LegendWidget
from desktop_app.views.map_overlays import NOISE_COLOR, RubberBand, Throttle, cluster_color, make_drag_mime
from desktop_app.views.scatter import PointCloudItem, PointStyle

__all__ = ["MapView", "make_drag_mime"]

_DEFAULT_COLOR = QtGui.QColor("#4c9be8")
_EMPTY = np.zeros(0, dtype=np.int64)
_QEvent = QtCore.QEvent


class MapView(QtWidgets.QWidget):
    """Scatter map of N sounds (see module docstring for the interaction model)."""

    pointHovered = QtCore.Signal(int)
    pointClicked = QtCore.Signal(int)
    pointDoubleClicked = QtCore.Signal(int)
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

        self._cloud = PointCloudItem(max_points=max_points)
        self._cloud.setZValue(0)
        self.vb.addItem(self._cloud)
        self._hl = PointCloudItem(max_points=max_points // 2)
        self._hl.setZValue(1)
        self.vb.addItem(self._hl, ignoreBounds=True)
        self._sel = PointCloudItem(max_points=max_points // 2)
        self._sel.setZValue(2)
        self.vb.addItem(self._sel, ignoreBounds=True)
        pen = pg.mkPen(255, 255, 255, 170, width=1.3)
        self._lines = pg.PlotCurveItem(pen=pen, connect="pairs", antialias=True)
        self._lines.setZValue(3)
        self.vb.addItem(self._lines, ignoreBounds=True)
        self._selected_item = pg.ScatterPlotItem(pxMode=True, size=16, pen=pg.mkPen("#ffffff", width=2.2),
                                                 brush=pg.mkBrush(0, 0, 0, 0))
        self._selected_item.setZValue(4)
        self.vb.addItem(self._selected_item, ignoreBounds=True)
        self._hover_item = pg.ScatterPlotItem(pxMode=True, size=12, pen=pg.mkPen("#ffe680", width=1.8),
                                              brush=pg.mkBrush(0, 0, 0, 0))
        self._hover_item.setZValue(5)
        self.vb.addItem(self._hover_item, ignoreBounds=True)
        self._hover_text = pg.TextItem("", color="#f0f0f0", anchor=(0, 1.15), fill=pg.mkBrush(20, 22, 28, 200))
        self._hover_text.setZValue(7)
        self._hover_text.hide()
        self.vb.addItem(self._hover_text, ignoreBounds=True)
        self._band = RubberBand(self.vb)
        self._annotations: list[tuple[int, pg.TextItem]] = []

        self.legend = LegendWidget(self)
        self.legend.toggled.connect(self._on_legend_toggled)
        self.legend.setMinimumWidth(180)
        self.legend.setMaximumWidth(280)
        self.legend.hide()
        lay = QtWidgets.QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(self.plot, 1)
        lay.addWidget(self.legend)

        self._throttle = Throttle(70, self)
        self._throttle.fired.connect(lambda r: self.scrubRequested.emit(int(r)))
        self._anim = QtCore.QVariantAnimation(self)
        self._anim.valueChanged.connect(self._on_anim_step)
        self._anim.finished.connect(self._on_anim_finished)
        self._anim_from: tuple[float, float, float, float] | None = None
        self._anim_to: tuple[float, float, float, float] | None = None

        self._xy = np.zeros((0, 2), dtype=np.float32)
        self._index = PointIndex(self._xy)
        self._names: list[str] = []
        self._paths: list[str] | None = None
        self._labels: np.ndarray | None = None
        self._label_names: dict[int, str] = {}
        self._noise_label = -1
        self._label_color: dict[int, QtGui.QColor] = {}
        self._hidden: set[int] = set()
        self._enabled: np.ndarray | None = None
        self._highlight: np.ndarray | None = None
        self._selection = _EMPTY
        self._selected = -1
        self._nbr: tuple[int, np.ndarray] | None = None
        self._hover = -1
        self._hover_to_play = False
        self._hover_label = True
        self._mode = "none"
        self._point_size = 6.0
        self._pick_px = 7.0
        self._user_moved = False
        self._press: dict | None = None

        vp = self.plot.viewport()
        vp.setMouseTracking(True)
        vp.installEventFilter(self)
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
        self._index.prepare()
        self._labels = None
        self._label_names = {}
        self._label_color = {}
        self._hidden = set()
        self._enabled = None
        self._highlight = None
        self._selection = _EMPTY
        self._selected = -1
        self._nbr = None
        self._set_hover(-1)
        self._cloud.set_data(xy)
        self._cloud.setOpacity(1.0)
        self._hl.set_data(np.zeros((0, 2), np.float32))
        self._sel.set_data(np.zeros((0, 2), np.float32))
        self._lines.setData([], [])
        self._selected_item.setData([], [])
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
        self._cloud.set_positions(xy)
        self._refresh_layers()
        if not self._user_moved and not self._anim.state() == QtCore.QAbstractAnimation.State.Running:
            self.vb.autoRange(padding=0.04)

    def positions(self) -> np.ndarray:
        """float32 ``[N, 2]`` current positions."""
        return self._xy

    def point_count(self) -> int:
        return int(self._xy.shape[0])

    def scatter_item(self) -> PointCloudItem:
        """The one item drawing the points (never replaced)."""
        return self._cloud

    def index(self) -> PointIndex:
        return self._index

    # ================================================================ colours / legend
    def set_labels(self, labels: np.ndarray | None, names: dict[int, str] | None = None,
                   noise_label: int = -1) -> None:
        """Colour by ``labels`` int ``[N]`` (None = single colour). Noise is grey, faint, smaller.
        Fills the legend (largest cluster first, noise last). Recolours the existing item."""
        if labels is None:
            self._labels = None
            self._label_names = {}
            self._label_color = {}
            self._hidden = set()
            self._enabled = None
            self.legend.set_entries([])
            self.legend.hide()
            self._apply_styles()
            self._apply_enabled()
            return
        lab = np.asarray(labels).astype(np.int64).reshape(-1)
        if lab.shape[0] != self._xy.shape[0]:
            raise ValueError(f"labels has {lab.shape[0]} rows, expected {self._xy.shape[0]}")
        self._labels = lab
        self._noise_label = int(noise_label)
        self._label_names = dict(names or {})
        self._lab_lo = int(lab.min()) if lab.size else 0
        self._lab_off = (lab - self._lab_lo).astype(np.int32)  # bincount / lookup-table index
        counts_all = np.bincount(self._lab_off) if lab.size else np.zeros(0, np.int64)
        uniq = np.flatnonzero(counts_all) + self._lab_lo
        counts = counts_all[uniq - self._lab_lo]
        real = [int(u) for u in uniq if u != noise_label]
        self._label_color = {u: cluster_color(i) for i, u in enumerate(real)}
        self._hidden &= set(int(u) for u in uniq)
        self._apply_styles()
        self._apply_enabled()
        sizes = dict(zip((int(u) for u in uniq), (int(c) for c in counts)))
        entries = [LegendEntry(u, self._label_color[u], self._label_name(u), sizes[u])
                   for u in sorted(real, key=lambda u: (-sizes[u], u))]
        if noise_label in sizes:
            entries.append(LegendEntry(noise_label, QtGui.QColor(NOISE_COLOR), self._label_name(noise_label),
                                       sizes[noise_label]))
        self.legend.set_entries(entries, self._hidden)
        self.legend.setVisible(bool(entries))

    def labels(self) -> np.ndarray | None:
        return self._labels

    def label_color(self, label: int) -> QtGui.QColor:
        """The colour a label is drawn with."""
        if self._labels is None:
            return QtGui.QColor(_DEFAULT_COLOR)
        if int(label) == self._noise_label:
            return QtGui.QColor(NOISE_COLOR)
        return QtGui.QColor(self._label_color[int(label)])

    def _label_name(self, label: int) -> str:
        if label in self._label_names:
            return str(self._label_names[label])
        return "Noise" if label == self._noise_label else f"Cluster {label}"

    def set_hidden_labels(self, hidden: set[int]) -> None:
        """Hide the points (and annotations) of these labels; no signal."""
        self._hidden = set(int(h) for h in hidden)
        self.legend.set_hidden(self._hidden)
        self._apply_enabled()

    def hidden_labels(self) -> set[int]:
        return set(self._hidden)

    def visible_mask(self) -> np.ndarray:
        """bool ``[N]``: rows not hidden."""
        return np.ones(self._xy.shape[0], bool) if self._enabled is None else self._enabled.copy()

    def _on_legend_toggled(self, hidden: set[int]) -> None:
        self._hidden = set(hidden)
        self._apply_enabled()
        self.legendToggled.emit(set(self._hidden))

    def _group_table(self) -> tuple[np.ndarray, list[PointStyle]]:
        """Style index per row and the style table for the current labels and point size."""
        s = self._point_size
        noise = PointStyle.of(NOISE_COLOR, max(2.0, s * 0.6))
        if self._labels is None:
            return np.ones(self._xy.shape[0], np.int32), [noise, PointStyle.of(_DEFAULT_COLOR, s)]
        real = sorted(self._label_color)
        lut = np.zeros(int(self._lab_off.max(initial=0)) + 1, dtype=np.int32)  # noise → group 0
        for i, u in enumerate(real):
            lut[u - self._lab_lo] = i + 1
        groups = lut[self._lab_off]
        styles = [noise] + [PointStyle.of(self._label_color[u], s) for u in real]
        return groups, styles

    def _apply_styles(self) -> None:
        groups, styles = self._group_table()
        self._groups = groups
        self._styles = styles
        self._cloud.set_groups(groups, styles)
        self._refresh_layers()

    def _apply_enabled(self) -> None:
        if self._labels is None or not self._hidden:
            self._enabled = None
        else:
            show = np.ones(int(self._lab_off.max(initial=0)) + 1, dtype=bool)
            for h in self._hidden:
                if 0 <= h - self._lab_lo < show.size:
                    show[h - self._lab_lo] = False
            self._enabled = show[self._lab_off]
        self._cloud.set_enabled(self._enabled)
        for lab, item in self._annotations:
            item.setVisible(lab not in self._hidden)
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
        self._refresh_layers()

    def highlight(self) -> np.ndarray | None:
        return self._highlight

    def set_selected(self, row: int | None) -> None:
        """Mark the current sound (ring); None/-1 clears."""
        self._selected = -1 if row is None or row < 0 else int(row)
        self._refresh_layers()

    def selected(self) -> int:
        return self._selected

    def set_selection(self, rows: np.ndarray | Sequence[int] | None) -> None:
        """Set the multi-selection (no signal)."""
        self._selection = _EMPTY if rows is None else np.unique(np.asarray(rows, dtype=np.int64))
        self._refresh_layers()

    def selection(self) -> np.ndarray:
        """int64 rows of the multi-selection (sorted)."""
        return self._selection.copy()

    def set_neighbor_lines(self, row: int | None, neighbor_rows: Sequence[int] | np.ndarray | None) -> None:
        """Lines from ``row`` to each of ``neighbor_rows``; None clears."""
        if row is None or row < 0 or neighbor_rows is None or len(neighbor_rows) == 0:
            self._nbr = None
        else:
            self._nbr = (int(row), np.asarray(neighbor_rows, dtype=np.int64))
        self._refresh_layers()

    def set_cluster_annotations(self, notes: dict[int, tuple[float, float, str]]) -> None:
        """Large text labels at (x, y) per cluster label (presentation mode); {} clears."""
        for _, item in self._annotations:
            self.vb.removeItem(item)
        self._annotations = []
        font = QtGui.QFont()
        font.setPointSize(15)
        font.setBold(True)
        for lab, (x, y, text) in notes.items():
            item = pg.TextItem(str(text), color="#ffffff", anchor=(0.5, 0.5), fill=pg.mkBrush(15, 17, 22, 170),
                               border=pg.mkPen(self.label_color(lab) if self._labels is not None else "#888", width=2))
            item.setFont(font)
            item.setPos(float(x), float(y))
            item.setZValue(8)
            item.setVisible(int(lab) not in self._hidden)
            self.vb.addItem(item, ignoreBounds=True)
            self._annotations.append((int(lab), item))

    def annotation_items(self) -> list[pg.TextItem]:
        return [item for _, item in self._annotations]

    def _refresh_layers(self) -> None:
        xy = self._xy
        n = xy.shape[0]
        en = self._enabled
        s = self._point_size
        styles = getattr(self, "_styles", None)
        groups = getattr(self, "_groups", None)
        # highlight layer: same colours, bigger, white outline; the base layer is dimmed
        hl = self._highlight
        if hl is not None and styles is not None and groups is not None:
            hl = hl[(hl >= 0) & (hl < n)]
            if en is not None:
                hl = hl[en[hl]]
            hstyles = [PointStyle(st.rgba | 0xFF000000, s * 1.7, QtGui.QColor("#ffffff").rgba(), 1.5)
                       for st in styles]
            self._hl.set_data(xy[hl], groups[hl], hstyles)
            self._cloud.setOpacity(0.22)
        else:
            self._hl.set_data(np.zeros((0, 2), np.float32))
            self._cloud.setOpacity(1.0)
        sel = self._selection
        sel = sel[(sel >= 0) & (sel < n)]
        ring = PointStyle(0x00000000, s * 1.5 + 2, QtGui.QColor("#ffffff").rgba(), 1.6)
        self._sel.set_data(xy[sel], None, [ring])
        r = self._selected
        if 0 <= r < n:
            self._selected_item.setData([float(xy[r, 0])], [float(xy[r, 1])], size=s * 2 + 6)
        else:
            self._selected_item.setData([], [])
        if self._nbr is not None and 0 <= self._nbr[0] < n:
            a, nb = self._nbr
            nb = nb[(nb >= 0) & (nb < n)]
            seg = np.empty((nb.size * 2, 2), dtype=np.float64)
            seg[0::2] = xy[a]
            seg[1::2] = xy[nb]
            self._lines.setData(seg[:, 0], seg[:, 1], connect="pairs")
        else:
            self._lines.setData([], [])
        if 0 <= self._hover < n:
            self._place_hover(self._hover)

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
        if not enabled:
            self._hover_text.hide()

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

    def _place_hover(self, row: int) -> None:
        x, y = float(self._xy[row, 0]), float(self._xy[row, 1])
        self._hover_item.setData([x], [y], size=self._point_size + 8)
        if self._hover_label and row < len(self._names):
            self._hover_text.setText(self._names[row])
            self._hover_text.setPos(x, y)
            self._hover_text.show()

    def _set_hover(self, row: int) -> None:
        if row == self._hover:
            return
        self._hover = row
        if row >= 0:
            self._place_hover(row)
        else:
            self._hover_item.setData([], [])
            self._hover_text.hide()
        self.pointHovered.emit(row)
        if row >= 0 and self._hover_to_play:
            self._throttle.trigger(row)

    # ================================================================ mouse
    def set_selection_mode(self, mode: str) -> None:
        """What a plain left-drag does: 'none' pans, 'rect'/'lasso' select. Shift-drag (rect) and
        Ctrl/Alt-drag (lasso) select in every mode."""
        mode = "none" if mode == "pan" else mode
        if mode not in ("rect", "lasso", "none"):
            raise ValueError(f"unknown selection mode {mode!r}")
        self._mode = mode

    def selection_mode(self) -> str:
        return self._mode

    def eventFilter(self, obj: QtCore.QObject, ev: QtCore.QEvent) -> bool:  # noqa: N802
        t = ev.type()
        if t == _QEvent.Type.MouseMove:
            return self._mouse_move(ev)
        if t == _QEvent.Type.MouseButtonPress:
            return self._mouse_press(ev)
        if t == _QEvent.Type.MouseButtonRelease:
            return self._mouse_release(ev)
        if t == _QEvent.Type.MouseButtonDblClick and ev.button() == QtCore.Qt.MouseButton.LeftButton:
            row = self.pick(ev.position())
            if row >= 0:
                self.pointDoubleClicked.emit(row)
            return False
        if t == _QEvent.Type.Leave:
            self._set_hover(-1)
        return False

    def _mouse_move(self, ev: QtGui.QMouseEvent) -> bool:
        pos = ev.position()
        pr = self._press
        if pr is not None and ev.buttons() & QtCore.Qt.MouseButton.LeftButton:
            moved = (pos - pr["pos"]).manhattanLength() >= QtWidgets.QApplication.startDragDistance()
            pr["moved"] = pr["moved"] or moved
            mode = pr["mode"]
            if mode == "rect" and pr["moved"]:
                a, b = pr["data"], self._to_data(pos)
                self._band.show_rect(a.x(), a.y(), b.x(), b.y())
                return True
            if mode == "lasso" and pr["moved"]:
                p = self._to_data(pos)
                if not pr.get("lasso"):
                    a = pr["data"]
                    self._band.start_lasso(a.x(), a.y())
                    pr["lasso"] = True
                self._band.add_lasso_point(p.x(), p.y())
                return True
            if mode == "dragout":
                if pr["moved"]:
                    rows = pr["rows"]
                    self._press = None
                    self._start_file_drag(rows)
                return True
            if mode in ("rect", "lasso"):
                return True
        self._set_hover(self.pick(pos))
        return False

    def _mouse_press(self, ev: QtGui.QMouseEvent) -> bool:
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            if ev.button() == QtCore.Qt.MouseButton.RightButton:
                self._press = {"pos": ev.position(), "mode": "context", "moved": False, "row": self.pick(ev.position())}
            return False
        self._stop_fly()
        pos = ev.position()
        mods = ev.modifiers()
        row = self.pick(pos)
        KM = QtCore.Qt.KeyboardModifier
        if mods & KM.ShiftModifier:
            mode = "rect"
        elif mods & (KM.ControlModifier | KM.AltModifier | KM.MetaModifier):
            mode = "lasso"
        elif row >= 0 and self._drag_rows(row).size:
            mode = "dragout"
        elif self._mode in ("rect", "lasso"):
            mode = self._mode
        else:
            mode = "pan"
        self._press = {"pos": pos, "mode": mode, "moved": False, "row": row, "mods": mods,
                       "data": self._to_data(pos), "rows": self._drag_rows(row) if mode == "dragout" else _EMPTY}
        return mode != "pan"

    def _mouse_release(self, ev: QtGui.QMouseEvent) -> bool:
        pr, self._press = self._press, None
        if pr is None:
            return False
        if pr["mode"] == "context":
            if ev.button() == QtCore.Qt.MouseButton.RightButton and not pr["moved"]:
                gp = ev.globalPosition().toPoint()
                self.contextMenuRequested.emit(int(pr["row"]), gp)
            return False
        if ev.button() != QtCore.Qt.MouseButton.LeftButton:
            return False
        mode = pr["mode"]
        moved = pr["moved"] or (ev.position() - pr["pos"]).manhattanLength() >= QtWidgets.QApplication.startDragDistance()
        if not moved:
            self._band.hide()
            self._click(pr["row"], pr["mods"])
            return mode != "pan"
        if mode == "rect":
            a, b = pr["data"], self._to_data(ev.position())
            self._band.hide()
            self._finish_selection(self._index.in_rect(a.x(), a.y(), b.x(), b.y(), mask=self._enabled))
            return True
        if mode == "lasso":
            verts = self._band.lasso_vertices()
            self._band.hide()
            self._finish_selection(self._index.in_polygon(verts, mask=self._enabled))
            return True
        return mode != "pan"

    def _click(self, row: int, mods: QtCore.Qt.KeyboardModifier) -> None:
        KM = QtCore.Qt.KeyboardModifier
        toggle = bool(mods & (KM.ShiftModifier | KM.ControlModifier | KM.MetaModifier))
        if row < 0:
            if self._selection.size and not toggle:
                self._finish_selection(_EMPTY)
            self.backgroundClicked.emit()
            return
        if toggle:
            sel = self._selection
            new = sel[sel != row] if row in sel else np.union1d(sel, [row])
            self._finish_selection(new.astype(np.int64))
            return
        if self._selection.size and row not in self._selection:
            self._finish_selection(_EMPTY)
        self.set_selected(row)
        self.pointClicked.emit(row)

    def _finish_selection(self, rows: np.ndarray) -> None:
        self._selection = np.asarray(rows, dtype=np.int64)
        self._refresh_layers()
        self.selectionChanged.emit(self._selection.copy())

    def _to_data(self, pos: QtCore.QPointF) -> QtCore.QPointF:
        return self.vb.mapSceneToView(self.plot.mapToScene(pos.toPoint()))

    def _on_manual_range(self, *_args) -> None:  # noqa: ANN002
        self._user_moved = True

    # ================================================================ drag out
    def _drag_rows(self, row: int) -> np.ndarray:
        """Rows a drag starting on ``row`` carries: the multi-selection if ``row`` is in it, the
        selected sound if it is ``row``, else nothing (only selected sounds drag out)."""
        if self._paths is None or row < 0:
            return _EMPTY
        if self._selection.size and row in self._selection:
            return self._selection.copy()
        if row == self._selected:
            return np.array([row], dtype=np.int64)
        return _EMPTY

    def drag_mime(self, rows: Sequence[int] | np.ndarray) -> QtCore.QMimeData:
        """Mime data (file URLs) for dragging these rows out."""
        paths = [] if self._paths is None else [self._paths[int(r)] for r in rows]
        return make_drag_mime(paths)

    def _start_file_drag(self, rows: np.ndarray) -> None:
        drag = QtGui.QDrag(self.plot.viewport())
        drag.setMimeData(self.drag_mime(rows))
        label = self._names[int(rows[0])] if rows.size == 1 else f"{rows.size} sounds"
        fm = QtGui.QFontMetrics(self.font())
        pm = QtGui.QPixmap(fm.horizontalAdvance(label) + 16, fm.height() + 8)
        pm.fill(QtGui.QColor(30, 32, 40, 220))
        p = QtGui.QPainter(pm)
        p.setPen(QtGui.QColor("#ffffff"))
        p.drawText(pm.rect(), QtCore.Qt.AlignmentFlag.AlignCenter, label)
        p.end()
        drag.setPixmap(pm)
        self.dragStarted.emit(rows.copy())
        drag.exec(QtCore.Qt.DropAction.CopyAction)

    # ================================================================ view range
    def view_rect(self) -> tuple[float, float, float, float]:
        """Visible data rectangle (x0, y0, x1, y1)."""
        (x0, x1), (y0, y1) = self.vb.viewRange()
        return float(x0), float(y0), float(x1), float(y1)

    def fly_to(self, center_xy: Sequence[float], span: float | Sequence[float], duration_ms: int = 600) -> None:
        """Animate the view to ``center_xy`` showing at least ``span`` (scalar or (w, h)) data units.
        The span is interpolated geometrically so zooming feels uniform."""
        self._stop_fly()
        cx, cy = float(center_xy[0]), float(center_xy[1])
        w, h = (float(span), float(span)) if np.isscalar(span) else (float(span[0]), float(span[1]))
        x0, y0, x1, y1 = self.view_rect()
        self._anim_from = ((x0 + x1) / 2, (y0 + y1) / 2, max(x1 - x0, 1e-12), max(y1 - y0, 1e-12))
        self._anim_to = (cx, cy, max(w, 1e-12), max(h, 1e-12))
        self._user_moved = True
        if duration_ms <= 0:
            self._on_anim_step(1.0)
            self._on_anim_finished()
            return
        self._anim.setStartValue(0.0)
        self._anim.setEndValue(1.0)
        self._anim.setDuration(int(duration_ms))
        self._anim.setEasingCurve(QtCore.QEasingCurve.Type.InOutCubic)
        self._anim.start()

    def fly_to_rows(self, rows: Sequence[int] | np.ndarray, margin: float = 0.15, duration_ms: int = 600) -> None:
        """Fly to the bounding box of ``rows`` (e.g. a cluster), with a relative margin."""
        rows = np.asarray(rows, dtype=np.int64)
        pts = self._xy[rows[(rows >= 0) & (rows < self._xy.shape[0])]]
        pts = pts[np.isfinite(pts).all(axis=1)]
        if pts.shape[0] == 0:
            return
        lo, hi = pts.min(axis=0), pts.max(axis=0)
        size = np.maximum(hi - lo, 1e-3 * max(1.0, float(np.abs(self._xy).max(initial=1.0))))
        self.fly_to((lo + hi) / 2, size * (1 + 2 * margin), duration_ms)

    def is_flying(self) -> bool:
        return self._anim.state() == QtCore.QAbstractAnimation.State.Running

    def reset_view(self) -> None:
        """Show everything and follow layout updates again."""
        self._stop_fly()
        self._user_moved = False
        self.vb.autoRange(padding=0.04)

    def _stop_fly(self) -> None:
        if self._anim.state() == QtCore.QAbstractAnimation.State.Running:
            self._anim.stop()

    def _on_anim_step(self, t: object) -> None:
        if self._anim_from is None or self._anim_to is None:
            return
        t = float(t)
        (ax, ay, aw, ah), (bx, by, bw, bh) = self._anim_from, self._anim_to
        cx, cy = ax + (bx - ax) * t, ay + (by - ay) * t
        w = aw * (bw / aw) ** t
        h = ah * (bh / ah) ** t
        self.vb.setRange(xRange=(cx - w / 2, cx + w / 2), yRange=(cy - h / 2, cy + h / 2), padding=0)

    def _on_anim_finished(self) -> None:
        if self._anim_to is not None:
            self._on_anim_step(1.0)
        self.flyFinished.emit()

    # ================================================================ export
    def export_image(self, path: str | os.PathLike[str], width: int | None = None) -> None:
        """Write the map as PNG/JPEG (pyqtgraph ImageExporter, ``width`` px wide) or SVG.

        SVG goes through ``QSvgGenerator`` directly: pyqtgraph 0.14's SVGExporter cannot parse the
        path syntax Qt 6.12 writes (it raises on any plot). The point layer is embedded as an
        image, text and lines stay vector.
        """
        from pyqtgraph import exporters

        p = os.fspath(path)
        if p.lower().endswith(".svg"):
            from PySide6 import QtSvg

            src = self.plot_item.sceneBoundingRect()
            w, h = max(1, int(src.width())), max(1, int(src.height()))
            gen = QtSvg.QSvgGenerator()
            gen.setFileName(p)
            gen.setSize(QtCore.QSize(w, h))
            gen.setViewBox(QtCore.QRect(0, 0, w, h))
            gen.setTitle("Sound Explorer map")
            painter = QtGui.QPainter(gen)
            try:
                painter.fillRect(QtCore.QRectF(0, 0, w, h), self.plot.backgroundBrush())
                self.plot.scene().render(painter, QtCore.QRectF(0, 0, w, h), src)
            finally:
                painter.end()
            return
        ex = exporters.ImageExporter(self.plot_item)
        if width:
            ex.parameters()["width"] = int(width)
        ex.export(p)
