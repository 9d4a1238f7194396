"""`pretrained` embedding speed against the aiSFX package's pipeline, side by side in one run, at equal QbE mAP.

Pipelines embed the same folder (default: Debian's sonic-pi-samples, 165 FLAC files), from path to
vector, decoding included, model loading excluded:

- ``aisfx-essentia`` / ``aisfx-librosa``: the aiSFX package's OWN inference code
  (``aisfx.inference.main``'s body, one file at a time, its own front end: essentia, the package's
  default, or librosa), run by ``benchmarks/aisfx_worker.py`` in a separate venv given with
  ``--aisfx-python`` (it pins numpy 1.23 / librosa 0.9.2, which cannot live in the project's venv;
  ``bash benchmarks/make_aisfx_venv.sh`` builds it; docs/benchmarks.md). The worker reports its own compute time per batch.
- ``reimpl``: a re-implementation of that pipeline in this venv (numpy FFT front end in the
  essentia orientation, the package's ``EmbeddingNet`` and weights); the only baseline available
  without the second venv.
- ``today``: this project's pipeline with ``PretrainedEncoder(patch_policy='all', fold=False)``
  (the plain network; every half-overlapping 96-frame patch, short sounds padded), as before issue 12.
- ``fast``: the same with the default encoder (``PretrainedEncoder()``: the fast patch policy, folded
  batch norm and fused convolutions, channels-last, bfloat16 where the CPU has it natively);
  ``fast-fp32``: the same encoder in float32 (the vectors of version ``aisfx-0.1.2+fast1``).

Quality: QbE mAP with label = the filename prefix (``ambi_…`` → ``ambi``), over the same files.
The machine is shared, so the pipelines take turns on the same batches of 16 files (the order
rotating) and each one's time is summed: all see the same load. The project's pipelines run
``core.embedding.job.embed_files`` (the embed job's decode and encode, one thread here; the job
itself also decodes ahead on two threads, which is not counted).

    nice -n 19 .venv/bin/python benchmarks/bench_embed_speed.py [FOLDER] [--rounds 1] [--threads 2]
        [--aisfx-python /work/aisfx-venv/bin/python] [--pipelines aisfx-essentia fast ...]
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


def reimpl_pipeline(threads: int):
    """The aiSFX inference pipeline re-implemented in this venv (the package's network): paths → vectors."""
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

    return lambda paths: ([embed(p) for p in paths], None)


def project_pipeline(policy: str, threads: int, precision: str = "auto"):
    """This project's pipeline: path → vector with the embed job's code (``core.embedding.job.embed_files``)."""
    import torch

    from core.embedding.job import embed_files
    from core.encoders.pretrained import PretrainedEncoder

    torch.set_num_threads(threads)
    encoder = PretrainedEncoder("cpu", patch_policy=policy, fold=policy != "all", precision=precision)

    def embed(paths: list[Path]) -> tuple[list[np.ndarray], None]:
        return [v for v, _ in embed_files(encoder, [(p, None) for p in paths])], None

    return embed


class AisfxWorker:
    """The aiSFX package's own code in its own venv (``benchmarks/aisfx_worker.py``), fed batches of
    paths over a pipe; returns the vectors and the worker's own compute time."""

    def __init__(self, python: str, front: str, threads: int) -> None:
        import json
        import subprocess
        import tempfile

        self._json = json
        script = Path(__file__).with_name("aisfx_worker.py")
        env = {**os.environ, "OMP_NUM_THREADS": str(threads), "PYTHONWARNINGS": "ignore"}
        self.proc = subprocess.Popen([python, str(script), "--front", front, "--threads", str(threads)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        self.info = self._reply()
        self.out = Path(tempfile.mkdtemp()) / "vectors.npy"
        self.fallbacks = 0

    def _reply(self) -> dict:
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the aiSFX worker exited ({self.proc.wait()})")
        return self._json.loads(line)

    def __call__(self, paths: list[Path]) -> tuple[list[np.ndarray], float]:
        self.proc.stdin.write(self._json.dumps({"files": [str(p) for p in paths], "out": str(self.out)}) + "\n")
        self.proc.stdin.flush()
        reply = self._reply()
        self.fallbacks += reply["fallback"]
        return list(np.load(self.out)), reply["seconds"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait()


def make_pipelines(names: list[str], threads: int, aisfx_python: str | None) -> dict:
    out = {}
    for name in names:
        if name.startswith("aisfx-"):
            if not aisfx_python:
                raise SystemExit(f"{name} needs --aisfx-python (see docs/benchmarks.md)")
            out[name] = AisfxWorker(aisfx_python, name.split("-", 1)[1], threads)
        elif name == "reimpl":
            out[name] = reimpl_pipeline(threads)
        else:
            policy, precision = {"fast": ("fast", "auto"), "fast-fp32": ("fast", "float32"),
                                 "today": ("all", "float32")}[name]
            out[name] = project_pipeline(policy, threads, precision)
    return out


def run_interleaved(pipelines: dict, files: list[Path], batch: int) -> dict[str, tuple[float, np.ndarray]]:
    """Each pipeline embeds the same batch of files in turn (the order rotating), so that all see the
    same machine load; returns ``{name: (seconds, vectors)}``. A worker's time is its own compute
    time (``AisfxWorker``); a local pipeline's is the wall time of the call."""
    secs = dict.fromkeys(pipelines, 0.0)
    vecs: dict[str, list[np.ndarray]] = {k: [] for k in pipelines}
    names = list(pipelines)
    for b, s in enumerate(range(0, len(files), batch)):
        chunk = files[s : s + batch]
        k = b % len(names)
        for name in names[k:] + names[:k]:
            t0 = time.perf_counter()
            v, own = pipelines[name](chunk)
            secs[name] += own if own is not None else time.perf_counter() - t0
            vecs[name] += v
    return {k: (secs[k], np.stack(vecs[k])) for k in pipelines}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("folder", nargs="?", default="/usr/share/sonic-pi/samples", type=Path)
    ap.add_argument("--rounds", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch", type=int, default=16, help="files per turn (the embed job's batch size)")
    ap.add_argument("--aisfx-python", help="python of a venv with aisfx==0.1.2 and its pins (docs/benchmarks.md)")
    ap.add_argument("--pipelines", nargs="+", choices=("aisfx-essentia", "aisfx-librosa", "reimpl", "today", "fast-fp32", "fast"),
                    help="default: aisfx-essentia aisfx-librosa fast with --aisfx-python, else reimpl today fast")
    args = ap.parse_args()
    from core.evaluation.metrics import qbe_map

    names = args.pipelines or (["aisfx-essentia", "aisfx-librosa", "fast"] if args.aisfx_python
                               else ["reimpl", "today", "fast"])
    files = sorted(p for p in args.folder.rglob("*") if p.suffix.lower() in AUDIO)
    labels = [f.name.split("_", 1)[0] for f in files]
    print(f"{args.folder}: {len(files)} files; {os.cpu_count()} CPUs, torch threads {args.threads}; "
          f"load {os.getloadavg()[0]:.1f}", flush=True)
    pipelines = make_pipelines(names, args.threads, args.aisfx_python)
    for fn in pipelines.values():
        fn(files[:2])  # warm
        if isinstance(fn, AisfxWorker):
            fn.fallbacks = 0
    for name, fn in pipelines.items():
        if isinstance(fn, AisfxWorker):
            print(f"{name}: worker torch {fn.info['torch']}, numpy {fn.info['numpy']}", flush=True)
    rows = []
    for r in range(args.rounds):
        load = os.getloadavg()[0]
        result = run_interleaved(pipelines, files, args.batch)
        if "fast" in result and "fast-fp32" in result:  # bf16 against float32, per sound
            cos = (result["fast"][1] * result["fast-fp32"][1]).sum(axis=1)
            print(f"round {r + 1}: fast vs fast-fp32 cosine per sound: min {cos.min():.5f}, "
                  f"median {np.median(cos):.5f}", flush=True)
        for name, (secs, vecs) in result.items():
            rows.append((r, name, len(files) / secs, qbe_map(vecs, labels), load))
            print(f"round {r + 1} {name:<14} {len(files) / secs:6.2f} files/s  mAP {rows[-1][3]:.4f}  "
                  f"(load {load:.1f} at the start)", flush=True)
    for name, fn in pipelines.items():
        if isinstance(fn, AisfxWorker):
            print(f"{name}: {fn.fallbacks / args.rounds:.0f} of {len(files)} files per round needed the "
                  "short-sound fallback (see benchmarks/aisfx_worker.py)")
            fn.close()
    base = names[0]
    print(f"\n| round | pipeline | files/s | × {base} | QbE mAP | load |")
    print("|---|---|---|---|---|---|")
    for r, name, fps, m, load in rows:
        ref = next(f for rr, n, f, _, _ in rows if rr == r and n == base)
        print(f"| {r + 1} | {name} | {fps:.2f} | {fps / ref:.2f} | {m:.4f} | {load:.1f} |")
    total = {n: sum(1 / f for _, nn, f, _, _ in rows if nn == n) for n in names}
    for name in names:  # all rounds together: files / summed seconds
        print(f"| all | {name} | {args.rounds / total[name]:.2f} | {total[base] / total[name]:.2f} | "
              f"{next(m for _, n, _, m, _ in rows if n == name):.4f} | {os.getloadavg()[0]:.1f} (end) |")


if __name__ == "__main__":
    main()
