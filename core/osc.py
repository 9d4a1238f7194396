"""OSC out: hover, selection and cluster-tour steps as Open Sound Control messages (python-osc, UDP).

For live performance: a patch in Max, Pure Data, SuperCollider or TouchDesigner follows what the
presenter points at. Off by default (:class:`OscSettings`); the GUI keeps the settings and calls
:class:`OscSender`. Sending never raises: a failed send (no route, bad host) is counted and the last
error kept in :attr:`OscSender.last_error`.

Address scheme (``PREFIX`` = :attr:`OscSettings.prefix`, ``/sound-explorer`` by default); ``path`` is
the sound's absolute path, ``x``/``y`` its map position, ``cluster`` its number as the app shows it
(1, 2, …; 0 = noise or no clustering):

====================  ===================================================================
``PREFIX/hover``      ``id:int path:str x:float y:float``: the pointer is over a sound
``PREFIX/select``     ``id:int path:str x:float y:float cluster:int``: a sound was selected
``PREFIX/tour``       ``cluster:int name:str step:int steps:int id:int path:str``: a tour step
                      (``step`` counts from 1 within the cluster's ``steps``)
``PREFIX/tour/stop``  no arguments: the tour ended or was stopped
====================  ===================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

DEFAULT_PORT = 57120  # SuperCollider's language port; Max/Pd/TouchDesigner listen where they are told


@dataclass(frozen=True, slots=True)
class OscSettings:
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    prefix: str = "/sound-explorer"

    def __post_init__(self) -> None:
        if not 0 < int(self.port) < 65536:
            raise ValueError(f"OSC port must be between 1 and 65535, not {self.port}")
        if not str(self.host).strip():
            raise ValueError("OSC host is empty")
        if not self.prefix.startswith("/") or self.prefix.endswith("/") and self.prefix != "/":
            raise ValueError(f"OSC prefix must start with '/' and not end with one: {self.prefix!r}")


class OscSender:
    """Sends the app's events when ``settings.enabled``; otherwise every call is a no-op."""

    def __init__(self, settings: OscSettings = OscSettings()) -> None:
        self.settings = settings
        self.sent = 0
        self.failed = 0
        self.last_error: str | None = None
        self._client: Any = None

    @property
    def enabled(self) -> bool:
        return self.settings.enabled

    def _send(self, address: str, args: list[Any]) -> bool:
        if not self.settings.enabled:
            return False
        try:
            if self._client is None:
                from pythonosc.udp_client import SimpleUDPClient

                self._client = SimpleUDPClient(self.settings.host, int(self.settings.port))
            self._client.send_message(self.settings.prefix.rstrip("/") + address, args)
        except (OSError, ValueError) as exc:  # unresolvable host, no route, …: never stop the app
            self.failed += 1
            self.last_error = f"OSC to {self.settings.host}:{self.settings.port} failed: {exc}"
            return False
        self.sent += 1
        return True

    def hover(self, sound_id: int, path: str, x: float, y: float) -> bool:
        return self._send("/hover", [int(sound_id), str(path), float(x), float(y)])

    def select(self, sound_id: int, path: str, x: float, y: float, cluster: int = 0) -> bool:
        return self._send("/select", [int(sound_id), str(path), float(x), float(y), int(cluster)])

    def tour_step(self, cluster: int, name: str, step: int, steps: int, sound_id: int, path: str) -> bool:
        return self._send("/tour", [int(cluster), str(name), int(step), int(steps), int(sound_id), str(path)])

    def tour_stop(self) -> bool:
        return self._send("/tour/stop", [])

    def close(self) -> None:
        client, self._client = self._client, None
        sock = getattr(client, "_sock", None)
        if sock is not None:
            sock.close()
