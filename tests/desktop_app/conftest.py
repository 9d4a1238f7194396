"""Fixtures for the desktop app tests.

``null_audio``: a real PortAudio/ALSA output that discards samples. ALSA reads the extra config
named by ``ALSA_CONFIG_PATH`` (a colon list; the system ``alsa.conf`` must stay first), which here
defines ``pcm.!default`` as the ``null`` plugin and a named ``sxnull`` device; PortAudio is then
re-initialised so it enumerates them. Note: the null plugin is not paced by a clock, so the stream
runs as fast as the CPU allows (a playing sound is consumed in milliseconds); players in tests
should use a large ``blocksize`` and be closed promptly.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

_ALSA_CONF = Path("/usr/share/alsa/alsa.conf")
_NULL_CONF = """
pcm.!default { type null }
ctl.!default { type hw card 0 }
pcm.sxnull { type null hint { show on description "Sound Explorer test null output" } }
"""


def _reinit_portaudio() -> None:
    import sounddevice as sd

    sd._terminate()  # noqa: SLF001 - re-enumerate devices after changing the ALSA config
    sd._initialize()  # noqa: SLF001


@pytest.fixture()
def null_audio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Make PortAudio's default output an ALSA ``null`` device; yields the device name."""
    if not _ALSA_CONF.exists():
        pytest.skip("no ALSA configuration on this machine")
    try:
        import sounddevice  # noqa: F401
    except OSError as exc:  # pragma: no cover - PortAudio missing
        pytest.skip(f"PortAudio not available: {exc}")
    conf = tmp_path_factory.mktemp("alsa") / "asound-null.conf"
    conf.write_text(_NULL_CONF)
    old = os.environ.get("ALSA_CONFIG_PATH")
    os.environ["ALSA_CONFIG_PATH"] = f"{_ALSA_CONF}:{conf}"
    _reinit_portaudio()
    try:
        yield "sxnull"
    finally:
        if old is None:
            os.environ.pop("ALSA_CONFIG_PATH", None)
        else:
            os.environ["ALSA_CONFIG_PATH"] = old
        _reinit_portaudio()
