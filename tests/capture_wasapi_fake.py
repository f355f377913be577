"""A contract fake of the Windows audio stack at loopnote's COM seam (``win32.WinApi``).

This is a FAKE because Windows COM cannot exist on Linux. It follows the documented contracts
so that loopnote's real COM code (vtable calls through ``com.ComPtr``, the interface wrappers,
the capture loop) runs unchanged against it:

- objects are real COM objects in memory (``com.ComObject``: a vtable of callbacks) with the
  slot order of mmdeviceapi.h, audioclient.h and audiopolicy.h, reference counts, and
  QueryInterface;
- HRESULTs as documented: AUDCLNT_E_NOT_INITIALIZED, ALREADY_INITIALIZED, WRONG_ENDPOINT_TYPE,
  UNSUPPORTED_FORMAT, EVENTHANDLE_NOT_EXPECTED / NOT_SET, OUT_OF_ORDER, INVALID_SIZE,
  AUDCLNT_S_BUFFER_EMPTY, DEVICE_INVALIDATED after removal, E_ACCESSDENIED, E_NOTFOUND,
  AUDCLNT_S_NO_SINGLE_PROCESS, E_NOTIMPL for GetMixFormat on process-loopback clients;
- strings and formats it returns are task memory the caller must free (tracked: leaks fail);
- the engine runs in 10 ms periods on a virtual QPC clock that advances only while the code
  under test waits or sleeps, so tests are fast and deterministic. Loopback delivers NO
  packets while nothing renders (as Windows does); buffer overruns set DATA_DISCONTINUITY.
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from loopnote.capture.wasapi.com import HR, PVOID_P, S_FALSE, S_OK, ComObject, ComPtr
from loopnote.capture.wasapi.structs import (
    AUDCLNT_BUFFERFLAGS_DATA_DISCONTINUITY,
    AUDCLNT_BUFFERFLAGS_SILENT,
    AUDCLNT_STREAMFLAGS_AUTOCONVERTPCM,
    AUDCLNT_STREAMFLAGS_EVENTCALLBACK,
    AUDCLNT_STREAMFLAGS_LOOPBACK,
    AUDIOCLIENT_ACTIVATION_PARAMS,
    AUDIOCLIENT_ACTIVATION_TYPE_PROCESS_LOOPBACK,
    GUID,
    HNS_PER_SEC,
    PROPERTYKEY,
    PROPVARIANT,
    ROLES,
    VIRTUAL_AUDIO_DEVICE_PROCESS_LOOPBACK,
    VT_BLOB,
    VT_EMPTY,
    VT_LPWSTR,
    WAVEFORMATEXTENSIBLE,
    CLSID_MMDeviceEnumerator,
    IID_IAgileObject,
    IID_IAudioCaptureClient,
    IID_IAudioClient,
    IID_IAudioSessionControl2,
    IID_IAudioSessionManager2,
    IID_IMMDeviceEnumerator,
    PKEY_Device_FriendlyName,
    SampleFormat,
)
from loopnote.capture.wasapi.win32 import ProcessEntry

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


@dataclass
class FakeSession:
    pid: int
    display_name: str
    endpoint_id: str
    state: int = 1  # AudioSessionStateActive
    system_sounds: bool = False
    multi_process: bool = False


class FakeWindows:
    """Implements ``loopnote.capture.wasapi.win32.WinApi`` over fake COM objects."""

    def __init__(self, endpoints: list[FakeEndpoint], build: int = 22631) -> None:
        self.endpoints = {e.id: e for e in endpoints}
        self.defaults: dict[tuple[str, int], str] = {}
        for flow in ("render", "capture"):
            first = next((e.id for e in endpoints if e.flow == flow), None)
            if first:
                for role in ROLES.values():
                    self.defaults[(flow, role)] = first
        self.build = build
        self.pid = 4242
        self.processes_list: list[ProcessEntry] = [ProcessEntry(self.pid, 1, "python.exe")]
        self.sessions: list[FakeSession] = []
        self.app_audio: dict[int, Renderer] = {}
        self.process_formats = [
            SampleFormat(48000, 2, "float", 32, 32),
            SampleFormat(48000, 2, "int", 16, 16),
        ]
        self.activation_hr = S_OK
        self.events_fire = True  # False: loopback events never signalled (Windows < 10 1703)
        self.refuse_events = False  # True: Initialize refuses EVENTCALLBACK
        self.devpos_runs_in_silence = True
        self.clock = 0
        self.end_at: int | None = None
        self.paused = False  # True: time stands still (e.g. while a test starts several inputs)
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self._waiting: dict[threading.Thread, int | None] = {}  # None: running, else wakes at
        self.clients: list[FakeAudioClient] = []
        self.objects: list[ComObject] = []
        self.allocs: dict[int, Any] = {}
        self.handles: dict[int, threading.Event] = {}
        self._next_handle = 0x100
        self._next_tick = PERIOD_HNS
        self._scheduled: list[tuple[int, Callable[[], None]]] = []
        self.notify_clients: list[int] = []
        self.com_threads: dict[int, int] = {}
        self.errors: list[str] = []
        self.workers: list[threading.Thread] = []  # the fake's own completion threads

    # --- helpers for tests --------------------------------------------------------------------
    def at(self, seconds: float, action: Callable[[], None]) -> None:
        self._scheduled.append((int(seconds * HNS_PER_SEC), action))
        self._scheduled.sort(key=lambda x: x[0])

    def stop_clock_at(self, seconds: float) -> None:
        self.end_at = int(seconds * HNS_PER_SEC)

    def resume_when_waiting(self, threads: int, timeout: float = 10.0) -> None:
        """Unpause once ``threads`` threads use the clock (none may miss the first ticks)."""
        deadline = time.monotonic() + timeout
        while sum(t.is_alive() for t in list(self._waiting)) < threads:
            if time.monotonic() > deadline:
                raise AssertionError("the capture threads never waited on the clock")
            time.sleep(0.001)
        self.paused = False

    def wait_frozen(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while self.end_at is None or self.clock < self.end_at:
            if time.monotonic() > deadline:
                raise AssertionError(f"virtual clock stuck at {self.clock / HNS_PER_SEC:.3f} s")
            time.sleep(0.002)

    def remove_endpoint(self, eid: str, new_default: str | None) -> None:
        """Unplug ``eid``: its clients fail with AUDCLNT_E_DEVICE_INVALIDATED, the state-change
        and default-change notifications fire (on another thread, as Windows does)."""
        ep = self.endpoints[eid]
        ep.active = False
        self.invalidate(eid)
        calls: list[tuple[int, tuple[Any, ...], tuple[Any, ...]]] = [
            (3, (ctypes.c_wchar_p, ctypes.c_uint32), (eid, DEVICE_STATE_NOTPRESENT))
        ]
        for key, cur in list(self.defaults.items()):
            if cur == eid and new_default:
                self.defaults[key] = new_default
                flow = 0 if key[0] == "render" else 1
                calls.append(
                    (
                        6,
                        (ctypes.c_int32, ctypes.c_int32, ctypes.c_wchar_p),
                        (flow, key[1], new_default),
                    )
                )
        self._notify(calls)

    def set_default(self, flow: str, eid: str, roles: tuple[str, ...] = tuple(ROLES)) -> None:
        calls: list[tuple[int, tuple[Any, ...], tuple[Any, ...]]] = []
        for role in (ROLES[r] for r in roles):
            self.defaults[(flow, role)] = eid
            calls.append(
                (
                    6,
                    (ctypes.c_int32, ctypes.c_int32, ctypes.c_wchar_p),
                    (0 if flow == "render" else 1, role, eid),
                )
            )
        self._notify(calls)

    def plug_in(self, eid: str) -> None:
        self.endpoints[eid].active = True
        self._notify([(4, (ctypes.c_wchar_p,), (eid,))])  # OnDeviceAdded

    def invalidate(self, eid: str, hr: int = HR["AUDCLNT_E_DEVICE_INVALIDATED"]) -> None:
        for c in self.clients:
            if c.endpoint is not None and c.endpoint.id == eid:
                c.invalid_hr = hr

    def _notify(self, calls: list[tuple[int, tuple[Any, ...], tuple[Any, ...]]]) -> None:
        def run() -> None:
            for client in list(self.notify_clients):
                for slot, argtypes, args in calls:
                    ComPtr(client, "IMMNotificationClient").raw(slot, argtypes, *args)

        t = threading.Thread(target=run)
        t.start()
        t.join()

    def leaks(self) -> list[str]:
        for w in self.workers:
            w.join(5.0)
        out = [f"{type(o).__name__} refs={o.refs}" for o in self.objects if o.refs != 0]
        out += [f"task memory at {a:#x}" for a in self.allocs]
        out += [f"event handle {h:#x}" for h in self.handles]
        out += [f"COM still initialized on thread {t}" for t, n in self.com_threads.items() if n]
        out += [f"{len(self.notify_clients)} notification client(s) registered"] * bool(
            self.notify_clients
        )
        return out + self.errors

    def new(self, obj: ComObject) -> int:
        self.objects.append(obj)
        return obj.ptr

    def alloc_str(self, s: str) -> int:
        buf = ctypes.create_unicode_buffer(s)
        self.allocs[ctypes.addressof(buf)] = buf
        return ctypes.addressof(buf)

    def alloc_bytes(self, data: bytes) -> int:
        buf = ctypes.create_string_buffer(data, len(data))
        self.allocs[ctypes.addressof(buf)] = buf
        return ctypes.addressof(buf)

    # --- WinApi -----------------------------------------------------------------------------
    def co_initialize(self) -> bool:
        tid = threading.get_ident()
        self.com_threads[tid] = self.com_threads.get(tid, 0) + 1
        return True

    def co_uninitialize(self) -> None:
        tid = threading.get_ident()
        if not self.com_threads.get(tid):
            self.errors.append("CoUninitialize without CoInitializeEx")
        else:
            self.com_threads[tid] -= 1

    def create_instance(self, clsid: GUID, iid: GUID, name: str) -> ComPtr:
        from loopnote.capture.wasapi.com import check

        if not self.com_threads.get(threading.get_ident()):
            check(CO_E_NOTINITIALIZED, f"CoCreateInstance({name})")
        if clsid != CLSID_MMDeviceEnumerator or iid != IID_IMMDeviceEnumerator:
            check(HR["REGDB_E_CLASSNOTREG"], f"CoCreateInstance({name})")
        return ComPtr(self.new(FakeEnumerator(self)), name)

    def activate_audio_interface_async(
        self, path: str, iid: GUID, params: PROPVARIANT, handler: int
    ) -> ComPtr:
        from loopnote.capture.wasapi.com import check

        ok = path == VIRTUAL_AUDIO_DEVICE_PROCESS_LOOPBACK and iid == IID_IAudioClient
        ok = ok and params.vt == VT_BLOB and params.data == 12 and bool(params.ptr)
        if not ok:
            check(E_INVALIDARG, "ActivateAudioInterfaceAsync")
        p = AUDIOCLIENT_ACTIVATION_PARAMS.from_buffer_copy(ctypes.string_at(params.ptr, 12))
        if (
            p.ActivationType != AUDIOCLIENT_ACTIVATION_TYPE_PROCESS_LOOPBACK
            or p.ProcessLoopbackMode not in (0, 1)
        ):
            check(E_INVALIDARG, "ActivateAudioInterfaceAsync")
        op = FakeAsyncOp(self, int(p.TargetProcessId), bool(p.ProcessLoopbackMode))
        op_ptr = self.new(op)
        ComPtr(op_ptr, "op").add_ref()  # the reference passed to the handler

        def complete() -> None:
            agile = ctypes.c_void_p()
            h = ComPtr(handler, "IActivateAudioInterfaceCompletionHandler")
            if (
                h.raw(
                    0,
                    (ctypes.POINTER(GUID), PVOID_P),
                    ctypes.byref(IID_IAgileObject),
                    ctypes.byref(agile),
                )
                < 0
            ):
                op.result = E_ILLEGAL_METHOD_CALL  # the handler must be agile
            else:
                ComPtr(agile.value, "agile").release()
            h.raw(3, (ctypes.c_void_p,), op_ptr)
            ComPtr(op_ptr, "op").release()

        worker = threading.Thread(target=complete)
        self.workers.append(worker)
        worker.start()
        return ComPtr(op_ptr, "IActivateAudioInterfaceAsyncOperation")

    def co_task_mem_free(self, address: int | None) -> None:
        if address and self.allocs.pop(address, None) is None:
            self.errors.append(f"CoTaskMemFree of unknown memory {address:#x}")

    def create_event(self) -> int:
        with self.lock:
            self._next_handle += 4
            self.handles[self._next_handle] = threading.Event()
            return self._next_handle

    def close_handle(self, handle: int) -> None:
        if self.handles.pop(handle, None) is None:
            self.errors.append(f"CloseHandle of unknown handle {handle:#x}")

    def wait_event(self, handle: int, timeout_ms: int) -> bool:
        ev = self.handles[handle]
        if ev.is_set():
            ev.clear()
            return True
        got = self._advance(timeout_ms * 10_000, ev)
        ev.clear()
        return got

    def sleep(self, seconds: float) -> None:
        self._advance(int(seconds * HNS_PER_SEC), None)

    def qpc(self) -> int:
        return self.clock

    def windows_build(self) -> int:
        return self.build

    def processes(self) -> list[ProcessEntry]:
        return list(self.processes_list)

    def current_pid(self) -> int:
        return self.pid

    # --- the engine ---------------------------------------------------------------------------
    def _advance(self, hns: int, ev: threading.Event | None) -> bool:
        """Wait ``hns`` of virtual time (or until ``ev``). Time moves in lockstep: only when
        every live thread that uses the clock is waiting, to the earliest thing due, so one
        thread can never run ahead of another (or of the engine)."""
        me = threading.current_thread()
        with self.cond:
            target = self.clock + hns
            while not (ev is not None and ev.is_set()) and self.clock < target:
                if self.paused or (self.end_at is not None and self.clock >= self.end_at):
                    self._waiting[me] = None
                    self.cond.wait(0.001)  # time stands still; the caller may want to stop
                    return False
                if self._waiting.get(me) != target:
                    self._waiting[me] = target
                    self.cond.notify_all()  # maybe everyone waits now
                live = {t: v for t, v in self._waiting.items() if t.is_alive()}
                self._waiting = live
                if any(v is None for v in live.values()):
                    self.cond.wait(0.01)  # another thread is running: let it catch up
                    continue
                nxt = min(min(v for v in live.values() if v is not None), self._next_tick)
                if self._scheduled:
                    nxt = min(nxt, self._scheduled[0][0])
                if self.end_at is not None:
                    nxt = min(nxt, self.end_at)
                if nxt <= self.clock:  # another waiter is due: let it leave first
                    self.cond.wait(0.01)
                    continue
                self.clock = nxt
                if self.clock >= self._next_tick:
                    for c in list(self.clients):
                        c.tick(self._next_tick - PERIOD_HNS)
                    self._next_tick += PERIOD_HNS
                due = []
                while self._scheduled and self._scheduled[0][0] <= self.clock:
                    due.append(self._scheduled.pop(0)[1])
                for action in due:
                    action()
                self.cond.notify_all()
            self._waiting[me] = None
            return ev is not None and ev.is_set()

    def signal(self, handle: int | None) -> None:
        if handle is not None and handle in self.handles and self.events_fire:
            self.handles[handle].set()

    def tree(self, root: int) -> set[int]:
        kids: dict[int, list[int]] = {}
        for p in self.processes_list:
            kids.setdefault(p.ppid, []).append(p.pid)
        out, todo = set(), [root]
        while todo:
            p = todo.pop()
            if p not in out:
                out.add(p)
                todo.extend(kids.get(p, []))
        return out


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

        super().__init__([IID_IAudioSessionManager2], [*_stubs(2), ((VP,), enumerator)])


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

        super().__init__(
            [IID_IAudioSessionControl, IID_IAudioSessionControl2],
            [
                ((VP,), state),
                ((VP,), display),
                *_stubs(9),
                ((VP,), pid),
                ((), lambda: S_OK if s.system_sounds else S_FALSE),
            ],
        )
