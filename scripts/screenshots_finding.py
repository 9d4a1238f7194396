"""Take the README's screenshots of the finding features (issue 10) in the real app, under Xvfb:

    xvfb-run -a -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots_finding.py [--model pretrained]

The library is a copy of the bundled demo with a few changes so that every feature has something
to show: two copies of a snare (FLAC and a 6 dB quieter WAV) for the duplicates, and ten sounds
moved to the top level under meaningless names (no tags) for the suggested tags. The microphone is
ALSA's ``file`` capture plugin playing a demo sound (as in the tests), so the recording window
shows a real PortAudio recording. Writes docs/img/finding-{query,record,duplicates,tags,filters,kit}.png.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MIC_CONF = """
pcm.!default {{ type null }}
ctl.!default {{ type hw card 0 }}
pcm.shotfile {{ type file slave {{ pcm "null" }} file "/dev/null" infile "{raw}" format "raw" }}
pcm.microphone {{ type plug slave {{ pcm "shotfile" format S16_LE rate 44100 channels 1 }}
                 hint {{ show on description "Demo microphone" }} }}
"""


def make_library(tmp: Path) -> Path:
    import soundfile as sf

    from core.resources import demo_dir

    lib = tmp / "My sounds"
    shutil.copytree(demo_dir(), lib)
    snare = lib / "drums" / "drum_snare_hard.flac"
    x, sr = sf.read(snare, dtype="float32")
    sf.write(lib / "drums" / "drum_snare_hard copy.wav", x, sr, subtype="PCM_24")
    sf.write(lib / "drums" / "snare_quiet.wav", x * 0.5, sr, subtype="PCM_16")
    rng = np.random.default_rng(3)
    files = sorted(p for p in lib.rglob("*.flac") if p.parent.name in ("kick", "ambient", "bass", "percussion"))
    for p in rng.choice(files, 10, replace=False):
        p.rename(lib / f"{''.join(rng.choice(list('abcdefghjkmnpqrstuvwxyz23456789'), 6))}{p.suffix}")
    return lib


def make_microphone(tmp: Path) -> None:
    """An ALSA capture device that plays a demo kick (set before PortAudio starts)."""
    import soundfile as sf
    from scipy.signal import resample_poly

    from core.resources import demo_dir

    x, sr = sf.read(demo_dir() / "kick" / min(os.listdir(demo_dir() / "kick")), dtype="float32", always_2d=True)
    y = resample_poly(x[:, 0], 44100, sr) if sr != 44100 else x[:, 0]
    y = np.concatenate([np.zeros(4410, np.float32), y, np.zeros(22050, np.float32)])
    raw = tmp / "mic.raw"
    (np.clip(y, -1, 1) * 32767).astype("<i2").tofile(raw)
    conf = tmp / "asound.conf"
    conf.write_text(MIC_CONF.format(raw=raw))
    os.environ["ALSA_CONFIG_PATH"] = f"/usr/share/alsa/alsa.conf:{conf}"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="pretrained")
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="se-finding-shots-"))
    os.environ.setdefault("SOUND_EXPLORER_HOME", str(tmp / "home"))
    make_microphone(tmp)
    library = make_library(tmp)

    from PySide6.QtCore import QPoint, QTimer
    from PySide6.QtGui import QPainter, QPixmap

    from desktop_app.application import create_app
    from desktop_app.model.settings import Settings
    from desktop_app.window import MainWindow

    app = create_app(sys.argv[:1])
    settings = Settings.load()
    settings.model = args.model
    win = MainWindow(settings, show_error=lambda t, m, d: print("error:", t, m, d, file=sys.stderr), persist=False)
    win.resize(1440, 880)
    args.out.mkdir(parents=True, exist_ok=True)
    ui, st = win.finding_ui, win.state
    done: list[str] = []

    def save(pix: QPixmap, name: str) -> None:
        pix.save(str(args.out / name))
        done.append(name)
        print("wrote", args.out / name, flush=True)

    def with_dialog(dialog, name: str, corner: str = "right") -> None:
        """The window with ``dialog`` drawn over one corner (both are real grabs)."""
        app.processEvents()
        base = win.grab()
        top = dialog.grab()
        p = QPainter(base)
        x = base.width() - top.width() - 24 if corner == "right" else 24
        p.drawPixmap(QPoint(x, base.height() - top.height() - 40), top)
        p.end()
        save(base, name)

    def when(cond: Callable[[], bool], then: Callable[[], None], ms: int = 200) -> None:
        QTimer.singleShot(ms, lambda: then() if cond() else when(cond, then, ms))

    def idle() -> bool:
        return not win.jobs.is_busy()

    def row_of(rel: str) -> int:
        return next(r for r in range(len(st.ids)) if st.info(r).relpath == rel)

    # 1. query by a file dropped on the map (a sound from outside the library)
    def query() -> None:
        outside = tmp / "outside"
        outside.mkdir()
        src = library / "electronic" / "elec_hollow_kick.flac"
        shutil.copy(src, outside / "my kick.flac")
        d = ui.find_like()
        d.resize(420, 420)
        d.query_file(outside / "my kick.flac")
        when(lambda: d.result is not None and idle(), lambda: QTimer.singleShot(1200, lambda: shot_query(d)))

    def shot_query(d) -> None:
        with_dialog(d, "finding-query.png")
        d.close()
        record()

    # 2. a recording from the (demo) microphone
    def record() -> None:
        r = ui.record_dialog()
        r.device.setCurrentIndex(next(i for i in range(r.device.count()) if r.device.itemText(i).startswith("microphone")))
        r.recorder.max_seconds = 1.2
        r.toggle()
        when(lambda: not r.recorder.is_recording(), lambda: shot_record(r))

    def shot_record(r) -> None:
        r.start_s.setValue(0.05)
        r.end_s.setValue(0.9)
        r.adjustSize()
        app.processEvents()
        save(r.grab(), "finding-record.png")
        r.close()
        duplicates()

    # 3. near-duplicates
    def duplicates() -> None:
        d = ui.duplicates()
        d.resize(820, 420)
        when(lambda: d.report is not None, lambda: shot_dups(d))

    def shot_dups(d) -> None:
        g = d.tree.topLevelItem(0)
        if g is not None and g.childCount() > 1:
            d.tree.setCurrentItem(g.child(1))
        app.processEvents()
        save(d.grab(), "finding-duplicates.png")
        d.close()
        tags()

    # 4. suggested tags
    def tags() -> None:
        d = ui.suggested_tags()
        d.resize(820, 420)
        d.min_confidence.setValue(0.06)  # 31 tags share a sound's confidence here: 0.07–0.13 each
        d.load()
        when(lambda: d.rerun.isEnabled() and idle(), lambda: shot_tags(d))

    def shot_tags(d) -> None:
        if d.suggestions:
            d.tree.topLevelItem(0).setSelected(True)
            d.review(d.chosen(), "accepted")
            d.tree.clearSelection()
            if len(d.suggestions) > 2:
                d.tree.topLevelItem(2).setSelected(True)
        app.processEvents()
        save(d.grab(), "finding-tags.png")
        d.close()
        filters()

    # 5. favourites and the filter panel
    def filters() -> None:
        drums = [r for r in range(len(st.ids)) if st.info(r).folder in ("drums", "kick")]
        ui.finding.set_favourite([int(st.ids[r]) for r in drums[:9]], True)
        ui.finding.set_rating([int(st.ids[r]) for r in drums[:5]], 4)
        when(lambda: idle() and ui.finding.data is not None and len(ui.finding.data.favourites) >= 9, shot_filters)

    def shot_filters() -> None:
        win.map.reset_view()
        ui.show_filters()
        ui.filters.favourites.setChecked(True)
        win.binding.flush()
        QTimer.singleShot(800, lambda: (app.processEvents(), save(win.grab(), "finding-filters.png"),
                                        ui.filters.clear(), kit()))

    # 6. the kit builder
    def kit() -> None:
        k = ui.kit()
        picks = ["drums/drum_heavy_kick.flac", "drums/drum_snare_hard.flac", "drums/drum_cymbal_closed.flac",
                 "drums/drum_cymbal_pedal.flac", "drums/drum_cowbell.flac", "drums/drum_tom_hi_soft.flac"]
        ids = [int(st.ids[row_of(p)]) for p in picks if any(st.info(r).relpath == p for r in range(len(st.ids)))]
        k.add_sounds(ids)
        for step in (0, 4, 8, 12):
            k.set_step(0, step)
        for step in (4, 12):
            k.set_step(1, step)
        for step in range(0, 16, 2):
            k.set_step(2, step)
        k.hit(1)
        k.resize(900, 700)
        QTimer.singleShot(600, lambda: (app.processEvents(), save(k.grab(), "finding-kit.png"), finish()))

    def finish() -> None:
        win.close()
        app.quit()

    started: list[int] = []

    def on_map() -> None:
        if not started:
            started.append(1)
            when(idle, query, 500)

    win.pipeline.mapReady.connect(on_map)
    win.show()
    QTimer.singleShot(0, lambda: win.open_library(library))
    QTimer.singleShot(900_000, app.quit)
    app.exec()
    return 0 if len(done) == 6 else 1


if __name__ == "__main__":
    sys.exit(main())
