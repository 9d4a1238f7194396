"""Colour-by beyond clusterings (Qt-free): quantising continuous values, tag and type groupings,
and the session's continuous colourings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from desktop_app.model.colouring import (
    ColourScale,
    grouping,
    quantise,
    scale_for_descriptor,
    sound_type,
    tag_counts,
    value_range,
)
from desktop_app.model.session import SessionState
from desktop_app.model.session_colouring import COLOUR_MODES
from desktop_app.model.sounds import SoundInfo


def _info(i: int, relpath: str, tags: list[str]) -> SoundInfo:
    return SoundInfo(id=i, relpath=relpath, root=Path("/lib"), tags=tags)


def test_quantise_matches_a_brute_force_binning() -> None:
    rng = np.random.default_rng(0)
    v = rng.normal(size=500)
    v[[3, 17]] = np.nan
    lo, hi, bins = -1.0, 1.5, 32
    got = quantise(v, lo, hi, bins)
    for x, b in zip(v, got):
        if not np.isfinite(x):
            assert b == -1
            continue
        edges = [lo + (hi - lo) * i / bins for i in range(bins + 1)]
        want = bins - 1 if x >= edges[-1] else 0 if x < edges[0] else max(i for i in range(bins) if edges[i] <= x)
        assert b == want, (x, b, want)


def test_value_range_is_robust_and_never_empty() -> None:
    v = np.r_[np.linspace(0, 1, 100), 1e6]
    lo, hi = value_range(v)
    assert 0 <= lo < 0.05 and 0.95 < hi < 2  # the outlier does not stretch the scale
    assert value_range(np.full(5, 3.0)) == (2.5, 3.5)
    assert value_range(np.array([np.nan])) == (0.0, 1.0)


def test_tag_grouping_one_tag_against_the_rest_and_top_tags() -> None:
    infos = [_info(0, "drums/kick_01.wav", ["drums", "kick"]), _info(1, "drums/snare_01.wav", ["drums", "snare"]),
             _info(2, "fx/door.wav", ["fx", "door"]), _info(3, "fx/kick_door.wav", ["fx", "kick", "door"])]
    assert tag_counts(infos)[:3] == [("door", 2), ("drums", 2), ("fx", 2)]
    labels, names = grouping("tag", infos, "kick")
    assert labels.tolist() == [0, -1, -1, 0] and names == {0: "tagged 'kick'"}
    labels, names = grouping("tag", infos, None)  # each sound: its most common tag
    assert [names[x] for x in labels] == ["drums", "drums", "door", "door"]
    folder, _ = grouping("folder", infos)
    assert folder.tolist() == [0, 0, 1, 1]


def test_sound_type_comes_from_the_taxonomy() -> None:
    from core.audio.taxonomy import sound_type as taxonomy_type

    assert sound_type(_info(0, "Kick-808/a_01.wav", ["kick", "808", "a", "01"])) == "kick"
    assert sound_type(_info(1, "SN_02.wav", ["sn", "02"])) == taxonomy_type(["sn"]) == "snare"
    assert sound_type(_info(2, "x_01.wav", ["x", "01"])) is None  # no tag in the taxonomy
    assert sound_type(None) is None


def test_session_continuous_colouring_aligns_rows_and_resets() -> None:
    st = SessionState(model="mfcc")
    st.set_vectors(np.array([5, 6, 7], np.int64), np.eye(3, dtype=np.float32))
    got = []
    st.events.labels.connect(lambda labels, names: got.append(labels.copy()))
    scale = ColourScale("x", 0.0, 1.0)
    assert st.set_colour_values(np.array([0.99, 0.0]), np.array([7, 5]), scale)
    assert st.labels.tolist() == [0, -1, 31] and st.colour_scale is scale
    assert got and got[-1].tolist() == [0, -1, 31]
    st.set_labelling(np.array([1, 1, 0]))  # a clustering replaces the scale
    assert st.colour_scale is None
    assert {"type", "faithfulness", "descriptor:brightness", "descriptor:pitch"} <= set(COLOUR_MODES)
    with pytest.raises(ValueError):
        st.set_colour_by("descriptor:nope")


def test_descriptor_scale_says_unit_and_range() -> None:
    s = scale_for_descriptor("brightness", np.linspace(100, 5000, 50))
    assert s.title == "Brightness" and s.unit == "Hz" and s.lo < s.hi
    assert s.text(s.lo).endswith("Hz") and "50 sounds" in s.caption


def test_brightness_is_coloured_on_a_log_scale_with_hz_ticks() -> None:
    from desktop_app.model.colouring import descriptor_colouring

    hz = np.array([100.0, 1000.0, 10000.0, 0.0, np.nan])
    shown, scale = descriptor_colouring("brightness", hz)
    assert np.allclose(shown[:3], [2, 3, 4]) and np.isnan(shown[3:]).all()
    assert scale.log and scale.text(3.0) == "1000 Hz" and "log scale" in scale.caption
    shown, scale = descriptor_colouring("duration", np.array([0.5, 2.0]))
    assert not scale.log and np.array_equal(shown, [0.5, 2.0])


def test_descriptor_layout_scales_each_axis_and_parks_missing_rows() -> None:
    from desktop_app.model.colouring import descriptor_xy

    x = np.linspace(0, 100, 101)
    y = -np.linspace(0, 1, 101)
    y[5] = np.nan
    xy = descriptor_xy(x, y)
    assert xy.shape == (101, 2) and xy.dtype == np.float32
    assert np.all(np.diff(xy[:, 0]) >= 0) and xy[:, 0].min() >= -0.05 and xy[:, 0].max() <= 1.05
    assert xy[5, 1] == np.float32(-0.1)
    assert xy[0, 1] > xy[100, 1]  # y keeps the descriptor's order
