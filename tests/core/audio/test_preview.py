from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from core import resources
from core.audio.decode import DecodeError
from core.audio.preview import (
    group_labels,
    label_centroids,
    load_preview,
    nearest_rows,
    pca_2d,
    spectrogram_db,
    waveform_envelope,
)


def test_envelope_bounds_and_shape() -> None:
    rng = np.random.default_rng(0)
    x = rng.standard_normal(10_007).astype(np.float32)
    env = waveform_envelope(x, 100)
    assert env.shape == (100, 2)
    assert np.all(env[:, 0] <= env[:, 1])
    assert env[:, 0].min() == pytest.approx(x.min())
    assert env[:, 1].max() == pytest.approx(x.max())
    # Short signals: one column per sample.
    assert waveform_envelope(x[:10], 100).shape == (10, 2)
    assert waveform_envelope(np.zeros(0), 10).shape == (0, 2)


def test_envelope_localises_a_click() -> None:
    x = np.zeros(1000, dtype=np.float32)
    x[750] = 1.0
    env = waveform_envelope(x, 10)
    assert int(np.argmax(env[:, 1])) == 7


def test_spectrogram_peak_at_tone_frequency() -> None:
    sr = 16000
    t = np.arange(sr * 2) / sr
    x = np.sin(2 * np.pi * 1000 * t).astype(np.float32)
    spec = spectrogram_db(x, sr, max_frames=50)
    assert spec.db.shape == (spec.freqs.shape[0], spec.times.shape[0])
    assert spec.times.shape[0] <= 50
    peak_bins = spec.freqs[np.argmax(spec.db, axis=0)]
    assert np.all(np.abs(peak_bins - 1000) < 2 * sr / 1024)
    assert spec.db.max() == pytest.approx(0.0, abs=1e-4)
    assert spec.db.min() >= -80.0


def test_spectrogram_of_tiny_signal() -> None:
    spec = spectrogram_db(np.ones(10, dtype=np.float32), 8000)
    assert spec.db.shape[1] == 1


def test_load_preview_reads_and_fails_cleanly(tmp_path: Path) -> None:
    sr = 8000
    sf.write(tmp_path / "a.wav", np.sin(np.arange(sr) / 5.0).astype(np.float32), sr)
    p = load_preview(tmp_path / "a.wav", width=200)
    assert p.sample_rate == sr
    assert p.seconds == pytest.approx(1.0)
    assert p.envelope.shape == (200, 2)
    assert not p.truncated
    (tmp_path / "bad.wav").write_bytes(b"RIFF\x00\x00junk" * 10)
    with pytest.raises(DecodeError):
        load_preview(tmp_path / "bad.wav")


def test_pca_separates_two_groups_and_keeps_sign() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(0, 0.1, (20, 8)) + np.eye(8)[0] * 3
    b = rng.normal(0, 0.1, (20, 8)) - np.eye(8)[0] * 3
    v = np.concatenate([a, b]).astype(np.float32)
    xy = pca_2d(v)
    assert xy.shape == (40, 2) and xy.dtype == np.float32
    assert np.sign(xy[:20, 0]).sum() * np.sign(xy[20:, 0]).sum() < 0
    # Adding points with a flipped reference: the result follows the reference's sign.
    more = np.concatenate([v, rng.normal(0, 0.1, (5, 8)).astype(np.float32)])
    flipped = -xy
    xy2 = pca_2d(more, reference=flipped)
    assert np.dot(xy2[:40, 0], flipped[:, 0]) > 0
    assert pca_2d(v[:1]).shape == (1, 2)
    assert pca_2d(v[:0]).shape == (0, 2)


def test_label_centroids_skip_noise_and_sit_on_points() -> None:
    xy = np.array([[0, 0], [1, 0], [0.5, 0.1], [10, 10], [11, 10], [5, 5]], dtype=np.float32)
    labels = np.array([0, 0, 0, 1, 1, -1])
    c = label_centroids(xy, labels)
    assert set(c) == {0, 1}
    assert c[0] == (pytest.approx(0.5), pytest.approx(0.1))
    assert any(np.allclose(c[1], p) for p in xy[3:5])


def test_group_labels_and_rows() -> None:
    labels, names = group_labels(["b", "a", None, "b", ""])
    assert labels.tolist() == [1, 0, -1, 1, -1]
    assert names == {0: "a", 1: "b"}
    assert nearest_rows(np.array([5, 9, 2]), [2, 7, 5]).tolist() == [2, 0]


def test_resource_paths(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SOUND_EXPLORER_RESOURCES", raising=False)
    assert resources.demo_dir() == resources.resource_path("demo")
    assert resources.resources_root().name == "resources"
    assert (resources.resources_root().parent / "core").is_dir()
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert resources.resource_path("icons", "x.svg") == tmp_path / "resources" / "icons" / "x.svg"
    monkeypatch.setenv("SOUND_EXPLORER_RESOURCES", str(tmp_path / "r"))
    assert resources.demo_dir() == tmp_path / "r" / "demo"


def test_medoids_and_tour_plan() -> None:
    from core.audio.preview import medoid_rows, tour_stops

    rng = np.random.default_rng(3)
    centres = np.eye(6, dtype=np.float32)[:3] * 4
    labels = np.repeat([0, 1, 2], [10, 6, 3])
    v = centres[labels] + rng.normal(0, 0.3, (19, 6)).astype(np.float32)
    v[0] = centres[0]  # an exact centre is the medoid of cluster 0
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    labels = labels.copy()
    labels[18] = -1  # noise never gets a stop
    med = medoid_rows(v, labels)
    assert med[0] == 0 and set(med) == {0, 1, 2}
    xy = rng.normal(0, 1, (19, 2)) + labels[:, None] * 10
    stops = tour_stops(v, xy, labels, members=3)
    assert [s.label for s in stops] == [0, 1, 2]  # by decreasing size
    assert stops[0].rows[0] == 0 and len(stops[0].rows) == 4
    assert len(set(stops[0].rows)) == 4 and all(labels[r] == 0 for r in stops[0].rows)
    assert stops[2].rows[0] == med[2] and len(stops[2].rows) == 2  # only one other member
    pts = xy[labels == 1]
    assert stops[1].span == pytest.approx(max(np.ptp(pts[:, 0]), np.ptp(pts[:, 1])))
    assert tour_stops(v, xy, np.full(19, -1)) == []
