"""The Ray engine on a local two-node cluster (one worker CPU each, this machine) against the local engine.

Skips when Ray Data is not installed (``./run.sh test`` installs it from requirements-cluster.lock;
otherwise ``pip install 'sound-explorer[cluster]'``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray", reason="Ray is not installed: the cluster extra (requirements-cluster.lock; "
                          "./run.sh test installs it)")
pytest.importorskip("ray.data", reason="Ray Data is not installed (pip install 'ray[data]')")

from core.catalog import Catalog  # noqa: E402
from core.jobs import run_job  # noqa: E402
from core.library import Library  # noqa: E402
from core.embedding.ray_engine import embed_with_ray, finished_shards  # noqa: E402
from tests.ray_support import two_node_cluster  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # Ray Data's own settings


@pytest.fixture()
def cluster():
    """A head node and a worker node on 127.0.0.1, one CPU each (tests/ray_support.py)."""
    with two_node_cluster() as address:
        yield address


@pytest.mark.timeout(300)
def test_ray_engine_matches_the_local_engine_and_skips_finished_shards(
    fresh_synth: tuple[Path, dict[str, str]], tmp_path: Path, cluster: str
) -> None:
    root, _ = fresh_synth
    (root / "broken.wav").write_bytes(b"RIFF....not audio")
    with Library(Catalog.open(root, tmp_path / "local.sqlite")) as lib:
        run_job(lib.embed("mfcc"))
        local_ids, local = lib.vectors("mfcc")
        local_by_path = {lib.catalog.sound(int(i)).relpath: v for i, v in zip(local_ids, local)}
    shards = tmp_path / "shards"
    with Library(Catalog.open(root, tmp_path / "ray.sqlite")) as lib:
        run_job(lib.scan())
        version = lib.model_version("mfcc")
        report = run_job(embed_with_ray(lib.catalog, "mfcc", version, shard_dir=shards, shard_size=5))
        ids, vectors = lib.vectors("mfcc")
        assert report.embedded == len(ids) == len(local_ids) > 10
        assert len(finished_shards(str(shards), "mfcc", version)) >= 2  # spread over both workers
        for i, v in zip(ids, vectors):
            ref = local_by_path[lib.catalog.sound(int(i)).relpath]
            assert float(v @ ref / (np.linalg.norm(v) * np.linalg.norm(ref))) >= 0.999
        assert lib.catalog.integrity_ok()
    # a rerun on a new catalog embeds nothing: every shard is merged from the shard folder
    with Library(Catalog.open(root, tmp_path / "again.sqlite")) as lib:
        run_job(lib.scan())
        before = {p.name: p.stat().st_mtime_ns for p in shards.iterdir()}
        seen = []
        report = run_job(embed_with_ray(lib.catalog, "mfcc", version, shard_dir=shards, shard_size=5), seen.append)
        assert report.embedded == len(local_ids) and seen[0].total == 0
        assert {p.name: p.stat().st_mtime_ns for p in shards.iterdir()} == before
    # the default model, fused from two encoders, runs its components on Ray and is fitted here:
    # the same vectors as the local engine's
    with Library(Catalog.open(root, tmp_path / "local.sqlite")) as lib:
        run_job(lib.embed("pretrained+mfcc"))
        ids, fused = lib.vectors("pretrained+mfcc")
        local_fused = {lib.catalog.sound(int(i)).relpath: v for i, v in zip(ids, fused)}
    with Library(Catalog.open(root, tmp_path / "fused.sqlite")) as lib:
        report = run_job(lib.embed_on_ray("pretrained+mfcc", address=cluster, shards=str(tmp_path / "s2")))
        ids, fused = lib.vectors("pretrained+mfcc")
        assert report.model == "pretrained+mfcc" and report.embedded == len(ids) == len(local_fused)
        for i, v in zip(ids, fused):
            assert float(v @ local_fused[lib.catalog.sound(int(i)).relpath]) >= 0.999
