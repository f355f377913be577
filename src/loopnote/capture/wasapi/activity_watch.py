"""Meeting detection's watcher on Windows: sleeps until Windows reports a change.

``SessionWatcher(api, on_report)``  a thread that registers, on every active render and
    capture endpoint, an IAudioSessionNotification (a session was created) and, on each of
    their sessions, an IAudioSessionEvents (its state changed: active, inactive, expired; or
    it was disconnected), plus an IMMNotificationClient (endpoints come and go). Each callback
    only sets a flag; the thread, woken by it, registers on what is new and reports
    ``session_activity``'s snapshot when it changed. Nothing runs while nothing changes.

Windows forbids registering from inside a callback, so registration happens on the thread.
On each wake the session registrations are renewed (unregister all, register on the sessions
enumerated now): sessions are few and changes rare, and no session can slip between.
Verified only at the COM seam (tests/capture_wasapi_fake_com.py): Wine sends none of these.
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Callable

from loopnote.capture.meetings import (
    ActivityReport,
    ActivitySnapshot,
    AppActivity,
    ServerLost,
)
from loopnote.capture.wasapi.activity import session_activity
from loopnote.capture.wasapi.com import PVOID_P, S_OK, ComObject, ComPtr
from loopnote.capture.wasapi.mmdevice import DeviceEnumerator
from loopnote.capture.wasapi.notify import DeviceEvents, DeviceWatcher
from loopnote.capture.wasapi.structs import (
    IID_IAudioSessionEvents,
    IID_IAudioSessionManager2,
    IID_IAudioSessionNotification,
)
from loopnote.capture.wasapi.win32 import WinApi
from loopnote.errors import LoopnoteError

log = logging.getLogger(__name__)

# IAudioSessionManager2 and IAudioSessionControl slots (audiopolicy.h)
_GET_SESSION_ENUMERATOR, _REGISTER_SESSION_NOTIFY, _UNREGISTER_SESSION_NOTIFY = 5, 6, 7
_ENUM_GET_COUNT, _ENUM_GET_SESSION = 3, 4
_CTL_REGISTER_EVENTS, _CTL_UNREGISTER_EVENTS = 10, 11


class SessionWatcher:
    def __init__(
        self,
        api: WinApi,
        on_report: Callable[[ActivityReport], None],
        retry_seconds: float = 2.0,
    ) -> None:
        self._api = api
        self._on_report = on_report
        self._retry = retry_seconds
        self._changed = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last: tuple[AppActivity, ...] | None = None
        self._managers: list[ComPtr] = []
        self._sessions: list[ComPtr] = []
        self.wakeups = 0
        wake = self._changed.set

        def created(_control: int | None) -> int:
            wake()
            return S_OK

        def ok(*_args: object) -> int:
            return S_OK

        def changed(*_args: object) -> int:
            wake()
            return S_OK

        self.session_created = ComObject([IID_IAudioSessionNotification], [((PVOID_P,), created)])
        vp, wstr = ctypes.c_void_p, ctypes.c_wchar_p
        self.session_events = ComObject(
            [IID_IAudioSessionEvents],
            [
                ((wstr, vp), ok),  # OnDisplayNameChanged
                ((wstr, vp), ok),  # OnIconPathChanged
                ((ctypes.c_float, ctypes.c_int32, vp), ok),  # OnSimpleVolumeChanged
                ((ctypes.c_uint32, vp, ctypes.c_uint32, vp), ok),  # OnChannelVolumeChanged
                ((vp, vp), ok),  # OnGroupingParamChanged
                ((ctypes.c_int32,), changed),  # OnStateChanged
                ((ctypes.c_int32,), changed),  # OnSessionDisconnected
            ],
        )

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="session-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._changed.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)

    def _run(self) -> None:
        api = self._api
        owns = api.co_initialize()
        try:
            events = DeviceEvents(
                lambda _f, _r, _e: self._changed.set(),
                lambda _e: self._changed.set(),
                lambda _e: self._changed.set(),
            )
            devices = DeviceWatcher(api, events)
            try:
                self._loop(api)
            finally:
                devices.close()
                self._unregister()
        finally:
            if owns:
                api.co_uninitialize()

    def _loop(self, api: WinApi) -> None:
        failing = False
        while not self._stop.is_set():
            self._changed.clear()
            try:
                self._unregister()
                self._register(api)
                apps = session_activity(api)
            except LoopnoteError as e:  # the audio service restarting: say so, try again
                if not failing:
                    failing = True
                    self._last = None
                    self._on_report(ServerLost(f"Windows audio is not answering ({e})"))
                self._stop.wait(self._retry)
                continue
            failing = False
            if apps != self._last:
                self._last = apps
                self._on_report(ActivitySnapshot(apps))
            self._changed.wait()
            self.wakeups += 1

    def _register(self, api: WinApi) -> None:
        with DeviceEnumerator(api) as enum:
            for flow in ("render", "capture"):
                for ep in enum.endpoints(flow):
                    with enum.device(ep.id) as dev:
                        mgr = dev.activate(IID_IAudioSessionManager2, "IAudioSessionManager2")
                    self._managers.append(mgr)
                    mgr.call(
                        _REGISTER_SESSION_NOTIFY,
                        (ctypes.c_void_p,),
                        self.session_created.ptr,
                        what="RegisterSessionNotification",
                    )
                    with mgr.out_ptr(
                        _GET_SESSION_ENUMERATOR,
                        (),
                        what="GetSessionEnumerator",
                        name="IAudioSessionEnumerator",
                    ) as sessions:
                        count = ctypes.c_int32()
                        sessions.call(
                            _ENUM_GET_COUNT,
                            (ctypes.POINTER(ctypes.c_int32),),
                            ctypes.byref(count),
                            what="GetCount",
                        )
                        for i in range(count.value):
                            control = sessions.out_ptr(
                                _ENUM_GET_SESSION,
                                (ctypes.c_int32,),
                                i,
                                what="GetSession",
                                name="IAudioSessionControl",
                            )
                            self._sessions.append(control)
                            control.call(
                                _CTL_REGISTER_EVENTS,
                                (ctypes.c_void_p,),
                                self.session_events.ptr,
                                what="RegisterAudioSessionNotification",
                            )

    def _unregister(self) -> None:
        for control in self._sessions:
            control.raw(_CTL_UNREGISTER_EVENTS, (ctypes.c_void_p,), self.session_events.ptr)
            control.release()
        for mgr in self._managers:
            mgr.raw(_UNREGISTER_SESSION_NOTIFY, (ctypes.c_void_p,), self.session_created.ptr)
            mgr.release()
        self._sessions, self._managers = [], []
