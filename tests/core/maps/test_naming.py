from __future__ import annotations

import numpy as np

from core.maps.naming import cluster_names


def test_clusters_are_named_by_their_distinctive_tags() -> None:
    labels = np.array([0] * 6 + [1] * 5 + [2] * 4 + [-1])
    tags = ([["drums", "kick", "01"]] * 5 + [["drums", "snare"]]
            + [["drums", "snare", "take"]] * 4 + [["drums", "kick"]]
            + [["pad", "ambient"]] * 2 + [["loop", "ambient"]] * 2
            + [["drums"]])
    names = cluster_names(labels, tags)
    assert names[0] == "kick" or names[0].startswith("kick")
    assert names[1].startswith("snare")
    assert names[2].startswith("ambience")  # "ambient" through the taxonomy
    assert "drums" not in " ".join(names.values())  # on nearly every sound: it names nothing here
    assert names[-1] == "Noise"


def test_no_distinctive_tag_keeps_the_default_name_and_names_are_unique() -> None:
    labels = np.array([0, 0, 1, 1, 2, 2])
    tags = [["kick"], ["kick"], ["kick"], ["kick"], [], ["7"]]
    names = cluster_names(labels, tags)
    assert names[2] == "Cluster 3"  # only a number: no name
    assert len(set(names.values())) == 3
    # a synonym table merges spellings before counting
    tags = [["bd"], ["kick"], ["sn"], ["snare"], ["hh"], ["hat"]]
    table = {"bd": "kick", "sn": "snare", "hh": "hihat", "hat": "hihat"}
    names = cluster_names(labels, tags, normalise=lambda t: table.get(t, t))
    assert names == {0: "kick", 1: "snare", 2: "hihat"}


def test_two_spellings_of_one_word_are_one_word() -> None:
    labels = np.array([0] * 4 + [1] * 4)
    tags = [["drum", "drums"]] * 4 + [["ambi", "ambient", "pad"]] * 4
    names = cluster_names(labels, tags)
    assert names[0] in ("drum", "drums") and names[1].count("·") == 1 and "pad" in names[1]
