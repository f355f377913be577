#!/bin/bash
# Run the tests that need the Windows lab (../shared/winlab: Windows CPython under Wine, WASAPI
# on a headless PulseAudio): the WASAPI backend, and the whole product under Windows. The
# `winlab` fixture (tests/windows_lab.py) sets the lab up with loopnote's own Windows wheels
# (tests/winlab_wheels.py, cached in ~/.cache/loopnote/winlab-wheels). Root; the first setup
# takes a few minutes (debootstrap, wheels), a re-run about 30 s before the tests.
#
#   tests/winlab_run.sh [pytest args...]     # WINLAB_DIR (default /tmp/loopnote-winlab), PYTEST
#
# Exits 0 without running anything when ../shared/winlab is absent (a fresh clone).
set -euo pipefail
REPO=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
WINLAB=$(dirname "$REPO")/shared/winlab
if [ ! -d "$WINLAB" ]; then
  echo "winlab_run: $WINLAB is absent; the winlab tests are skipped"
  exit 0
fi
export WINLAB_DIR=${WINLAB_DIR:-/tmp/loopnote-winlab}
cd "$REPO"
exec "${PYTEST:-pytest}" -m shared tests/test_capture_wasapi_winlab.py tests/test_windows_winlab.py "$@"
