"""Reopening a cached 20k library in the real app: seconds from launching the process to the coloured map.

    OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/bench_reopen_gui.py [--n 20000] [--repeats 5]

The library is bench_scale's synthetic one (N short FLAC sounds in a nested tree, written once under
``benchmarks/data/scale/``), embedded with ``mfcc`` and given its default map and clusters through the CLI,
in a per-user folder kept under ``benchmarks/data/reopen/home`` (``SOUND_EXPLORER_HOME``), so later runs reuse
it. The bundled demo collection (cached in the same folder) is the same-run baseline.

Each repeat launches ``python -m desktop_app.main --smoke DIR --model mfcc`` (offscreen) and takes the
time from just before the launch to the moment the app says its map and colours are shown (the first
``mapReady``: the cached map and clusters are on the map, before the rescan finishes), and the whole
process. The first launch of each library is a warm-up and is not counted. The load average before and
after is recorded (the machine has 2 shared cores). Results: ``benchmarks/out/reopen_gui.json`` and the
section between the ``reopen-gui`` markers of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
HOME = ROOT / "benchmarks" / "data" / "reopen" / "home"
OUT = ROOT / "benchmarks" / "out" / "reopen_gui.json"
DOC = ROOT / "docs" / "benchmarks.md"
BEGIN, END = "<!-- reopen-gui:begin -->", "<!-- reopen-gui:end -->"
SHOWN = re.compile(r"timing: map shown at ([0-9.]+) \(epoch s\), (\d+) sounds, (\d+) clusters")


def _env() -> dict[str, str]:
    """The app's environment: the benchmark's per-user folder, offscreen, and bytecode caching as for any
    user (a PYTHONDONTWRITEBYTECODE set for this shell made every launch compile the app's modules)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, "SOUND_EXPLORER_HOME": str(HOME), "QT_QPA_PLATFORM": "offscreen",
            "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}


def prepare(root: Path) -> None:
    """Embed, map and cluster ``root`` through the CLI (each a no-op when already cached)."""
    for cmd in ("embed", "map", "cluster"):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "desktop_app.main", cmd, str(root), "--model", "mfcc", "-q"],
                       check=True, env=_env(), cwd=ROOT, stdout=subprocess.DEVNULL)
        print(f"{cmd} {root.name}: {time.perf_counter() - t0:.1f} s", flush=True)


def launch(root: Path, timeout: float) -> dict:
    """One app process: seconds to the shown map, and for the whole process."""
    t0 = time.time()
    proc = subprocess.run([sys.executable, "-m", "desktop_app.main", "--smoke", str(root), "--model", "mfcc",
                           "--timeout", str(timeout)], env=_env(), cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout + 60)
    total = time.time() - t0
    m = SHOWN.search(proc.stdout)
    if proc.returncode != 0 or m is None:
        raise RuntimeError(f"the app failed ({proc.returncode}): {proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return {"shown": float(m.group(1)) - t0, "process": total, "sounds": int(m.group(2)),
            "clusters": int(m.group(3))}


def measure(root: Path, repeats: int, timeout: float) -> dict:
    warm = launch(root, timeout)
    print(f"{root.name}: warm-up {warm['shown']:.2f} s to the map", flush=True)
    runs = []
    for _ in range(repeats):
        runs.append(launch(root, timeout))
        print(f"{root.name}: {runs[-1]['shown']:.2f} s to the map, {runs[-1]['process']:.2f} s process", flush=True)
    shown = [r["shown"] for r in runs]
    return {"sounds": runs[0]["sounds"], "clusters": runs[0]["clusters"], "shown": shown,
            "median": statistics.median(shown), "best": min(shown),
            "process median": statistics.median(r["process"] for r in runs)}


def report(res: dict, command: str) -> str:
    big, demo = res["library"], res["demo"]
    rows = [f"| {name} | {r['sounds']:,} | {r['clusters']} | {r['median']:.2f} s | {r['best']:.2f} s | "
            f"{', '.join(f'{s:.2f}' for s in r['shown'])} | {r['process median']:.2f} s |"
            for name, r in ((f"synthetic {big['sounds']:,}", big), ("bundled demo", demo))]
    return "\n".join([
        BEGIN,
        "## Reopening a cached library in the GUI (issue 12)",
        "",
        f"Command: `{command}` ({res['date']}; {res['cpus']} cores shared with other work; load average "
        f"{res['load before']:.1f} before, {res['load after']:.1f} after). The app process is launched "
        "(`python -m desktop_app.main --smoke DIR --model mfcc`, offscreen, with a persistent "
        "`SOUND_EXPLORER_HOME`) and timed from just before the launch to the moment its cached map and "
        "colours are shown (the first `mapReady`; the rescan goes on in the background), with Python's "
        "bytecode cache on as for any user. The library is synthetic (bench_scale's generator), embedded "
        "with `mfcc` and given its default map and clusters by the CLI beforehand; one warm-up launch per "
        "library is not counted.",
        "",
        "| library | sounds | clusters | to the coloured map (median) | best | every run (s) | whole process (median) |",
        "|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Ratio to the demo on the same run: {big['median'] / demo['median']:.2f}× "
        f"({big['sounds'] // demo['sounds']}× the sounds).",
        END,
    ])


def write_doc(section: str) -> None:
    text = DOC.read_text()
    if BEGIN in text:
        head, _, rest = text.partition(BEGIN)
        text = head + section + rest.partition(END)[2]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    DOC.write_text(text)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--timeout", type=float, default=600)
    ap.add_argument("--no-doc", action="store_true", help="do not rewrite docs/benchmarks.md")
    args = ap.parse_args()
    from bench_scale import library  # noqa: PLC0415 (benchmarks/ is on the path)

    from core.resources import demo_dir

    big = library(args.n)
    HOME.mkdir(parents=True, exist_ok=True)
    for root in (big, demo_dir()):
        prepare(root)
    load_before = os.getloadavg()[0]
    res = {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "cpus": os.cpu_count(),
           "load before": load_before, "library": measure(big, args.repeats, args.timeout),
           "demo": measure(demo_dir(), args.repeats, args.timeout), "load after": os.getloadavg()[0]}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(res, indent=1))
    command = "OMP_NUM_THREADS=1 nice -n 10 .venv/bin/python benchmarks/bench_reopen_gui.py " + " ".join(sys.argv[1:])
    section = report(res, command.strip())
    print(section)
    if not args.no_doc:
        write_doc(section)


if __name__ == "__main__":
    main()
