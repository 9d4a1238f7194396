"""Ray on this machine, for the tests of the Ray engine: a private environment and a two-node cluster.

Both keep Ray's files in a short private folder (Ray's socket paths must stay under 107 bytes) that is
removed afterwards, turn usage statistics and token authentication off, and put this checkout first on the workers' ``PYTHONPATH``
so that they import the ``core`` under test. Every process started here is stopped by its process group.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
IP = "127.0.0.1"


@contextmanager
def private_ray_env() -> Iterator[str]:
    """Set the environment a local Ray (``ray.init()``) or ``ray start`` inherits; yields Ray's temp folder."""
    temp = tempfile.mkdtemp(prefix="ray", dir="/tmp")
    old = {k: os.environ.get(k) for k in ("RAY_TMPDIR", "RAY_USAGE_STATS_ENABLED", "RAY_AUTH_MODE", "PYTHONPATH")}
    path = [str(REPO), *(p for p in (old["PYTHONPATH"] or "").split(os.pathsep) if p)]
    # RAY_AUTH_MODE: no token file (~/.ray/auth_token) is made or needed for a cluster on 127.0.0.1
    os.environ.update(RAY_TMPDIR=temp, RAY_USAGE_STATS_ENABLED="0", RAY_AUTH_MODE="disabled",
                      PYTHONPATH=os.pathsep.join(path))
    try:
        yield temp
    finally:
        for k, v in old.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
        shutil.rmtree(temp, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((IP, 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex((IP, port)) == 0


def _stop(procs: list[subprocess.Popen], grace: float = 5.0) -> None:
    """SIGTERM each process group, then SIGKILL what is left after ``grace`` seconds (a graceful
    ``ray start --block`` shutdown takes ~30 s on this machine; the cluster's files are thrown away)."""
    def alive(p: subprocess.Popen) -> bool:
        p.poll()  # reap the leader, or the group looks alive through its zombie
        try:
            os.killpg(p.pid, 0)
            return True
        except ProcessLookupError:
            return False

    for sig in (signal.SIGTERM, signal.SIGKILL):
        for p in procs:
            if alive(p):
                os.killpg(p.pid, sig)
        deadline = time.monotonic() + grace
        while any(alive(p) for p in procs) and time.monotonic() < deadline:
            time.sleep(0.1)
    for p in procs:
        p.wait(timeout=10)


@contextmanager
def two_node_cluster(cpus_each: int = 1, timeout: float = 120.0) -> Iterator[str]:
    """A head node and a worker node on this machine (``ray start``), this process connected as the driver
    through 127.0.0.1; yields that address. (Ray registers the nodes under the machine's own IP: it replaces
    a loopback ``--node-ip-address`` with it.) Ray's own logs are in the temp folder while it runs."""
    import ray

    with private_ray_env() as temp:
        port = _free_port()
        address = f"{IP}:{port}"
        common = ["--num-cpus", str(cpus_each), "--block", "--disable-usage-stats"]
        start = [sys.executable, "-m", "ray.scripts.scripts", "start"]
        log = open(Path(temp) / "ray-start.log", "wb")  # noqa: SIM115 - closed below
        procs: list[subprocess.Popen] = []

        def launch(*args: str) -> None:
            procs.append(subprocess.Popen([*start, *args, *common], stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True))

        try:
            launch("--head", "--port", str(port), "--include-dashboard", "false", "--temp-dir", temp)
            deadline = time.monotonic() + timeout
            while not _listening(port):
                if procs[0].poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the local Ray head did not start: " + (Path(temp) / "ray-start.log").read_text()[-2000:])
                time.sleep(0.2)
            launch("--address", address)
            ray.init(address=address, logging_level="ERROR")
            while ray.cluster_resources().get("CPU", 0) < 2 * cpus_each and time.monotonic() < deadline:
                time.sleep(0.2)
            assert ray.cluster_resources().get("CPU", 0) >= 2 * cpus_each, ray.cluster_resources()
            yield address
        finally:
            if ray.is_initialized():
                ray.shutdown()
            _stop(procs)
            log.close()
