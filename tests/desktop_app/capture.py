"""ALSA devices for recording tests: a test microphone that plays a synthetic sound into a real
PortAudio input stream, and a machine with no input device.

ALSA's ``null`` pcm is no use for capture: it hands PortAudio uninitialised memory, not silence
(checked: NaNs and 1e34 in float32). The ``file`` plugin's ``infile`` is: capture reads a raw file,
so a synthetic sound goes through ALSA, PortAudio and ``sounddevice.InputStream`` as a
microphone's samples would. There is no clock to pace it (no sound card), so 10 s are recorded in
a fraction of a second, and the plugin reads ahead by whole periods, skipping some. The default
output is ALSA's ``null`` device, so a ``Player`` works in the same test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.synth import make_sound

_ALSA_CONF = Path("/usr/share/alsa/alsa.conf")
RATE = 44100
_CAPTURE_CONF = """
pcm.!default {{ type null }}
ctl.!default {{ type hw card 0 }}
pcm.sxfileraw {{ type file slave {{ pcm "null" }} file "/dev/null" infile "{raw}" format "raw" }}
pcm.sxmic {{ type plug slave {{ pcm "sxfileraw" format S16_LE rate {rate} channels 1 }}
            hint {{ show on description "Sound Explorer test microphone" }} }}
"""
_NO_INPUT_CONF = """
pcm.!default { type hw card 99 }
ctl.!default { type hw card 99 }
"""


def _alsa(conf: Path) -> Iterator[None]:
    if not _ALSA_CONF.exists():
        pytest.skip("no ALSA configuration on this machine")
    try:
        import sounddevice as sd
    except OSError as exc:  # pragma: no cover - PortAudio missing
        pytest.skip(f"PortAudio not available: {exc}")
    old = os.environ.get("ALSA_CONFIG_PATH")
    os.environ["ALSA_CONFIG_PATH"] = f"{_ALSA_CONF}:{conf}"
    sd._terminate()
    sd._initialize()
    try:
        yield
    finally:
        if old is None:
            os.environ.pop("ALSA_CONFIG_PATH", None)
        else:
            os.environ["ALSA_CONFIG_PATH"] = old
        sd._terminate()
        sd._initialize()


def tone_clip(seconds: float = 2.0) -> np.ndarray:
    """The synthetic sound the test microphone hears: a harmonic tone, float32 mono at :data:`RATE`."""
    return make_sound("tone", np.random.default_rng(5), RATE, seconds=seconds)


@pytest.fixture()
def synthetic_mic(tmp_path: Path) -> Iterator[tuple[str, np.ndarray]]:
    """A capture device ``sxmic`` that plays :func:`tone_clip` into PortAudio; yields (name, clip)."""
    clip = tone_clip()
    raw = tmp_path / "mic.raw"
    (np.clip(clip, -1, 1) * 32767).astype("<i2").tofile(raw)
    conf = tmp_path / "asound-mic.conf"
    conf.write_text(_CAPTURE_CONF.format(raw=raw, rate=RATE))
    yield from (("sxmic", clip) for _ in _alsa(conf))


@pytest.fixture()
def no_input_device(tmp_path: Path) -> Iterator[None]:
    conf = tmp_path / "asound-none.conf"
    conf.write_text(_NO_INPUT_CONF)
    for _ in _alsa(conf):
        from desktop_app.controllers.recording import input_devices

        if input_devices():
            pytest.skip("this machine has a real input device")
        yield
