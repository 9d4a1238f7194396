"""OSC out, received by python-osc's own server on 127.0.0.1 (bounded waits, stopped after the test)."""

from __future__ import annotations

import queue
import threading

import pytest
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import ThreadingOSCUDPServer

from core.osc import OscSender, OscSettings


@pytest.fixture()
def receiver():
    got: queue.Queue = queue.Queue()
    disp = Dispatcher()
    disp.set_default_handler(lambda address, *args: got.put((address, list(args))))
    server = ThreadingOSCUDPServer(("127.0.0.1", 0), disp)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server.server_address[1], got
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def test_messages_arrive_with_the_documented_addresses(receiver) -> None:
    port, got = receiver
    osc = OscSender(OscSettings(enabled=True, port=port))
    try:
        assert osc.hover(3, "/lib/a.wav", 0.5, -1.25)
        assert osc.select(4, "/lib/b.wav", 2.0, 3.0, cluster=2)
        assert osc.tour_step(2, "Cluster 2", 1, 4, 4, "/lib/b.wav")
        assert osc.tour_stop()
        msgs = [got.get(timeout=5) for _ in range(4)]
    finally:
        osc.close()
    assert msgs == [
        ("/sound-explorer/hover", [3, "/lib/a.wav", 0.5, -1.25]),
        ("/sound-explorer/select", [4, "/lib/b.wav", 2.0, 3.0, 2]),
        ("/sound-explorer/tour", [2, "Cluster 2", 1, 4, 4, "/lib/b.wav"]),
        ("/sound-explorer/tour/stop", []),
    ]
    assert osc.sent == 4 and osc.failed == 0


def test_off_by_default_and_custom_prefix(receiver) -> None:
    port, got = receiver
    assert OscSettings().enabled is False
    off = OscSender(OscSettings(port=port))
    assert not off.hover(1, "a", 0, 0) and off.sent == 0
    on = OscSender(OscSettings(enabled=True, port=port, prefix="/se"))
    assert on.select(1, "a", 0, 0)
    on.close()
    assert got.get(timeout=5)[0] == "/se/select"
    assert got.empty()  # the disabled sender sent nothing


def test_bad_settings_and_failed_sends() -> None:
    with pytest.raises(ValueError, match="port"):
        OscSettings(port=0)
    with pytest.raises(ValueError, match="prefix"):
        OscSettings(prefix="x")
    osc = OscSender(OscSettings(enabled=True, port=9))
    assert not osc.hover(1, "a" * 70000, 0, 0)  # a datagram over the UDP limit fails locally; never raises
    assert osc.failed == 1 and "failed" in (osc.last_error or "")
