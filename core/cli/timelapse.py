"""``sound-explorer timelapse DIR --model NAME -o FILE.gif``: the training timelapse of a trained model
(its map after every epoch, aligned so that sounds move rather than jump) as an animated GIF
(:mod:`core.training.timelapse`, :mod:`core.maps.timelapse`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from core.cli.common import add_library_args, open_library
from core.cli.progress import drive


def add_timelapse_parser(subparsers) -> None:
    from core.maps.timelapse import ALIGN_MODES
    from core.training.timelapse import COLOUR_MODES, DEFAULT_MAX_SOUNDS

    p = subparsers.add_parser(
        "timelapse", help="the map of a trained model epoch by epoch, as an animated GIF",
        description="Embed a subset of the library with each saved epoch of a trained model, draw one map per "
                    "epoch (each UMAP started from the previous one and aligned to it) and write the animation.")
    add_library_args(p, model=False)
    p.add_argument("--model", required=True, help="a model trained in Sound Explorer (its epoch weights are kept)")
    p.add_argument("-o", "--out", type=Path, required=True, help="the GIF to write")
    p.add_argument("--fps", type=float, default=12.0, help="frames per second between epochs (default: 12)")
    p.add_argument("--steps", type=int, default=8, help="frames eased between two epochs (default: 8)")
    p.add_argument("--hold", type=float, default=0.8, help="seconds each epoch's map is held (default: 0.8)")
    p.add_argument("--max-sounds", type=int, default=DEFAULT_MAX_SOUNDS,
                   help=f"at most this many sounds, a fixed random subset (default: {DEFAULT_MAX_SOUNDS})")
    p.add_argument("--colour-by", choices=COLOUR_MODES, default="cluster",
                   help="cluster (of the last epoch), folder, type (sound type) or none (default: cluster)")
    p.add_argument("--align", choices=ALIGN_MODES, default="init",
                   help="init: each map starts from the previous one, then Procrustes (default); "
                        "procrustes: independent maps, aligned; none: independent maps")
    p.add_argument("--size", default="560x440", help="width x height in pixels (default: 560x440)")
    p.set_defaults(func=cmd_timelapse)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"--size is WIDTHxHEIGHT, e.g. 560x440, not {text!r}") from None
    if not (160 <= w <= 4000 and 120 <= h <= 4000):
        raise ValueError("--size: width 160–4000 and height 120–4000 pixels")
    return w, h


def cmd_timelapse(args: argparse.Namespace) -> int:
    from core.maps.timelapse import render_frames, write_timelapse_gif
    from core.training.timelapse import timelapse_job

    width, height = _size(args.size)
    if args.fps <= 0 or args.steps < 0 or args.hold < 0 or args.max_sounds < 3:
        raise ValueError("--fps must be positive, --steps and --hold not negative, --max-sounds at least 3")
    with open_library(args) as lib:
        tl = drive(timelapse_job(lib, args.model, max_sounds=args.max_sounds, colour_by=args.colour_by,
                                 align=args.align), quiet=args.quiet)
        frames = render_frames(tl, width=width, height=height, fps=args.fps, tween_steps=args.steps,
                               hold_s=args.hold)
        path = write_timelapse_gif(args.out, frames)
    seconds = sum(frames.delays_cs) / 100
    print(f"{path}: {len(frames.images)} frames ({len(tl.epochs)} epochs, {len(tl.ids)} sounds), "
          f"{seconds:.1f} s, {path.stat().st_size / 1024:.0f} KiB")
    return 0
