"""The Windows capture backend (WASAPI), behind ``capture.base.Backend``.

``WasapiOptions``   roles followed, process-loopback choices, stream options (documented defaults)
``WasapiBackend``   ``list_sources()``: render endpoints (captured by loopback), capture
                    endpoints, applications playing audio; ``open(request)``: validated inputs;
                    ``audio_activity()``: who plays and who records a microphone (activity.py)

``CaptureRequest`` on Windows:
  ``system_source``  an endpoint ID from ``loopnote sources`` (never a friendly name: names repeat);
                     a render endpoint is captured by loopback, a capture endpoint directly
  ``app``            ``NAME`` or ``PID``: that process tree only (process loopback);
                     ``!NAME`` / ``!PID``: everything except that process tree
  ``mic``            a capture endpoint ID; None follows the default communications device

What is verified where.
  On the Wine stack, for real (tests/test_capture_wasapi_winlab.py: Windows CPython under Wine 10,
  WASAPI on PulseAudio): COM start-up and ctypes vtable calls; endpoint enumeration, endpoint IDs
  and friendly names, defaults; the engine mix format (WAVEFORMATEXTENSIBLE, 40 bytes);
  Initialize(SHARED, LOOPBACK | EVENTCALLBACK) and the event-driven capture loop, and the
  polling loop; the microphone path (a capture endpoint); GetBuffer / ReleaseBuffer; decoding;
  chunk times from the sample clock and the gap fill before the first packet; the captured
  content of both sources (speech played on Linux found by cross-correlation) and their
  alignment on the session clock; MMCSS; IMMNotificationClient registration; session
  enumeration (IAudioSessionManager2 -> IAudioSessionEnumerator -> IAudioSessionControl2: pid,
  process name; Wine shows only the calling process's own session); the one-line "process
  loopback needs build 20348" error (Wine reports build 19043); ActivateAudioInterfaceAsync with
  the agile completion handler (Wine completes it with ERROR_FILE_NOT_FOUND, translated).
  Only at the COM seam (``win32.WinApi``), against a contract fake with the documented vtables,
  HRESULTs and flags (tests/capture_wasapi_fake.py; Windows COM cannot exist on Linux and Wine
  does not implement these): successful process loopback (INCLUDE / EXCLUDE process trees,
  choosing the format without GetMixFormat), other processes' sessions and their states,
  AUDCLNT_E_DEVICE_INVALIDATED / RESOURCES_INVALIDATED recovery, no packets during silence,
  SILENT packets, DATA_DISCONTINUITY after an overrun, default-device changes per role (Wine
  sends no IMMNotificationClient callbacks), device removal and return, falling back to polling
  when events are refused or never fire, access denied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from loopnote.capture.base import AudioInput, CaptureRequest, SourceInfo, SourceKind
from loopnote.capture.meetings import ActivityReport, AppActivity
from loopnote.capture.wasapi.activity import session_activity
from loopnote.capture.wasapi.activity_watch import SessionWatcher
from loopnote.capture.wasapi.endpoint import EndpointOpener
from loopnote.capture.wasapi.mmdevice import DeviceEnumerator, Endpoint
from loopnote.capture.wasapi.process_loopback import (
    ProcessLoopbackOpener,
    require_process_loopback,
)
from loopnote.capture.wasapi.sessions import AppSession, list_sessions, resolve_app
from loopnote.capture.wasapi.stream import CaptureStream, Opener, StreamOptions
from loopnote.capture.wasapi.structs import ROLES
from loopnote.capture.wasapi.win32 import WinApi
from loopnote.errors import DeviceNotFound, LoopnoteError, UnsupportedPlatform


@dataclass(frozen=True)
class WasapiOptions:
    system_role: str = "console"  # default render endpoint followed for system audio
    mic_role: str = "communications"  # default capture endpoint followed for the microphone
    exclude_self: bool = False  # system audio by process loopback minus loopnote's own sounds
    stream: StreamOptions = field(default_factory=StreamOptions)


class WasapiBackend:
    name = "wasapi"

    def __init__(self, options: WasapiOptions | None = None, api: WinApi | None = None) -> None:
        self.options = options or WasapiOptions()
        self._api = api

    @property
    def api(self) -> WinApi:
        if self._api is None:
            from loopnote.capture.wasapi.win32 import Win32

            try:
                self._api = Win32()
            except (AttributeError, OSError) as e:
                raise UnsupportedPlatform(f"WASAPI capture needs Windows ({e})") from e
        return self._api

    @contextmanager
    def _com(self) -> Iterator[WinApi]:
        api = self.api
        owns = api.co_initialize()
        try:
            yield api
        finally:
            if owns:
                api.co_uninitialize()

    # --- listing ----------------------------------------------------------------------------------
    def list_sources(self) -> list[SourceInfo]:
        with self._com() as api:
            with DeviceEnumerator(api) as enum:
                outs = enum.endpoints("render", ROLES[self.options.system_role])
                ins = enum.endpoints("capture", ROLES[self.options.mic_role])
            try:
                sessions = list_sessions(api)
            except LoopnoteError:
                sessions = []
        infos = [_endpoint_info(e) for e in outs + ins]
        return infos + _app_infos(sessions)

    def watch_activity(self, on_report: Callable[[ActivityReport], None]) -> SessionWatcher:
        """A started ``SessionWatcher`` (activity_watch.py): who plays and who records a
        microphone, reported on each change Windows notifies."""
        watcher = SessionWatcher(self.api, on_report)
        watcher.start()
        return watcher

    def audio_activity(self) -> tuple[AppActivity, ...]:
        """Who plays and who records a microphone now (see activity.py)."""
        with self._com() as api:
            return session_activity(api)

    # --- opening ----------------------------------------------------------------------------------
    def open(self, request: CaptureRequest) -> list[AudioInput]:
        opts = self.options
        inputs: list[AudioInput] = []
        with self._com() as api:
            endpoints: list[Endpoint] | None = None
            if request.system_source or (request.mic and not request.no_mic):
                with DeviceEnumerator(api) as enum:
                    endpoints = enum.endpoints("render") + enum.endpoints("capture")
            if not request.no_system:
                system: Opener
                if request.app:
                    system = self._app_opener(api, request.app)
                elif request.system_source:
                    ep = _find(endpoints or [], request.system_source, None)
                    system = EndpointOpener(
                        api, ep.flow, ep.id, ROLES[opts.system_role], opts.stream
                    )
                elif opts.exclude_self and api.windows_build() >= 20348:
                    system = ProcessLoopbackOpener(
                        api, api.current_pid(), "loopnote", True, opts.stream
                    )
                else:
                    system = EndpointOpener(
                        api, "render", None, ROLES[opts.system_role], opts.stream
                    )
                inputs.append(CaptureStream("system", api, system, opts.stream))
            if not request.no_mic:
                mic_id = _find(endpoints or [], request.mic, "capture").id if request.mic else None
                mic = EndpointOpener(api, "capture", mic_id, ROLES[opts.mic_role], opts.stream)
                inputs.append(CaptureStream("mic", api, mic, opts.stream))
        return inputs

    def _app_opener(self, api: WinApi, spec: str) -> ProcessLoopbackOpener:
        require_process_loopback(api)  # before anything else: the clearest message first
        exclude = spec.startswith("!")
        spec = spec[1:] if exclude else spec
        sessions = list_sessions(api)
        pid, label = resolve_app(spec, sessions, api.processes())
        return ProcessLoopbackOpener(api, pid, label, exclude, self.options.stream)


def _find(endpoints: list[Endpoint], wanted: str, flow: str | None) -> Endpoint:
    """The endpoint whose ID is ``wanted`` (case-insensitive); names are only used to help."""
    pool = [e for e in endpoints if flow is None or e.flow == flow]
    for e in pool:
        if e.id.lower() == wanted.strip().lower():
            return e
    what = "input" if flow == "capture" else "output or input"
    named = [e for e in pool if e.name.lower() == wanted.strip().lower()]
    if named:
        ids = ", ".join(e.id for e in named)
        raise DeviceNotFound(f"{wanted!r} is a device name; pass its endpoint ID instead: {ids}")
    raise DeviceNotFound(
        f"no {what} with endpoint ID {wanted!r}; run `loopnote sources` to list the IDs"
    )


def _endpoint_info(e: Endpoint) -> SourceInfo:
    kind: SourceKind = "output" if e.flow == "render" else "input"
    how = "loopback" if e.flow == "render" else "capture"
    details: dict[str, object] = {"flow": e.flow, "capture": how}
    if e.flow == "render":
        details["monitor"] = "loopback"  # captured by loopback: pass the output's ID to --source
    return SourceInfo(kind, e.id, e.name, e.is_default, details)


def _app_infos(sessions: list[AppSession]) -> list[SourceInfo]:
    by_pid: dict[int, list[AppSession]] = {}
    for s in sessions:
        by_pid.setdefault(s.pid, []).append(s)
    out: list[SourceInfo] = []
    for pid, group in sorted(by_pid.items()):
        first = group[0]
        state = "active" if any(s.state == "active" for s in group) else first.state
        details = {
            "pid": pid,
            "binary": first.process,
            "process": first.process,
            "state": state,
            "paused": state != "active",
            "sink": ", ".join(sorted({s.endpoint_name for s in group})),
            "endpoints": sorted({s.endpoint_id for s in group}),
        }
        out.append(SourceInfo("app", str(pid), first.name, False, details))
    return out
