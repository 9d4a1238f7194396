"""Product defaults that the CLI, the GUI, the settings file and the cache keys all share.

Each default lives here once. Parameter sets with several fields are dataclasses next to the code
that uses them (:class:`core.maps.params.ProjectionParams` and the clustering parameter classes);
this module names the choices between them.
"""

from __future__ import annotations

#: The encoder a new library is embedded with (it is always installed: its weights ship in aisfx).
DEFAULT_MODEL = "pretrained+mfcc"
#: The encoders every library has, besides the models trained on it.
BUILTIN_MODELS: tuple[str, ...] = ("mfcc", "pretrained")
#: The clustering that colours a new map.
DEFAULT_CLUSTER_METHOD = "graph"
#: How many nearest neighbours are listed.
DEFAULT_NEIGHBORS_K = 10
