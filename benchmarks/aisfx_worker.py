"""Worker for ``bench_embed_speed.py``: the aiSFX package's OWN inference code, in its own venv.

The aiSFX package (``aisfx==0.1.2``) pins librosa 0.9.2 and numpy 1.23, so it cannot be imported in
the project's venv (numpy 2). This script runs under a separate, throw-away venv (how to build it:
docs/benchmarks.md, "Embedding speed"), never imports the project, and speaks JSON lines on
stdin/stdout: a request ``{"files": [...], "out": "vectors.npy"}`` gets the reply
``{"seconds": s, "fallback": n}`` once the vectors (one per file, mean of its block vectors,
L2-normalised) are written to ``out``.

Per file it runs the body of ``aisfx.inference.main``, one file at a time, with the package's own
functions: ``spectrogram_selector(front)`` (``'essentia'``, the package's default and the paper's,
or ``'librosa'``), ``spectrogram_normalize``, ``model_get_embedding`` (blocks of 100 frames, hop
0.5 block, last partial block dropped) on the package's ``CrossNet``/``EmbeddingNet``. Two things
the package cannot do on its own, kept as small as possible and counted in the time:

- ``torch.load`` of its checkpoint needs an allowlist of two numpy types (torch ≥ 2.6 loads with
  ``weights_only=True``); nothing else about the model changes.
- Short sounds crash its code: with essentia, ``compute_hopSize`` asserts that the 50-frame hop
  is shorter than the sound (≤ 50 frames, 1.16 s, fails; 93 of sonic-pi's 165 files); with
  librosa, whose (mel × time) output the package feeds as (time × mel), a sound under 8 frames
  is too short for the network's pooling (14 files). For those the worker does what the package
  would do without the check: essentia — the package's own ``blocking`` with the 50-frame hop (one
  zero-padded block); librosa — the spectrogram's time axis zero-padded to 16 frames. The reply
  counts these fallbacks.

    /work/aisfx-venv/bin/python benchmarks/aisfx_worker.py --front essentia --threads 2
"""

import argparse
import json
import sys
import time

import numpy as np
import torch


def build(front: str):
    import aisfx.inference as inf
    from aisfx.preprocessing import blocking
    from aisfx.utils import spectrogram_selector

    allow = [np.core.multiarray.scalar, np.dtype, type(np.dtype("int64"))]
    with torch.serialization.safe_globals(allow):
        weights, ds_dict = inf.load_weights("cpu")
    model = inf.load_bestModel(weights, ds_dict, "cpu")
    compute = spectrogram_selector(front)

    def embed(path: str) -> tuple[np.ndarray, bool]:
        spec = compute(filename=path, sr=inf.SAMPLE_RATE, block_size=inf.SPEC_BLOCK_LENGTH,
                       hop_size=inf.SPEC_HOP_LENGTH, n_mels=inf.MEL_BINS, f_min=inf.F_MIN, f_max=inf.F_MAX)
        spec = inf.spectrogram_normalize(spec, spec_norm="original")
        fallback = False
        try:
            out = inf.model_get_embedding(spec, 0.5, True, model, "cpu")
        except AssertionError:  # essentia: the sound is not longer than the 50-frame hop
            fallback = True
            blocks = blocking(spec, inf.EMB_BLOCK_LENGTH, inf.EMB_BLOCK_LENGTH // 2, True)
            with torch.no_grad():
                out = model.get_embedding(torch.Tensor(blocks)).cpu()
        except RuntimeError:  # librosa: fewer time frames than the network's pooling needs
            fallback = True
            spec = np.pad(spec, ((0, 0), (0, max(0, 16 - spec.shape[1]))))
            out = inf.model_get_embedding(spec, 0.5, True, model, "cpu")
        v = out.numpy().mean(axis=0)
        return v / max(float(np.linalg.norm(v)), 1e-12), fallback

    return embed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--front", choices=("essentia", "librosa"), default="essentia")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    embed = build(args.front)
    reply = sys.stdout
    sys.stdout = sys.stderr  # the package prints (e.g. 'CPU or CUDA'); keep the reply channel clean
    print(json.dumps({"ready": True, "torch": torch.__version__, "numpy": np.__version__}), file=reply, flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        t0 = time.perf_counter()
        results = [embed(p) for p in req["files"]]
        secs = time.perf_counter() - t0
        np.save(req["out"], np.stack([v for v, _ in results]).astype(np.float32))
        print(json.dumps({"seconds": secs, "fallback": sum(f for _, f in results)}), file=reply, flush=True)


if __name__ == "__main__":
    main()
