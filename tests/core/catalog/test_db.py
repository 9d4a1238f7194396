"""Catalog: paths, schema/migrations, sounds, embeddings, projections, labellings, models."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import numpy as np
import pytest

from core import paths
from core.catalog import Catalog, SoundRow
from core.catalog.schema import LATEST_VERSION, MIGRATIONS, SchemaTooNew, migrate, schema_version


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    monkeypatch.setenv("SOUND_EXPLORER_HOME", str(home))
    return home


def _add_sounds(cat: Catalog, n: int, failed: tuple[int, ...] = ()) -> list[int]:
    """Insert ``n`` fake rows (sound i is 'd/s{i}.wav'); rows listed in ``failed`` get an error."""
    with cat.transaction() as c:
        c.executemany(
            "INSERT INTO sounds(relpath, size, mtime_ns, hash, duration, sample_rate, channels, format, error, seen_at) "
            "VALUES (?, 10, 1, ?, 1.0, 22050, 1, 'WAV', ?, 0)",
            [(f"d/s{i}.wav", f"h{i}", "corrupt: cannot decode (x)" if i in failed else None) for i in range(n)])
    return [r[0] for r in cat._all("SELECT id FROM sounds ORDER BY id")]


# ---------------------------------------------------------------- paths
def test_paths_follow_home_env(_home: Path) -> None:
    assert paths.data_dir() == _home / "data"
    assert paths.cache_dir() == _home / "cache"
    assert paths.log_dir() == _home / "logs"
    assert paths.config_dir() == _home / "config"


def test_paths_without_env_use_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOUND_EXPLORER_HOME", "")
    assert "sound-explorer" in str(paths.data_dir())
    assert paths.cache_dir() != paths.data_dir()


def test_default_catalog_path_outside_root_and_unique(tmp_path: Path, _home: Path) -> None:
    a, b = tmp_path / "My Sounds!", tmp_path / "other" / "My Sounds!"
    pa, pb = paths.default_catalog_path(a), paths.default_catalog_path(b)
    assert pa.parent == _home / "data" / "libraries"
    assert pa != pb and pa.name.startswith("My_Sounds-") and pa.suffix == ".sqlite"
    assert paths.default_catalog_path(a / ".." / "My Sounds!") == pa  # resolved
    assert a.resolve() not in pa.parents


# ---------------------------------------------------------------- schema / migrations
def test_fresh_catalog_is_latest_and_reopen_is_noop(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    root.mkdir()
    with Catalog.open(root) as cat:
        path = cat.path
        assert path.exists() and root not in path.parents
        assert schema_version(cat._conn) == LATEST_VERSION
        assert cat._one("PRAGMA journal_mode")[0] == "wal"
        assert cat._one("PRAGMA foreign_keys")[0] == 1
        assert cat.meta("root") == str(root.resolve())
        created = cat.meta("created")
        _add_sounds(cat, 3)
    with Catalog.open(root) as cat:
        assert cat.path == path
        assert cat.meta("created") == created
        assert migrate(cat._conn) == []
        assert cat.count() == 3


def test_older_version_migrates_and_failed_migration_rolls_back(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    with Catalog.open(tmp_path, db) as cat:
        _add_sounds(cat, 2)

    def v2(conn: sqlite3.Connection) -> None:
        conn.execute("ALTER TABLE sounds ADD COLUMN rating INTEGER NOT NULL DEFAULT 3")

    def v3_broken(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE extra(x)")
        raise RuntimeError("boom")

    conn = sqlite3.connect(db, isolation_level=None)
    try:
        with pytest.raises(RuntimeError):
            migrate(conn, (*MIGRATIONS, v2, v3_broken))
        # v2 committed, v3 rolled back entirely
        assert schema_version(conn) == LATEST_VERSION + 1
        assert [r[0] for r in conn.execute("SELECT rating FROM sounds")] == [3, 3]
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'extra'").fetchone() is None
    finally:
        conn.close()
    # this app only knows LATEST_VERSION: a newer catalog is refused with a clear message
    with pytest.raises(SchemaTooNew, match="newer|update"):
        Catalog.open(tmp_path, db)


def test_empty_v0_file_and_garbage_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite"
    sqlite3.connect(empty).close()
    with Catalog.open(tmp_path, empty) as cat:
        assert schema_version(cat._conn) == LATEST_VERSION
    junk = tmp_path / "junk.sqlite"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ValueError, match="not a usable"):
        Catalog.open(tmp_path, junk)


def test_catalog_of_other_root_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    Catalog.open(tmp_path / "a", db).close()
    with pytest.raises(ValueError, match="belongs to"):
        Catalog.open(tmp_path / "b", db)
    with Catalog.open(tmp_path / "b", db, relocate=True) as cat:
        assert cat.root == (tmp_path / "b").resolve()


# ---------------------------------------------------------------- sounds
def test_sounds_errors_tags_abspath(tmp_path: Path) -> None:
    with Catalog.open(tmp_path) as cat:
        ids = _add_sounds(cat, 4, failed=(2,))
        assert cat.count() == 3 and cat.count(include_failed=True) == 4
        assert [s.id for s in cat.sounds()] == [ids[0], ids[1], ids[3]]
        assert len(cat.sounds(include_failed=True)) == 4
        assert cat.failures() == [("d/s2.wav", "corrupt: cannot decode (x)")]
        cat.record_error(ids[0], "corrupt: cannot\ndecode  (y)")
        assert cat.sound(ids[0]).error == "corrupt: cannot decode (y)"
        cat.clear_error(ids[2])
        assert cat.sound(ids[2]).ok and not cat.sound(ids[0]).ok
        cat.set_tags([(ids[1], ["drum", "kick"]), (ids[3], [])])
        row = cat.sound(ids[1])
        assert isinstance(row, SoundRow) and row.tags == ["drum", "kick"]
        assert cat.abspath(row) == cat.root / "d" / "s1.wav"
        assert cat.abspath("d/s1.wav") == cat.abspath(ids[1]) == cat.abspath(row)
        assert cat.sound_by_relpath("d/s3.wav").id == ids[3]
        with pytest.raises(KeyError):
            cat.sound(10_000)
        assert cat.integrity_ok()


# ---------------------------------------------------------------- embeddings
def test_embeddings_roundtrip(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    with Catalog.open(tmp_path) as cat:
        ids = _add_sounds(cat, 6, failed=(4,))
        assert [s.id for s in cat.missing_embeddings("m", "1")] == [ids[i] for i in (0, 1, 2, 3, 5)]
        vecs = {i: rng.standard_normal(16).astype(np.float32) for i in ids}
        patches = rng.standard_normal((5, 16)).astype(np.float32)
        n = cat.put_embeddings("m", "1", [(ids[3], vecs[ids[3]], patches), (ids[0], vecs[ids[0]], None),
                                          (ids[4], vecs[ids[4]], None), (99_999, vecs[ids[0]], None)])
        assert n == 3  # the vanished sound 99_999 is skipped
        got_ids, got = cat.embeddings("m", "1")
        assert got_ids.dtype == np.int64 and got.dtype == np.float32
        assert got_ids.tolist() == [ids[0], ids[3]]  # ordered by id; failed sound 4 excluded
        np.testing.assert_array_equal(got, np.stack([vecs[ids[0]], vecs[ids[3]]]))
        np.testing.assert_array_equal(cat.patch_embeddings("m", "1", ids[3]), patches)
        assert cat.patch_embeddings("m", "1", ids[0]) is None
        # idempotent replace, patches dropped when replaced without them
        cat.put_embeddings("m", "1", [(ids[3], vecs[ids[1]], None)])
        _, got2 = cat.embeddings("m", "1")
        np.testing.assert_array_equal(got2[1], vecs[ids[1]])
        assert cat.patch_embeddings("m", "1", ids[3]) is None
        assert cat._one("SELECT COUNT(*) FROM embeddings")[0] == 3
        # another version is separate
        cat.put_embeddings("m", "2", [(ids[1], np.ones(4), None)])
        assert cat.embedded_models() == [("m", "1", 2), ("m", "2", 1)]
        assert [s.id for s in cat.missing_embeddings("m", "1")] == [ids[i] for i in (1, 2, 5)]
        with pytest.raises(ValueError, match="dimension"):
            cat.put_embeddings("m", "1", [(ids[1], np.ones(8), None)])
        with pytest.raises(ValueError, match="shape"):
            cat.put_embeddings("m", "1", [(ids[1], np.ones(16), np.ones((3, 8)))])
        # deleting a sound cascades to its embeddings and patches
        cat.put_embeddings("m", "1", [(ids[3], vecs[ids[3]], patches)])
        with cat.transaction() as c:
            c.execute("DELETE FROM sounds WHERE id = ?", (ids[3],))
        assert cat.embeddings("m", "1")[0].tolist() == [ids[0]]
        assert cat._one("SELECT COUNT(*) FROM embedding_patches")[0] == 0
        assert cat.integrity_ok()


def test_put_embeddings_is_one_transaction(tmp_path: Path) -> None:
    with Catalog.open(tmp_path) as cat:
        ids = _add_sounds(cat, 3)
        with pytest.raises(ValueError):  # the bad item comes last: nothing at all is written
            cat.put_embeddings("m", "1", [(ids[0], np.ones(4), None), (ids[1], np.ones((2, 2)), None)])
        assert cat.embedded_models() == []


def test_embeddings_100k_load(tmp_path: Path) -> None:
    """100k rows load into one array (not timed here; see the report for numbers)."""
    n, d = 100_000, 64
    rng = np.random.default_rng(1)
    vecs = rng.standard_normal((n, d)).astype(np.float32)
    with Catalog.open(tmp_path) as cat:
        with cat.transaction() as c:
            c.executemany("INSERT INTO sounds(id, relpath, size, mtime_ns, seen_at) VALUES (?, ?, 1, 1, 0)",
                          ((i + 1, f"s{i}.wav") for i in range(n)))
        for start in range(0, n, 20_000):
            cat.put_embeddings("m", "1", [(i + 1, vecs[i], None) for i in range(start, min(n, start + 20_000))])
        t = time.perf_counter()
        ids, got = cat.embeddings("m", "1")
        print(f"embeddings() of {n}x{d}: {time.perf_counter() - t:.3f} s")
        assert ids.shape == (n,) and got.shape == (n, d)
        np.testing.assert_array_equal(ids, np.arange(1, n + 1))
        np.testing.assert_array_equal(got, vecs)


# ---------------------------------------------------------------- projections / labellings / models
def test_projection_roundtrip_and_params_matching(tmp_path: Path) -> None:
    ids = np.array([3, 1, 2], dtype=np.int64)
    xy = np.array([[0, 1], [2, 3], [4.5, -1]], dtype=np.float32)
    with Catalog.open(tmp_path) as cat:
        pid = cat.put_projection("m", "1", "umap", {"n_neighbors": np.int64(15), "min_dist": 0.1}, ids, xy)
        got = cat.projection("m", "1", "umap", {"min_dist": 0.1, "n_neighbors": 15})  # key order, numpy ints
        assert got is not None
        np.testing.assert_array_equal(got[0], ids)
        np.testing.assert_array_equal(got[1], xy)
        assert cat.projection("m", "1", "umap", {"min_dist": 0.2, "n_neighbors": 15}) is None
        assert cat.projection("m", "2", "umap", {"min_dist": 0.1, "n_neighbors": 15}) is None
        pid2 = cat.put_projection("m", "1", "pca", {}, ids[:2], xy[:2])
        newest, older = cat.projections("m", "1")
        assert newest["id"] == pid2 and newest["method"] == "pca" and newest["n"] == 2
        assert older["id"] == pid and older["params"] == {"min_dist": 0.1, "n_neighbors": 15} and older["n"] == 3
        # same params replace the old one
        cat.put_projection("m", "1", "umap", {"min_dist": 0.1, "n_neighbors": 15}, ids[:1], xy[:1])
        assert len(cat.projections("m", "1")) == 2
        assert cat.projection("m", "1", "umap", {"min_dist": 0.1, "n_neighbors": 15})[0].tolist() == [3]
        with pytest.raises(ValueError):
            cat.put_projection("m", "1", "umap", {}, ids, xy[:2])
        assert cat.delete_projections("m", "1") == 2
        assert cat.projections("m", "1") == []


def test_labelling_roundtrip(tmp_path: Path) -> None:
    ids = np.arange(5, dtype=np.int64)
    labels = np.array([0, 0, 1, -1, 1])
    scores = np.linspace(0, 1, 5, dtype=np.float32)
    with Catalog.open(tmp_path) as cat:
        cat.put_labelling("m", "1", "hdbscan", {"min_cluster_size": 5}, ids, labels, scores)
        cat.put_labelling("m", "1", "kmeans", {"k": 2}, ids, labels % 2, space="map")
        got = cat.labelling("m", "1", "hdbscan", {"min_cluster_size": 5})
        assert got is not None
        np.testing.assert_array_equal(got[0], ids)
        np.testing.assert_array_equal(got[1], labels)
        np.testing.assert_array_equal(got[2], scores)
        km = cat.labelling("m", "1", "kmeans", {"k": 2})
        assert km is not None and km[2] is None and km[1].dtype == np.int64
        assert cat.labelling("m", "1", "kmeans", {"k": 2}, space="embedding") is None
        assert cat.labelling("m", "1", "kmeans", {"k": 3}) is None
        meta = cat.labellings("m", "1")
        assert {(m["method"], m["space"]) for m in meta} == {("hdbscan", "embedding"), ("kmeans", "map")}
        assert all(m["n"] == 5 for m in meta)
        with pytest.raises(ValueError):
            cat.put_labelling("m", "1", "x", {}, ids, labels, space="elsewhere")
        assert cat.delete_labellings("m") == 2


def test_models_and_default(tmp_path: Path) -> None:
    with Catalog.open(tmp_path) as cat:
        assert cat.models() == [] and cat.default_model() is None
        cat.put_model("fine1", "1", "finetuned", {"lr": 1e-3}, [{"epoch": 0, "loss": 1.0}], {"r@1": 0.5}, "/w/1.pt")
        cat.put_model("fine2", "1", "finetuned", {}, is_default=True)
        assert cat.default_model() == "fine2"
        cat.set_default_model("fine1")
        assert cat.default_model() == "fine1"
        m = {d["name"]: d for d in cat.models()}
        assert m["fine1"]["is_default"] and not m["fine2"]["is_default"]
        assert m["fine1"]["history"] == [{"epoch": 0, "loss": 1.0}] and m["fine1"]["metrics"] == {"r@1": 0.5}
        cat.put_model("fine1", "2", "finetuned", {"lr": 1e-4})  # update keeps default flag
        assert cat.model("fine1")["version"] == "2" and cat.default_model() == "fine1"
        with pytest.raises(KeyError):
            cat.set_default_model("nope")
        cat.set_default_model(None)
        assert cat.default_model() is None


def test_second_connection_sees_commits_and_closed_catalog_refuses(tmp_path: Path) -> None:
    db = tmp_path / "c.sqlite"
    a = Catalog.open(tmp_path, db)
    b = Catalog.open(tmp_path, db)
    try:
        ids = _add_sounds(a, 2)
        a.put_embeddings("m", "1", [(ids[0], np.ones(3), None)])
        assert b.embedded_models() == [("m", "1", 1)]
    finally:
        a.close()
        b.close()
    with pytest.raises(ValueError, match="closed"):
        a.count()


def test_float16_storage_streamed_reads_and_v1_migration(tmp_path: Path) -> None:
    from core.catalog.schema import _v1

    rng = np.random.default_rng(4)
    db = tmp_path / "v1.sqlite"
    conn = sqlite3.connect(db, isolation_level=None)  # a catalog written by schema version 1
    migrate(conn, (_v1,))
    conn.execute("INSERT INTO sounds(id, relpath, size, mtime_ns, seen_at) VALUES (1, 'a.wav', 1, 1, 0)")
    old = rng.standard_normal(8).astype(np.float32)
    conn.execute("INSERT INTO embeddings(sound_id, model, model_version, dim, vector, created) "
                 "VALUES (1, 'm', '1', 8, ?, 0)", (old.tobytes(),))
    conn.close()
    with Catalog.open(tmp_path, db) as cat:
        assert schema_version(cat._conn) == LATEST_VERSION
        np.testing.assert_array_equal(cat.embeddings("m", "1")[1], old[None])  # old rows read as float32
        with pytest.raises(ValueError, match="storage"):
            cat.set_vector_storage("int8")
        cat.set_vector_storage("float16")
        with cat.transaction() as c:
            c.executemany("INSERT INTO sounds(id, relpath, size, mtime_ns, seen_at) VALUES (?, ?, 1, 1, 0)",
                          ((i, f"s{i}.wav") for i in range(2, 40)))
        vecs = rng.standard_normal((38, 8)).astype(np.float32)
        huge = vecs[5] * 1e6  # float16 cannot hold it: stored as float32, never as inf
        cat.put_embeddings("m", "1", [(i + 2, vecs[i], None) for i in range(38) if i != 5] + [(7, huge, None)])
        assert cat._one("SELECT COUNT(*) FROM embeddings WHERE dtype = 'f2'")[0] == 37
        ids, got = cat.embeddings("m", "1")
        assert ids.tolist() == list(range(1, 40)) and got.dtype == np.float32
        np.testing.assert_array_equal(got[0], old)
        np.testing.assert_allclose(got[1:], np.concatenate([vecs[:5], huge[None], vecs[6:]]), rtol=1e-3, atol=1e-3)
        assert np.isfinite(got).all() and got[6, 0] == huge[0]
        ids16, half = cat.embeddings("m", "1", dtype=np.float16)
        assert half.dtype == np.float16 and half.shape == (39, 8) and np.isfinite(half).all()
        chunks = list(cat.iter_embeddings("m", "1", chunk=10))
        assert [len(c[0]) for c in chunks] == [10, 10, 10, 9]
        np.testing.assert_array_equal(np.concatenate([c[1] for c in chunks]), got)
        assert cat.count_embeddings("m", "1") == (39, 8)
        assert cat.integrity_ok()
