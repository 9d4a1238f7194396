"""Recording a query from a real PortAudio input stream (issue 10); the devices are in
``tests/desktop_app/capture.py``."""

from __future__ import annotations

import numpy as np

from core.finding.query import MAX_RECORD_SECONDS
from tests.desktop_app.capture import RATE, no_input_device, synthetic_mic  # noqa: F401 - fixtures


def test_a_recording_comes_from_a_real_input_stream_and_stops_at_ten_seconds(
        qtbot, synthetic_mic) -> None:  # noqa: F811 - the fixture
    from desktop_app.views.dialogs.recording import RecordDialog

    name, clip = synthetic_mic
    dialog = RecordDialog()
    qtbot.addWidget(dialog)
    names = [dialog.device.itemText(i) for i in range(dialog.device.count())]
    assert any(n.startswith(name) for n in names), names
    dialog.device.setCurrentIndex(next(i for i, n in enumerate(names) if n.startswith(name)))
    assert dialog.record.isEnabled() and not dialog.find.isEnabled()
    levels: list[float] = []
    dialog.recorder.level.connect(lambda _rms, peak: levels.append(peak))
    with qtbot.waitSignal(dialog.recorder.stopped, timeout=20_000):
        dialog.toggle()
    samples = dialog.recorder.samples()
    rate = dialog.recorder.rate
    assert rate == RATE and len(samples) == int(MAX_RECORD_SECONDS * RATE)  # stopped at the 10 s cap
    assert dialog.record.text() == "Record" and dialog.find.isEnabled()
    # what the test microphone heard: pieces of the clip. ALSA's file plugin reads ahead by whole
    # periods without a clock to pace it, so it skips some; each block PortAudio delivered must
    # still be an exact piece of the clip (as 16-bit samples).
    ref = (np.clip(clip, -1, 1) * 32767).astype("<i2").astype(np.float32) / 32768
    windows = np.lib.stride_tricks.sliding_window_view(ref, 64)
    for start in range(0, 16 * 1024, 1024):
        piece = samples[start : start + 64, 0]
        assert np.abs(windows - piece).max(axis=1).min() < 1e-4, f"block at {start} is not from the clip"
    assert 0.5 * np.abs(clip).max() < np.abs(samples[:RATE]).max() <= np.abs(clip).max() + 1e-3
    assert levels and max(levels) > -12.0  # the meter moved
    assert dialog.meter.value() > -12

    dialog.start_s.setValue(0.5)
    dialog.end_s.setValue(1.5)
    with qtbot.waitSignal(dialog.recorded, timeout=2000) as got:
        dialog.submit()
    trimmed, out_rate = got.args
    assert out_rate == RATE and len(trimmed) == RATE
    np.testing.assert_array_equal(trimmed, samples[RATE // 2 : RATE // 2 + RATE])


def test_stop_ends_a_recording_early(qtbot, synthetic_mic) -> None:  # noqa: F811 - the fixture
    from desktop_app.controllers.recording import Recorder

    rec = Recorder(max_seconds=600.0)  # long enough that only Stop ends it
    assert rec.start(synthetic_mic[0]) is None
    assert rec.is_recording()
    qtbot.waitUntil(lambda: rec.recorded_seconds() > 0.5, timeout=10_000)
    with qtbot.waitSignal(rec.stopped, timeout=2000):
        rec.stop()
    n = len(rec.samples())
    assert 0 < n < 600 * rec.rate and not rec.is_recording()


def test_no_input_device_is_said_clearly(qtbot, no_input_device) -> None:  # noqa: F811 - the fixture
    from desktop_app.controllers.recording import Recorder
    from desktop_app.views.dialogs.recording import RecordDialog

    dialog = RecordDialog()
    qtbot.addWidget(dialog)
    assert not dialog.record.isEnabled() and not dialog.find.isEnabled()
    assert "No microphone or other input device was found" in dialog.message.text()
    why = Recorder().start()
    assert why is not None and why.startswith("No microphone")
