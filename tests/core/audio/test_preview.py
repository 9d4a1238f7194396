from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from core.audio.decode import DecodeError
from core.audio.preview import load_preview, spectrogram_db, waveform_envelope


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


def test_log_frequency_spectrogram_and_levels() -> None:
    """Octaves get equal height; a quiet low sound (an 808) is not drawn black."""
    sr = 22050
    t = np.arange(sr) / sr
    x = (0.05 * np.sin(2 * np.pi * 55 * t) * np.exp(-3 * t)).astype(np.float32)  # a soft 55 Hz boom
    spec = spectrogram_db(x, sr, n_fft=2048, log_freq=True, n_bands=120)
    assert spec.db.shape == (120, spec.times.shape[0])
    ratios = spec.freqs[1:] / spec.freqs[:-1]
    assert np.allclose(ratios, ratios[0], rtol=1e-4) and spec.freqs[0] < 40 and spec.freqs[-1] > 9000
    peak = spec.freqs[np.argmax(spec.db.max(axis=1))]
    assert 45 < peak < 70
    lo, hi = spec.levels
    assert hi == 0.0 and -80.0 <= lo <= -30.0
    shown = (spec.db > lo).mean()  # a visible part of the image, not all black
    assert shown > 0.15
    assert np.isfinite(spec.db).all()


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
