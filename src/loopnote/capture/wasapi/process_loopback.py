"""Process loopback: one application's audio (or everything but one application).

``require_process_loopback(api)``  raise ``UnsupportedPlatform`` (one line, what to do) before
                                   Windows 10 build 20348
``ProcessLoopbackOpener(api, pid, label, exclude, options)``
    ``open()`` calls ``ActivateAudioInterfaceAsync`` on ``VAD\\Process_Loopback`` with
    AUDIOCLIENT_ACTIVATION_TYPE_PROCESS_LOOPBACK and INCLUDE_TARGET_PROCESS_TREE (``exclude``
    False) or EXCLUDE_TARGET_PROCESS_TREE, waits for the completion handler (an agile COM object
    implemented here), then initializes with a format of its own choosing: these clients have
    no GetMixFormat. ``ATTEMPTS`` (format, with or without AUTOCONVERTPCM) are tried in order
    until one is accepted.
"""

from __future__ import annotations

import ctypes
import threading

from loopnote.capture.wasapi.audioclient import AudioClient
from loopnote.capture.wasapi.com import PVOID_P, S_OK, ComObject, ComPtr, DeviceInvalidated, check
from loopnote.capture.wasapi.mmdevice import Flow
from loopnote.capture.wasapi.stream import Opened, StreamOptions
from loopnote.capture.wasapi.structs import (
    AUDCLNT_STREAMFLAGS_AUTOCONVERTPCM,
    AUDCLNT_STREAMFLAGS_EVENTCALLBACK,
    AUDCLNT_STREAMFLAGS_LOOPBACK,
    AUDCLNT_STREAMFLAGS_SRC_DEFAULT_QUALITY,
    AUDIOCLIENT_ACTIVATION_PARAMS,
    AUDIOCLIENT_ACTIVATION_TYPE_PROCESS_LOOPBACK,
    PROCESS_LOOPBACK_MIN_BUILD,
    PROCESS_LOOPBACK_MODE_EXCLUDE_TARGET_PROCESS_TREE,
    PROCESS_LOOPBACK_MODE_INCLUDE_TARGET_PROCESS_TREE,
    PROPVARIANT,
    VIRTUAL_AUDIO_DEVICE_PROCESS_LOOPBACK,
    VT_BLOB,
    IID_IActivateAudioInterfaceCompletionHandler,
    IID_IAgileObject,
    IID_IAudioClient,
    SampleFormat,
)
from loopnote.capture.wasapi.win32 import WinApi
from loopnote.errors import CaptureError, PermissionDenied, UnsupportedPlatform

# (format, AUTOCONVERTPCM) in the order tried: float first, as the engine mixes in float
ATTEMPTS = (
    (SampleFormat(48000, 2, "float", 32, 32), False),
    (SampleFormat(48000, 2, "float", 32, 32), True),
    (SampleFormat(48000, 2, "int", 16, 16), True),
    (SampleFormat(44100, 2, "int", 16, 16), False),
)
ACTIVATION_TIMEOUT_S = 10.0
# Completion handlers Windows may still hold (it releases them on its own schedule); each is
# dropped once only our own reference is left.
_HANDLERS: list[ComObject] = []
_HANDLERS_LOCK = threading.Lock()
_GET_ACTIVATE_RESULT = 3  # IActivateAudioInterfaceAsyncOperation


def require_process_loopback(api: WinApi) -> None:
    build = api.windows_build()
    if build < PROCESS_LOOPBACK_MIN_BUILD:
        raise UnsupportedPlatform(
            f"capturing one app (--app) needs Windows 10 build {PROCESS_LOOPBACK_MIN_BUILD} or "
            f"newer, this is build {build}: update Windows, or drop --app to record all system "
            "audio"
        )


def activate(api: WinApi, pid: int, exclude: bool) -> AudioClient:
    """An uninitialized process-loopback IAudioClient for ``pid``'s process tree."""
    params = AUDIOCLIENT_ACTIVATION_PARAMS()
    params.ActivationType = AUDIOCLIENT_ACTIVATION_TYPE_PROCESS_LOOPBACK
    params.TargetProcessId = pid
    params.ProcessLoopbackMode = (
        PROCESS_LOOPBACK_MODE_EXCLUDE_TARGET_PROCESS_TREE
        if exclude
        else PROCESS_LOOPBACK_MODE_INCLUDE_TARGET_PROCESS_TREE
    )
    pv = PROPVARIANT()
    pv.vt = VT_BLOB
    pv.data = ctypes.sizeof(params)
    pv.ptr = ctypes.addressof(params)
    done = threading.Event()

    def completed(_operation: int | None) -> int:
        done.set()
        return S_OK

    # ActivateAudioInterfaceAsync requires an agile handler (IAgileObject).
    handler = ComObject(
        [IID_IActivateAudioInterfaceCompletionHandler, IID_IAgileObject],
        [((ctypes.c_void_p,), completed)],
    )
    with _HANDLERS_LOCK:
        _HANDLERS[:] = [h for h in _HANDLERS if h.refs > 1]
        _HANDLERS.append(handler)
    op = api.activate_audio_interface_async(
        VIRTUAL_AUDIO_DEVICE_PROCESS_LOOPBACK, IID_IAudioClient, pv, handler.ptr
    )
    with op:
        if not done.wait(ACTIVATION_TIMEOUT_S):
            raise CaptureError("Windows did not finish activating process loopback; retry")
        hr = ctypes.c_int32()
        unk = ctypes.c_void_p()
        op.call(
            _GET_ACTIVATE_RESULT,
            (ctypes.POINTER(ctypes.c_int32), PVOID_P),
            ctypes.byref(hr),
            ctypes.byref(unk),
            what="GetActivateResult",
        )
        check(hr.value, f"process loopback activation for pid {pid}")
        with ComPtr(unk.value, "IUnknown") as iunk:  # the activated IAudioClient's IUnknown
            return AudioClient(api, iunk.query(IID_IAudioClient, "IAudioClient"))


class ProcessLoopbackOpener:
    def __init__(
        self,
        api: WinApi,
        pid: int,
        label: str,
        exclude: bool = False,
        options: StreamOptions | None = None,
    ) -> None:
        require_process_loopback(api)
        self._api = api
        self.pid = pid
        self.label = label
        self.exclude = exclude
        self.options = options or StreamOptions()
        self.follows: tuple[Flow, int] | None = None
        self.device_id: str | None = None

    def open(self) -> Opened:
        refused: list[str] = []
        for fmt, convert in ATTEMPTS:
            flags = AUDCLNT_STREAMFLAGS_LOOPBACK | AUDCLNT_STREAMFLAGS_EVENTCALLBACK
            if convert:
                flags |= (
                    AUDCLNT_STREAMFLAGS_AUTOCONVERTPCM | AUDCLNT_STREAMFLAGS_SRC_DEFAULT_QUALITY
                )
            client = activate(self._api, self.pid, self.exclude)
            event: int | None = None
            try:
                client.initialize(flags, self.options.buffer_s, fmt.to_native())
                event = self._api.create_event()
                client.set_event(event)
                capture = client.capture_client()
            except BaseException as e:
                client.release()
                if event is not None:
                    self._api.close_handle(event)
                if isinstance(e, DeviceInvalidated | PermissionDenied) or not isinstance(
                    e, CaptureError
                ):
                    raise
                refused.append(f"{fmt.describe()}{' converted' if convert else ''}: {e}")
                continue
            kind = "all but" if self.exclude else "app"
            return Opened(
                self._api,
                client,
                capture,
                fmt,
                f"process:{self.pid}",
                f"{kind} {self.label}",
                event,
            )
        raise CaptureError(f"process loopback refused every format ({'; '.join(refused)})")
