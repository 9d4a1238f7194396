"""Presentation mode and the cluster tour, for demoing a collection live.

Presentation mode: full screen, docks and bars hidden, large points, cluster captions on,
hover-to-play on. Esc (or F11) leaves and restores everything as it was.

Tour: flies to each cluster in turn (largest first), plays its medoid, then a few members from
near to far, and moves on after ``seconds_per_stop``. A caption at the bottom of the map says
where we are. Clicking, Esc, or leaving presentation mode stops it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QWidget

from core.maps.labels import cluster_name
from core.maps.tour import TourStop, tour_stops


@dataclass
class _Saved:
    window_state: Any = None
    visible: dict[QWidget, bool] = field(default_factory=dict)
    point_size: float = 7.0
    hover_to_play: bool = False
    in_front: list[QWidget] = field(default_factory=list)  # the tabbed docks that were in front


class _Caption(QLabel):
    """A translucent caption pinned to the bottom centre of its parent."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("TourCaption")
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setStyleSheet("QLabel#TourCaption { background: rgba(15,17,22,200); color: #f2f2f2;"
                           " border-radius: 10px; padding: 10px 18px; font-size: 18px; }")
        parent.installEventFilter(self)
        self.hide()

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802 - Qt API
        if ev.type() == QEvent.Type.Resize:
            self._place()
        return False

    def show_text(self, text: str) -> None:
        self.setText(text)
        self.adjustSize()
        self._place()
        self.show()
        self.raise_()

    def _place(self) -> None:
        p = self.parentWidget()
        if p is not None:
            self.move(max(0, (p.width() - self.width()) // 2), max(0, p.height() - self.height() - 28))


class Presenter(QObject):
    """Drives presentation mode on ``window`` (a QMainWindow whose central widget is the map).

    ``play(row)`` plays a sound; ``set_annotations(bool)`` toggles cluster captions;
    ``state`` is the :class:`SessionState`. Signals: ``activeChanged(bool)``, ``tourChanged(bool)``.
    """

    activeChanged = Signal(bool)
    tourChanged = Signal(bool)

    def __init__(self, window: QMainWindow, map_view: Any, state: Any, play: Callable[[int], None],
                 set_annotations: Callable[[bool], None], *, point_size: float = 16.0,
                 seconds_per_stop: float = 6.0, members: int = 3) -> None:
        super().__init__(window)
        self.window = window
        self.map = map_view
        self.state = state
        self.play = play
        self.set_annotations = set_annotations
        self.point_size = point_size
        self.seconds_per_stop = seconds_per_stop
        self.members = members
        self.active = False
        self._saved = _Saved()
        self.caption = _Caption(map_view)
        self._stops: list[TourStop] = []
        self._stop_index = -1
        self._steps: list[tuple[int, Callable[[], None]]] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._pending: Callable[[], None] | None = None
        self._timer.timeout.connect(self._on_timer)

    # --------------------------------------------------------------------- presentation
    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    def enter(self, fullscreen: bool = True) -> None:
        if self.active:
            return
        w = self.window
        self._saved = _Saved(window_state=w.windowState(), point_size=self.map.point_size(),
                             hover_to_play=self.map.hover_to_play())
        # Every bar and dock of the window, once each (menuBar()/statusBar() are among its children:
        # listing them twice recorded them as hidden and they never came back), and the legend.
        bars = [c for c in w.findChildren(QWidget) if c.parent() is w and c is not w.centralWidget()
                and not c.isWindow()]
        self._saved.in_front = [d for d in w.findChildren(QDockWidget) if w.tabifiedDockWidgets(d)
                                and d.isVisible() and not d.visibleRegion().isEmpty()]
        for child in dict.fromkeys([*bars, w.menuBar(), w.statusBar(), self.map.legend]):
            self._saved.visible[child] = child.isVisible()
            child.hide()
        self.map.legend_allowed = False  # recolouring during the show does not bring it back
        self.active = True
        self.map.set_point_size(self.point_size)
        self.map.set_hover_to_play(True)
        self.set_annotations(True)
        if fullscreen:
            w.showFullScreen()
        QTimer.singleShot(0, self.map.reset_view)  # fit the clusters to the new size
        self.caption.show_text("Presentation mode — hover to listen · T starts the tour · Esc leaves")
        QTimer.singleShot(3500, lambda: self.active and not self.touring and self.caption.hide())
        self.activeChanged.emit(True)

    def leave(self) -> None:
        if not self.active:
            return
        self.stop_tour()
        self.active = False
        w = self.window
        self.map.legend_allowed = True
        for child, visible in self._saved.visible.items():
            child.setVisible(visible)
        for dock in self._saved.in_front:  # showing the docks again brings the last of each tab group to the front
            dock.raise_()
        self.map.set_point_size(self._saved.point_size)
        self.map.set_hover_to_play(self._saved.hover_to_play)
        self.set_annotations(False)
        if self._saved.window_state is not None:
            w.setWindowState(self._saved.window_state)
            if not (self._saved.window_state & Qt.WindowState.WindowFullScreen):
                w.showNormal() if not (self._saved.window_state & Qt.WindowState.WindowMaximized) else w.showMaximized()
        self.caption.hide()
        self.activeChanged.emit(False)

    # ------------------------------------------------------------------------------ tour
    @property
    def touring(self) -> bool:
        return self._stop_index >= 0

    def plan(self) -> list[TourStop]:
        st = self.state
        if st.vectors is None or not len(st.ids) or len(st.vectors) != len(st.ids):
            return []
        return tour_stops(st.vectors, st.xy, st.labels, members=self.members, max_stops=24)

    def start_tour(self) -> bool:
        """Start the tour (returns False when there is nothing to tour, e.g. no clusters)."""
        self._stops = self.plan()
        if not self._stops:
            self.caption.show_text("No clusters to tour yet")
            QTimer.singleShot(2500, lambda: not self.touring and self.caption.hide())
            return False
        self._stop_index = 0
        self.tourChanged.emit(True)
        self._schedule_stop()
        self._next_step()
        return True

    def stop_tour(self) -> None:
        if not self.touring:
            return
        self._timer.stop()
        self._steps = []
        self._pending = None
        self._stop_index = -1
        self.caption.hide()
        self.tourChanged.emit(False)

    def toggle_tour(self) -> None:
        self.stop_tour() if self.touring else self.start_tour()

    def current_stop(self) -> TourStop | None:
        return self._stops[self._stop_index] if self.touring else None

    def _schedule_stop(self) -> None:
        stop = self._stops[self._stop_index]
        st = self.state
        name = st.label_names.get(stop.label, cluster_name(stop.label))
        size = int((st.labels == stop.label).sum())
        total_ms = int(self.seconds_per_stop * 1000)
        per_sound = max(600, (total_ms - 800) // max(1, len(stop.rows)))
        span = max(stop.span * 1.35, 1e-3)

        def fly() -> None:  # the caption moves with the camera: it names where we are going
            self.caption.show_text(f"<b>{name}</b> · {size} sounds"
                                   f"  <span style='color:#888'>({self._stop_index + 1}/{len(self._stops)})</span>")
            self.map.fly_to(stop.center, span, duration_ms=700)

        def play(i: int) -> Callable[[], None]:
            def run() -> None:
                row = stop.rows[i]
                info = st.info(row)
                what = "typical sound" if i == 0 else f"member {i} of {len(stop.rows) - 1}"
                self.caption.show_text(f"<b>{name}</b> · {size} sounds — {what}: {info.name if info else row}"
                                       f"  <span style='color:#888'>({self._stop_index + 1}/{len(self._stops)})</span>")
                st.select(row)
                self.play(row)
            return run

        self._steps = [(0, fly)] + [(800 if i == 0 else per_sound, play(i)) for i in range(len(stop.rows))]
        self._steps.append((per_sound, self._advance))

    def _next_step(self) -> None:
        """Arm the timer for the next step (each step waits its delay, then runs)."""
        if not self._steps or not self.touring:
            return
        delay, self._pending = self._steps.pop(0)
        self._timer.start(max(0, delay))

    def _on_timer(self) -> None:
        action, self._pending = self._pending, None
        if action is not None and self.touring:
            action()
        self._next_step()

    def _advance(self) -> None:
        if not self.touring:
            return
        self._stop_index = (self._stop_index + 1) % len(self._stops)
        self._schedule_stop()
        self._steps.pop(0)[1]()  # fly (and caption) at once; the timer handler arms the next step
