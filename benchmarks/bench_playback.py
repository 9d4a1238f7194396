"""Click-to-sound latency of ``desktop_app.controllers.playback.Player`` and its decode path, same run.

* decode: ``core.audio.decode.load(path, sample_rate=stream_rate)`` (torchaudio resampling, the naive
  path) vs the Player's ``decode_for_playback`` (native-rate load + ``scipy.signal.resample_poly``),
  full files and the 1 s head the Player decodes synchronously;
* latency: time from ``Player.play()`` to the audio callback that first writes the new sound's
  samples (``Player.last_latency()``), for first plays (cache cold: head decoded inside play()),
  a long file (head-first), and repeat plays (cache warm).

The output is a real PortAudio stream on an ALSA ``null`` device (configured here through
``ALSA_CONFIG_PATH``). That device is not clock-paced: the callback runs back to back, so the
measured latency is play()'s own work plus waiting for the callback thread. A real device adds
up to one callback period (blocksize / rate) before the callback, plus the device's output
latency (reported below) before the sound leaves the speaker.

Run:  .venv/bin/python benchmarks/bench_playback.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

_TMP = Path(tempfile.mkdtemp(prefix="bench_playback_"))
if Path("/usr/share/alsa/alsa.conf").exists() and "ALSA_CONFIG_PATH" not in os.environ:
    (_TMP / "null.conf").write_text("pcm.!default { type null }\nctl.!default { type hw card 0 }\n")
    os.environ["ALSA_CONFIG_PATH"] = f"/usr/share/alsa/alsa.conf:{_TMP / 'null.conf'}"

import numpy as np  # noqa: E402
import soundfile as sf  # noqa: E402
from PySide6 import QtCore  # noqa: E402

from core.audio import decode as audio
from desktop_app.controllers.playback import Player, decode_for_playback  # noqa: E402
from tests.synth import write_collection  # noqa: E402


def stats(ms: list[float]) -> str:
    a = np.asarray(ms)
    return f"{np.median(a):.2f} / {np.percentile(a, 90):.2f} / {a.max():.2f} ms"


def main() -> int:
    app = QtCore.QCoreApplication.instance() or QtCore.QCoreApplication([])
    root = _TMP / "lib"
    labels = write_collection(root, per_class=8, seed=0)
    files = [str(root / p) for p in sorted(labels)]
    long = _TMP / "long.wav"
    rng = np.random.default_rng(0)
    sf.write(long, (rng.standard_normal(44100 * 60) * 0.1).astype(np.float32), 44100)
    # the rate the default output device will run at; the Player (whose stream on the null device
    # spins a CPU core) is only created after the decode measurements
    import sounddevice as sd

    try:
        rate = int(sd.query_devices(None, "output")["default_samplerate"])
    except Exception as exc:  # noqa: BLE001
        print("no audio output:", exc)
        return 1
    rows: list[tuple[str, str, str]] = []

    # ------------------------------------------------------------ decode paths
    audio.load(files[0], sample_rate=rate)  # warm torch
    decode_for_playback(files[0], rate)
    def timed(fn, *args) -> list[float]:  # noqa: ANN001, ANN002
        out = []
        for f in files:
            t = time.perf_counter()
            fn(f, *args)
            out.append((time.perf_counter() - t) * 1e3)
        return out

    # separate passes: torch's OpenMP workers spin for a while after each op and would slow
    # whatever runs right after them
    naive = timed(lambda f: audio.load(f, sample_rate=rate))
    time.sleep(0.5)
    mine = timed(decode_for_playback, rate)
    head = timed(decode_for_playback, rate, 0.5)
    rows.append(("decode whole file, core.audio.decode.load(sample_rate=…) [torchaudio]", stats(naive), ""))
    rows.append(("decode whole file, decode_for_playback [resample_poly]", stats(mine),
                 f"{statistics.median(naive) / statistics.median(mine):.1f}× faster (median)"))
    rows.append(("decode 0.5 s head (what play() does on a cache miss)", stats(head), ""))
    t = time.perf_counter()
    audio.load(str(long), sample_rate=rate)
    t_long_naive = (time.perf_counter() - t) * 1e3
    t = time.perf_counter()
    decode_for_playback(str(long), rate)
    t_long = (time.perf_counter() - t) * 1e3
    rows.append(("decode 60 s file: torchaudio vs resample_poly (worker thread)",
                 f"{t_long_naive:.0f} ms vs {t_long:.0f} ms", ""))

    # ------------------------------------------------------------ latency
    player = Player()
    if not player.is_available():
        print("no audio output:", player.unavailable_reason())
        return 1
    assert player.sample_rate() == rate
    info = player.stream_info()
    def measure(path: str) -> float:
        player.play(path)
        end = time.perf_counter() + 2.0
        while player.last_latency() is None and time.perf_counter() < end:
            time.sleep(0.0002)
        lat = player.last_latency()
        player.stop()
        app.processEvents()
        time.sleep(0.01)
        return float("nan") if lat is None else lat * 1e3

    player.cache().clear()
    cold = [measure(f) for f in files]
    warm = [measure(f) for f in files]
    player.cache().clear()
    long_cold = [measure(str(long))]
    player.wait_idle(30)
    long_warm = [measure(str(long)) for _ in range(5)]
    period = info["blocksize"] / rate * 1e3
    rows.append((f"play() → first callback with the sound, first play ({len(files)} files, cold cache)",
                 stats(cold), f"real device: + ≤{period:.1f} ms callback period"))
    rows.append(("play() → first callback, repeat play (cached)", stats(warm), ""))
    rows.append(("play() → first callback, 60 s file first play (0.5 s head sync, rest on worker)",
                 stats(long_cold), ""))
    rows.append(("play() → first callback, 60 s file cached", stats(long_warm), ""))
    player.close()

    head_row = f"# bench_playback (stream {rate} Hz, blocksize {info['blocksize']}, " \
               f"reported output latency {info['latency'] * 1e3:.1f} ms, loadavg {os.getloadavg()[0]:.1f})"
    lines = [head_row, "", "| measure | median / p90 / max | note |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    (out / "bench_playback.md").write_text(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
