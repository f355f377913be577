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
import itertools
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from capture_wasapi_fake_com import (
    CO_E_NOTINITIALIZED,
    DEVICE_STATE_NOTPRESENT,
    E_ILLEGAL_METHOD_CALL,
    E_INVALIDARG,
    PERIOD_HNS,
    FakeAsyncOp,
    FakeAudioClient,
    FakeEndpoint,
    FakeEnumerator,
    FakeSession,
    FakeSessionControl,
    Renderer,
)
from loopnote.capture.base import AudioInput
from loopnote.capture.wasapi.com import HR, PVOID_P, S_OK, ComObject, ComPtr
from loopnote.capture.wasapi.structs import (
    AUDIOCLIENT_ACTIVATION_PARAMS,
    AUDIOCLIENT_ACTIVATION_TYPE_PROCESS_LOOPBACK,
    GUID,
    HNS_PER_SEC,
    PROPVARIANT,
    ROLES,
    VIRTUAL_AUDIO_DEVICE_PROCESS_LOOPBACK,
    VT_BLOB,
    CLSID_MMDeviceEnumerator,
    IID_IAgileObject,
    IID_IAudioClient,
    IID_IMMDeviceEnumerator,
    SampleFormat,
)
from loopnote.capture.wasapi.win32 import ProcessEntry
from loopnote.types import AudioChunk


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
        self.session_clients: list[tuple[str, int]] = []  # (endpoint, IAudioSessionNotification)
        self.com_threads: dict[int, int] = {}
        self.errors: list[str] = []
        self.workers: list[threading.Thread] = []  # the fake's own completion threads
        self.boosts: set[int] = set()  # MMCSS registrations not yet reverted

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

    def add_session(self, session: FakeSession) -> None:
        """A new audio session: IAudioSessionNotification::OnSessionCreated on its endpoint
        (from another thread, as Windows calls it)."""
        self.sessions.append(session)
        ctl = FakeSessionControl(self, session)
        self.new(ctl)

        def run() -> None:
            for eid, client in list(self.session_clients):
                if eid == session.endpoint_id:
                    ComPtr(client, "IAudioSessionNotification").raw(3, (ctypes.c_void_p,), ctl.ptr)
            ComPtr(ctl.ptr, "IAudioSessionControl").release()

        t = threading.Thread(target=run)
        t.start()
        t.join()

    def set_session_state(self, session: FakeSession, state: int) -> None:
        """IAudioSessionEvents::OnStateChanged (slot 8) to whoever listens to ``session``."""
        session.state = state

        def run() -> None:
            for client in list(session.event_clients):
                ComPtr(client, "IAudioSessionEvents").raw(8, (ctypes.c_int32,), state)

        t = threading.Thread(target=run)
        t.start()
        t.join()

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
        out += [f"MMCSS registration {h:#x}" for h in self.boosts]
        out += [f"COM still initialized on thread {t}" for t, n in self.com_threads.items() if n]
        out += [f"{len(self.notify_clients)} notification client(s) registered"] * bool(
            self.notify_clients
        )
        out += [f"session notification on {e}" for e, _ in self.session_clients]
        out += [f"session events on pid {s.pid}" for s in self.sessions if s.event_clients]
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

    def boost_thread(self) -> int | None:
        with self.lock:
            self._next_handle += 4
            self.boosts.add(self._next_handle)
            return self._next_handle

    def unboost_thread(self, handle: int) -> None:
        if handle not in self.boosts:
            self.errors.append(f"AvRevertMmThreadCharacteristics of unknown {handle:#x}")
        self.boosts.discard(handle)

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


# --- helpers for tests that drive the fake -------------------------------------------------
RATE = 48000
SPK, SPK2, MIC = "{0.0.0.00000000}.{a1}", "{0.0.0.00000000}.{b2}", "{0.0.1.00000000}.{c3}"


def tone(freq: float, *spans: tuple[float, float], amp: float = 0.5) -> Callable[..., Any]:
    """A renderer playing a sine during ``spans`` (session seconds) and nothing otherwise."""

    def render(t: float, n: int) -> np.ndarray[Any, Any] | None:
        if not any(a <= t < b for a, b in spans):
            return None
        x = (amp * np.sin(2 * np.pi * freq * (t + np.arange(n) / RATE))).astype(np.float32)
        return np.stack([x, x], axis=1)

    return render


def expected(freq: float, start: float, end: float, amp: float = 0.5) -> np.ndarray[Any, Any]:
    t = start + np.arange(round((end - start) * RATE)) / RATE
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def run(fake: FakeWindows, inputs: list[AudioInput], until: float) -> dict[str, list[Any]]:
    items: dict[str, list[Any]] = {i.source: [] for i in inputs}
    fake.stop_clock_at(until)
    fake.paused = True  # both sources start at the same moment, as a session starts them
    for inp in inputs:
        inp.start(items[inp.source].append)
    fake.resume_when_waiting(len(inputs))
    fake.wait_frozen()
    for inp in inputs:
        inp.stop()
    return items


def flatten(items: list[Any]) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, Any]]:
    """(mono samples, gap mask) of the chunks, checking the timeline invariants on the way."""
    chunks = [c for c in items if isinstance(c, AudioChunk)]
    assert chunks and chunks[0].start == 0.0
    for a, b in itertools.pairwise(chunks):
        assert abs(b.start - a.end) < 1e-9  # contiguous: nothing overlaps, nothing is skipped
    for c in chunks:
        assert c.samples.dtype == np.float32 and c.samples.ndim == 2 and c.sample_rate == RATE
        assert not c.gap or not np.any(c.samples)
    mono = np.concatenate([c.samples[:, 0] for c in chunks])
    gap = np.concatenate([np.full(c.frames, c.gap) for c in chunks])
    return mono, gap


def at(x: np.ndarray[Any, Any], start: float, end: float) -> np.ndarray[Any, Any]:
    return x[round(start * RATE) : round(end * RATE)]
