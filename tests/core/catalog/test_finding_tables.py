"""The finding migration: a catalog of the previous version gains the new tables and keeps its data;
marks follow a sound through a move and go with it when its file is deleted."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import soundfile as sf

from core.catalog import Catalog
from core.catalog.analysis import analyses, put_analyses
from core.catalog.marks import MarkStore
from core.catalog.scan import scan
from core.catalog.schema import MIGRATIONS, _v_finding, migrate, schema_version
from core.catalog.suggestions import SuggestionStore, TagSuggestion
from core.finding.fingerprint import FP_VERSION, analyse_file
from core.jobs import run_job

NEW_TABLES = {"sound_analysis", "sound_marks", "collections", "collection_members", "tag_suggestions"}


def _write(root: Path, names: list[str]) -> None:
    rng = np.random.default_rng(0)
    for n in names:
        (root / n).parent.mkdir(parents=True, exist_ok=True)
        sf.write(root / n, rng.standard_normal(4000).astype(np.float32) * 0.1, 8000)


def test_an_older_catalog_is_migrated_and_keeps_its_sounds(tmp_path: Path) -> None:
    root, db = tmp_path / "lib", tmp_path / "cat.db"
    _write(root, ["a.wav", "b.wav"])
    before = MIGRATIONS[: MIGRATIONS.index(_v_finding)]
    conn = sqlite3.connect(db, isolation_level=None)
    migrate(conn, before)
    conn.close()
    with Catalog.open(root, db) as cat:  # the app opens it: the finding tables are added
        run_job(scan(cat))
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        assert schema_version(conn) == len(MIGRATIONS)
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert NEW_TABLES <= names
        assert conn.execute("SELECT COUNT(*) FROM sounds").fetchone()[0] == 2
    finally:
        conn.close()


def test_marks_follow_moves_and_go_with_deleted_files(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    _write(root, ["a.wav", "b.wav", "c.wav"])
    with Catalog.open(root, tmp_path / "cat.db") as cat:
        run_job(scan(cat))
        ids = {r.relpath: r.id for r in cat.sounds()}
        marks = MarkStore(cat)
        marks.set_favourite(ids["a.wav"])
        marks.set_rating(ids["b.wav"], 5)
        col = marks.create_collection("keep")
        marks.add_to_collection(col, [ids["a.wav"], ids["b.wav"]])
        SuggestionStore(cat).replace_pending([TagSuggestion(ids["b.wav"], "noise", 0.7)], "mfcc")
        a = analyse_file(root / "a.wav", cat.sound(ids["a.wav"]).hash)
        put_analyses(cat, [(ids["a.wav"], a)])
        assert set(analyses(cat, FP_VERSION)) == {ids["a.wav"]}

        (root / "sub").mkdir()
        shutil.move(root / "a.wav", root / "sub" / "a.wav")
        (root / "b.wav").unlink()
        run_job(scan(cat))
        assert cat.sound_by_relpath("sub/a.wav").id == ids["a.wav"]  # moved: same id, marks kept
        assert marks.favourites() == {ids["a.wav"]} and marks.ratings() == {}
        assert marks.members(col) == [ids["a.wav"]]
        assert SuggestionStore(cat).suggestions() == []  # b.wav is gone and so is its suggestion
        assert set(analyses(cat, FP_VERSION)) == {ids["a.wav"]}

        (root / "sub" / "a.wav").write_bytes((root / "c.wav").read_bytes()[:-8] + b"\0" * 8)  # new content
        run_job(scan(cat))
        assert analyses(cat, FP_VERSION) == {}  # an analysis is valid only for the content it was made of
        assert cat.integrity_ok()
