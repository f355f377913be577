"""Linux capture: PulseAudio, or PipeWire through pipewire-pulse (both speak the same protocol).

``PulseBackend``      the ``Backend`` for Linux:
  ``list_sources()``  outputs (sinks), their monitors, inputs (microphones) and the
                      applications playing audio (sink inputs: app, binary, pid, sink), defaults
                      marked
  ``open(request)``   validated ``PulseInput``s: "system" = the default output's monitor
                      (following the default output), or ``--app NAME|PID`` (one app's playback
                      stream, re-attached when the app starts a new one), or ``--source NAME``;
                      "mic" = the default input (following it) or ``--mic NAME``
  ``watch_activity(on_report)``  a started ``ActivityWatcher`` (pulse_activity.py): which
                      apps play and which record a microphone, reported on each change
``create_backend()``  what ``loopnote.capture.get_backend`` calls

Unknown names raise ``DeviceNotFound`` listing what exists; no server raises
``SoundServerUnavailable`` saying how to start one. Samples come from ``parec`` children as
float32 stereo at 48 kHz (the server converts); downstream downmixes. The inputs themselves
live in pulse_watch.py, the server queries in pulse_server.py, the child processes in
pulse_proc.py, the sample clock in timeline.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pulsectl

from loopnote.capture.base import AudioInput, CaptureRequest, SourceInfo
from loopnote.capture.meetings import ActivityReport
from loopnote.capture.pulse_activity import ActivityWatcher
from loopnote.capture.pulse_server import Want, app_streams, connect, match_app
from loopnote.capture.pulse_watch import PulseInput, PulseInputOptions
from loopnote.errors import DeviceNotFound, UsageError

NO_INDEX = 0xFFFFFFFF


def _listing(names: list[str], empty: str) -> str:
    return ", ".join(names) if names else empty


class PulseBackend:
    name = "pulse"

    def __init__(self, options: PulseInputOptions | None = None) -> None:
        self.options = options or PulseInputOptions()

    def list_sources(self) -> list[SourceInfo]:
        with connect("loopnote-list") as pulse:
            return _list(pulse)

    def watch_activity(self, on_report: Callable[[ActivityReport], None]) -> ActivityWatcher:
        watcher = ActivityWatcher(on_report)
        watcher.start()
        return watcher

    def open(self, request: CaptureRequest) -> list[AudioInput]:
        if request.app and request.system_source:
            raise UsageError("choose either --app or --source, not both")
        if request.no_system and request.no_mic:
            raise UsageError("nothing to capture: both the system audio and the microphone are off")
        wants: list[Want] = []
        with connect("loopnote-open") as pulse:
            sources = [s.name for s in pulse.source_list()]
            if not request.no_system:
                if request.app:
                    streams = app_streams(pulse)
                    if not match_app(streams, request.app):
                        playing = sorted(
                            {f"{s.app} (pid {s.pid})" if s.pid else s.app for s in streams}
                        )
                        raise DeviceNotFound(
                            f"no application playing audio matches {request.app!r}; playing "
                            f"now: {_listing(playing, 'none')}"
                        )
                    wants.append(Want("system", "app", request.app))
                elif request.system_source:
                    if request.system_source not in sources:
                        raise DeviceNotFound(
                            f"no source named {request.system_source!r}; "
                            f"sources: {_listing(sources, 'none')}"
                        )
                    wants.append(Want("system", "device", request.system_source))
                else:
                    wants.append(Want("system", "default-sink"))
            if not request.no_mic:
                if request.mic:
                    mics = [s.name for s in pulse.source_list() if s.monitor_of_sink == NO_INDEX]
                    if request.mic not in sources:
                        raise DeviceNotFound(
                            f"no microphone named {request.mic!r}; inputs: {_listing(mics, 'none')}"
                        )
                    wants.append(Want("mic", "device", request.mic))
                else:
                    wants.append(Want("mic", "default-source"))
        return [PulseInput(w, self.options) for w in wants]


def _list(pulse: pulsectl.Pulse) -> list[SourceInfo]:
    info = pulse.server_info()
    out: list[SourceInfo] = []
    sinks = pulse.sink_list()
    for sink in sinks:
        out.append(
            SourceInfo(
                "output",
                sink.name,
                sink.description or sink.name,
                sink.name == info.default_sink_name,
                {"monitor": sink.monitor_source_name},
            )
        )
    default_monitor = next(
        (s.monitor_source_name for s in sinks if s.name == info.default_sink_name), None
    )
    sink_names = {s.index: s.name for s in sinks}
    for src in pulse.source_list():
        if src.monitor_of_sink != NO_INDEX:
            out.append(
                SourceInfo(
                    "monitor",
                    src.name,
                    src.description or src.name,
                    src.name == default_monitor,
                    {"sink": sink_names.get(src.monitor_of_sink, "")},
                )
            )
        else:
            out.append(
                SourceInfo(
                    "input",
                    src.name,
                    src.description or src.name,
                    src.name == info.default_source_name,
                )
            )
    for s in app_streams(pulse):
        out.append(
            SourceInfo(
                "app",
                str(s.pid) if s.pid is not None else f"#{s.index}",
                s.app or s.binary,
                False,
                {
                    "binary": s.binary,
                    "pid": s.pid,
                    "sink": s.sink,
                    "stream": s.index,
                    "paused": s.corked,
                },
            )
        )
    return out


def create_backend() -> PulseBackend:
    return PulseBackend()
