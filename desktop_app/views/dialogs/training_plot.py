"""The training dialog's loss plot: one curve per loss term (faint per step, bold running mean),
validation points at epoch ends. A mixin of :class:`desktop_app.views.dialogs.training.TrainingDialog`."""

from __future__ import annotations

import pyqtgraph as pg

TERM_COLOURS = {
    "total": "#e8eaed", "triplet": "#8ab4f8", "distill": "#f6c26b", "recon": "#81c995", "audio": "#81c995",
    "tags": "#c58af9", "align": "#f28b82",
}


class LossPlotMixin:
    """Plot methods; the dialog provides ``plot``, ``_curves``, ``_points``, ``_raw``, ``_smooth``."""

    def _reset_plot(self) -> None:
        for c in [*self._curves.values(), *self._raw.values()]:
            self.plot.removeItem(c)
        self._curves.clear()
        self._raw.clear()
        self._smooth.clear()
        self._points.clear()

    def curve_points(self, term: str) -> int:
        """How many points the curve of ``term`` has (``val_total`` for validation)."""
        return len(self._points.get(term, ([], []))[0])

    def _add_point(self, term: str, x: float, y: float) -> None:
        """Step terms: a faint raw line and a bold running mean (EMA, 0.1); validation: dots."""
        if term not in self._curves:
            colour = TERM_COLOURS.get(term.removeprefix("val_"), "#aecbfa")
            if term.startswith("val_"):
                item = self.plot.plot([], [], pen=None, symbol="o", symbolSize=7, symbolBrush=colour, name=term)
            else:
                faint = pg.mkColor(colour)
                faint.setAlpha(70)
                self._raw[term] = self.plot.plot([], [], pen=pg.mkPen(faint, width=1))
                item = self.plot.plot([], [], pen=pg.mkPen(colour, width=2), name=term)
            self._curves[term] = item
            self._points[term] = ([], [])
            self._smooth[term] = []
        xs, ys = self._points[term]
        xs.append(x)
        ys.append(y)
        if term in self._raw:
            sm = self._smooth[term]
            sm.append(y if not sm else sm[-1] + 0.1 * (y - sm[-1]))
            self._raw[term].setData(xs, ys)
            self._curves[term].setData(xs, sm)
        else:
            self._curves[term].setData(xs, ys)

