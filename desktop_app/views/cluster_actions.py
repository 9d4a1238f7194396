"""What the legend's per-cluster menu does: select, show only, describe, export, rename a cluster."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QInputDialog


def run_cluster_action(win: Any, action: str, label: int, *, new_name: str | None = None) -> None:
    """Do ``action`` for cluster ``label`` in the main window ``win``.

    ``new_name`` answers the rename question without a dialog (tests, scripts).
    """
    st = win.state
    rows = st.cluster_rows(int(label))
    if action == "select":
        st.set_selection(rows)
        win.notify(f"{len(rows)} sounds of {st.label_names.get(label, label)} selected", 4000)
    elif action == "describe":
        from desktop_app.views.explain_wiring import describe_cluster

        describe_cluster(win, int(label))
    elif action == "only":
        hidden = set(int(x) for x in st.label_names) | ({-1} if (st.labels < 0).any() else set())
        win.map.set_hidden_labels(hidden - {int(label)})
    elif action.startswith("export_"):
        st.set_selection(rows)
        win.export_sounds(action.removeprefix("export_"))
    elif action == "rename":
        name = new_name
        if name is None:
            name, ok = QInputDialog.getText(win, "Rename cluster", "Name:", text=st.label_names.get(label, ""))
            if not ok:
                return
        st.rename_label(int(label), name)
    else:
        raise ValueError(f"unknown cluster action {action!r}")
