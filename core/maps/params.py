"""Parameter sets of the map and the clusterings: the one source of their defaults.

Each set is a frozen dataclass. Everything else derives from these classes:

- the CLI's options (:func:`core.cli.common.add_param_options` reads the fields and their ``metadata``);
- the GUI's controls (``desktop_app/views/panels/controls.py`` builds a spin box per field with a ``label``);
- the settings file (``as_dict()`` per method);
- the catalog's cache keys (``as_dict()``), so the CLI and the GUI store and reuse the same results.

Field metadata: ``label`` (GUI text; a field without one is not shown), ``help`` (CLI and tooltip),
``range`` ``(lo, hi)`` and ``step``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, ClassVar

PROJECTION_METHODS = ("umap", "pca", "tsne")
CLUSTER_METHODS = ("hdbscan", "kmeans", "graph")


def param_field(default: Any, label: str = "", help: str = "", lo: float | None = None, hi: float | None = None,
                step: float = 1) -> Any:
    """A parameter field with the metadata the CLI, the GUI and the settings read (see the module doc)."""
    return field(default=default, metadata={"label": label, "help": help, "range": (lo, hi), "step": step})


class _Params:
    """Shared behaviour: validation against the fields' ranges, a canonical dict, replace-by-dict."""

    method: ClassVar[str]
    KEY_FIELDS: ClassVar[tuple[str, ...] | None] = None  # None: every field

    def __post_init__(self) -> None:
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            lo, hi = f.metadata.get("range", (None, None))
            if value is None or isinstance(value, str):
                continue
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise ValueError(f"{f.name} must be in [{lo}, {hi}], got {value}")

    def as_dict(self) -> dict[str, Any]:
        """The canonical dict of the fields that matter (a cache key; stable across versions)."""
        d = asdict(self)  # type: ignore[call-overload]
        keys = self.KEY_FIELDS if self.KEY_FIELDS is not None else tuple(d)
        out: dict[str, Any] = {}
        for k in keys:
            v = d[k]
            ftype = type(getattr(type(self), k, v))
            out[k] = float(v) if isinstance(v, float) or ftype is float else v
        return out

    def updated(self, values: dict[str, Any] | None, *, strict: bool = False) -> Any:
        """A copy with the known, non-``None`` entries of ``values`` applied. Unknown keys are ignored
        (the CLI passes all its options), or refused with ``strict``."""
        names = {f.name for f in fields(self)}  # type: ignore[arg-type]
        if strict and (unknown := set(values or {}) - names):
            raise ValueError(f"{type(self).__name__} has no {', '.join(sorted(unknown))} (it has {', '.join(sorted(names))})")
        kw = {k: v for k, v in (values or {}).items() if k in names and v is not None}
        return replace(self, **kw) if kw else self  # type: ignore[type-var]


@dataclass(frozen=True)
class ProjectionParams(_Params):
    """How to make a map. ``as_dict()`` holds only the fields the method uses."""

    method: str = "umap"  # type: ignore[misc]
    n_neighbors: int = param_field(15, "Neighbourhood", "UMAP: how many neighbours shape each point's place (larger = more global structure)", 2, 200)
    min_dist: float = param_field(0.1, "Min distance", "UMAP: how tightly points may pack", 0.0, 1.0, 0.05)
    metric: str = "cosine"
    seed: int = 42
    perplexity: float = param_field(30.0, "", "t-SNE perplexity", 1.0, 500.0)
    # Large maps (not part of the cache key: they change how a big map is computed, not what it means).
    fit_sample: int = param_field(50_000, "", "UMAP: above this many sounds, fit on a random sample this big and "
                           "place the rest onto it", 1000, None)
    place_chunk: int = param_field(25_000, "", "UMAP: sounds placed per step (each step shows the map)", 100, None)

    def __post_init__(self) -> None:
        if self.method not in PROJECTION_METHODS:
            raise ValueError(f"unknown projection method {self.method!r}; expected one of {PROJECTION_METHODS}")
        super().__post_init__()

    def as_dict(self) -> dict[str, Any]:
        keep = {
            "umap": ("method", "n_neighbors", "min_dist", "metric", "seed"),
            "tsne": ("method", "perplexity", "metric", "seed"),
            "pca": ("method",),
        }[self.method]
        d = asdict(self)
        out = {k: d[k] for k in keep}
        for k in ("min_dist", "perplexity"):
            if k in out:
                out[k] = float(out[k])
        return out


@dataclass(frozen=True)
class HdbscanParams(_Params):
    """HDBSCAN: dense groups; sounds in no group are noise."""

    method: ClassVar[str] = "hdbscan"
    min_cluster_size: int = param_field(5, "Min cluster size", "HDBSCAN: the smallest group that counts as a cluster", 2, 100000)
    min_samples: int | None = None
    # Large N (not part of the cache key): fit on a random sample, the others take the label of
    # their nearest sampled sound (agreement with the exact result: benchmarks/bench_cluster_scale.py).
    fit_sample: int = param_field(10_000, "", "HDBSCAN: above this many sounds, cluster a random sample this big "
                           "and give every other sound the label of its nearest sampled sound", 100, None)
    KEY_FIELDS: ClassVar[tuple[str, ...] | None] = ("min_cluster_size", "min_samples")


@dataclass(frozen=True)
class KMeansParams(_Params):
    """k-means on unit vectors: exactly k clusters, no noise."""

    method: ClassVar[str] = "kmeans"
    k: int = param_field(8, "Clusters (k)", "k-means: the number of clusters", 2, 1000)
    seed: int = 42


@dataclass(frozen=True)
class GraphParams(_Params):
    """Louvain communities of the k-nearest-neighbour graph: every sound gets a cluster."""

    method: ClassVar[str] = "graph"
    graph_k: int = param_field(10, "Links per sound", "graph: how many nearest sounds each sound is linked to in the kNN graph", 2, 200)
    resolution: float = param_field(1.3, "Resolution", "graph: higher = more, smaller communities", 0.05, 10.0, 0.1)
    seed: int = 42
    # Large N (not part of the cache key): the kNN graph comes from an approximate (IVF) index.
    ann_above: int = param_field(30_000, "", "graph: above this many sounds, build the kNN graph with an approximate "
                          "index", 0, None)
    KEY_FIELDS: ClassVar[tuple[str, ...] | None] = ("graph_k", "resolution", "seed")


ClusterParams = HdbscanParams | KMeansParams | GraphParams
CLUSTER_PARAMS: dict[str, type[_Params]] = {"hdbscan": HdbscanParams, "kmeans": KMeansParams, "graph": GraphParams}


def cluster_params(method: str, values: dict[str, Any] | ClusterParams | None = None, *,
                   strict: bool = False) -> ClusterParams:
    """The parameters of ``method``: its defaults, updated by ``values`` (a dict or a params object;
    with ``strict`` a dict may only name the method's fields)."""
    if method not in CLUSTER_PARAMS:
        raise ValueError(f"unknown clustering method {method!r}; expected one of {CLUSTER_METHODS}")
    if isinstance(values, _Params):
        if values.method != method:
            raise ValueError(f"{type(values).__name__} are not {method} parameters")
        return values  # type: ignore[return-value]
    return CLUSTER_PARAMS[method]().updated(values, strict=strict)  # type: ignore[return-value]


def labelled_fields(cls: type) -> list[Any]:
    """The fields a person sets (those with a ``label``), in declaration order."""
    return [f for f in fields(cls) if f.metadata.get("label")]


def settable_values(params: Any) -> dict[str, Any]:
    """The values of the fields a person sets (``labelled_fields``): what the settings file stores."""
    return {f.name: getattr(params, f.name) for f in labelled_fields(type(params))}


def default_projection_values() -> dict[str, Any]:
    return settable_values(ProjectionParams())


def default_cluster_values() -> dict[str, dict[str, Any]]:
    return {m: settable_values(cls()) for m, cls in CLUSTER_PARAMS.items()}


@dataclass(frozen=True)
class NeighborParams(_Params):
    """Neighbour search: exact below ``ann_above`` sounds; above, an inverted-file (IVF) index built in
    the background (:meth:`core.maps.neighbors.NeighborIndex.build_ann`)."""

    method: ClassVar[str] = "neighbors"
    ann_above: int = param_field(200_000, "", "neighbours: build an approximate index above this many sounds", 0, None)
    n_lists: int = param_field(0, "", "IVF lists (k-means cells); 0 = about 2·sqrt(N)", 0, None)
    n_probe: int = param_field(16, "", "IVF lists scanned per query (more = better recall, slower)", 1, None)
    train_sample: int = param_field(65_536, "", "rows the IVF k-means trains on", 1000, None)
    train_iters: int = param_field(10, "", "IVF k-means iterations", 1, 100)
    storage: str = "float32"  # or "float16": half the memory, torch float16 kernels
    seed: int = 42

    def __post_init__(self) -> None:
        if self.storage not in ("float32", "float16"):
            raise ValueError(f"storage must be 'float32' or 'float16', not {self.storage!r}")
        super().__post_init__()

    def lists_for(self, n: int) -> int:
        """The number of IVF lists for ``n`` rows."""
        return int(max(1, min(n, self.n_lists or round(2 * n**0.5))))
