"""Near-duplicates on a synthetic set with known groups: exact copies, re-encodings (FLAC↔WAV,
16↔24 bit, 44.1↔48 kHz), gain changes, trimmed silence and a fade-out, plus similar-but-different
distractors (another take, a semitone higher, reversed)."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import pytest

from core.catalog import Catalog
from core.catalog.scan import scan
from core.cli.main import main as cli
from core.finding.duplicates import DuplicateParams, find_duplicates, write_duplicates_csv
from core.finding.moves import MoveRecord, move_files, undo_moves
from core.jobs import run_job
from tests.core.finding.dupset import write_duplicate_set


@pytest.fixture(scope="module")
def dupset(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str | None]]:
    root = tmp_path_factory.mktemp("dups") / "lib"
    return root, write_duplicate_set(root, per_class=2, seed=3)


def _pairs(groups: dict[str, str | None]) -> set[frozenset[str]]:
    by: dict[str, list[str]] = {}
    for rel, g in groups.items():
        if g is not None:
            by.setdefault(g, []).append(rel)
    return {frozenset(p) for members in by.values() for p in itertools.combinations(members, 2)}


def test_precision_and_recall_are_one_at_the_default_threshold(dupset, tmp_path: Path) -> None:
    root, truth = dupset
    with Catalog.open(root, tmp_path / "cat.db") as cat:
        run_job(scan(cat))
        report = run_job(find_duplicates(cat))
        assert not report.failed and report.sounds == len(truth)
        found = {m.relpath: str(g.number) for g in report.groups for m in g.members}
        predicted, true = _pairs(found), _pairs(truth)
        tp = len(predicted & true)
        precision, recall = tp / max(len(predicted), 1), tp / len(true)
        assert (precision, recall) == (1.0, 1.0), (sorted(map(sorted, predicted - true))[:5],
                                                   sorted(map(sorted, true - predicted))[:5])
        for g in report.groups:
            kinds = {m.relpath.rsplit("_", 1)[-1].split(".")[0]: m.kind for m in g.members}
            assert g.reference.kind == "reference" and g.kind == "near"
            for variant in ("gain", "trim"):  # (a 16-bit fade-out of a 24-bit reference may pass for a re-encoding)
                assert kinds[variant] == "near", kinds
            for variant in ("copy", "flac", "48k"):  # the reference is the 24-bit file or the original
                assert kinds[variant] in ("exact", "same-audio"), kinds

        again = run_job(find_duplicates(cat))  # fingerprints are cached: nothing decoded twice
        assert again.analysed == 0 and [len(g.members) for g in again.groups] == [len(g.members) for g in report.groups]

        loose = run_job(find_duplicates(cat, DuplicateParams(threshold_db=4.0)))  # the threshold matters:
        loose_pairs = _pairs({m.relpath: str(g.number) for g in loose.groups for m in g.members})
        assert loose_pairs > predicted  # a loose one lets similar-but-different sounds in

        out = write_duplicates_csv(report, root, tmp_path / "dups.csv")
        rows = list(csv.reader(out.open()))
        assert rows[0][:2] == ["group", "path"]
        assert len(rows) - 1 == sum(len(g.members) for g in report.groups)
        assert all(Path(r[1]).is_file() for r in rows[1:])


def test_the_cli_writes_group_and_path_columns(dupset, home: Path, tmp_path: Path, capsys) -> None:
    root, truth = dupset
    out = tmp_path / "d.csv"
    assert cli(["duplicates", str(root), "--csv", str(out), "-q"]) == 0
    printed = capsys.readouterr().out
    assert "groups of duplicates" in printed
    rows = list(csv.DictReader(out.open()))
    groups: dict[str, set[str]] = {}
    for r in rows:
        groups.setdefault(r["group"], set()).add(truth[Path(r["path"]).relative_to(root).as_posix()])
    assert len(groups) == len({g for g in truth.values() if g}) and all(len(v) == 1 for v in groups.values())


def test_moving_duplicates_away_can_be_undone_and_the_catalog_follows(tmp_path: Path) -> None:
    root = tmp_path / "lib"
    truth = write_duplicate_set(root, per_class=1, seed=5, variants=("copy", "gain"))
    before = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.wav")}
    with Catalog.open(root, tmp_path / "cat.db") as cat:
        run_job(scan(cat))
        report = run_job(find_duplicates(cat))
        chosen = [root / m.relpath for g in report.groups for m in g.members[1:]]
        assert chosen
        ids = {cat.sound_by_relpath(p.relative_to(root).as_posix()).id for p in chosen}
        inside = root / "_duplicates"
        record = move_files(chosen, inside, root=None)
        assert not record.failed and len(record.moves) == len(chosen)
        assert all(not p.exists() for p in chosen) and all(Path(d).is_file() for _, d in record.moves)
        scan_report = run_job(scan(cat))  # moved inside the library: same ids, new paths
        assert scan_report.moved == len(chosen) and scan_report.removed == 0
        assert {cat.sound_by_relpath(Path(d).relative_to(root).as_posix()).id for _, d in record.moves} == ids

        back = undo_moves(MoveRecord.from_json(record.to_json()))
        assert not back.failed and len(back.moves) == len(chosen)
        assert {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*.wav")} == before
        run_job(scan(cat))
        assert {r.relpath for r in cat.sounds()} == set(truth)


def test_moves_never_overwrite(tmp_path: Path) -> None:
    a, b = tmp_path / "x" / "s.wav", tmp_path / "y" / "s.wav"
    for p, data in ((a, b"A"), (b, b"B")):
        p.parent.mkdir(parents=True)
        p.write_bytes(data)
    dest = tmp_path / "out"
    record = move_files([a, b], dest)
    assert sorted(Path(d).name for _, d in record.moves) == ["s (2).wav", "s.wav"]
    assert sorted(Path(d).read_bytes() for _, d in record.moves) == [b"A", b"B"]
    a.write_bytes(b"new")  # the original place is taken again: that file is not moved back
    back = undo_moves(record)
    assert len(back.moves) == 1 and len(back.failed) == 1 and a.read_bytes() == b"new" and b.read_bytes() == b"B"
