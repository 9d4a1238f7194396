"""Player on a real PortAudio stream (ALSA null device): the callback consumes the file's samples."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from desktop_app.controllers.playback import AudioCache, Player, decode_for_playback


@pytest.fixture()
def player(null_audio: str, qtbot) -> Player:  # noqa: ANN001
    p = Player(blocksize=1024, head_seconds=1.0)
    assert p.is_available(), p.unavailable_reason()
    yield p
    p.close()


def wait_stopped(qtbot, player: Player, timeout: int = 5000) -> None:  # noqa: ANN001
    qtbot.waitUntil(lambda: not player.is_playing(), timeout=timeout)


def test_playing_a_file_consumes_exactly_its_samples(player: Player, synth_dir, qtbot) -> None:  # noqa: ANN001
    root, labels = synth_dir
    # one short file (decoded at once) and one longer than the 1 s head (finished by the worker)
    files = sorted(root / p for p in labels)
    lengths = {f: sf.info(str(f)).duration for f in files}
    short = min(files, key=lambda f: lengths[f])
    long = max(files, key=lambda f: lengths[f])
    assert lengths[short] < 1.0 < lengths[long]
    states: list[str] = []
    player.stateChanged.connect(states.append)
    for f in (short, long):
        want, complete = decode_for_playback(str(f), player.sample_rate())
        assert complete
        before = player.frames_played
        player.play(f)
        assert player.current_path() == str(f)
        assert player.is_playing()
        wait_stopped(qtbot, player)
        assert player.frames_played - before == want.shape[0]
        assert player.voice_frames() == want.shape[0]
        assert player.peak() == pytest.approx(float(np.abs(want).max()), rel=1e-4)
        assert player.last_latency() is not None and player.last_latency() > 0
    assert states == ["playing", "stopped", "playing", "stopped"]
    assert player.is_cached(long)


def long_file(tmp_path: Path, rate: int, seconds: float = 30.0) -> Path:
    t = np.arange(int(rate * seconds)) / rate
    x = (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
    path = tmp_path / "long.wav"
    sf.write(path, x, rate, subtype="FLOAT")
    return path


def test_stop_stops_and_toggle(player: Player, tmp_path: Path, qtbot) -> None:  # noqa: ANN001
    path = long_file(tmp_path, player.sample_rate())
    total = int(player.sample_rate() * 30.0)
    before = player.frames_played
    player.play(path)
    player.stop()
    assert not player.is_playing() and player.current_path() is None
    qtbot.wait(50)
    played = player.frames_played - before
    assert played < total
    calls = player.callbacks
    qtbot.wait(100)
    assert player.callbacks > calls  # the stream keeps running ...
    assert player.frames_played - before == played  # ... but plays nothing
    player.toggle(path)
    assert player.is_playing() and player.current_path() == str(path)
    player.toggle(path)
    assert not player.is_playing()


def test_volume_scales_the_output(player: Player, synth_dir, qtbot) -> None:  # noqa: ANN001
    root, labels = synth_dir
    tone = next(root / p for p, c in sorted(labels.items()) if c == "tone")
    player.play(tone)
    wait_stopped(qtbot, player)
    full = player.peak()
    assert full > 0.1
    player.set_volume(0.25)
    assert player.volume() == 0.25
    player.play(tone)
    wait_stopped(qtbot, player)
    assert player.peak() == pytest.approx(0.25 * full, rel=1e-4)
    player.set_volume(7.0)
    assert player.volume() == 1.0


def test_preload_fills_the_cache_and_errors_are_reported(player: Player, synth_dir, tmp_path, qtbot) -> None:  # noqa: ANN001
    root, labels = synth_dir
    files = [str(root / p) for p in sorted(labels)[:6]]
    player.preload(files)
    assert player.wait_idle(20)
    assert all(player.is_cached(f) for f in files)
    bad = tmp_path / "bad.wav"
    bad.write_bytes(b"RIFF this is not audio at all" * 10)
    with qtbot.waitSignal(player.error, timeout=2000) as blocker:
        player.play(bad)
    assert "bad.wav" in blocker.args[0]
    assert not player.is_playing()


def test_devices_and_switching(player: Player, null_audio: str) -> None:
    devs = player.devices()
    named = [i for i, name in devs if name.startswith(null_audio)]
    assert named, devs
    assert player.set_device(named[0])
    assert player.stream_info()["device"] == named[0] and player.is_available()
    assert not player.set_device(10_000)  # refused; the previous device stays open
    assert player.is_available() and player.stream_info()["device"] == named[0]


def test_no_device_is_reported_once_and_calls_are_noops(qtbot, synth_dir) -> None:  # noqa: ANN001
    root, labels = synth_dir
    path = root / sorted(labels)[0]
    p = Player(device=10_000)
    got: list[str] = []
    p.unavailable.connect(got.append)
    qtbot.waitUntil(lambda: len(got) == 1, timeout=2000)
    assert not p.is_available() and "device" in got[0]
    p.play(path)
    p.toggle(path)
    p.preload([str(path)])
    p.set_volume(0.3)
    p.stop()
    assert not p.is_playing() and p.current_path() is None
    qtbot.wait(50)
    assert len(got) == 1
    p.close()


def test_audio_cache_is_lru_bounded() -> None:
    c = AudioCache(max_mb=1.0)  # 1 MiB = 262144 float32
    a, b, d = (np.zeros(100_000, np.float32) for _ in range(3))
    c.put("a", a, True)
    c.put("b", b, True)
    assert c.get("a") is not None  # a is now most recent
    c.put("d", d, True)
    assert "b" not in c and "a" in c and "d" in c
    assert c.nbytes <= c.max_bytes
    c.put("huge", np.zeros(400_000, np.float32), True)
    assert "huge" not in c
    time.sleep(0)
