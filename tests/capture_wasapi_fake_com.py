"""The COM objects of the contract fake (see capture_wasapi_fake.py): IMMDeviceEnumerator,
IMMDeviceCollection, IMMDevice, IPropertyStore, IAudioClient, IAudioCaptureClient,
IActivateAudioInterfaceAsyncOperation, IAudioSessionManager2, IAudioSessionEnumerator and
IAudioSessionControl(2), each a ``com.ComObject`` whose vtable follows the SDK headers' slot
order and whose methods return the documented HRESULTs. A FAKE: Windows COM cannot exist on
Linux.
"""

from __future__ import annotations

import ctypes
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from loopnote.capture.wasapi.com import HR, S_FALSE, S_OK, ComObject, ComPtr
from loopnote.capture.wasapi.structs import (
    AUDCLNT_BUFFERFLAGS_DATA_DISCONTINUITY,
    AUDCLNT_BUFFERFLAGS_SILENT,
    AUDCLNT_STREAMFLAGS_AUTOCONVERTPCM,
    AUDCLNT_STREAMFLAGS_EVENTCALLBACK,
    AUDCLNT_STREAMFLAGS_LOOPBACK,
    GUID,
    HNS_PER_SEC,
    PROPERTYKEY,
    PROPVARIANT,
    VT_EMPTY,
    VT_LPWSTR,
    WAVEFORMATEXTENSIBLE,
    IID_IAudioCaptureClient,
    IID_IAudioClient,
    IID_IAudioSessionControl2,
    IID_IAudioSessionManager2,
    IID_IMMDeviceEnumerator,
    PKEY_Device_FriendlyName,
    SampleFormat,
)

if TYPE_CHECKING:
    from capture_wasapi_fake import FakeWindows

PERIOD_HNS = 100_000  # 10 ms engine period
IID_IAudioSessionControl = GUID.of("F4B1A599-7266-4319-A8CA-E70ACB11E8CD")
E_INVALIDARG, E_NOTFOUND, E_ACCESSDENIED = (
    HR["E_INVALIDARG"],
    HR["E_NOTFOUND"],
    HR["E_ACCESSDENIED"],
)
E_NOINTERFACE, E_NOTIMPL, E_POINTER = HR["E_NOINTERFACE"], HR["E_NOTIMPL"], HR["E_POINTER"]
CO_E_NOTINITIALIZED = HR["CO_E_NOTINITIALIZED"]
E_ILLEGAL_METHOD_CALL = -0x7FFFFFF2  # 0x8000000E
DEVICE_STATE_NOTPRESENT = 0x4

# (t seconds, frames) -> samples (frames, channels) float32, or None when nothing renders
Renderer = Callable[[float, int], "np.ndarray[Any, Any] | None"]
VP = ctypes.c_void_p


def _put(ptr: int | None, ctype: Any, value: Any) -> None:
    ctypes.cast(ptr, ctypes.POINTER(ctype))[0] = value


def _guid_at(ptr: int | None) -> GUID:
    g = GUID()
    if ptr:
        ctypes.memmove(ctypes.byref(g), ptr, 16)
    return g


@dataclass
class FakeEndpoint:
    id: str
    name: str
    flow: str  # "render" | "capture"
    fmt: SampleFormat = field(default_factory=lambda: SampleFormat(48000, 2, "float", 32, 32))
    renderer: Renderer | None = None
    active: bool = True
    access_denied: bool = False
    broken_hr: int = 0  # every capture client of this endpoint fails with it once started


@dataclass
class FakeSession:
    pid: int
    display_name: str
    endpoint_id: str
    state: int = 1  # AudioSessionStateActive
    system_sounds: bool = False
    multi_process: bool = False
    event_clients: list[int] = field(default_factory=list)  # IAudioSessionEvents registered


def _stubs(n: int) -> list[tuple[tuple[Any, ...], Callable[..., int]]]:
    return [((), lambda: E_NOTIMPL)] * n


class FakeEnumerator(ComObject):
    def __init__(self, fake: FakeWindows) -> None:
        self.fake = fake
        flows = {0: "render", 1: "capture"}

        def enum(flow: int, mask: int, pp: int | None) -> int:
            eps = [e for e in fake.endpoints.values() if e.flow == flows.get(flow) and e.active]
            _put(pp, VP, fake.new(FakeCollection(fake, eps)))
            return S_OK

        def default(flow: int, role: int, pp: int | None) -> int:
            eid = fake.defaults.get((flows.get(flow, ""), role))
            if not eid or not fake.endpoints[eid].active:
                _put(pp, VP, None)
                return E_NOTFOUND
            _put(pp, VP, fake.new(FakeDevice(fake, fake.endpoints[eid])))
            return S_OK

        def get(eid: str | None, pp: int | None) -> int:
            ep = fake.endpoints.get(eid or "")
            if ep is None:
                return E_NOTFOUND
            _put(pp, VP, fake.new(FakeDevice(fake, ep)))
            return S_OK

        def register(client: int | None) -> int:
            if not client:
                return E_POINTER
            ComPtr(client, "IMMNotificationClient").add_ref()
            fake.notify_clients.append(client)
            return S_OK

        def unregister(client: int | None) -> int:
            if client not in fake.notify_clients:
                return E_NOTFOUND
            fake.notify_clients.remove(client)
            ComPtr(client, "IMMNotificationClient").release()
            return S_OK

        super().__init__(
            [IID_IMMDeviceEnumerator],
            [
                ((ctypes.c_int32, ctypes.c_uint32, VP), enum),
                ((ctypes.c_int32, ctypes.c_int32, VP), default),
                ((ctypes.c_wchar_p, VP), get),
                ((VP,), register),
                ((VP,), unregister),
            ],
        )


class FakeCollection(ComObject):
    def __init__(self, fake: FakeWindows, eps: list[FakeEndpoint]) -> None:
        def count(p: int | None) -> int:
            _put(p, ctypes.c_uint32, len(eps))
            return S_OK

        def item(i: int, pp: int | None) -> int:
            if i >= len(eps):
                return E_INVALIDARG
            _put(pp, VP, fake.new(FakeDevice(fake, eps[i])))
            return S_OK

        super().__init__([], [((VP,), count), ((ctypes.c_uint32, VP), item)])


class FakeDevice(ComObject):
    def __init__(self, fake: FakeWindows, ep: FakeEndpoint) -> None:
        def activate(riid: int | None, _ctx: int, _params: int | None, pp: int | None) -> int:
            iid = _guid_at(riid)
            if not ep.active:
                return HR["AUDCLNT_E_DEVICE_INVALIDATED"]
            if iid == IID_IAudioClient:
                if ep.access_denied:
                    return E_ACCESSDENIED
                _put(pp, VP, fake.new(FakeAudioClient(fake, ep, None)))
                return S_OK
            if iid == IID_IAudioSessionManager2:
                _put(pp, VP, fake.new(FakeSessionManager(fake, ep)))
                return S_OK
            return E_NOINTERFACE

        def props(_mode: int, pp: int | None) -> int:
            _put(pp, VP, fake.new(FakePropertyStore(fake, ep)))
            return S_OK

        def get_id(pp: int | None) -> int:
            _put(pp, VP, fake.alloc_str(ep.id))
            return S_OK

        def state(p: int | None) -> int:
            _put(p, ctypes.c_uint32, 1 if ep.active else DEVICE_STATE_NOTPRESENT)
            return S_OK

        super().__init__(
            [],
            [
                ((VP, ctypes.c_uint32, VP, VP), activate),
                ((ctypes.c_uint32, VP), props),
                ((VP,), get_id),
                ((VP,), state),
            ],
        )


class FakePropertyStore(ComObject):
    def __init__(self, fake: FakeWindows, ep: FakeEndpoint) -> None:
        def get_value(key: int | None, pv: int | None) -> int:
            k = PROPERTYKEY.from_buffer_copy(ctypes.string_at(key, 20))
            out = PROPVARIANT.from_address(pv or 0)
            if bytes(k) == bytes(PKEY_Device_FriendlyName):
                out.vt, out.data = VT_LPWSTR, fake.alloc_str(ep.name)
            else:
                out.vt, out.data = VT_EMPTY, 0
            return S_OK

        super().__init__([], [*_stubs(2), ((VP, VP), get_value)])


class FakeAudioClient(ComObject):
    """IAudioClient on an endpoint, or a process-loopback client (``process`` = (pid, exclude))."""

    def __init__(
        self, fake: FakeWindows, ep: FakeEndpoint | None, process: tuple[int, bool] | None
    ) -> None:
        self.fake, self.endpoint, self.process = fake, ep, process
        self.invalid_hr = 0
        self.fmt: SampleFormat | None = None
        self.flags = 0
        self.buffer_frames = 0
        self.event: int | None = None
        self.started = False
        self.packets: deque[tuple[int, int, int, int, bytes]] = deque()
        self.devpos = 0
        self.overrun = False
        self.capture: FakeCaptureClient | None = None
        C = ctypes
        super().__init__(
            [IID_IAudioClient],
            [
                ((C.c_int32, C.c_uint32, C.c_int64, C.c_int64, VP, VP), self._initialize),
                ((VP,), self._buffer_size),
                ((VP,), self._ok_out64),
                ((VP,), self._padding),
                ((C.c_int32, VP, VP), lambda *a: E_NOTIMPL),
                ((VP,), self._mix_format),
                ((VP, VP), lambda *a: E_NOTIMPL),
                ((), self._start),
                ((), self._stop),
                ((), lambda: S_OK),
                ((VP,), self._set_event),
                ((VP, VP), self._get_service),
            ],
        )
        fake.clients.append(self)

    def _dead(self) -> int:
        return self.invalid_hr

    def _initialize(
        self, mode: int, flags: int, hns: int, _period: int, pfmt: int | None, _guid: int | None
    ) -> int:
        if self._dead():
            return self._dead()
        if self.fmt is not None:
            return HR["AUDCLNT_E_ALREADY_INITIALIZED"]
        if mode != 0 or not pfmt:
            return E_INVALIDARG
        native = WAVEFORMATEXTENSIBLE()
        cb = ctypes.cast(pfmt, ctypes.POINTER(ctypes.c_uint16 * 9)).contents[8]
        ctypes.memmove(ctypes.byref(native), pfmt, min(18 + cb, 40))
        fmt = SampleFormat.from_native(native)
        if flags & AUDCLNT_STREAMFLAGS_EVENTCALLBACK and self.fake.refuse_events:
            return HR["AUDCLNT_E_INVALID_STREAM_FLAG"]
        if self.process is not None:
            if not flags & AUDCLNT_STREAMFLAGS_LOOPBACK:
                return E_INVALIDARG
            if all(
                (fmt.rate, fmt.channels, fmt.kind, fmt.bits) != (f.rate, f.channels, f.kind, f.bits)
                for f in self.fake.process_formats
            ):
                return HR["AUDCLNT_E_UNSUPPORTED_FORMAT"]
        else:
            assert self.endpoint is not None
            if flags & AUDCLNT_STREAMFLAGS_LOOPBACK and self.endpoint.flow != "render":
                return HR["AUDCLNT_E_WRONG_ENDPOINT_TYPE"]
            mix = self.endpoint.fmt
            same = (fmt.rate, fmt.channels, fmt.kind, fmt.bits) == (
                mix.rate,
                mix.channels,
                mix.kind,
                mix.bits,
            )
            if not same and not flags & AUDCLNT_STREAMFLAGS_AUTOCONVERTPCM:
                return HR["AUDCLNT_E_UNSUPPORTED_FORMAT"]
        self.fmt, self.flags = fmt, flags
        self.buffer_frames = max(int(hns * fmt.rate // HNS_PER_SEC), fmt.rate // 100)
        return S_OK

    def _buffer_size(self, p: int | None) -> int:
        if self.fmt is None:
            return HR["AUDCLNT_E_NOT_INITIALIZED"]
        _put(p, ctypes.c_uint32, self.buffer_frames)
        return S_OK

    def _ok_out64(self, p: int | None) -> int:
        _put(p, ctypes.c_int64, 0)
        return S_OK

    def _padding(self, p: int | None) -> int:
        _put(p, ctypes.c_uint32, sum(x[0] for x in self.packets))
        return self._dead() or S_OK

    def _mix_format(self, pp: int | None) -> int:
        if self._dead():
            return self._dead()
        if self.process is not None or self.endpoint is None:
            return E_NOTIMPL  # process-loopback clients have no mix format
        _put(pp, VP, self.fake.alloc_bytes(bytes(self.endpoint.fmt.to_native())))
        return S_OK

    def _start(self) -> int:
        if self._dead():
            return self._dead()
        if self.fmt is None:
            return HR["AUDCLNT_E_NOT_INITIALIZED"]
        if self.started:
            return HR["AUDCLNT_E_NOT_STOPPED"]
        if self.flags & AUDCLNT_STREAMFLAGS_EVENTCALLBACK and self.event is None:
            return HR["AUDCLNT_E_EVENTHANDLE_NOT_SET"]
        self.started = True
        return S_OK

    def _stop(self) -> int:
        if self._dead():
            return self._dead()
        was, self.started = self.started, False
        return S_OK if was else S_FALSE

    def _set_event(self, handle: int | None) -> int:
        if self.fmt is None:
            return HR["AUDCLNT_E_NOT_INITIALIZED"]
        if not self.flags & AUDCLNT_STREAMFLAGS_EVENTCALLBACK:
            return HR["AUDCLNT_E_EVENTHANDLE_NOT_EXPECTED"]
        self.event = handle
        return S_OK

    def _get_service(self, riid: int | None, pp: int | None) -> int:
        if self._dead():
            return self._dead()
        if self.fmt is None:
            return HR["AUDCLNT_E_NOT_INITIALIZED"]
        if _guid_at(riid) != IID_IAudioCaptureClient:
            return E_NOINTERFACE
        if self.capture is None:
            self.capture = FakeCaptureClient(self)
            _put(pp, VP, self.fake.new(self.capture))
        else:
            self.capture._add_ref(self.capture.ptr)
            _put(pp, VP, self.capture.ptr)
        return S_OK

    def _render(self, t: float, frames: int) -> np.ndarray[Any, Any] | None:
        if self.process is not None:
            pid, exclude = self.process
            tree = self.fake.tree(pid)
            parts = [r(t, frames) for p, r in self.fake.app_audio.items() if (p in tree) != exclude]
            got = [x for x in parts if x is not None]
            return np.sum(got, axis=0) if got else None
        assert self.endpoint is not None
        r = self.endpoint.renderer
        out = r(t, frames) if r is not None else None
        if out is None and not self.flags & AUDCLNT_STREAMFLAGS_LOOPBACK:
            out = np.zeros((frames, self.endpoint.fmt.channels), np.float32)  # a mic never stops
        return out

    def tick(self, t_hns: int) -> None:
        if not self.started or self.invalid_hr or self.fmt is None:
            return
        fmt = self.fmt
        n = fmt.rate * PERIOD_HNS // HNS_PER_SEC
        x = self._render(t_hns / HNS_PER_SEC, n)
        if x is None:  # nothing renders: loopback delivers no packet at all
            if self.fake.devpos_runs_in_silence:
                self.devpos += n
            return
        x = np.asarray(x, np.float32).reshape(n, fmt.channels)
        flags = AUDCLNT_BUFFERFLAGS_SILENT if not np.any(x) else 0
        data = (
            x.astype("<f4").tobytes()
            if fmt.kind == "float"
            else (np.clip(x, -1, 1) * 32767).astype("<i2").tobytes()
        )
        if flags & AUDCLNT_BUFFERFLAGS_SILENT:  # "ignore the actual data values": leave noise
            data = np.random.default_rng(n).integers(0, 255, len(data), np.uint8).tobytes()
        while self.packets and sum(p[0] for p in self.packets) + n > self.buffer_frames:
            self.packets.popleft()  # overrun: the oldest audio is lost
            self.overrun = True
        if self.overrun:
            flags |= AUDCLNT_BUFFERFLAGS_DATA_DISCONTINUITY
            self.overrun = False
        self.packets.append((n, flags, self.devpos, t_hns, data))
        self.devpos += n
        self.fake.signal(self.event)


class FakeCaptureClient(ComObject):
    def __init__(self, client: FakeAudioClient) -> None:
        self.client = client
        self.out: ctypes.Array[ctypes.c_char] | None = None
        C = ctypes

        def get_buffer(
            pp: int | None, pn: int | None, pf: int | None, pdev: int | None, pqpc: int | None
        ) -> int:
            if client.invalid_hr:
                return client.invalid_hr
            if self.out is not None:
                return HR["AUDCLNT_E_OUT_OF_ORDER"]
            with client.fake.lock:
                if not client.packets:
                    _put(pn, C.c_uint32, 0)
                    return HR["AUDCLNT_S_BUFFER_EMPTY"]
                n, flags, devpos, qpc, data = client.packets[0]
            self.out = ctypes.create_string_buffer(data, len(data))
            _put(pp, VP, ctypes.addressof(self.out))
            _put(pn, C.c_uint32, n)
            _put(pf, C.c_uint32, flags)
            if pdev:
                _put(pdev, C.c_uint64, devpos)
            if pqpc:
                _put(pqpc, C.c_uint64, qpc)
            return S_OK

        def release_buffer(n: int) -> int:
            if client.invalid_hr:
                return client.invalid_hr
            if self.out is None:
                return HR["AUDCLNT_E_OUT_OF_ORDER"]
            with client.fake.lock:
                if n and n != client.packets[0][0]:
                    return HR["AUDCLNT_E_INVALID_SIZE"]
                if n:
                    client.packets.popleft()
            self.out = None
            return S_OK

        def next_size(pn: int | None) -> int:
            if client.invalid_hr:
                return client.invalid_hr
            if client.endpoint is not None and client.endpoint.broken_hr:
                return client.endpoint.broken_hr
            with client.fake.lock:
                _put(pn, C.c_uint32, client.packets[0][0] if client.packets else 0)
            return S_OK

        super().__init__(
            [IID_IAudioCaptureClient],
            [
                ((VP, VP, VP, VP, VP), get_buffer),
                ((C.c_uint32,), release_buffer),
                ((VP,), next_size),
            ],
        )


class FakeAsyncOp(ComObject):
    def __init__(self, fake: FakeWindows, pid: int, exclude: bool) -> None:
        self.result = fake.activation_hr

        def get_result(phr: int | None, pp: int | None) -> int:
            _put(phr, ctypes.c_int32, self.result)
            if self.result < 0:
                _put(pp, VP, None)
            else:
                _put(pp, VP, fake.new(FakeAudioClient(fake, None, (pid, exclude))))
            return S_OK

        super().__init__([], [((VP, VP), get_result)])


class FakeSessionManager(ComObject):
    def __init__(self, fake: FakeWindows, ep: FakeEndpoint) -> None:
        def enumerator(pp: int | None) -> int:
            mine = [s for s in fake.sessions if s.endpoint_id == ep.id]
            _put(pp, VP, fake.new(FakeSessionEnumerator(fake, mine)))
            return S_OK

        def register(client: int | None) -> int:
            if not client:
                return E_POINTER
            ComPtr(client, "IAudioSessionNotification").add_ref()
            fake.session_clients.append((ep.id, client))
            return S_OK

        def unregister(client: int | None) -> int:
            if (ep.id, client) not in fake.session_clients:
                return E_NOTFOUND
            fake.session_clients.remove((ep.id, client))
            ComPtr(client, "IAudioSessionNotification").release()
            return S_OK

        super().__init__(
            [IID_IAudioSessionManager2],
            [*_stubs(2), ((VP,), enumerator), ((VP,), register), ((VP,), unregister)],
        )


class FakeSessionEnumerator(ComObject):
    def __init__(self, fake: FakeWindows, sessions: list[FakeSession]) -> None:
        def count(p: int | None) -> int:
            _put(p, ctypes.c_int32, len(sessions))
            return S_OK

        def get(i: int, pp: int | None) -> int:
            if not 0 <= i < len(sessions):
                return E_INVALIDARG
            _put(pp, VP, fake.new(FakeSessionControl(fake, sessions[i])))
            return S_OK

        super().__init__([], [((VP,), count), ((ctypes.c_int32, VP), get)])


class FakeSessionControl(ComObject):
    """IAudioSessionControl and IAudioSessionControl2 (one object, both through QI)."""

    def __init__(self, fake: FakeWindows, s: FakeSession) -> None:
        def state(p: int | None) -> int:
            _put(p, ctypes.c_int32, s.state)
            return S_OK

        def display(pp: int | None) -> int:
            _put(pp, VP, fake.alloc_str(s.display_name))
            return S_OK

        def pid(p: int | None) -> int:
            _put(p, ctypes.c_uint32, s.pid)
            return HR["AUDCLNT_S_NO_SINGLE_PROCESS"] if s.multi_process else S_OK

        def register(client: int | None) -> int:
            if not client:
                return E_POINTER
            ComPtr(client, "IAudioSessionEvents").add_ref()
            s.event_clients.append(client)
            return S_OK

        def unregister(client: int | None) -> int:
            if client not in s.event_clients:
                return E_NOTFOUND
            s.event_clients.remove(client)
            ComPtr(client, "IAudioSessionEvents").release()
            return S_OK

        super().__init__(
            [IID_IAudioSessionControl, IID_IAudioSessionControl2],
            [
                ((VP,), state),
                ((VP,), display),
                *_stubs(5),
                ((VP,), register),
                ((VP,), unregister),
                *_stubs(2),
                ((VP,), pid),
                ((), lambda: S_OK if s.system_sounds else S_FALSE),
            ],
        )
