"""Bring your own embeddings: export → import round trip, formats, and the report of bad rows."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.cli.main import main as cli
from core.encoders.imported import read_vectors, relpath_in
from core.jobs import run_job
from core.library import Library
from core.maps.params import ProjectionParams

MAP = ["--n-neighbors", "6"]


def _export(root: Path, fmt: str, out: Path) -> None:
    assert cli(["export", str(root), "--model", "mfcc", "-q", "--format", fmt, "-o", str(out), *MAP,
                "--cluster-method", "kmeans", "--k", "4"]) == 0


def test_npz_round_trip_gives_identical_vectors_map_and_neighbours(fresh_synth, home, tmp_path, capsys) -> None:
    root, _ = fresh_synth
    out = tmp_path / "mfcc.npz"
    _export(root, "npz", out)
    capsys.readouterr()
    assert cli(["import", str(root), str(out), "--name", "mine", "-q"]) == 0
    text = capsys.readouterr().out
    assert "imported 16 of 16 vectors (120-d) as model 'mine'" in text and "0 paths did not match" in text
    with Library.open(root) as lib:
        assert "mine" in lib.models() and lib.registry.info("mine").kind == "imported"
        ids_a, va = lib.vectors("mfcc")
        ids_b, vb = lib.vectors("mine")
        np.testing.assert_array_equal(ids_a, ids_b)
        assert va.tobytes() == vb.tobytes()  # bit for bit
        params = ProjectionParams(n_neighbors=6)
        xa = run_job(lib.map("mfcc", params)).xy
        xb = run_job(lib.map("mine", params)).xy
        np.testing.assert_array_equal(xa, xb)
        for sid in ids_a:
            assert lib.neighbors("mfcc", int(sid), 5) == lib.neighbors("mine", int(sid), 5)
        km_a = run_job(lib.cluster("mfcc", "kmeans", {"k": 4})).labels
        km_b = run_job(lib.cluster("mine", "kmeans", {"k": 4})).labels
        np.testing.assert_array_equal(km_a, km_b)
        # embedding an imported model computes nothing (and builds no encoder)
        assert run_job(lib.embed("mine")).embedded == 0
        with pytest.raises(RuntimeError, match="cannot embed audio"):
            lib.encoder("mine")
    # the CLI commands take it like any model, evaluate included
    assert cli(["map", str(root), "--model", "mine", "-q", *MAP]) == 0
    js = tmp_path / "scores.json"
    assert cli(["evaluate", str(root), "-q", "--models", "mfcc,mine", "--labels", "top", "--json", str(js)]) == 0
    text = capsys.readouterr().out
    assert "recall@10" in text and "mrr" in text and "ndcg@10" in text
    rows = {r["model"]: r for r in json.loads(js.read_text())["rows"]}
    assert rows["mine"]["qbe_map"] == rows["mfcc"]["qbe_map"] and rows["mine"]["mrr"] == rows["mfcc"]["mrr"]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_table_exports_import_bit_for_bit(fmt, fresh_synth, home, tmp_path) -> None:
    root, _ = fresh_synth
    out = tmp_path / f"t.{fmt}"
    _export(root, fmt, out)
    assert cli(["import", str(root), str(out), "--name", f"from-{fmt}", "-q"]) == 0
    with Library.open(root) as lib:
        ids_a, va = lib.vectors("mfcc")
        ids_b, vb = lib.vectors(f"from-{fmt}")
        np.testing.assert_array_equal(ids_a, ids_b)
        assert va.tobytes() == vb.tobytes()


def test_bad_rows_are_reported_and_never_stored(fresh_synth, home, tmp_path, capsys) -> None:
    root, labels = fresh_synth
    rels = sorted(labels)
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(len(rels) + 1, 8)) * 3  # not unit: normalised on import
    vecs[2, 4] = np.nan
    vecs[3] = 0.0
    paths = [str(root / rels[0])] + rels[1:] + ["elsewhere/nothing.wav"]  # absolute and relative
    f = tmp_path / "v.npz"
    np.savez(f, paths=np.array(paths), vectors=vecs)
    assert cli(["scan", str(root), "-q"]) == 0
    capsys.readouterr()
    assert cli(["import", str(root), str(f), "--name", "clap", "-q"]) == 0
    text = capsys.readouterr().out
    assert "1 paths did not match a sound of the library:\n  elsewhere/nothing.wav" in text
    assert f"2 rows had non-finite or all-zero vectors (not stored):\n  {rels[2]}\n  {rels[3]}" in text
    with Library.open(root) as lib:
        ids, v = lib.vectors("clap")
        rel = {r.id: r.relpath for r in lib.sounds()}
        assert sorted(rel[int(i)] for i in ids) == sorted(set(rels) - {rels[2], rels[3]})
        assert np.isfinite(v).all()
        np.testing.assert_allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-6)
        k = [rel[int(i)] for i in ids].index(rels[0])
        np.testing.assert_allclose(v[k], vecs[0] / np.linalg.norm(vecs[0]), rtol=1e-6)
        # the map works with the sounds that have a vector
        assert run_job(lib.map("clap", ProjectionParams(method="pca"))).xy.shape == (len(ids), 2)
    # importing again under the same name replaces it; names of other models are refused
    np.savez(f, paths=np.array(rels), vectors=rng.normal(size=(len(rels), 8)))
    assert cli(["import", str(root), str(f), "--name", "clap", "-q"]) == 0
    with Library.open(root) as lib:
        assert len(lib.vectors("clap")[0]) == len(rels)
    assert cli(["import", str(root), str(f), "--name", "mfcc", "-q"]) == 1
    assert "already a model" in capsys.readouterr().err
    np.savez(f, paths=np.array(["x.wav"]), vectors=np.ones((1, 3)))
    assert cli(["import", str(root), str(f), "--name", "none", "-q"]) == 1
    assert "none of the 1 paths" in capsys.readouterr().err


def test_readers_and_path_matching(tmp_path) -> None:
    csv_plain = tmp_path / "a.csv"
    csv_plain.write_text("a/x.wav,1,2,3\nb/y.wav,4,nan,6\nc.wav,7,8\n")
    paths, v = read_vectors(csv_plain)
    assert paths == ["a/x.wav", "b/y.wav", "c.wav"] and v.shape == (3, 3)
    assert np.isfinite(v).all(axis=1).tolist() == [True, False, False]  # NaN and a short row
    csv_head = tmp_path / "b.csv"
    csv_head.write_text("path,e0,e1\na.wav,0.5,1e-3\n")
    assert read_vectors(csv_head)[1].tolist() == [[0.5, 1e-3]]
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.table({"file": ["a.wav", "b.wav"], "d0": [1.0, 2.0], "d1": [3, 4]}), tmp_path / "c.parquet")
    p, v = read_vectors(tmp_path / "c.parquet")
    assert p == ["a.wav", "b.wav"] and v.tolist() == [[1, 3], [2, 4]]
    np.savez(tmp_path / "d.npz", vecs=np.ones((1, 2)))
    with pytest.raises(ValueError, match="'paths' and 'vectors'"):
        read_vectors(tmp_path / "d.npz")
    with pytest.raises(ValueError, match="unknown vector file type"):
        read_vectors(csv_plain.rename(tmp_path / "a.json"))
    root = tmp_path.resolve()
    assert relpath_in(root, str(root / "x" / "y.wav")) == "x/y.wav"
    assert relpath_in(root, "./x\\y.wav") == "x/y.wav"
    assert relpath_in(root, "/elsewhere/y.wav") is None
    assert relpath_in(root, "../y.wav") is None


def test_the_model_a_library_was_given_as_default_is_what_a_bare_command_uses(fresh_synth, home, tmp_path,
                                                                               capsys) -> None:
    """A verdict that says "made the default" must mean it: the CLI without --model uses that model,
    and the menus name it (and mark it) readably."""
    from core.defaults import DEFAULT_MODEL

    root, _ = fresh_synth
    out = tmp_path / "mfcc.npz"
    _export(root, "npz", out)
    assert cli(["import", str(root), str(out), "--name", "mine", "-q"]) == 0
    with Library.open(root) as lib:
        assert lib.default_model() == DEFAULT_MODEL
        labels = {n: label for n, label, _ in lib.model_choices()}
        assert labels["mine"] == "mine (imported)"
        assert labels[DEFAULT_MODEL].endswith(" ★") and labels["mfcc"] == "MFCC (fast)"
        lib.catalog.set_default_model("mine")
    with Library.open(root) as lib:
        assert lib.default_model() == "mine"
        assert {n: label for n, label, _ in lib.model_choices()}["mine"] == "mine (imported) ★"
        assert lib.model_to_show(DEFAULT_MODEL)[0] == "mine"  # the product default gives way
        assert lib.model_to_show("mfcc") == ("mfcc", "")  # a model the user chose stays
        assert lib.model_to_show("elsewhere")[0] == "mine"  # a model of another library falls back
        query = str(next(iter(sorted(p for p in root.rglob("*.wav")))))
    capsys.readouterr()
    assert cli(["neighbors", str(root), query, "-k", "3", "-q"]) == 0
    assert "(mine, cosine distance)" in capsys.readouterr().out
