"""kill -9 at random moments during scans and during embedding writes: the catalog survives.

A worker process (``_catalog_kill_worker.py``) scans a ~300-file folder, printing each committed
batch, then writes embeddings in many small transactions until it is SIGKILLed. Between kills
the folder is changed (files moved, rewritten, touched) so that every worker has a real scan to
do. After each kill: integrity check, the committed progress is still there, a rescan completes,
every file is catalogued exactly once, moved files kept their ids, no embedding is duplicated or torn.
"""

from __future__ import annotations

import os
import random
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from core.catalog import Catalog
from core.catalog.scan import scan
from core.jobs import run_job

REPO = Path(__file__).resolve().parents[3]
N_FILES = 300


def _write(path: Path, f0: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    t = np.arange(160) / 8000
    sf.write(path, (0.2 * np.sin(2 * np.pi * f0 * t)).astype(np.float32), 8000)


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*.wav")}


def _mutate(root: Path, rng: random.Random, trial: int) -> dict[str, str]:
    """Move 20 files, rewrite 5, touch all. Returns {new relpath: old relpath} of the moves."""
    rels = sorted(_files(root))
    moves = {}
    for old in rng.sample(rels, 20):
        new = f"moved{trial}/{old.replace('/', '_')}"
        (root / new).parent.mkdir(exist_ok=True)
        (root / old).rename(root / new)
        moves[new] = old
    for rel in rng.sample(sorted(_files(root) - set(moves)), 5):
        _write(root / rel, rng.uniform(1000, 2000))
    later = time.time_ns() + 10**9 * (trial + 1)
    for rel in _files(root):
        os.utime(root / rel, ns=(later, later))
    return moves


def _wait_for(proc: subprocess.Popen[str], accept: Callable[[str], bool], timeout: float) -> str:
    """Read the worker's lines (on a thread: no buffering surprises) until ``accept(line)``."""
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line.strip())
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    said: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.2)
        except queue.Empty:
            continue
        if line is None:
            break
        said.append(line)
        if accept(line):
            return line
    raise AssertionError(f"worker never got there; said {said}, rc={proc.poll()}")


def _committed_scan_progress(line: str) -> int:
    return int(line.split()[1].split("/")[0]) if line.startswith("scan ") else -1


def _check(root: Path, db: Path, ids_before: dict[str, int], moves: dict[str, str]) -> dict[str, int]:
    with Catalog.open(root, db) as cat:
        assert cat.integrity_ok()
        run_job(scan(cat))
        rows = cat.sounds(include_failed=True)
        assert sorted(r.relpath for r in rows) == sorted(_files(root))  # every sound exactly once
        assert all(r.ok and r.hash for r in rows)
        ids = {r.relpath: r.id for r in rows}
        for new, old in moves.items():
            assert ids[new] == ids_before[old], f"{old} -> {new} lost its id"
        dup = cat._all("SELECT sound_id, model, model_version FROM embeddings "
                       "GROUP BY sound_id, model, model_version HAVING COUNT(*) > 1")
        assert dup == []
        for version in ("0", "1"):
            e_ids, vecs = cat.embeddings("m", version)
            assert len(set(e_ids.tolist())) == len(e_ids) and set(e_ids.tolist()) <= set(ids.values())
            if len(e_ids):  # every vector still holds its own sound id: nothing torn or misattributed
                np.testing.assert_array_equal(vecs, np.repeat(e_ids[:, None].astype(np.float32), vecs.shape[1], 1))
                p = cat.patch_embeddings("m", version, int(e_ids[-1]))
                assert p is None or (p == e_ids[-1]).all()
        return ids


@pytest.mark.skipif(sys.platform == "win32", reason="needs SIGKILL")
@pytest.mark.timeout(120)
def test_kill_9_at_random_moments(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOUND_EXPLORER_HOME", str(tmp_path / "home"))
    root, db = tmp_path / "lib", tmp_path / "cat.sqlite"
    for i in range(N_FILES):
        _write(root / f"d{i % 7}/s{i:04d}.wav", 100 + 3 * i)
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    # (moment to wait for, extra random delay): mid-scan twice, then during embedding writes
    plan = [("scan", rng.uniform(0, 0.02)), ("scan", rng.uniform(0, 0.05)),
            ("scanned", rng.uniform(0.0, 0.4)), ("scanned", rng.uniform(0.2, 1.0))]
    ids: dict[str, int] = {}
    log = []
    for trial, (moment, delay) in enumerate(plan):
        moves = _mutate(root, rng, trial) if trial else {}
        proc = subprocess.Popen(
            [sys.executable, "-m", "tests.core.catalog._kill_worker", str(root), str(db), str(seed + trial)],
            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            if moment == "scan":  # right after a committed batch (progress with work done)
                seen = _wait_for(proc, lambda s: _committed_scan_progress(s) > 0, 60)
            else:
                seen = _wait_for(proc, lambda s: s == "scanned", 60)
            time.sleep(delay)
            assert proc.poll() is None, "the worker died on its own"
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.kill()
            proc.wait()
        log.append((trial, seen, round(delay, 3)))
        try:
            if trial == 0:  # the batches the worker reported as committed survived the kill
                with Catalog.open(root, db) as cat:
                    assert cat.count(include_failed=True) >= _committed_scan_progress(seen)
            ids = _check(root, db, ids, moves)
        except AssertionError as exc:
            raise AssertionError(f"seed={seed} log={log}: {exc}") from exc
    print(f"seed={seed} log={log}")
