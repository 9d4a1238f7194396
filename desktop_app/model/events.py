"""Qt-free events: what the session model emits and the views subscribe to (napari style)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Callback = Callable[..., Any]


class EventEmitter:
    """A Qt-free signal: ``connect(cb)``, ``disconnect(cb)``, ``emit(*args)``.

    Callbacks run synchronously in the emitting thread, in connection order. An exception in
    one callback propagates (so bugs are not swallowed); the state only emits from the GUI
    thread.
    """

    def __init__(self, name: str = "") -> None:
        self.name = name
        self._callbacks: list[Callback] = []
        self._blocked = False

    def connect(self, callback: Callback) -> Callback:
        if callback not in self._callbacks:
            self._callbacks.append(callback)
        return callback

    def disconnect(self, callback: Callback | None = None) -> None:
        if callback is None:
            self._callbacks.clear()
        elif callback in self._callbacks:
            self._callbacks.remove(callback)

    def emit(self, *args: Any) -> None:
        if self._blocked:
            return
        for cb in list(self._callbacks):
            cb(*args)

    def __len__(self) -> int:
        return len(self._callbacks)


class StateEvents:
    """The events a :class:`SessionState` emits (arguments in brackets)."""

    def __init__(self) -> None:
        self.library = EventEmitter("library")  # (library | None)
        self.model = EventEmitter("model")  # (name)
        self.points = EventEmitter("points")  # () — the row set changed: ids/names/xy reset
        self.positions = EventEmitter("positions")  # (xy float32 [N,2], final: bool)
        self.labels = EventEmitter("labels")  # (labels int64 [N], names dict[int,str])
        self.colour_by = EventEmitter("colour_by")  # (mode)
        self.params = EventEmitter("params")  # (what: 'projection'|'cluster')
        self.selected = EventEmitter("selected")  # (row | None)
        self.selection = EventEmitter("selection")  # (rows int64 [K])
        self.hovered = EventEmitter("hovered")  # (row | None)
        self.query = EventEmitter("query")  # (query, rows int64 [K] | None)
        self.neighbors = EventEmitter("neighbours")  # (list[(row, distance)])
        self.true_neighbours = EventEmitter("true_neighbours")  # (core TrueNeighbours | None)
        self.failures = EventEmitter("failures")  # (list[(relpath, reason)])
        self.status = EventEmitter("status")  # (text) — pipeline phase for the status bar
