"""IAudioClient and IAudioCaptureClient wrappers.

``AudioClient``    ``mix_format()``, ``initialize(flags, buffer_s, fmt)``, ``set_event(handle)``,
                   ``start()``, ``stop()``, ``capture_client()``
``CaptureClient``  ``next_packet_size()``, ``read()`` -> ``Packet`` (GetBuffer, copy, ReleaseBuffer)
``Packet``         frames, flags, device position, QPC position and the copied bytes (None when
                   the SILENT flag says the buffer is to be treated as silence)

Vtable slots follow audioclient.h.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

from loopnote.capture.wasapi.com import HR, PVOID_P, ComPtr, check
from loopnote.capture.wasapi.structs import (
    AUDCLNT_BUFFERFLAGS_SILENT,
    AUDCLNT_SHAREMODE_SHARED,
    GUID,
    HNS_PER_SEC,
    WAVEFORMATEXTENSIBLE,
    IID_IAudioCaptureClient,
    SampleFormat,
)
from loopnote.capture.wasapi.win32 import WinApi
from loopnote.errors import CaptureError

# IAudioClient
_INITIALIZE, _GET_BUFFER_SIZE, _GET_MIX_FORMAT = 3, 4, 8
_START, _STOP, _SET_EVENT_HANDLE, _GET_SERVICE = 10, 11, 13, 14
# IAudioCaptureClient
_GET_BUFFER, _RELEASE_BUFFER, _GET_NEXT_PACKET_SIZE = 3, 4, 5

_BUFFER_EMPTY = HR["AUDCLNT_S_BUFFER_EMPTY"]


@dataclass(frozen=True)
class Packet:
    frames: int
    flags: int
    device_position: int
    qpc_position: int  # 100 ns units
    data: bytes | None  # None: treat as silence (AUDCLNT_BUFFERFLAGS_SILENT)


class AudioClient:
    def __init__(self, api: WinApi, ptr: ComPtr) -> None:
        self._api = api
        self.ptr = ptr

    def mix_format(self) -> tuple[SampleFormat, WAVEFORMATEXTENSIBLE]:
        """The engine's mix format, parsed and as the exact native struct to initialize with."""
        out = ctypes.c_void_p()
        self.ptr.call(_GET_MIX_FORMAT, (PVOID_P,), ctypes.byref(out), what="GetMixFormat")
        try:
            if not out.value:
                raise CaptureError("IAudioClient.GetMixFormat returned no format")
            native = WAVEFORMATEXTENSIBLE()
            cb = ctypes.cast(out.value, ctypes.POINTER(ctypes.c_uint16 * 9)).contents[8]
            ctypes.memmove(ctypes.byref(native), out.value, min(18 + cb, ctypes.sizeof(native)))
        finally:
            self._api.co_task_mem_free(out.value)
        return SampleFormat.from_native(native), native

    def initialize(self, flags: int, buffer_s: float, fmt: WAVEFORMATEXTENSIBLE) -> None:
        self.ptr.call(
            _INITIALIZE,
            (
                ctypes.c_int32,
                ctypes.c_uint32,
                ctypes.c_int64,
                ctypes.c_int64,
                ctypes.POINTER(WAVEFORMATEXTENSIBLE),
                ctypes.POINTER(GUID),
            ),
            AUDCLNT_SHAREMODE_SHARED,
            flags,
            int(buffer_s * HNS_PER_SEC),
            0,
            ctypes.byref(fmt),
            None,
            what="Initialize",
        )

    def buffer_frames(self) -> int:
        n = ctypes.c_uint32()
        self.ptr.call(
            _GET_BUFFER_SIZE,
            (ctypes.POINTER(ctypes.c_uint32),),
            ctypes.byref(n),
            what="GetBufferSize",
        )
        return int(n.value)

    def set_event(self, handle: int) -> None:
        self.ptr.call(_SET_EVENT_HANDLE, (ctypes.c_void_p,), handle, what="SetEventHandle")

    def start(self) -> None:
        self.ptr.call(_START, (), what="Start")

    def stop(self) -> int:
        """Stop the stream; returns the raw HRESULT (stopping a lost device is not an error)."""
        return self.ptr.raw(_STOP, ())

    def capture_client(self) -> CaptureClient:
        ptr = self.ptr.out_ptr(
            _GET_SERVICE,
            (ctypes.POINTER(GUID),),
            ctypes.byref(IID_IAudioCaptureClient),
            what="GetService(IAudioCaptureClient)",
            name="IAudioCaptureClient",
        )
        return CaptureClient(ptr)

    def release(self) -> None:
        self.ptr.release()


class CaptureClient:
    def __init__(self, ptr: ComPtr) -> None:
        self.ptr = ptr
        self._n = ctypes.c_uint32()
        self._data = ctypes.c_void_p()
        self._flags = ctypes.c_uint32()
        self._devpos = ctypes.c_uint64()
        self._qpc = ctypes.c_uint64()

    def next_packet_size(self) -> int:
        self.ptr.call(
            _GET_NEXT_PACKET_SIZE,
            (ctypes.POINTER(ctypes.c_uint32),),
            ctypes.byref(self._n),
            what="GetNextPacketSize",
        )
        return int(self._n.value)

    def read(self, block_align: int) -> Packet | None:
        """The next packet, copied out and released; None if the buffer is empty."""
        hr = self.ptr.call(
            _GET_BUFFER,
            (
                PVOID_P,
                ctypes.POINTER(ctypes.c_uint32),
                ctypes.POINTER(ctypes.c_uint32),
                ctypes.POINTER(ctypes.c_uint64),
                ctypes.POINTER(ctypes.c_uint64),
            ),
            ctypes.byref(self._data),
            ctypes.byref(self._n),
            ctypes.byref(self._flags),
            ctypes.byref(self._devpos),
            ctypes.byref(self._qpc),
            what="GetBuffer",
        )
        if hr == _BUFFER_EMPTY:
            return None
        frames, flags = int(self._n.value), int(self._flags.value)
        data: bytes | None = None
        if not flags & AUDCLNT_BUFFERFLAGS_SILENT and frames and self._data.value:
            data = ctypes.string_at(self._data.value, frames * block_align)
        check(
            self.ptr.raw(_RELEASE_BUFFER, (ctypes.c_uint32,), frames),
            "IAudioCaptureClient.ReleaseBuffer",
        )
        return Packet(frames, flags, int(self._devpos.value), int(self._qpc.value), data)

    def release(self) -> None:
        self.ptr.release()
