"""The group colours of the map (one source for the app's map view and the timelapse GIFs)."""

from __future__ import annotations

# matplotlib's tab20 reordered (strong colours first, then their light partners); the grey pair
# is replaced so that grey stays reserved for noise.
TAB20: tuple[str, ...] = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#ffd92f", "#bcbd22", "#17becf",
    "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5",
    "#c49c94", "#f7b6d2", "#a6761d", "#dbdb8d", "#9edae5",
)
NOISE_RGB = (150, 155, 162)  #: noise / no group (the app draws it faint)
