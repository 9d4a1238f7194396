"""The training timelapse's maps and GIF: alignment, interpolation, rendering, the GIF file."""

from __future__ import annotations

import numpy as np
import pytest

from core.jobs import run_job
from core.maps.gif import encode_gif, write_gif
from core.maps.timelapse import (
    Timelapse, aligned_layouts, displacement, procrustes, render_frames, tween, write_timelapse_gif,
)


def drifting_epochs(n_epochs: int = 5, n: int = 160, dim: int = 24, seed: int = 0) -> list[np.ndarray]:
    """Vectors of the same sounds over epochs: four groups drifting apart a little each epoch."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(4, dim))
    group = np.arange(n) % 4
    base = rng.normal(size=(n, dim))
    out = []
    for e in range(n_epochs):
        x = base + (0.6 + 0.5 * e) * centres[group] + 0.15 * rng.normal(size=(n, dim))
        out.append((x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32))
    return out


def test_aligned_maps_move_less_than_independent_ones():
    sets = drifting_epochs()
    aligned = run_job(aligned_layouts(sets, align="init"))
    independent = run_job(aligned_layouts(sets, align="none"))
    procrustes_only = run_job(aligned_layouts(sets, align="procrustes"))
    d_aligned, d_none, d_proc = displacement(aligned), displacement(independent), displacement(procrustes_only)
    assert len(aligned) == 5 and all(xy.shape == (160, 2) for xy in aligned)
    assert d_aligned.mean() < 0.5 * d_none.mean(), (d_aligned, d_none)
    assert d_proc.mean() < d_none.mean(), (d_proc, d_none)
    np.testing.assert_array_equal(aligned[0], independent[0])  # epoch 0 is the same ordinary map


def test_procrustes_undoes_rotation_scale_and_shift():
    rng = np.random.default_rng(1)
    ref = rng.normal(size=(50, 2))
    a = np.deg2rad(70)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    moved = 3.0 * ref @ rot + np.array([5.0, -2.0])
    np.testing.assert_allclose(procrustes(moved, ref), ref, atol=1e-5)
    mirrored = ref * np.array([-1.0, 1.0])  # a reflection is not undone: only rotations
    assert np.abs(procrustes(mirrored, ref) - ref).max() > 0.1


def test_tween_eases_between_epochs():
    a, b = np.zeros((3, 2), np.float32), np.ones((3, 2), np.float32)
    frames = tween([a, b], steps=3)
    assert [(k, round(t, 2)) for k, t, _ in frames] == [(0, 0.0), (0, 0.25), (0, 0.5), (0, 0.75), (1, 0.0)]
    np.testing.assert_allclose(frames[2][2], 0.5)
    assert 0 < frames[1][2][0, 0] < 0.25  # eased: slower at the start


def _decode_with_qt(path):
    """Frames of a GIF as RGB arrays, with Qt's own GIF reader (an independent decoder)."""
    from PySide6.QtGui import QImage, QImageReader

    reader = QImageReader(str(path))
    out = []
    for _ in range(reader.imageCount()):
        img = reader.read().convertToFormat(QImage.Format.Format_RGB888)
        a = np.frombuffer(img.constBits(), np.uint8).reshape(img.height(), img.bytesPerLine())
        out.append(a[:, : img.width() * 3].reshape(img.height(), img.width(), 3).copy())
    return out


def test_gif_writer_round_trips_through_an_independent_decoder(tmp_path):
    rng = np.random.default_rng(0)
    palette = rng.integers(0, 256, (20, 3)).astype(np.uint8)
    frames = [np.zeros((60, 90), np.uint8), rng.integers(0, 20, (60, 90)).astype(np.uint8),  # noise: table resets
              np.full((60, 90), 7, np.uint8)]
    path = write_gif(tmp_path / "t.gif", frames, palette, [10, 20, 30])
    assert path.read_bytes()[:6] == b"GIF89a" and path.read_bytes()[-1:] == b";"
    decoded = _decode_with_qt(path)
    assert len(decoded) == 3
    for d, f in zip(decoded, frames):
        np.testing.assert_array_equal(d, palette[f])
    with pytest.raises(ValueError):
        encode_gif([np.full((4, 4), 30, np.uint8)], palette)  # index outside the palette


def _timelapse(n_epochs: int = 3) -> Timelapse:
    sets = drifting_epochs(n_epochs + 1, n=80)
    layouts = run_job(aligned_layouts(sets))
    labels = np.arange(80) % 4
    labels[:5] = -1
    return Timelapse(np.arange(80), list(range(n_epochs + 1)), layouts, n_epochs, labels,
                     {0: "kick", 1: "snare", 2: "hihat", 3: "pad"}, title="demo")


def test_rendered_gif_has_the_expected_frames_and_colours(tmp_path):
    tl = _timelapse(3)
    frames = render_frames(tl, width=400, height=300, fps=10, tween_steps=4, hold_s=0.5)
    assert len(frames.images) == 4 + 3 * 4  # 4 epoch maps, 4 eased frames between each pair
    assert frames.epochs[:6] == [0, 0, 0, 0, 0, 1]
    assert frames.delays_cs[0] == 50 and frames.delays_cs[1] == 10 and frames.delays_cs[-1] == 100
    path = write_timelapse_gif(tmp_path / "tl.gif", frames)
    decoded = _decode_with_qt(path)
    assert len(decoded) == 16 and decoded[0].shape == (300, 400, 3)
    # every group colour is on every frame (colours are fixed per sound)
    for img in decoded:
        colours = {tuple(c) for c in img.reshape(-1, 3)}
        assert all(tuple(frames.palette[7 + g]) in colours for g in range(4))
    assert not np.array_equal(decoded[0], decoded[-1])  # the points moved


def test_gif_frame_count_and_delays_read_back_with_pillow(tmp_path):
    from PIL import Image

    frames = render_frames(_timelapse(2), tween_steps=2)
    path = write_timelapse_gif(tmp_path / "tl.gif", frames)
    with Image.open(path) as im:
        assert im.n_frames == len(frames.images) == 3 + 2 * 2
        durations = []
        for k in range(im.n_frames):
            im.seek(k)
            durations.append(im.info["duration"])
        assert durations == [10 * d for d in frames.delays_cs]
