"""Product defaults that the CLI, the GUI, the settings file and the cache keys all share.

Each default lives here once. Parameter sets with several fields are dataclasses next to the code
that uses them (:class:`core.maps.params.ProjectionParams` and the clustering parameter classes);
this module names the choices between them.
"""

from __future__ import annotations

#: The encoder a new library is embedded with: ``pretrained`` standardised per library plus standardised
#: MFCC statistics at weight 0.25 (core.encoders.fusion; no training, always installed). It beat plain
#: ``pretrained`` on every dev set in both settings (docs/training.md, "A better map without training").
DEFAULT_MODEL = "pretrained+mfcc"
#: The encoders every library has, besides the models trained on it.
BUILTIN_MODELS: tuple[str, ...] = ("mfcc", "pretrained", "pretrained+mfcc")
#: The clustering that colours a new map.
DEFAULT_CLUSTER_METHOD = "graph"
#: How many nearest neighbours are listed.
DEFAULT_NEIGHBORS_K = 10
