"""A sound library: a folder plus its catalog. The one façade the CLI and the GUI both use.

Every long operation is a job generator (see :mod:`core.jobs`). Results are cached in the
catalog keyed by model, model version and parameters, so a second run on an unchanged library
costs a directory walk and a few SQLite reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

import numpy as np

from core.catalog import Catalog
from core.defaults import DEFAULT_CLUSTER_METHOD, DEFAULT_MODEL
from core.catalog.scan import ScanReport, scan
from core.encoders import EncoderRegistry, builtin_registry
from core.catalog.rows import SoundRow
from core.jobs import EMBED, LOAD, PLACE, Job, Progress
from core.maps.params import ClusterParams, NeighborParams, ProjectionParams, cluster_params

if TYPE_CHECKING:  # torch-heavy modules load only when a model must run
    from core.embedding.report import EmbedReport
    from core.encoders.base import Encoder
    from core.maps.clustering import Labelling


@dataclass(slots=True)
class SoundList:
    """A partial result: the catalog's sounds and failures, read on the worker right after the scan."""

    sounds: list[SoundRow]
    failures: list[tuple[str, str]]


@dataclass(slots=True)
class Snapshot:
    """What the catalog already holds for one model: everything a view needs, read in one job.

    ``map`` and ``labelling`` are the cached results for exactly these parameters and these sounds,
    or ``None``; nothing is computed (no torch, UMAP or HDBSCAN is imported).
    """

    model: str
    sounds: list[SoundRow]
    failures: list[tuple[str, str]]
    ids: np.ndarray  # int64 [N]
    vectors: np.ndarray  # float32 [N, D]
    map: MapResult | None = None
    labelling: Labelling | None = None
    names: dict[int, str] | None = None  # the labelling's cluster names (from the sounds' tags)


@dataclass(slots=True)
class MapResult:
    ids: np.ndarray  # int64 [N]
    xy: np.ndarray  # float32 [N, 2]
    params: ProjectionParams
    placed: int = 0  # how many new points were placed into an existing map


class Library:
    def __init__(self, catalog: Catalog, registry: EncoderRegistry | None = None, device: str | None = None) -> None:
        self.catalog = catalog
        self.root: Path = catalog.root
        self.device = device
        self.registry = registry or builtin_registry()
        self._neighbor_cache: dict[tuple[str, str], object] = {}
        from core.encoders.fusion import register_adaptive

        register_adaptive(self)
        self._register_trained()

    # -- life cycle -------------------------------------------------------------------------
    @classmethod
    def open(cls, root: str | Path, catalog_path: str | Path | None = None, device: str | None = None) -> Library:
        root = Path(root).expanduser()
        if not root.exists():
            raise FileNotFoundError(f"folder not found: {root}")
        if not root.is_dir():
            raise NotADirectoryError(f"not a folder: {root}")
        return cls(Catalog.open(root.resolve(), Path(catalog_path) if catalog_path else None), device=device)

    def close(self) -> None:
        self.catalog.close()

    def __enter__(self) -> Library:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _register_trained(self) -> None:
        from core.encoders.imported import register_imported_models

        register_imported_models(self)  # vectors brought from elsewhere (sound-explorer import)
        try:
            from core.training.registration import register_trained_models
        except ImportError:
            return
        register_trained_models(self)

    # -- sounds -----------------------------------------------------------------------------
    def sounds(self, include_failed: bool = False):
        return self.catalog.sounds(include_failed=include_failed)

    def abspath(self, sound_id: int) -> Path:
        return self.catalog.abspath(self.catalog.sound(sound_id))

    def failures(self) -> list[tuple[str, str]]:
        return self.catalog.failures()

    def models(self) -> list[str]:
        return self.registry.names()

    def default_model(self) -> str:
        """The model a new map of this library uses: a trained model the verdict promoted, else
        :data:`core.defaults.DEFAULT_MODEL`."""
        chosen = self.catalog.default_model()
        models = self.models()
        if chosen in models:
            return chosen
        return DEFAULT_MODEL if DEFAULT_MODEL in models else models[0]

    def model_to_show(self, wanted: str) -> tuple[str, str]:
        """The model to open this library with when ``wanted`` (the last one used) is asked for, and
        why another one is shown ("" when it is not): a model of another library falls back to this
        library's default, and the product default gives way to a model training promoted here."""
        default = self.default_model()
        if wanted not in self.models():
            return default, f"'{wanted}' belongs to another library: showing {default}"
        if wanted == DEFAULT_MODEL and default != wanted:
            return default, f"Showing {default}, the model training made this library's default"
        return wanted, ""

    def model_choices(self) -> list[tuple[str, str, str]]:
        """``(name, readable label, description)`` of every model, for menus."""
        default = self.default_model()
        return [(n, self.registry.label(n, default), self.registry.info(n).description) for n in self.models()]

    def encoder(self, model: str) -> Encoder:
        return self.registry.get(model, self.device)

    def model_version(self, model: str) -> str:
        """The version embeddings of ``model`` are stored under (known without building the model)."""
        return self.registry.version(model)

    # -- jobs -------------------------------------------------------------------------------
    def scan(self) -> Job[ScanReport]:
        from core.audio.tags import make_tagger

        return (yield from scan(self.catalog, tagger=make_tagger(self.root)))

    def embed(self, model: str = DEFAULT_MODEL, *, batch_size: int = 16, keep_patches: bool = False) -> Job[EmbedReport]:
        """Scan (cheap when nothing changed), then embed what is missing for ``model``.

        Right after the scan it yields ``Progress(LOAD, partial=SoundList)``: names and tags are known.
        """
        if self.registry.info(model).kind == "adaptive":  # fitted to the library: core.encoders.fusion
            from core.encoders.fusion import embed_adaptive

            return (yield from embed_adaptive(self, model))
        scan_report = yield from self.scan()
        yield Progress(stage=LOAD, message="sounds", partial=SoundList(self.sounds(), self.failures()))
        version = self.model_version(model)
        missing = len(self.catalog.missing_embeddings(model, version))
        # nothing to compute (imported vectors cannot be): torch is not even imported
        if not missing or self.registry.info(model).kind == "imported":
            from core.embedding.report import EmbedReport

            return EmbedReport(model, version, cached=self.catalog.count() - missing, seconds=scan_report.seconds)
        from core.embedding.job import embed_sounds

        encoder = self.encoder(model)
        report = yield from embed_sounds(self.catalog, encoder, batch_size=batch_size, keep_patches=keep_patches)
        report.seconds += scan_report.seconds
        self._neighbor_cache.pop((model, version), None)
        return report

    def embed_on_ray(self, model: str, *, address: str | None = None, shards: str | None = None) -> Job[EmbedReport]:
        """Scan, then embed what is missing for the built-in ``model`` on a Ray cluster (``address``; None
        starts a local one) and merge it into the catalog: :mod:`core.embedding.ray_engine`. Yields the
        same ``SoundList`` partial as :meth:`embed` after the scan."""
        from core.embedding.ray_engine import default_shard_dir, embed_with_ray, ray_models, ray_parts

        if model not in ray_models():
            raise ValueError(f"the Ray engine embeds the built-in models ({', '.join(ray_models())}), not {model!r}")
        scan_report = yield from self.scan()
        yield Progress(stage=LOAD, message="sounds", partial=SoundList(self.sounds(), self.failures()))
        seconds, failed = scan_report.seconds, []
        for part in ray_parts(model):
            report = yield from embed_with_ray(self.catalog, part, self.model_version(part), address=address,
                                               shard_dir=shards or default_shard_dir(self.catalog))
            seconds += report.seconds
            failed += [f for f in report.failed if f not in failed]
        if ray_parts(model) != [model]:  # a fused model: fitted and fused here, from the components' vectors
            from core.embedding.report import EmbedReport
            from core.encoders.fusion import fit_and_store

            yield Progress(stage=f"{EMBED} {model}", message="standardising and fusing")
            stored = fit_and_store(self, model)
            report = EmbedReport(model, self.model_version(model), embedded=stored or 0,
                                 cached=0 if stored else len(self.vectors(model)[0]), failed=failed)
        report.seconds = seconds
        self._neighbor_cache.pop((model, report.version), None)
        return report

    def vectors(self, model: str) -> tuple[np.ndarray, np.ndarray]:
        """``(ids int64 [N], vectors float32 [N, D])`` of the sounds embedded with ``model``."""
        return self.catalog.embeddings(model, self.model_version(model))

    def _require_vectors(self, model: str) -> tuple[np.ndarray, np.ndarray]:
        ids, vectors = self.vectors(model)
        if len(ids) == 0:
            raise RuntimeError(f"no sounds are embedded with '{model}' yet: run embed first")
        return ids, vectors

    def cached_map(self, model: str, params: ProjectionParams | None = None,
                   ids: np.ndarray | None = None) -> MapResult | None:
        """The stored map of ``model`` for exactly ``params`` and the embedded sounds, or ``None``."""
        params = params or ProjectionParams()
        ids = self.vectors(model)[0] if ids is None else ids
        cached = self.catalog.projection(model, self.model_version(model), params.method, params.as_dict())
        if cached is None or len(cached[0]) != len(ids):
            return None
        aligned = _align(cached[0], ids)
        return None if aligned is None else MapResult(ids, cached[1][aligned].astype(np.float32), params)

    def map(self, model: str, params: ProjectionParams | None = None, *, recompute: bool = False) -> Job[MapResult]:
        """2-D map of the ``model`` embeddings. Cached; new sounds are placed without moving old ones."""
        params = params or ProjectionParams()
        ids, vectors = self._require_vectors(model)
        version = self.model_version(model)
        key = params.as_dict()
        if not recompute and (hit := self.cached_map(model, params, ids)) is not None:
            return hit
        from core.maps.projection import place_new, project

        cached = None if recompute else self.catalog.projection(model, version, params.method, key)
        if cached is not None:
            cids, cxy = cached
            pos = {int(i): k for k, i in enumerate(cids)}
            known = np.array([int(i) in pos for i in ids], dtype=bool)
            if known.sum() >= 3:  # stable growth: keep old points, place the new ones
                xy = np.zeros((len(ids), 2), dtype=np.float32)
                xy[known] = cxy[[pos[int(i)] for i in ids[known]]]
                if (~known).any():
                    yield Progress(stage=PLACE, done=0, total=int((~known).sum()))
                    xy[~known] = place_new(vectors[known], xy[known], vectors[~known])
                self.catalog.put_projection(model, version, params.method, key, ids, xy)
                return MapResult(ids, xy, params, placed=int((~known).sum()))
        xy = yield from project(vectors, params)
        xy = np.asarray(xy, dtype=np.float32)
        self.catalog.put_projection(model, version, params.method, key, ids, xy)
        return MapResult(ids, xy, params)

    def cached_labelling(self, model: str, method: str = DEFAULT_CLUSTER_METHOD,
                         params: dict | ClusterParams | None = None, *, space: str = "embedding",
                         ids: np.ndarray | None = None) -> Labelling | None:
        """The stored clustering for exactly these parameters and the embedded sounds, or ``None``."""
        from core.maps.clustering import Labelling

        key = {**cluster_params(method, params).as_dict(), "space": space}
        ids = self.vectors(model)[0] if ids is None else ids
        cached = self.catalog.labelling(model, self.model_version(model), method, key)
        if cached is None or len(cached[0]) != len(ids) or not np.array_equal(cached[0], ids):
            return None
        return Labelling(labels=cached[1], scores=cached[2], method=method, params=key)

    def cluster(self, model: str, method: str = DEFAULT_CLUSTER_METHOD, params: dict | ClusterParams | None = None,
                *, space: str = "embedding") -> Job[Labelling]:
        """Cluster labels of the ``model`` embeddings (or of its current map with ``space='map'``).

        Cached under the method's full parameter set (:mod:`core.maps.params`, defaults filled in),
        so the CLI and the GUI find each other's results.
        """
        p = cluster_params(method, params)
        ids, vectors = self._require_vectors(model)
        if (hit := self.cached_labelling(model, method, p, space=space, ids=ids)) is not None:
            return hit
        from core.maps.clustering import cluster

        xy = None
        if space == "map":
            result = yield from self.map(model)
            xy = result.xy
        labelling = yield from cluster(vectors, method, p, xy=xy, space=space)
        self.catalog.put_labelling(
            model, self.model_version(model), method, labelling.params, ids, labelling.labels, labelling.scores,
            space=space,
        )
        return labelling

    def cluster_names(self, ids: np.ndarray, labels: np.ndarray, sounds: list[SoundRow] | None = None
                      ) -> dict[int, str]:
        """Names for the clusters ``labels`` of the sounds ``ids``, from their tags (:mod:`core.maps.naming`)."""
        from core.maps.naming import cluster_names

        tags = {r.id: r.tags for r in (sounds if sounds is not None else self.sounds())}
        return cluster_names(labels, [tags.get(int(i), []) for i in ids])

    def snapshot(self, model: str, projection: ProjectionParams | None = None,
                 method: str = DEFAULT_CLUSTER_METHOD, params: dict | ClusterParams | None = None) -> Job[Snapshot]:
        """Job: read what the catalog holds for ``model`` (sounds, vectors, the cached map and clusters).

        Meant for a worker thread: a view shows the result at once and recomputes only what is missing.
        """
        yield Progress(stage=LOAD, done=0, total=3, message="sounds")
        sounds, failures = self.sounds(), self.failures()
        yield Progress(stage=LOAD, done=1, total=3, message="vectors")
        ids, vectors = self.vectors(model)
        yield Progress(stage=LOAD, done=2, total=3, message="map and clusters")
        snap = Snapshot(model, sounds, failures, ids, vectors)
        if len(ids):
            snap.map = self.cached_map(model, projection, ids)
            if method is not None:
                snap.labelling = self.cached_labelling(model, method, params, ids=ids)
            if snap.labelling is not None:
                snap.names = self.cluster_names(ids, snap.labelling.labels, sounds)
        yield Progress(stage=LOAD, done=3, total=3)
        return snap

    # -- neighbours -------------------------------------------------------------------------
    def neighbor_index(self, model: str):
        """``(ids, NeighborIndex)`` of ``model``'s vectors (built once; exact until :meth:`build_neighbor_index`).

        With the catalog's float16 vector storage the index keeps float16 too (half the memory).
        """
        from core.maps.neighbors import NeighborIndex

        key = (model, self.model_version(model))
        if key not in self._neighbor_cache:
            storage = self.catalog.vector_storage
            ids, vectors = self.catalog.embeddings(model, key[1], dtype=np.float16 if storage == "float16" else np.float32)
            if len(ids) == 0:
                raise RuntimeError(f"no sounds are embedded with '{model}' yet: run embed first")
            self._neighbor_cache[key] = (ids, NeighborIndex(vectors, device=self.device, storage=storage))
        return self._neighbor_cache[key]

    def build_neighbor_index(self, model: str, params: NeighborParams | None = None) -> Job[bool]:
        """Job (for a worker): give ``model``'s neighbour index an approximate (IVF) index when the library
        has more than ``params.ann_above`` sounds; returns whether it did. Queries stay exact meanwhile."""
        params = params or NeighborParams()
        ids, index = self.neighbor_index(model)
        if len(ids) <= params.ann_above or index.has_ann:
            return index.has_ann
        yield from index.build_ann(params)
        return True

    def neighbors(self, model: str, sound_id: int, k: int = 10) -> list[tuple[int, float]]:
        """The ``k`` nearest sounds to ``sound_id`` by cosine distance, nearest first, itself excluded."""
        ids, index = self.neighbor_index(model)
        rows = np.flatnonzero(ids == sound_id)
        if len(rows) == 0:
            raise KeyError(f"sound {sound_id} has no '{model}' embedding")
        idx, dist = index.query_ids(rows, k)
        return [(int(ids[j]), float(d)) for j, d in zip(idx[0], dist[0])]

    def neighbors_of_vector(self, model: str, vector: np.ndarray, k: int = 10) -> list[tuple[int, float]]:
        ids, index = self.neighbor_index(model)
        idx, dist = index.query(np.asarray(vector, dtype=np.float32)[None], k)
        return [(int(ids[j]), float(d)) for j, d in zip(idx[0], dist[0])]

    def embed_file(self, model: str, path: Path) -> np.ndarray:
        """Embed a file outside the library (query by example). Raises ``DecodeError``."""
        from core.audio import decode as audio

        encoder = self.encoder(model)
        wave, _ = audio.load(path, encoder.sample_rate, max_seconds=600)
        return encoder.embed_wave(wave)


def _align(stored_ids: np.ndarray, ids: np.ndarray) -> np.ndarray | None:
    """Row positions in ``stored_ids`` of each of ``ids`` (same set), or ``None`` when the sets differ."""
    if np.array_equal(stored_ids, ids):
        return np.arange(len(ids))
    order = np.argsort(stored_ids, kind="stable")
    pos = np.searchsorted(stored_ids, ids, sorter=order)
    pos = np.clip(pos, 0, len(stored_ids) - 1)
    rows = order[pos]
    return rows if np.array_equal(stored_ids[rows], ids) else None
