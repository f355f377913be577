#!/usr/bin/env bash
# Stop the sound server started by start-sound-server.sh in $LAB_AUDIO_DIR.
#
#   bash tests/lab/stop-sound-server.sh            (exit 0 also when nothing runs)
#
# Signals only the pids recorded in $LAB_AUDIO_DIR/pids, and only while each still runs the
# program it was recorded for (a reused pid is left alone): TERM, then KILL after 3 s.
set -uo pipefail
DIR="${LAB_AUDIO_DIR:-/tmp/loopnote-lab}"
say() { echo "[lab] $*" >&2; }
running() {  # running PID NAME: alive, not a zombie, and still NAME
  local state comm
  state="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [ -n "$state" ] && [ "$state" != Z ] || return 1
  comm="$(cat "/proc/$1/comm" 2>/dev/null)" || return 1
  [ "$comm" = "${2:0:15}" ]
}
if [ -f "$DIR/pids" ]; then
  tac "$DIR/pids" | while read -r name pid; do
    [ -n "${pid:-}" ] || continue
    running "$pid" "$name" || continue
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 60); do running "$pid" "$name" || break; sleep 0.05; done
    if running "$pid" "$name"; then kill -KILL "$pid" 2>/dev/null; say "$name ($pid) killed"; fi
  done
fi
rm -rf "$DIR/run"
rm -f "$DIR/pids" "$DIR/kind" "$DIR/env"
exit 0
