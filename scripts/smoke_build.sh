#!/usr/bin/env bash
# Build the one-folder app with PyInstaller and check that it starts: the built binary opens the
# bundled demo collection offscreen, waits for the map and the clusters, and must exit 0.
#
#   scripts/smoke_build.sh              # build into dist/sound-explorer, then smoke-test it
#   SKIP_BUILD=1 scripts/smoke_build.sh # only smoke-test an existing build
#
# Environment: PYTHON (default .venv/bin/python), SMOKE_TIMEOUT seconds (default 600).
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
DIST="dist/sound-explorer"
BIN="$DIST/sound-explorer"
TIMEOUT="${SMOKE_TIMEOUT:-600}"

if [[ "${SKIP_BUILD:-0}" != "1" ]]; then
    echo "== building with PyInstaller (this takes several minutes)"
    start=$(date +%s)
    "$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN build.spec
    echo "== built in $(( $(date +%s) - start )) s: $(du -sh "$DIST" | cut -f1) in $DIST"
fi

[[ -x "$BIN" ]] || { echo "error: $BIN not found (build failed?)" >&2; exit 1; }

echo "== bundle contents"
for want in "resources/style.qss" "resources/icons/app.svg" "resources/demo"; do
    if [[ -e "$DIST/_internal/$want" || -e "$DIST/$want" ]]; then echo "  ok  $want"; else echo "  MISSING $want" >&2; exit 1; fi
done
if find "$DIST" -name 'libportaudio*' | grep -q .; then echo "  ok  PortAudio"; else echo "  warning: no PortAudio in the bundle (no sound)"; fi
if find "$DIST" -path '*aisfx/models/checkpoint.pth' | grep -q .; then echo "  ok  aiSFX checkpoint"; else echo "  warning: no aiSFX checkpoint (no 'pretrained' encoder)"; fi

echo "== CLI entry"
"$BIN" --help >/dev/null

echo "== GUI smoke run (offscreen, demo collection)"
HOME_DIR="$(mktemp -d)"
trap 'rm -rf "$HOME_DIR"' EXIT
start=$(date +%s)
QT_QPA_PLATFORM=offscreen SOUND_EXPLORER_HOME="$HOME_DIR" \
    timeout "$((TIMEOUT + 30))" "$BIN" --smoke --timeout "$TIMEOUT"
echo "== smoke test passed in $(( $(date +%s) - start )) s"
