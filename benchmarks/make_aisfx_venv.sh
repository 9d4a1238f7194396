#!/usr/bin/env bash
# Build the throw-away venv in which benchmarks/aisfx_worker.py runs the aiSFX package's own code
# (bench_embed_speed.py --aisfx-python VENV/bin/python). Never inside the repo; never a dependency.
# aisfx 0.1.2 pins numpy 1.23 and librosa 0.9.2; essentia is its default front end (the paper's).
#   bash benchmarks/make_aisfx_venv.sh [/work/aisfx-venv]
set -euo pipefail
VENV=${1:-/work/aisfx-venv}
python3.11 -m venv "$VENV"
PIP="$VENV/bin/pip"
"$PIP" install -q torch==2.13.0              # a CPU build: here the machine's own torch-2.13.0+cpu wheel
"$PIP" install -q numpy==1.23.5 librosa==0.9.2 'numba<0.59' 'llvmlite<0.42' soundfile tqdm resampy six pyyaml
"$PIP" install -q 'setuptools<70'            # librosa 0.9 imports pkg_resources
"$PIP" install -q --no-deps essentia==2.1b6.dev1110   # later essentia builds need numpy >= 1.25
"$PIP" install -q --no-deps aisfx==0.1.2
"$VENV/bin/python" -c "import aisfx.inference, essentia.streaming, librosa; print('aisfx venv ok')"
