#!/usr/bin/env bash
# Start a private, headless sound server for loopnote's capture tests.
#
#   bash tests/lab/start-sound-server.sh [pulseaudio|pipewire]    (default: pipewire)
#
# Needs no sound card, systemd, X11 or D-Bus session of the desktop. Everything lives in
# $LAB_AUDIO_DIR (default /tmp/loopnote-lab): sockets, logs, the pids of what it started.
# On success stdout holds only `export VAR=value` lines (also written to $LAB_AUDIO_DIR/env)
# and the exit status is 0; diagnostics go to stderr.
#
# What it creates (the same on both servers):
#   sink   meeting   null sink, 48 kHz float32 stereo, the default sink ("the meeting app"
#                    plays here; meeting.monitor is the system loopback)
#   sink   mic_feed  null sink that feeds ...
#   source lab_mic   a remap of mic_feed.monitor, the default source (the virtual microphone)
#
# Missing Debian packages are installed with apt-get when running as root (LAB_NO_INSTALL=1
# forbids it). If a server of the requested kind already answers in $LAB_AUDIO_DIR it is
# reused; a server of the other kind is stopped first.
set -euo pipefail

KIND="${1:-pipewire}"
DIR="${LAB_AUDIO_DIR:-/tmp/loopnote-lab}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RUN="$DIR/run"
SOCK="$RUN/pulse/native"
say() { echo "[lab] $*" >&2; }
fail() { say "error: $*"; exit 1; }

case "$KIND" in
  pulseaudio)
    packages="pulseaudio pulseaudio-utils"
    programs="pulseaudio pactl parec paplay" ;;
  pipewire)
    packages="pipewire pipewire-bin pipewire-pulse wireplumber pulseaudio-utils dbus"
    programs="pipewire pipewire-pulse wireplumber pactl parec paplay dbus-daemon" ;;
  *) fail "unknown server '$KIND': use pulseaudio or pipewire" ;;
esac

# --- packages -------------------------------------------------------------------------
absent=""
for p in $programs; do command -v "$p" >/dev/null 2>&1 || absent="$absent $p"; done
if [ -n "$absent" ]; then
  [ "${LAB_NO_INSTALL:-0}" = 1 ] && fail "not installed:$absent (and LAB_NO_INSTALL=1)"
  [ "$(id -u)" = 0 ] || fail "not installed:$absent; install with: sudo apt-get install $packages"
  say "installing $packages"
  export DEBIAN_FRONTEND=noninteractive
  apt_log="$(mktemp)"
  if ! apt-get install -y -q --no-install-recommends $packages >"$apt_log" 2>&1; then
    # the package lists may be stale; an error updating an unrelated list is not fatal
    apt-get update -q >>"$apt_log" 2>&1 || true
    apt-get install -y -q --no-install-recommends $packages >>"$apt_log" 2>&1 \
      || { tail -n 20 "$apt_log" >&2; fail "apt-get install failed"; }
  fi
  rm -f "$apt_log"
fi

# --- server ---------------------------------------------------------------------------
mkdir -p "$DIR"
export PULSE_SERVER="unix:$SOCK"
answers() { timeout 3 pactl info >/dev/null 2>&1; }

current=""
[ -f "$DIR/kind" ] && current="$(cat "$DIR/kind")"
if [ -n "$current" ] && { [ "$current" != "$KIND" ] || ! answers; }; then
  say "stopping the $current server in $DIR first"
  bash "$HERE/stop-sound-server.sh" >&2 || true
  current=""
fi

t0=$(date +%s%3N)
if [ -z "$current" ]; then
  rm -rf "$RUN"; mkdir -p "$RUN" "$DIR/state" "$DIR/config"; chmod 700 "$RUN"
  : > "$DIR/pids"
  daemon() {  # daemon NAME COMMAND...: run detached, remember its pid
    local name="$1"; shift
    setsid "$@" >"$DIR/$name.log" 2>&1 </dev/null &
    echo "$name $!" >> "$DIR/pids"
  }
  if [ "$KIND" = pulseaudio ]; then
    # -n: no default.pa (no hardware, X11 or D-Bus modules); anonymous native protocol;
    # module-always-sink keeps a sink around if every other one is unloaded.
    XDG_RUNTIME_DIR="$RUN" PULSE_RUNTIME_PATH="$RUN/pulse" PULSE_STATE_PATH="$DIR/state" HOME="$DIR" \
      daemon pulseaudio pulseaudio --daemonize=no --system=false -n --exit-idle-time=-1 \
        --disallow-exit=yes --log-target=stderr \
        --load="module-native-protocol-unix auth-anonymous=1 socket=$SOCK" \
        --load="module-always-sink"
  else
    # PipeWire + WirePlumber (session manager) + pipewire-pulse (PulseAudio protocol).
    # WirePlumber needs a D-Bus session bus: give it a private one.
    export XDG_RUNTIME_DIR="$RUN" XDG_STATE_HOME="$DIR/state" XDG_CONFIG_HOME="$DIR/config"
    export DBUS_SESSION_BUS_ADDRESS="unix:path=$RUN/bus"
    daemon dbus-daemon dbus-daemon --session --address="$DBUS_SESSION_BUS_ADDRESS" --nofork --nopidfile
    for _ in $(seq 100); do [ -S "$RUN/bus" ] && break; sleep 0.05; done
    daemon pipewire pipewire
    for _ in $(seq 100); do [ -S "$RUN/pipewire-0" ] && break; sleep 0.05; done
    [ -S "$RUN/pipewire-0" ] || fail "pipewire made no socket (see $DIR/pipewire.log)"
    daemon wireplumber wireplumber
    daemon pipewire-pulse pipewire-pulse
  fi
  echo "$KIND" > "$DIR/kind"
  for _ in $(seq 200); do answers && break; sleep 0.05; done
  answers || fail "$KIND does not answer on $SOCK (logs in $DIR)"
fi

# --- devices --------------------------------------------------------------------------
exists() { pactl list short "$1" | cut -f2 | grep -qx "$2"; }
null_sink() {
  exists sinks "$1" || pactl load-module module-null-sink sink_name="$1" rate=48000 \
    format=float32le channels=2 sink_properties=device.description="$2" >/dev/null
}
null_sink meeting Meeting
null_sink mic_feed MicFeed
exists sources lab_mic || pactl load-module module-remap-source master=mic_feed.monitor \
  source_name=lab_mic source_properties=device.description=LabMic >/dev/null
# WirePlumber applies defaults asynchronously: repeat until the server reports them
ok=0
for _ in $(seq 100); do
  pactl set-default-sink meeting; pactl set-default-source lab_mic
  if [ "$(pactl get-default-sink)" = meeting ] && [ "$(pactl get-default-source)" = lab_mic ]; then
    ok=1; break
  fi
  sleep 0.05
done
[ "$ok" = 1 ] || fail "could not make meeting/lab_mic the defaults"
say "$KIND ready in $(( $(date +%s%3N) - t0 )) ms ($(pactl info | sed -n 's/^Server Name: //p'))"

{
  echo "export PULSE_SERVER=unix:$SOCK"
  [ "$KIND" = pipewire ] && echo "export PIPEWIRE_REMOTE=$RUN/pipewire-0"
  echo "export LAB_AUDIO_DIR=$DIR"
  echo "export LAB_AUDIO_SERVER=$KIND"
} > "$DIR/env"
cat "$DIR/env"
