#!/bin/bash
# Set up the Windows lab (../shared/winlab: Windows CPython under Wine, WASAPI on a headless
# PulseAudio) and run the WASAPI tests that need it. Root; the first setup takes 2-3 min
# (debootstrap), a re-run about 10 s; the tests about 35 s.
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
eval "$("$WINLAB/setup.sh")"
cd "$REPO"
exec "${PYTEST:-pytest}" -m shared tests/test_capture_wasapi_winlab.py "$@"
