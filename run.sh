#!/usr/bin/env bash
# Sound Explorer: one script, two commands.
#   ./run.sh app [FOLDER]   install (first time) and launch the app; the demo collection if no FOLDER
#   ./run.sh test           install (first time; with the Ray extra) and run the whole test suite
#   ./run.sh cli ARGS...    install and run the command-line interface (sound-explorer ARGS...)
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
py=${PYTHON:-python3.11}
command -v "$py" >/dev/null 2>&1 || py=python3

setup() {
  bash scripts/system-deps.sh
  if [ ! -x .venv/bin/python ]; then
    "$py" -m venv .venv
  fi
  if [ ! -x .venv/bin/uv ]; then
    .venv/bin/python -m pip install -q --upgrade pip uv
  fi
  # Only re-sync when the lock changed since the last successful install.
  stamp=.venv/.installed-lock
  if ! cmp -s requirements.lock "$stamp" 2>/dev/null; then
    .venv/bin/uv pip install -q --python .venv/bin/python -r requirements.lock
    # The pretrained sound-effects CNN's weights ship in aisfx, whose own code pins numpy 1.23 and
    # librosa 0.9.2: install it without dependencies; Sound Explorer never imports its code.
    .venv/bin/uv pip install -q --python .venv/bin/python --no-deps "aisfx==0.1.2"
    .venv/bin/uv pip install -q --python .venv/bin/python --no-deps -e .
    cp requirements.lock "$stamp"
  fi
}

# The test suite also runs the Ray engine on a local cluster, so `test` installs the optional `cluster` extra
# from its own lock (pinned on top of requirements.lock: it only adds Ray and its dependencies). The app does not need it.
setup_cluster() {
  stamp=.venv/.installed-cluster-lock
  if ! cmp -s requirements-cluster.lock "$stamp" 2>/dev/null; then
    .venv/bin/uv pip install -q --python .venv/bin/python -r requirements-cluster.lock
    cp requirements-cluster.lock "$stamp"
  fi
}

cmd=${1:-app}
[ $# -gt 0 ] && shift
case "$cmd" in
  app)
    setup
    exec .venv/bin/sound-explorer "$@"
    ;;
  cli)
    setup
    exec .venv/bin/sound-explorer "$@"
    ;;
  test)
    setup
    setup_cluster
    export QT_QPA_PLATFORM=offscreen
    export SOUND_EXPLORER_HOME="$(mktemp -d)"
    exec .venv/bin/python -m pytest "$@"
    ;;
  *)
    echo "usage: ./run.sh app [FOLDER] | test [PYTEST ARGS] | cli COMMAND ..." >&2
    exit 2
    ;;
esac
