"""Talking to the sound server over the PulseAudio protocol (PulseAudio or pipewire-pulse).

``connect(name)``      a ``pulsectl.Pulse`` or ``SoundServerUnavailable`` saying how to start one
``Want``               what one input records: the default output's monitor, the default
                       microphone, a named source, or one application's playback stream
``Resolved``           where that is right now (a ``ParecTarget``) and whether an app plays there
``resolve(pulse, w)``  ``Resolved`` or None while it does not exist
``app_streams``        the playback streams (sink inputs) of applications, as ``AppStream``s
``match_app``          the streams of an app named by name, binary or process id
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pulsectl

from loopnote.capture.pulse_proc import ParecTarget
from loopnote.errors import SoundServerUnavailable
from loopnote.types import Source

WantMode = Literal["default-sink", "default-source", "device", "app"]

HOW_TO_START = (
    "no sound server is reachable (PulseAudio or PipeWire with pipewire-pulse); start one, "
    "e.g. `systemctl --user start pipewire-pulse` or `pulseaudio --start`, or set PULSE_SERVER"
)


def connect(client_name: str) -> pulsectl.Pulse:
    pulse = pulsectl.Pulse(client_name, connect=False)
    try:
        pulse.connect(autospawn=False, wait=False)
        return pulse
    except (pulsectl.PulseError, pulsectl.PulseDisconnected) as e:
        # a failed attempt still holds a main loop and its file descriptors: while the
        # server is away, inputs retry every few seconds for as long as that lasts
        pulse.close()
        raise SoundServerUnavailable(HOW_TO_START) from e


@dataclass(frozen=True)
class AppStream:
    index: int  # sink input index (what parec --monitor-stream takes)
    app: str  # application.name
    binary: str  # application.process.binary
    pid: int | None  # application.process.id
    sink: str  # name of the sink it plays to
    corked: bool  # paused

    def label(self) -> str:
        pid = f", pid {self.pid}" if self.pid is not None else ""
        return f"{self.app or self.binary or 'stream'} (stream #{self.index}{pid})"


def _prop(proplist: dict[str, Any], key: str) -> str:
    return str(proplist.get(key, "") or "")


def app_streams(pulse: pulsectl.Pulse) -> list[AppStream]:
    sinks = {s.index: s.name for s in pulse.sink_list()}
    out = []
    for si in pulse.sink_input_list():
        pl = si.proplist
        pid = _prop(pl, "application.process.id")
        out.append(
            AppStream(
                index=si.index,
                app=_prop(pl, "application.name") or si.name,
                binary=_prop(pl, "application.process.binary"),
                pid=int(pid) if pid.isdigit() else None,
                sink=sinks.get(si.sink, str(si.sink)),
                corked=bool(si.corked),
            )
        )
    return out


def match_app(streams: list[AppStream], query: str) -> list[AppStream]:
    """Streams of the app ``query`` names: a pid, or an application name or binary (any case).
    The best candidate comes first: playing before paused, newest first."""
    q = query.strip()
    if q.isdigit():
        found = [s for s in streams if s.pid == int(q)]
    else:
        key = q.casefold()
        found = [s for s in streams if key in (s.app.casefold(), s.binary.casefold())]
    return sorted(found, key=lambda s: (s.corked, -s.index))


@dataclass(frozen=True)
class Want:
    source: Source
    mode: WantMode
    name: str | None = None  # device name (mode "device") or app name/pid (mode "app")

    def describe(self) -> str:
        if self.mode == "default-sink":
            return "the default output"
        if self.mode == "default-source":
            return "the default microphone"
        return f"app {self.name!r}" if self.mode == "app" else repr(self.name)


@dataclass(frozen=True)
class Resolved:
    target: ParecTarget
    source_index: int | None  # the source our recording must sit on (None for an app stream)
    playing: bool  # an app plays (unpaused) into what we record


def _playing_into(pulse: pulsectl.Pulse, sink_index: int | None) -> bool:
    if sink_index is None:
        return False
    return any(si.sink == sink_index and not si.corked for si in pulse.sink_input_list())


def _source(pulse: pulsectl.Pulse, name: str) -> Resolved | None:
    for s in pulse.source_list():
        if s.name == name:
            monitor_of = s.monitor_of_sink if s.monitor_of_sink != 0xFFFFFFFF else None
            return Resolved(
                ParecTarget(device=name, label=name), s.index, _playing_into(pulse, monitor_of)
            )
    return None


def resolve(pulse: pulsectl.Pulse, want: Want) -> Resolved | None:
    """Where ``want`` is right now; None when it does not exist (yet)."""
    if want.mode == "default-sink":
        default = pulse.server_info().default_sink_name
        for sink in pulse.sink_list():
            if sink.name == default:
                return _source(pulse, sink.monitor_source_name)
        return None
    if want.mode == "default-source":
        return _source(pulse, pulse.server_info().default_source_name)
    if want.mode == "device":
        return _source(pulse, want.name or "")
    found = match_app(app_streams(pulse), want.name or "")
    if not found:
        return None
    s = found[0]
    return Resolved(ParecTarget(stream=s.index, label=s.label()), None, not s.corked)


def source_of_pid(pulse: pulsectl.Pulse, pid: int) -> int | None:
    """Index of the source the recording stream of process ``pid`` sits on."""
    for so in pulse.source_output_list():
        if _prop(so.proplist, "application.process.id") == str(pid):
            return int(so.source)
    return None
