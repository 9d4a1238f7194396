"""`pretrained` embedding speed against the aiSFX pipeline, side by side in one run, at equal QbE mAP.

Three pipelines embed the same folder (default: Debian's sonic-pi-samples, 165 FLAC files):

- ``aisfx``: the aiSFX package's inference pipeline (``aisfx.inference.main``), one file at a
  time: load at 44.1 kHz, peak-normalise, 96-band HTK mel power spectrogram (2048/1024),
  ``log10(1 + 10⁴·mel)`` / 9.4578, blocks of 100 frames with a 50-frame hop (last partial block
  dropped, a short file zero-padded to one block), the package's own ``EmbeddingNet`` on all blocks
  of the file, the mean of the block vectors. The package's code itself cannot run in this venv
  (it imports essentia, or librosa 0.9 pinned to numpy 1.23; the venv has numpy 2): this is a
  re-implementation with numpy's FFT in its default (essentia) orientation, frames × mel.
  It uses the package's ``EmbeddingNet`` class and weights.
- ``today``: this project's pipeline with ``PretrainedEncoder(patch_policy='all', fold=False)``
  (the plain network; every half-overlapping 96-frame patch, short sounds padded), as before.
- ``fast``: the same with the default encoder (``patch_policy='fast'``; folded batch norm,
  channels-last, patches cut to the sound's length, no overlap).

Quality: QbE mAP with label = the filename prefix (``ambi_…`` → ``ambi``), over the same files.
Throughput: files per second from path to vector, decoding included, model loading excluded. The
machine is shared, so the three pipelines take turns on the same batches of 16 files (the order
rotating) and each one's time is summed: all three see the same load. The project's pipelines run
``core.embedding.job.embed_files`` (the embed job's decode and encode, one thread here; the job
itself also decodes ahead on two threads, which is not counted).

    nice -n 19 .venv/bin/python benchmarks/bench_embed_speed.py [FOLDER] [--rounds 1] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

AUDIO = {".wav", ".flac", ".ogg", ".aif", ".aiff"}


def aisfx_pipeline(threads: int):
    """The aiSFX inference pipeline (re-implemented front end, the package's network): path → vector."""
    import soundfile as sf
    import torch
    import torchaudio.functional as AF
    from aisfx.models.cnn2d import EmbeddingNet

    from core.encoders.pretrained import load_aisfx_state

    torch.set_num_threads(threads)
    net = EmbeddingNet("max", 3, 1, 64)
    net.load_state_dict(load_aisfx_state(), strict=True)
    net.eval()
    n_fft, hop, sr = 2048, 1024, 44100
    fb = AF.melscale_fbanks(n_fft // 2 + 1, 0.0, 22050.0, 96, sr, None, "htk").numpy()
    fb = fb / np.maximum(fb.sum(axis=0, keepdims=True), 1e-12)  # norm=1: unit-sum filters
    window = np.hanning(n_fft + 1)[:-1].astype(np.float32)  # periodic Hann

    def embed(path: Path) -> np.ndarray:
        y, file_sr = sf.read(str(path), dtype="float32", always_2d=True)
        y = y.mean(axis=1)
        if file_sr != sr:
            from scipy.signal import resample_poly

            y = resample_poly(y, sr, file_sr).astype(np.float32)
        peak = np.abs(y).max()
        y = y / (peak if peak > 0 else 1.0)
        y = np.pad(y, n_fft // 2, mode="reflect" if len(y) > n_fft // 2 else "constant")
        n_frames = 1 + (len(y) - n_fft) // hop
        frames = np.lib.stride_tricks.as_strided(y, (n_frames, n_fft), (y.strides[0] * hop, y.strides[0]))
        power = np.abs(np.fft.rfft(frames * window, axis=1)) ** 2
        spec = np.log10(1.0 + 10000.0 * (power @ fb)) / 9.457798957824707  # [T, 96]
        block, step = 100, 50
        n_blocks = int(np.ceil((spec.shape[0] - block) / step + 1))
        if (spec.shape[0] - block) % step != 0:
            n_blocks -= 1
        n_blocks = max(1, n_blocks)
        spec = np.vstack([spec, np.zeros((block, spec.shape[1]), np.float32)])
        blocks = np.stack([spec[i * step : i * step + block] for i in range(n_blocks)]).astype(np.float32)
        with torch.no_grad():
            out = net(torch.from_numpy(blocks)).numpy()
        v = out.mean(axis=0)
        return v / max(float(np.linalg.norm(v)), 1e-12)

    return embed


def project_pipeline(policy: str, threads: int):
    """This project's pipeline: path → vector with the embed job's code (``core.embedding.job.embed_files``)."""
    import torch

    from core.embedding.job import embed_files
    from core.encoders.pretrained import PretrainedEncoder

    torch.set_num_threads(threads)
    encoder = PretrainedEncoder("cpu", patch_policy=policy, fold=policy != "all")

    def embed(paths: list[Path]) -> list[np.ndarray]:
        return [v for v, _ in embed_files(encoder, [(p, None) for p in paths])]

    return embed


def run_interleaved(files: list[Path], threads: int, batch: int) -> dict[str, tuple[float, np.ndarray]]:
    """Each pipeline embeds the same batch of files in turn (the order rotating), so that all three see
    the same machine load; returns ``{name: (seconds, vectors)}``."""
    single = aisfx_pipeline(threads)
    pipelines = {"aisfx": lambda paths: [single(p) for p in paths],
                 "fast": project_pipeline("fast", threads), "today": project_pipeline("all", threads)}
    for fn in pipelines.values():
        fn(files[:2])  # warm
    secs = dict.fromkeys(pipelines, 0.0)
    vecs: dict[str, list[np.ndarray]] = {k: [] for k in pipelines}
    names = list(pipelines)
    for b, s in enumerate(range(0, len(files), batch)):
        chunk = files[s : s + batch]
        for name in names[b % 3 :] + names[: b % 3]:
            t0 = time.perf_counter()
            vecs[name] += pipelines[name](chunk)
            secs[name] += time.perf_counter() - t0
    return {k: (secs[k], np.stack(vecs[k])) for k in pipelines}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", default="/usr/share/sonic-pi/samples", type=Path)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=16, help="files per turn (the embed job's batch size)")
    args = ap.parse_args()
    from core.evaluation.metrics import qbe_map

    files = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in AUDIO)
    labels = [f.name.split("_", 1)[0] for f in files]
    print(f"{args.folder}: {len(files)} files; {os.cpu_count()} CPUs, torch threads {args.threads}; "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    rows = []
    for r in range(args.rounds):
        load = os.getloadavg()[0]
        for name, (secs, vecs) in run_interleaved(files, args.threads, args.batch).items():
            rows.append((r, name, len(files) / secs, qbe_map(vecs, labels), load))
            print(f"round {r + 1} {name:<6} {len(files) / secs:6.2f} files/s  mAP {rows[-1][3]:.4f}  "
                  f"(load {load:.1f} at the start)", flush=True)
    print("\n| round | pipeline | files/s | × aiSFX | QbE mAP | load |")
    print("|---|---|---|---|---|---|")
    for r, name, fps, m, load in rows:
        base = next(f for rr, n, f, _, _ in rows if rr == r and n == "aisfx")
        print(f"| {r + 1} | {name} | {fps:.2f} | {fps / base:.2f} | {m:.4f} | {load:.1f} |")
    total = {n: sum(1 / f for _, nn, f, _, _ in rows if nn == n) for n in ("aisfx", "fast", "today")}
    for name in total:  # all rounds together: files / summed seconds
        fps = args.rounds / total[name]
        print(f"| all | {name} | {fps:.2f} | {total['aisfx'] / total[name]:.2f} | "
              f"{next(m for _, n, _, m, _ in rows if n == name):.4f} | {os.getloadavg()[0]:.1f} (end) |")


if __name__ == "__main__":
    main()
