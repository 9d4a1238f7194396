"""``sound-explorer explain``: CCA table, probe and map faithfulness on the synthetic collection."""

from __future__ import annotations

import json

from core.cli.main import main as cli


def test_explain_prints_and_writes_the_tables(fresh_synth, home, tmp_path, capsys) -> None:
    root, _ = fresh_synth
    out = tmp_path / "explain.json"
    assert cli(["explain", str(root), "-q", "--models", "mfcc", "--labels", "top", "--repeats", "2",
                "--folds", "3", "--json", str(out), "--method", "pca"]) == 0
    text = capsys.readouterr().out
    assert "| mfcc (60) |" in text and "| duration (1) |" in text
    assert "MLP probe mfcc:" in text and "trustworthiness" in text
    res = json.loads(out.read_text())["models"][0]
    assert res["n"] == 16 and len(res["probe"]["repeats"]) == 2
    # four very different synthetic classes: the probe on MFCC statistics finds them
    assert res["probe"]["mean"] > 0.7
    assert 0.0 <= res["map"]["mean_preservation"] <= 1.0 and 0.5 < res["map"]["trustworthiness"] <= 1.0
    groups = {c["group"] for c in res["cca"]}
    assert groups == {"mfcc", "chroma", "centroid", "bandwidth", "loudness", "pitch", "duration"}
