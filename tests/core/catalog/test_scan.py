"""The scan job: added/unchanged/changed/moved/removed, failures, resume after cancel."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

import core.catalog.scan as scan_module
from core.catalog import Catalog, ScanReport
from core.catalog.scan import BATCH_FILES, scan
from core.jobs import Progress, run_job


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("SOUND_EXPLORER_HOME", str(home))
    return home


def _scan(cat: Catalog, **kw: object) -> ScanReport:
    return run_job(scan(cat, **kw))  # type: ignore[arg-type]


def _tone(path: Path, seconds: float = 0.3, f0: float = 440.0, sr: int = 8000) -> None:
    t = np.arange(int(seconds * sr)) / sr
    sf.write(path, (0.3 * np.sin(2 * np.pi * f0 * t)).astype(np.float32), sr)


def _embed_all(cat: Catalog) -> None:
    cat.put_embeddings("m", "1", [(s.id, np.full(4, s.id, np.float32), None) for s in cat.sounds()])


def test_first_scan_counts_and_facts(fresh_synth: tuple[Path, dict[str, str]]) -> None:
    root, labels = fresh_synth
    (root / "notes.txt").write_text("not audio, ignored")
    (root / ".hidden.wav").write_bytes(b"ignored")
    (root / ".trash").mkdir()
    shutil.copy(root / "tone" / "tone_000.wav", root / ".trash" / "x.wav")
    progress: list[Progress] = []
    with Catalog.open(root) as cat:
        report = run_job(scan(cat, tagger=lambda rel: rel.split("/")[:-1]), progress.append)
        assert (report.added, report.changed, report.moved, report.removed, report.unchanged) == (len(labels), 0, 0, 0, 0)
        assert report.failed == [] and report.seconds > 0
        assert "16 added" in report.summary()
        rows = cat.sounds()
        assert sorted(r.relpath for r in rows) == sorted(labels)
        for r in rows:
            info = sf.info(str(cat.abspath(r)))
            assert r.sample_rate == info.samplerate and r.channels == info.channels
            assert r.duration == pytest.approx(info.duration)
            assert r.format == info.format and r.bit_depth == 16 and r.error is None
            assert r.hash is not None and len(r.hash) == 32
            assert r.tags == [labels[r.relpath]]
        assert progress[-1].stage == "scan" and progress[-1].done == progress[-1].total == len(labels)


def test_rescan_reads_nothing(fresh_synth: tuple[Path, dict[str, str]], monkeypatch: pytest.MonkeyPatch) -> None:
    root, labels = fresh_synth
    with Catalog.open(root) as cat:
        _scan(cat)
        before = {r.relpath: r for r in cat.sounds()}
        # Replace every file's bytes with zeros, keeping size and mtime: a scan that read anything
        # would now see undecodable files or different hashes.
        for rel in labels:
            p = root / rel
            st = p.stat()
            p.write_bytes(b"\0" * st.st_size)
            os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))
        probed: list[str] = []
        real_probe = scan_module.probe
        monkeypatch.setattr(scan_module, "probe", lambda p: probed.append(str(p)) or real_probe(p))
        report = _scan(cat)
        assert report.unchanged == len(labels)
        assert report.added == report.changed == report.moved == report.removed == 0 and not report.failed
        assert probed == []
        after = {r.relpath: r for r in cat.sounds()}
        assert after == before  # same ids, hashes, seen_at, facts


def test_changed_file_drops_its_embedding_only(fresh_synth: tuple[Path, dict[str, str]]) -> None:
    root, _ = fresh_synth
    with Catalog.open(root) as cat:
        _scan(cat)
        _embed_all(cat)
        target = cat.sound_by_relpath("tone/tone_000.wav")
        _tone(root / "tone" / "tone_000.wav", seconds=0.5)
        report = _scan(cat)
        assert report.changed == 1 and report.unchanged == 15 and report.added == 0
        row = cat.sound(target.id)
        assert row.hash != target.hash and row.duration == pytest.approx(0.5) and row.sample_rate == 8000
        assert [s.id for s in cat.missing_embeddings("m", "1")] == [target.id]
        # touching a file without changing its content keeps everything
        p = root / "noise" / "noise_001.flac"
        os.utime(p, ns=(p.stat().st_atime_ns, p.stat().st_mtime_ns + 5_000_000_000))
        report = _scan(cat)
        assert report.changed == 0 and report.unchanged == 16
        assert [s.id for s in cat.missing_embeddings("m", "1")] == [target.id]


def test_moved_and_removed(fresh_synth: tuple[Path, dict[str, str]]) -> None:
    root, _ = fresh_synth
    with Catalog.open(root) as cat:
        _scan(cat, tagger=lambda rel: [rel.split("/")[0]])
        _embed_all(cat)
        moved = cat.sound_by_relpath("tone/tone_000.wav")
        gone = cat.sound_by_relpath("click/click_001.flac")
        (root / "elsewhere").mkdir()
        (root / "tone" / "tone_000.wav").rename(root / "elsewhere" / "renamed.wav")
        (root / "click" / "click_001.flac").unlink()
        report = _scan(cat, tagger=lambda rel: [rel.split("/")[0]])
        assert (report.moved, report.removed, report.added, report.changed, report.unchanged) == (1, 1, 0, 0, 14)
        row = cat.sound(moved.id)
        assert row.relpath == "elsewhere/renamed.wav" and row.hash == moved.hash and row.tags == ["elsewhere"]
        assert cat.sound_by_relpath("tone/tone_000.wav") is None
        with pytest.raises(KeyError):
            cat.sound(gone.id)
        ids, vecs = cat.embeddings("m", "1")
        assert moved.id in ids.tolist() and gone.id not in ids.tolist()
        assert vecs[ids.tolist().index(moved.id)][0] == moved.id  # the very same embedding
        assert cat._one("SELECT COUNT(*) FROM embeddings")[0] == 15
        assert cat.integrity_ok()


def test_move_over_existing_file_and_duplicates(fresh_synth: tuple[Path, dict[str, str]]) -> None:
    root, _ = fresh_synth
    with Catalog.open(root) as cat:
        shutil.copy(root / "chirp" / "chirp_000.wav", root / "chirp" / "copy.wav")
        _scan(cat)
        _embed_all(cat)
        a, b = cat.sound_by_relpath("tone/tone_001.flac"), cat.sound_by_relpath("tone/tone_002.wav")
        c0, c1 = cat.sound_by_relpath("chirp/chirp_000.wav"), cat.sound_by_relpath("chirp/copy.wav")
        assert c0.hash == c1.hash and c0.id != c1.id
        os.replace(root / "tone" / "tone_001.flac", root / "tone" / "tone_002.wav")  # a overwrites b
        (root / "chirp" / "copy.wav").rename(root / "copy_moved.wav")
        report = _scan(cat)
        assert report.moved == 2 and report.removed == 1 and report.added == 0
        row = cat.sound_by_relpath("tone/tone_002.wav")
        assert row.id == a.id and row.hash == a.hash  # a's row (and embedding) now lives at b's path
        assert cat.sound_by_relpath("copy_moved.wav").id == c1.id  # same-name preference irrelevant: one candidate
        assert cat.sound_by_relpath("chirp/chirp_000.wav").id == c0.id
        with pytest.raises(KeyError):
            cat.sound(b.id)
        assert cat.count() == 16 and cat.embedded_models() == [("m", "1", 16)]


def test_bad_files_are_recorded_and_scan_completes(fresh_synth: tuple[Path, dict[str, str]]) -> None:
    root, labels = fresh_synth
    bad = root / "bad"
    bad.mkdir()
    wav = (root / "tone" / "tone_000.wav").read_bytes()
    flac = (root / "tone" / "tone_001.flac").read_bytes()
    (bad / "empty.wav").write_bytes(b"")
    (bad / "text.wav").write_text("hello, I am a text file\n" * 20)
    (bad / "header_only.wav").write_bytes(wav[:30])
    (bad / "half.flac").write_bytes(flac[: len(flac) // 2])  # header intact: probed fine, fails on decode
    (bad / "cut.flac").write_bytes(flac[:40])
    (bad / "random.mp3").write_bytes(np.random.default_rng(0).bytes(4000))
    (bad / "flac_named.wav").write_bytes(flac)  # wrong extension but real audio: fine
    (bad / "readme.pdf").write_bytes(b"%PDF ignored, not an audio extension")
    with Catalog.open(root) as cat:
        report = _scan(cat)
        failed = dict(report.failed)
        assert set(failed) == {"bad/empty.wav", "bad/text.wav", "bad/header_only.wav", "bad/cut.flac", "bad/random.mp3"}
        assert failed["bad/empty.wav"].startswith("empty:")
        for rel in ("bad/text.wav", "bad/header_only.wav", "bad/cut.flac", "bad/random.mp3"):
            assert failed[rel].startswith("corrupt: cannot decode ("), failed[rel]
        assert all("\n" not in msg for msg in failed.values())
        assert dict(cat.failures()) == failed
        assert report.added == len(labels) + 7
        assert cat.count() == len(labels) + 2 and cat.sound_by_relpath("bad/flac_named.wav").format == "FLAC"
        assert all(s.relpath not in failed for s in cat.missing_embeddings("m", "1"))
        # failures are not re-read when unchanged; fixing a file clears its error
        _tone(bad / "text.wav")
        report = _scan(cat)
        assert report.changed == 1 and report.unchanged == len(labels) + 6 and not report.failed
        assert "bad/text.wav" not in dict(cat.failures()) and cat.sound_by_relpath("bad/text.wav").ok


def test_file_deleted_between_listing_and_reading(fresh_synth: tuple[Path, dict[str, str]]) -> None:
    root, labels = fresh_synth
    with Catalog.open(root) as cat:
        _scan(cat)
        _tone(root / "new.wav")
        _tone(root / "tone" / "tone_000.wav", seconds=0.7)  # changed...
        job = scan(cat)
        first = next(job)  # the listing is done, nothing read yet
        assert first.total == len(labels) + 1
        (root / "new.wav").unlink()
        (root / "tone" / "tone_000.wav").unlink()  # ...then deleted before being read
        report = run_job(job)
        assert report.added == 0 and report.changed == 0 and report.removed == 1 and not report.failed
        assert cat.count(include_failed=True) == len(labels) - 1
        assert cat.sound_by_relpath("new.wav") is None and cat.sound_by_relpath("tone/tone_000.wav") is None


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads everything")
def test_unreadable_file_is_retried(fresh_synth: tuple[Path, dict[str, str]]) -> None:
    root, labels = fresh_synth
    p = root / "tone" / "tone_000.wav"
    p.chmod(0)
    try:
        with Catalog.open(root) as cat:
            report = _scan(cat)
            assert report.failed == [("tone/tone_000.wav", "unreadable: permission denied")]
            p.chmod(0o644)
            report = _scan(cat)
            assert report.changed == 1 and cat.sound_by_relpath("tone/tone_000.wav").ok
    finally:
        p.chmod(0o644)


def test_symlinks(tmp_path: Path) -> None:
    root, outside = tmp_path / "lib", tmp_path / "outside"
    root.mkdir()
    outside.mkdir()
    _tone(root / "a.wav")
    _tone(outside / "b.wav", f0=300)
    (root / "linked_dir").symlink_to(outside, target_is_directory=True)
    (root / "loop").symlink_to(root, target_is_directory=True)
    (root / "dangling.wav").symlink_to(tmp_path / "nowhere.wav")
    with Catalog.open(root) as cat:
        _scan(cat)
        assert [s.relpath for s in cat.sounds()] == ["a.wav"]
        _scan(cat, follow_symlinks=True)
        assert sorted(s.relpath for s in cat.sounds()) == ["a.wav", "linked_dir/b.wav"]


def test_bad_root_raises_readable_errors(tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "missing") as cat, pytest.raises(FileNotFoundError, match="does not exist"):
        _scan(cat)
    f = tmp_path / "file.wav"
    f.write_bytes(b"x")
    with Catalog.open(f) as cat, pytest.raises(NotADirectoryError, match="not a folder"):
        _scan(cat)


def test_cancel_then_resume(tmp_path: Path) -> None:
    root = tmp_path / "many"
    root.mkdir()
    n = BATCH_FILES * 2 + 30
    for i in range(n):
        _tone(root / f"s{i:04d}.wav", seconds=0.02, f0=200 + i)
    with Catalog.open(root) as cat:
        job = scan(cat)
        p = next(job)
        while p.done == 0:
            p = next(job)
        job.close()  # cancelled right after the first committed batch
        committed = cat.count()
        assert 0 < committed < n and p.done == committed
        report = _scan(cat)
        assert report.unchanged == committed and report.added == n - committed
        assert cat.count() == n and cat.integrity_ok()
