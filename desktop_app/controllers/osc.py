"""OSC out: hover, selection and tour steps of the session as OSC messages (``core.osc``).

:class:`OscOut` subscribes to the session state and sends through a :class:`core.osc.OscSender`
when enabled (off by default; host and port come from the settings file). A tour step is a
selection made while the tour runs: it is sent as ``/tour`` (cluster, name, step, steps, id, path)
as well as ``/select``. Sending never raises (core counts failures).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from core.maps.labels import cluster_name, cluster_number
from core.osc import OscSender, OscSettings

__all__ = ["OscOut"]


class OscOut:
    """``current_stop()`` returns the tour's current ``TourStop`` (None when no tour runs)."""

    def __init__(self, state: Any, settings: Any, current_stop: Callable[[], Any] = lambda: None) -> None:
        self.state = state
        self.settings = settings
        self.current_stop = current_stop
        self.sender = OscSender(self._osc_settings(settings.osc_enabled, settings.osc_host, settings.osc_port))
        ev = state.events
        ev.hovered.connect(self._hovered)
        ev.selected.connect(self._selected)

    @staticmethod
    def _osc_settings(enabled: bool, host: str, port: int) -> OscSettings:
        return OscSettings(enabled=bool(enabled), host=str(host), port=int(port))

    def configure(self, enabled: bool, host: str, port: int) -> None:
        """New settings (raises ``ValueError`` with a one-line reason for a bad host or port);
        stored in the settings file."""
        new = self._osc_settings(enabled, host, port)
        self.sender.close()
        self.sender = OscSender(new)
        self.settings.osc_enabled, self.settings.osc_host, self.settings.osc_port = new.enabled, new.host, new.port

    @property
    def enabled(self) -> bool:
        return self.sender.enabled

    def _where(self, row: int) -> tuple[int, str, float, float] | None:
        info = self.state.info(row)
        if info is None or not 0 <= row < len(self.state.xy):
            return None
        x, y = (float(v) for v in self.state.xy[row])
        return int(info.id), str(info.path), x, y

    def _hovered(self, row: int | None) -> None:
        if self.enabled and row is not None and (w := self._where(row)) is not None:
            self.sender.hover(*w)

    def _selected(self, row: int | None) -> None:
        if not self.enabled or row is None or (w := self._where(row)) is None:
            return
        label = int(self.state.labels[row]) if row < len(self.state.labels) else -1
        number = cluster_number(label) if self.state.colour_scale is None else 0
        self.sender.select(*w, cluster=number)
        stop = self.current_stop()
        if stop is not None and row in list(stop.rows):
            name = self.state.label_names.get(stop.label, cluster_name(stop.label))
            step = list(stop.rows).index(row) + 1
            self.sender.tour_step(cluster_number(stop.label), str(name), step, len(stop.rows), w[0], w[1])

    def tour_changed(self, touring: bool) -> None:
        if not touring and self.enabled:
            self.sender.tour_stop()

    def close(self) -> None:
        self.sender.close()
