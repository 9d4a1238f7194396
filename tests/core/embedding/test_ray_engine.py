"""The Ray engine on a local two-worker cluster (127.0.0.1) against the local engine.

Skips when Ray Data is not installed (``pip install 'sound-explorer[cluster]'``).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

ray = pytest.importorskip("ray")
pytest.importorskip("ray.data")

from core.catalog import Catalog  # noqa: E402
from core.jobs import run_job  # noqa: E402
from core.library import Library  # noqa: E402
from core.embedding.ray_engine import embed_with_ray, finished_shards  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("the local Ray head exited")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    pytest.fail("the local Ray head did not start")


@pytest.fixture()
def cluster():
    """A head node and one more worker node on 127.0.0.1, one CPU each; stopped by their process ids."""
    port = _free_port()
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # Ray's socket paths must stay under 107 bytes
    env = {**os.environ, "RAY_USAGE_STATS_ENABLED": "0", "PYTHONPATH": os.pathsep.join(sys.path)}
    common = ["--num-cpus", "1", "--block", "--disable-usage-stats", "--node-ip-address", "127.0.0.1"]
    ray_cli = [sys.executable, "-m", "ray.scripts.scripts", "start"]
    head = subprocess.Popen([*ray_cli, "--head", "--port", str(port), "--include-dashboard", "false",
                             "--temp-dir", temp, *common], env=env)
    procs = [head]
    try:
        address = f"127.0.0.1:{port}"
        _wait_port(port, head)
        procs.append(subprocess.Popen([*ray_cli, "--address", address, *common], env=env))
        ray.init(address=address, logging_level="ERROR", _node_ip_address="127.0.0.1")
        deadline = time.monotonic() + 120
        while ray.cluster_resources().get("CPU", 0) < 2 and time.monotonic() < deadline:
            time.sleep(1)
        assert ray.cluster_resources().get("CPU", 0) >= 2, ray.cluster_resources()
        yield address
    finally:
        if ray.is_initialized():
            ray.shutdown()
        for p in reversed(procs):
            p.terminate()
        for p in reversed(procs):
            try:
                p.wait(timeout=60)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(temp, ignore_errors=True)


@pytest.mark.timeout(900)
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
    shutil.rmtree(shards)
