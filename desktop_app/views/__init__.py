"""Qt widgets of the desktop app (the map, its legend, lists and panels)."""
