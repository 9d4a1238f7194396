"""Bad input, caching, and kill -9 in the middle of an embed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from core.library import Library
from core.jobs import run_job
from tests.synth import write_collection

ROOT = Path(__file__).resolve().parents[3]


def test_bad_files_are_reported_and_nothing_crashes(fresh_synth, home: Path) -> None:
    root, labels = fresh_synth
    (root / "bad").mkdir()
    (root / "bad" / "empty.wav").write_bytes(b"")
    (root / "bad" / "garbage.mp3").write_bytes(os.urandom(3000))
    sf.write(root / "bad" / "header_only.wav", np.zeros((0, 2), np.float32), 44100)
    (root / "bad" / "readme.txt").write_text("not audio")  # ignored: not an audio extension
    sf.write(root / "bad" / "odd_rate_6ch.wav", np.random.default_rng(0).uniform(-0.3, 0.3, (7000, 6)).astype(np.float32), 7350)
    with Library.open(root) as lib:
        report = run_job(lib.embed("mfcc"))
        failed = dict(lib.failures())
    assert set(failed) == {"bad/empty.wav", "bad/garbage.mp3", "bad/header_only.wav"}
    assert failed["bad/empty.wav"].startswith("empty:")
    assert failed["bad/garbage.mp3"].startswith("corrupt:")
    assert report.embedded == len(labels) + 1  # the odd 6-channel 7350 Hz file is fine


def test_second_embed_on_unchanged_folder_decodes_nothing(fresh_synth, home: Path) -> None:
    root, labels = fresh_synth
    with Library.open(root) as lib:
        first = run_job(lib.embed("mfcc"))
        assert first.embedded == len(labels)
    # Replace every file's bytes with garbage while keeping size and mtime: if anything were
    # decoded (or even hashed and probed) again, it would now fail.
    for rel in labels:
        p = root / rel
        st = p.stat()
        p.write_bytes(os.urandom(st.st_size))
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
    with Library.open(root) as lib:
        second = run_job(lib.embed("mfcc"))
        assert second.embedded == 0 and second.cached == len(labels)
        assert not second.failed and not lib.failures()
        assert len(lib.vectors("mfcc")[0]) == len(labels)


def _embed_cmd(root: Path, db: Path) -> list[str]:
    return [sys.executable, "-m", "core.cli", "embed", str(root), "--model", "mfcc", "--catalog", str(db), "-q", "--batch-size", "4"]


def _count(db: Path, table: str) -> int:
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        finally:
            con.close()
    except sqlite3.Error:
        return 0


def test_kill_during_embed_then_resume(tmp_path: Path, home: Path) -> None:
    root = tmp_path / "lib"
    labels = write_collection(root, per_class=30, seed=5)  # 120 files
    db = tmp_path / "cat.sqlite"
    env = {**os.environ, "SOUND_EXPLORER_HOME": str(home), "PYTHONPATH": str(ROOT)}
    seen_partial = []
    for target in (10, 50):  # kill once some (then more) embeddings are committed
        proc = subprocess.Popen(_embed_cmd(root, db), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 180
        while proc.poll() is None and time.monotonic() < deadline and _count(db, "embeddings") < target:
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        n = _count(db, "embeddings")
        seen_partial.append(n)
        con = sqlite3.connect(db)
        assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        con.close()
    assert 0 < seen_partial[0] < len(labels), seen_partial  # the kill really hit a running embed
    assert seen_partial[1] >= seen_partial[0]  # the second run resumed, it did not start over
    r = subprocess.run(_embed_cmd(root, db), cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert f"embedded {len(labels) - seen_partial[1]} sounds" in r.stdout  # only the rest was done
    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = con.execute("SELECT relpath FROM sounds").fetchall()
    assert sorted(r[0] for r in rows) == sorted(labels)  # every sound exactly once
    per_sound = con.execute("SELECT sound_id, COUNT(*) FROM embeddings GROUP BY sound_id").fetchall()
    assert len(per_sound) == len(labels) and all(c == 1 for _, c in per_sound)
    con.close()


def test_long_file_is_embedded_block_by_block(tmp_path: Path, home: Path) -> None:
    """A long recording goes through the bounded-memory block path and still gets one vector."""
    from core.embedding.job import embed_sounds
    from core.encoders import builtin_registry

    root = tmp_path / "lib"
    root.mkdir()
    sr = 22050
    rng = np.random.default_rng(0)
    with sf.SoundFile(root / "ambience.flac", "w", sr, 2, "PCM_16") as f:
        for _ in range(20):  # 200 s of noise written in pieces
            f.write(rng.uniform(-0.2, 0.2, (sr * 10, 2)).astype(np.float32))
    sf.write(root / "short.wav", rng.uniform(-0.2, 0.2, sr).astype(np.float32), sr)
    enc = builtin_registry().get("mfcc", "cpu")
    with Library.open(root) as lib:
        run_job(lib.scan())
        report = run_job(embed_sounds(lib.catalog, enc, block_seconds=30.0, keep_patches=True))
        assert report.embedded == 2 and not report.failed
        long_id = lib.catalog.sound_by_relpath("ambience.flac").id
        patches = lib.catalog.patch_embeddings("mfcc", enc.version, long_id)
    # 200 s in ~2.2 s patches with a ~1.1 s hop, plus the seams between 30 s blocks
    assert patches is not None and 170 <= patches.shape[0] <= 215


def test_file_deleted_between_scan_and_embed(fresh_synth, home: Path) -> None:
    root, labels = fresh_synth
    with Library.open(root) as lib:
        run_job(lib.scan())
        victim = sorted(labels)[0]
        (root / victim).unlink()
        from core.embedding.job import embed_sounds

        report = run_job(embed_sounds(lib.catalog, lib.encoder("mfcc")))
        assert report.embedded == len(labels) - 1
        assert [rel for rel, _ in report.failed] == [victim]
        assert dict(lib.failures())[victim].startswith("unreadable: the file no longer exists")
        # the next embed rescans first: the vanished file is dropped, nothing fails any more
        run_job(lib.embed("mfcc"))
        assert victim not in dict(lib.failures())
        assert len(lib.vectors("mfcc")[0]) == len(labels) - 1


def test_cached_rerun_never_imports_torch(fresh_synth, home: Path) -> None:
    """A second embed on an unchanged folder is a directory walk and a few reads: no model, no torch."""
    root, _ = fresh_synth
    env = {**os.environ, "SOUND_EXPLORER_HOME": str(home), "PYTHONPATH": str(ROOT)}
    code = (
        "import sys\nfrom core.cli.main import main\n"
        f"rc = main(['embed', {str(root)!r}, '--model', 'mfcc', '-q'])\n"
        "print('RC', rc, 'TORCH', 'torch' in sys.modules)\n"
    )
    first = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert "RC 0 TORCH True" in first.stdout, first.stderr[-2000:]
    again = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert "RC 0 TORCH False" in again.stdout, again.stderr[-2000:]
