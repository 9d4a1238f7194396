from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from core.audio import decode as audio
from tests.synth import make_sound


@pytest.mark.parametrize(
    "ext,fmt,subtype",
    [("wav", "WAV", "PCM_16"), ("flac", "FLAC", "PCM_24"), ("ogg", "OGG", "VORBIS"), ("aiff", "AIFF", "PCM_16"), ("mp3", "MP3", "MPEG_LAYER_III")],
)
def test_decodes_common_formats(tmp_path: Path, ext: str, fmt: str, subtype: str) -> None:
    sr = 44100
    x = np.sin(2 * np.pi * 440 * np.arange(sr) / sr).astype(np.float32) * 0.5
    p = tmp_path / f"a.{ext}"
    sf.write(p, np.stack([x, x], 1), sr, format=fmt, subtype=subtype)
    info = audio.probe(p)
    assert info.channels == 2 and info.sample_rate == sr
    assert info.duration == pytest.approx(1.0, abs=0.06)
    y, rate = audio.load(p, 22050)
    assert rate == 22050 and y.ndim == 1 and y.dtype == np.float32
    assert abs(len(y) - 22050) < 0.06 * 22050
    # the tone survives decoding + resampling: its spectrum peaks at 440 Hz
    spec = np.abs(np.fft.rfft(y[:16384]))
    assert abs(np.argmax(spec) * 22050 / 16384 - 440) < 5


def test_bit_depth_and_odd_rates(tmp_path: Path) -> None:
    p = tmp_path / "odd.wav"
    sf.write(p, np.zeros((1234, 5), np.float32) + 0.1, 11025, subtype="PCM_24")
    info = audio.probe(p)
    assert (info.bit_depth, info.channels, info.sample_rate) == (24, 5, 11025)
    y, _ = audio.load(p, 48000)
    assert len(y) == pytest.approx(1234 * 48000 / 11025, abs=2)


def test_typed_errors(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    garbage = tmp_path / "garbage.flac"
    garbage.write_bytes(os.urandom(4000))
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    cases = {empty: audio.EmptyFile, garbage: audio.CorruptFile, text: audio.UnsupportedFormat, tmp_path / "gone.wav": audio.UnreadableFile}
    for path, err in cases.items():
        with pytest.raises(err) as exc:
            audio.load(path)
        assert str(exc.value).startswith(err.reason + ":")
        assert "\n" not in str(exc.value)


def test_truncated_file_decodes_what_is_there_or_fails_cleanly(tmp_path: Path) -> None:
    p = tmp_path / "t.wav"
    sf.write(p, make_sound("tone", np.random.default_rng(0), 22050, 2.0), 22050)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    try:
        y, _ = audio.load(p)
        assert 0 < len(y) <= 22050 * 2
    except audio.DecodeError as exc:
        assert exc.reason in ("corrupt", "empty")


def test_header_only_wav_is_empty(tmp_path: Path) -> None:
    p = tmp_path / "h.wav"
    sf.write(p, np.zeros((0, 1), np.float32), 22050)
    with pytest.raises(audio.EmptyFile):
        audio.probe(p)


def test_long_file_is_read_in_bounded_blocks(tmp_path: Path) -> None:
    sr = 8000
    p = tmp_path / "long.wav"
    with sf.SoundFile(p, "w", sr, 1, "PCM_16") as f:
        for _ in range(30):  # 5 minutes written in pieces
            f.write(np.random.default_rng(1).uniform(-0.1, 0.1, sr * 10).astype(np.float32))
    blocks = list(audio.iter_blocks(p, sr, block_seconds=60, overlap_s=1.0))
    assert len(blocks) == 5
    assert max(len(b) for b in blocks) <= 61 * sr
    assert sum(len(b) for b in blocks) == 300 * sr + 4 * sr  # 4 seams of 1 s overlap


def test_poly_resampler_matches_torch(tmp_path: Path) -> None:
    p = tmp_path / "r.wav"
    sr = 44100
    sf.write(p, np.sin(2 * np.pi * 1000 * np.arange(sr) / sr).astype(np.float32) * 0.5, sr)
    a, _ = audio.load(p, 48000)
    b, _ = audio.load(p, 48000, resampler="poly")
    assert len(a) == len(b) == 48000
    np.testing.assert_allclose(a[1000:-1000], b[1000:-1000], atol=0.02)
