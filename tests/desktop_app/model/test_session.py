"""The Qt-free session model: events, row alignment, progressive embedding, search."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from desktop_app.model.events import EventEmitter
from desktop_app.model.session import SessionState


@dataclass
class Row:  # the shape of core.library.SoundRow that the state reads
    id: int
    relpath: str
    tags: list[str] = field(default_factory=list)
    duration: float = 1.0
    sample_rate: int = 22050
    channels: int = 1
    bit_depth: int = 16
    format: str = "WAV"


class Recorder:
    def __init__(self, state: SessionState) -> None:
        self.seen: list[tuple[str, tuple]] = []
        for name, em in vars(state.events).items():
            em.connect(lambda *a, _n=name: self.seen.append((_n, a)))

    def names(self) -> list[str]:
        return [n for n, _ in self.seen]


def make_state(n: int = 12, dim: int = 6) -> tuple[SessionState, np.ndarray, np.ndarray]:
    st = SessionState()
    st.set_library(None, root=Path("/lib"))
    folders = ["tone", "noise", "click"]
    st.set_sounds([Row(100 + i, f"{folders[i % 3]}/s{i}.wav", tags=[f"t{i % 2}"] if i % 4 else []) for i in range(n)])
    rng = np.random.default_rng(0)
    ids = np.arange(100, 100 + n, dtype=np.int64)
    vecs = rng.standard_normal((n, dim)).astype(np.float32)
    return st, ids, vecs


def test_state_module_has_no_qt() -> None:
    import desktop_app.model.session as mod

    src = Path(mod.__file__).read_text()
    assert "PySide6" not in src and "pyqtgraph" not in src and "superqt" not in src
    assert "PySide6" not in {m.split(".")[0] for m in sys.modules if m.startswith("desktop_app.model.session")}


def test_event_emitter_connect_disconnect() -> None:
    em = EventEmitter("x")
    got: list[int] = []
    cb = em.connect(got.append)
    em.connect(got.append)  # idempotent
    em.emit(1)
    em.disconnect(cb)
    em.emit(2)
    assert got == [1]


def test_progressive_embedding_grows_rows_and_keeps_orientation() -> None:
    st, ids, vecs = make_state()
    rec = Recorder(st)
    st.add_embedded(ids[:6], vecs[:6])
    assert st.ids.tolist() == ids[:6].tolist()
    first = st.xy.copy()
    st.add_embedded(ids[4:], vecs[4:])  # overlapping batch: duplicates ignored
    assert st.ids.tolist() == ids.tolist()
    assert st.xy.shape == (12, 2) and np.isfinite(st.xy).all()
    # Preview stays sign-aligned with what was shown before.
    for axis in range(2):
        assert np.dot(st.xy[:6, axis], first[:, axis]) >= 0
    assert rec.names().count("points") == 2


def test_layout_and_labels_are_aligned_by_id() -> None:
    st, ids, vecs = make_state()
    st.set_vectors(ids, vecs)
    perm = np.random.default_rng(1).permutation(len(ids))
    xy = np.stack([ids[perm].astype(np.float32), np.zeros(len(ids), np.float32)], axis=1)
    assert st.set_layout(xy, ids[perm], final=True)
    assert st.xy[:, 0].tolist() == ids.astype(np.float32).tolist()
    labels = (ids[perm] % 3).astype(np.int64)
    assert st.set_labelling(labels, ids[perm])
    assert st.labels.tolist() == (ids % 3).tolist()
    assert st.label_names == {0: "Cluster 1", 1: "Cluster 2", 2: "Cluster 3"}
    # A layout for other sounds is refused and changes nothing.
    before = st.xy.copy()
    assert not st.set_layout(np.zeros((3, 2)), np.array([1, 2, 3]))
    assert np.array_equal(before, st.xy)
    assert not st.set_layout(np.zeros((3, 2)))  # wrong row count without ids


def test_colour_by_folder_and_tag() -> None:
    st, ids, vecs = make_state()
    st.set_vectors(ids, vecs)
    rec = Recorder(st)
    st.set_colour_by("folder")
    assert set(st.label_names.values()) == {"tone", "noise", "click"}
    for r in range(len(ids)):
        assert st.label_names[int(st.labels[r])] == st.info(r).folder
    st.set_colour_by("tag")
    untagged = [r for r in range(len(ids)) if not st.info(r).tags]
    assert untagged and all(st.labels[r] == -1 for r in untagged)
    assert rec.names() == ["colour_by", "labels", "colour_by", "labels"]
    with pytest.raises(ValueError):
        st.set_colour_by("rainbow")


def test_selection_neighbors_and_search() -> None:
    st, ids, vecs = make_state()
    st.set_vectors(ids, vecs)
    rec = Recorder(st)
    st.select(3)
    st.select(3)  # no duplicate event
    st.select(999)  # out of range → deselect
    assert st.selected is None
    assert rec.names() == ["selected", "selected"]
    st.set_neighbors([(105, 0.5), (104, 0.1), (9999, 0.2)])  # unknown ids dropped, sorted
    assert st.neighbors == [(4, pytest.approx(0.1)), (5, pytest.approx(0.5))]
    st.set_query("noise")
    assert st.matches is not None and sorted(st.matches.tolist()) == [1, 4, 7, 10]
    st.set_query("NOISE t1")  # terms AND-ed, case-insensitive, tags searched
    assert st.matches.tolist() == [1, 7]
    st.set_query("  ")
    assert st.matches is None


def test_switching_library_clears_everything() -> None:
    st, ids, vecs = make_state()
    st.set_vectors(ids, vecs)
    st.select(2)
    st.set_failures([("bad.wav", "corrupt")])
    rec = Recorder(st)
    st.set_library(None, root=Path("/other"))
    assert len(st.ids) == 0 and st.selected is None and st.failures == []
    assert rec.names()[:2] == ["library", "points"]


def test_streaming_many_batches_refits_rarely_and_stays_oriented() -> None:
    rng = np.random.default_rng(2)
    n, dim = 800, 32
    centres = rng.normal(0, 3, (4, dim))
    vecs = (centres[rng.integers(0, 4, n)] + rng.normal(0, 0.5, (n, dim))).astype(np.float32)
    st = SessionState()
    st.set_library(None, root=Path("/lib"))
    fits = []
    snapshots = []
    for start in range(0, n, 16):
        st.add_embedded(np.arange(start, start + 16, dtype=np.int64), vecs[start:start + 16])
        if not fits or st._pca is not fits[-1]:
            fits.append(st._pca)
            snapshots.append(st.xy.copy())
    assert st.xy.shape == (n, 2) and np.isfinite(st.xy).all()
    assert len(fits) < 25  # not one SVD per batch (50 batches)
    # Each refit agrees in orientation with the layout shown just before it.
    for prev, cur in zip(snapshots, snapshots[1:], strict=False):
        m = len(prev)
        for axis in range(2):
            assert np.dot(prev[:, axis], cur[:m, axis]) >= 0
