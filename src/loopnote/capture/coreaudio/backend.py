"""The macOS capture backend: ``CoreAudioBackend`` (the ``Backend`` of ``capture.base``).

``list_sources``  output devices, input devices and the apps using audio (with ``playing``).
``open``          the inputs a ``CaptureRequest`` asks for:
                  system  macOS 14.4+: a process tap on every process but loopnote's own
                          (``--app``: only the matching apps' processes), following the default
                          output device; ``--source NAME``: that input device as it is (the
                          way to capture on macOS 13-14.3, through a loopback device such as
                          BlackHole);
                  mic     the default input device, followed when it changes; ``--mic NAME``:
                          that device.
                  Unknown names raise ``DeviceNotFound`` listing what exists; a tap on an
                  older macOS raises ``UnsupportedPlatform`` saying what to do instead.
The constructor takes no arguments on a Mac; tests pass a fake ``CoreAudioApi`` and a clock.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from loopnote.capture.base import AudioInput, CaptureRequest, SourceInfo, SourceKind
from loopnote.capture.coreaudio.activity import process_activity
from loopnote.capture.coreaudio.activity_watch import ProcessWatcher
from loopnote.capture.coreaudio.api import (
    DEVICE_UID,
    HW_DEFAULT_INPUT,
    HW_DEFAULT_OUTPUT,
    HW_DEVICES,
    OBJECT_NAME,
    SCOPE_INPUT,
    SCOPE_OUTPUT,
    SYSTEM_OBJECT,
    UNKNOWN_OBJECT,
    CoreAudioApi,
    CoreAudioError,
    IOProc,
    TapDescription,
)
from loopnote.capture.coreaudio.processes import (
    any_playing,
    app_sources,
    list_processes,
    resolve_app,
)
from loopnote.capture.coreaudio.stream import CoreAudioInput, Opener
from loopnote.capture.coreaudio.tap import Route, open_device_route, open_tap_route
from loopnote.capture.coreaudio.timing import CoreAudioOptions
from loopnote.capture.meetings import ActivityReport, AppActivity
from loopnote.clock import Clock
from loopnote.errors import DeviceNotFound, UnsupportedPlatform
from loopnote.types import Source

TAP_MIN = (14, 4)  # process taps are supported from macOS 14.4
PROCESS_LIST_MIN = (14, 2)


def _version(v: tuple[int, int, int]) -> str:
    return ".".join(str(p) for p in (v if v[2] else v[:2]))


class CoreAudioBackend:
    name = "coreaudio"

    def __init__(
        self,
        api: CoreAudioApi | None = None,
        clock: Clock | None = None,
        options: CoreAudioOptions | None = None,
    ) -> None:
        self._api_given = api
        self._clock = clock
        self._options = options or CoreAudioOptions()

    @property
    def api(self) -> CoreAudioApi:
        if self._api_given is None:
            from loopnote.capture.coreaudio.native import NativeCoreAudio

            self._api_given = NativeCoreAudio()
        return self._api_given

    # --- devices --------------------------------------------------------------------
    def _devices(self, scope: int) -> list[tuple[int, str, str]]:
        """(id, uid, name) of the devices with channels in ``scope``."""
        found = []
        for dev in self.api.get_u32_list(SYSTEM_OBJECT, HW_DEVICES):
            try:
                if self.api.get_channels(dev, scope) <= 0:
                    continue
                found.append(
                    (
                        dev,
                        self.api.get_string(dev, DEVICE_UID),
                        self.api.get_string(dev, OBJECT_NAME),
                    )
                )
            except CoreAudioError:
                continue  # unplugged while we looked
        return found

    def _find_input(self, query: str, option: str) -> int:
        inputs = self._devices(SCOPE_INPUT)
        q = query.strip().lower()
        hits = [d for d in inputs if d[1].lower() == q or d[2].lower() == q]
        hits = hits or [d for d in inputs if q and q in d[2].lower()]
        if len(hits) == 1 or (hits and hits[0][2].lower() == q):
            return hits[0][0]
        names = ", ".join(repr(d[2]) for d in (hits or inputs)) or "none"
        what = "matches several input devices" if hits else "is not an input device"
        raise DeviceNotFound(f"{option} {query!r} {what}; input devices: {names}")

    def audio_activity(self) -> tuple[AppActivity, ...]:
        """Who plays and who records an input now (see activity.py; unverified on a Mac)."""
        return process_activity(self.api)

    def watch_activity(self, on_report: Callable[[ActivityReport], None]) -> ProcessWatcher:
        """A started ``ProcessWatcher`` (activity_watch.py; unverified on a Mac): who plays
        and who records an input, reported on each change Core Audio notifies."""
        watcher = ProcessWatcher(self.api, on_report)
        watcher.start()
        return watcher

    def list_sources(self) -> list[SourceInfo]:
        api = self.api
        out: list[SourceInfo] = []
        kinds: tuple[tuple[int, SourceKind, int], ...] = (
            (SCOPE_OUTPUT, "output", HW_DEFAULT_OUTPUT),
            (SCOPE_INPUT, "input", HW_DEFAULT_INPUT),
        )
        for scope, kind, default_sel in kinds:
            default = api.get_u32(SYSTEM_OBJECT, default_sel)
            out += [
                SourceInfo(kind, uid, name, is_default=dev == default)
                for dev, uid, name in self._devices(scope)
            ]
        if api.os_version()[:2] >= PROCESS_LIST_MIN:
            out += app_sources(list_processes(api))
        return out

    # --- inputs ---------------------------------------------------------------------
    def open(self, request: CaptureRequest) -> list[AudioInput]:
        inputs: list[AudioInput] = []
        if not request.no_system:
            inputs.append(self._system_input(request))
        if not request.no_mic:
            inputs.append(self._mic_input(request.mic))
        return inputs

    def _input(
        self,
        source: Source,
        opener: Opener,
        follow: int | None,
        playing: Callable[[], bool] | None = None,
    ) -> CoreAudioInput:
        return CoreAudioInput(self.api, source, opener, follow, playing, self._clock, self._options)

    def _system_input(self, request: CaptureRequest) -> CoreAudioInput:
        api = self.api
        version = api.os_version()
        if request.system_source and not request.app:
            device = self._find_input(request.system_source, "--source")
            return self._input("system", lambda p: open_device_route(api, device, p), None)
        if version[:2] < TAP_MIN:
            what = "--app (one application's audio)" if request.app else "system audio capture"
            raise UnsupportedPlatform(
                f"{what} needs a Core Audio process tap, which needs macOS 14.4 or later "
                f"(this Mac runs {_version(version)}). Install a loopback device such as "
                "BlackHole, send the meeting's sound to it (a Multi-Output Device keeps your "
                'speakers playing) and pass --source "BlackHole 2ch"; or use --no-system.'
            )
        if request.app:
            apps = resolve_app(api, request.app)
            objects = tuple(p.object_id for p in apps)
            tap = TapDescription(objects, exclusive=False)

            def playing() -> bool:
                return any_playing(api, objects)
        else:
            own = api.translate_pid(os.getpid())
            tap = TapDescription((own,) if own != UNKNOWN_OBJECT else (), exclusive=True)

            def playing() -> bool:
                return any(p.playing for p in list_processes(api))

        def opener(proc: IOProc) -> Route:
            output = api.get_u32(SYSTEM_OBJECT, HW_DEFAULT_OUTPUT)
            if output == UNKNOWN_OBJECT:
                raise DeviceNotFound("there is no default output device to capture")
            return open_tap_route(api, tap, output, proc)

        return self._input("system", opener, HW_DEFAULT_OUTPUT, playing)

    def _mic_input(self, name: str | None) -> CoreAudioInput:
        api = self.api
        if name:
            device = self._find_input(name, "--mic")
            return self._input("mic", lambda p: open_device_route(api, device, p), None)

        def opener(proc: IOProc) -> Route:
            device = api.get_u32(SYSTEM_OBJECT, HW_DEFAULT_INPUT)
            if device == UNKNOWN_OBJECT:
                raise DeviceNotFound(
                    "there is no default input device (microphone); connect one or use --no-mic"
                )
            return open_device_route(api, device, proc)

        return self._input("mic", opener, HW_DEFAULT_INPUT)
