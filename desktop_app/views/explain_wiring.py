"""Wiring of the "what the map means" features into the main window (kept out of ``window.py``):
the tag picker of "Colour by tag", true neighbours in the neighbour panel, "Describe this cluster",
OSC out and its dialog."""

from __future__ import annotations

from typing import Any

from core.maps.labels import cluster_name
from desktop_app.controllers.osc import OscOut
from desktop_app.model.colouring import tag_counts

__all__ = ["describe_cluster", "open_osc_dialog", "wire_explain"]


def wire_explain(win: Any) -> None:
    """Connect the window's state, pipeline and panels (called once, after the window's own wiring)."""
    st, s, c = win.state, win.settings, win.controls
    st.colour_tag = s.colour_tag or None

    def refresh_tags(*_: Any) -> None:
        c.set_tags(tag_counts(list(st.sounds.values())), st.colour_tag or "")

    def tag_chosen(tag: str) -> None:
        s.colour_tag = tag
        st.set_colour_tag(tag)

    c.colourTagChanged.connect(tag_chosen)
    win.pipeline.mapReady.connect(refresh_tags)
    win.pipeline.libraryOpened.connect(refresh_tags)

    def show_far(*_: Any) -> None:
        tn = st.true_neighbours
        if tn is None or tn.row != st.selected:
            win.neighbors.set_far((), "")
        else:
            win.neighbors.set_far([nb.row for nb in tn.far], tn.message())

    st.events.true_neighbours.connect(show_far)
    st.events.neighbors.connect(show_far)  # the list was rebuilt: mark it again

    def place_by(x: str, y: str) -> None:
        done = (lambda: win.notify(f"Placed by {x} (left → right) and {y} (bottom → top); "
                                   "sounds that could not be analysed sit in the corner", 8000)) if x else None
        win.pipeline.explain.place_by(x or None, y or None, done)

    c.placeByChanged.connect(place_by)
    st.events.model.connect(lambda _m: c.reset_place())  # another model shows its own map
    st.events.params.connect(lambda what: what == "projection" and c.reset_place())

    win.osc = OscOut(st, s, win.presenter.current_stop)
    win.presenter.tourChanged.connect(win.osc.tour_changed)


def describe_cluster(win: Any, label: int) -> Any:
    """Open (or reuse) the "Describe this cluster" window for cluster ``label`` and fill it from a job."""
    from desktop_app.views.panels.describe import DescribePanel

    st = win.state
    panel = getattr(win, "describe_panel", None)
    if panel is None:
        panel = win.describe_panel = DescribePanel(win)
    name = st.label_names.get(int(label), cluster_name(int(label)))
    panel.show_waiting(name)
    panel.show()
    panel.raise_()
    if win.pipeline.library is None:
        panel.show_error("Open a library first.")
        return panel
    panel.label = int(label)

    def done(desc: Any) -> None:
        if getattr(panel, "label", None) == int(label):
            panel.show_description(name, desc)

    win.pipeline.explain.describe(int(label), done, on_error=lambda err: panel.show_error(f"Could not describe: {err.exc}"))
    return panel


def open_osc_dialog(win: Any) -> Any:
    from desktop_app.views.dialogs.osc import OscDialog

    dialog = OscDialog(win.osc, win)
    dialog.show()
    win._osc_dialog = dialog
    return dialog
