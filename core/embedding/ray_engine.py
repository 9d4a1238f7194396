"""The Ray engine: embed a library on a Ray cluster, merge the results into the local catalog.

``sound-explorer embed DIR --engine ray [--address ADDR] [--shards DIR_OR_URI]`` (optional extra:
``pip install 'sound-explorer[cluster]'``; see ``docs/ray.md``). The catalog, the map and the GUI stay on
the user's machine; only the embedding runs on the cluster:

1. The missing sounds (scan first) are sorted by content hash and cut into shards of ``shard_size``
   files. A shard's name is a hash of the model, its version and its files' content hashes.
2. Ray Data maps the shards over the workers (``concurrency`` actors, one CPU each). Each worker
   builds the encoder once and decodes and embeds its files with the same code as the local
   engine (:func:`core.embedding.job.embed_files`), then writes one Parquet file per shard
   (``hash``, ``vector``, ``error``) to the shard folder, atomically (a temporary name, then a rename).
3. The driver merges every finished shard of this model into the catalog in one transaction
   (a sound takes the vector of its content hash; files that failed are recorded as failures).

A rerun first merges the shards already written (say, by a run that was interrupted), so finished
shards are never embedded again. The sound files and the shard folder must be reachable by every
worker at the same path or URI (a shared folder, or a bucket for the shards: ``s3://…``).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.embedding.report import EmbedReport
from core.jobs import EMBED, Job, Progress

SHARD_SIZE = 256
MISSING = "the ray engine needs Ray Data: pip install 'sound-explorer[cluster]' (or: pip install 'ray[data]')"


def ray_installed() -> bool:
    """Whether Ray can be imported here (asked without importing it)."""
    return importlib.util.find_spec("ray") is not None


def ray_models() -> list[str]:
    """The models that can be embedded on Ray: the built-in encoders a worker builds (a trained model
    lives in one library), and the library-fitted ``pretrained+mfcc``, whose two components are
    embedded on Ray and fused on this machine (:func:`ray_parts`)."""
    from core.encoders.fusion import ADAPTIVE_MODEL
    from core.encoders.registry import builtin_registry

    return [*builtin_registry().names(), ADAPTIVE_MODEL]


def ray_parts(model: str) -> list[str]:
    """The built-in models a Ray run of ``model`` embeds (the components of a fused model)."""
    from core.encoders.fusion import ADAPTIVE_MODEL, COMPONENTS

    return list(COMPONENTS) if model == ADAPTIVE_MODEL else [model]


def default_shard_dir(catalog: Any) -> str:
    """Where a run's result shards go unless told otherwise: next to the catalog (suits a local cluster)."""
    return f"{catalog.path}.shards"


def _fs(uri: str) -> tuple[Any, str]:
    import pyarrow.fs

    if "://" not in uri:
        uri = str(Path(uri).expanduser().resolve())
        Path(uri).mkdir(parents=True, exist_ok=True)
    return pyarrow.fs.FileSystem.from_uri(uri)


def shard_prefix(model: str, version: str) -> str:
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{model}@{version}")
    return f"{safe}-"


def shard_name(model: str, version: str, hashes: Sequence[str]) -> str:
    h = hashlib.blake2b(digest_size=12)
    for part in (model, version, *hashes):
        h.update(part.encode() + b"\0")
    return f"{shard_prefix(model, version)}{h.hexdigest()}.parquet"


def plan_shards(files: Sequence[tuple[str, str, float | None]], model: str, version: str,
                shard_size: int) -> list[dict[str, Any]]:
    """Shards of ``(content hash, absolute path, duration)`` files (one per hash), by content hash."""
    unique: dict[str, tuple[str, str, float | None]] = {}
    for f in files:
        unique.setdefault(f[0], f)
    ordered = [unique[h] for h in sorted(unique)]
    shards = []
    for s in range(0, len(ordered), shard_size):
        part = ordered[s : s + shard_size]
        hashes = [h for h, _, _ in part]
        shards.append({"name": shard_name(model, version, hashes), "hashes": hashes,
                       "paths": [p for _, p, _ in part], "durations": [d or 0.0 for _, _, d in part]})
    return shards


class ShardEmbedder:
    """A Ray Data actor: builds the encoder once, then embeds whole shards and writes their Parquet files."""

    def __init__(self, model: str, shard_dir: str, block_seconds: float = 120.0, threads: int = 1) -> None:
        import torch

        from core.encoders import builtin_registry

        torch.set_num_threads(threads)
        self.encoder = builtin_registry().get(model, "cpu")
        self.shard_dir = shard_dir
        self.block_seconds = block_seconds

    def __call__(self, shard: dict[str, Any]) -> dict[str, Any]:
        from core.embedding.job import embed_files

        items = [(Path(p), d or None) for p, d in zip(shard["paths"], shard["durations"])]
        results = embed_files(self.encoder, items, self.block_seconds)
        write_shard(self.shard_dir, shard["name"], list(shard["hashes"]), results)
        return {"name": shard["name"], "files": len(items), "failed": sum(e is not None for _, e in results)}


def write_shard(shard_dir: str, name: str, hashes: list[str],
                results: Sequence[tuple[np.ndarray | None, str | None]]) -> None:
    """One shard's Parquet file (``hash``, ``vector`` list<float32> or null, ``error``), written atomically."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fs, base = _fs(shard_dir)
    vectors = [None if v is None else np.asarray(v, np.float32).tolist() for v, _ in results]
    table = pa.table({"hash": hashes, "vector": pa.array(vectors, pa.list_(pa.float32())),
                      "error": [e for _, e in results]})
    tmp = f"{base}/.{name}.{os.getpid()}.tmp"
    pq.write_table(table, tmp, filesystem=fs)
    fs.move(tmp, f"{base}/{name}")


def finished_shards(shard_dir: str, model: str, version: str) -> list[str]:
    import pyarrow.fs

    fs, base = _fs(shard_dir)
    infos = fs.get_file_info(pyarrow.fs.FileSelector(base, allow_not_found=True))
    prefix = shard_prefix(model, version)
    return sorted(i.base_name for i in infos if i.base_name.startswith(prefix) and i.base_name.endswith(".parquet"))


def merge_shards(catalog: Any, model: str, version: str, shard_dir: str, names: Sequence[str],
                 report: EmbedReport) -> int:
    """Merge shards into the catalog in ONE transaction; returns the sounds given a vector."""
    import pyarrow.parquet as pq

    fs, base = _fs(shard_dir)
    missing = catalog.missing_embeddings(model, version)
    by_hash: dict[str, list[Any]] = {}
    for r in missing:
        by_hash.setdefault(r.hash, []).append(r)
    written = 0
    with catalog.transaction():
        for name in names:
            t = pq.read_table(f"{base}/{name}", filesystem=fs).to_pydict()
            items = []
            for h, vec, err in zip(t["hash"], t["vector"], t["error"]):
                for row in by_hash.pop(h, []):
                    if err is not None or vec is None or not np.isfinite(vec).all():
                        catalog.record_error(row.id, err or "embedding: non-finite vector")
                        report.failed.append((row.relpath, err or "embedding: non-finite vector"))
                    else:
                        items.append((row.id, np.asarray(vec, np.float32), None))
            written += catalog.put_embeddings(model, version, items) if items else 0
    return written


def embed_with_ray(
    catalog: Any, model: str, version: str, *, address: str | None = None, shard_dir: str | Path,
    shard_size: int = SHARD_SIZE, workers: int | None = None,
) -> Job[EmbedReport]:
    """Job: embed the missing sounds of ``catalog`` with the built-in ``model`` on a Ray cluster.

    ``address``: the cluster (``None`` starts a local one, as ``ray.init()`` does). ``workers``: actors
    (default: the cluster's CPUs). Yields ``Progress(stage='embed <model> on Ray', done=files)`` per finished shard.
    """
    try:
        import ray
    except ImportError:
        raise RuntimeError(MISSING) from None
    start = time.monotonic()
    shard_dir = str(shard_dir)
    report = EmbedReport(model, version)
    report.embedded += merge_shards(catalog, model, version, shard_dir, finished_shards(shard_dir, model, version),
                                    report)
    todo = catalog.missing_embeddings(model, version)
    report.cached = catalog.count() - len(todo) - report.embedded
    files = [(r.hash, str(catalog.abspath(r)), r.duration) for r in todo if r.hash]
    shards = plan_shards(files, model, version, shard_size)
    progress = Progress(stage=f"{EMBED} {model} on Ray", done=0, total=len(todo), message=f"{len(shards)} shards")
    yield progress
    if shards:
        started = not ray.is_initialized()
        if started:
            ray.init(address=address, logging_level="ERROR", include_dashboard=False)
        try:
            n_workers = workers or max(1, int(ray.cluster_resources().get("CPU", 1)))
            ds = ray.data.from_items(shards, override_num_blocks=len(shards))
            out = ds.map(ShardEmbedder, fn_constructor_kwargs={"model": model, "shard_dir": shard_dir},
                         concurrency=min(n_workers, len(shards)), num_cpus=1)
            for row in out.iter_rows():
                progress.done += int(row["files"])
                progress.message = row["name"]
                yield progress
        finally:
            if started:
                ray.shutdown()
    names = {s["name"] for s in shards}
    report.embedded += merge_shards(catalog, model, version, shard_dir,
                                    [n for n in finished_shards(shard_dir, model, version) if n in names], report)
    report.seconds = time.monotonic() - start
    return report
