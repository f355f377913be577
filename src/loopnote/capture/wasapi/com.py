"""COM through ctypes, and the ONE place where HRESULTs become loopnote errors.

``check(hr, what)``     return ``hr`` if it is a success code, else raise ``error_for(hr, what)``
``error_for(hr, what)`` the ``LoopnoteError`` for a failure HRESULT: one line saying what to do
``hr_name(hr)``         symbolic name of a known HRESULT ("AUDCLNT_E_DEVICE_INVALIDATED")
``DeviceInvalidated``   the endpoint went away (AUDCLNT_E_DEVICE_INVALIDATED or
                        AUDCLNT_E_RESOURCES_INVALIDATED): capture loops recover from it
``FormatUnsupported``   AUDCLNT_E_UNSUPPORTED_FORMAT: callers may try another format
``ComPtr``              an interface pointer: ``call(slot, argtypes, *args, what=...)`` through its
                        vtable, ``query(iid)``, ``release()``
``ComObject``           a COM object implemented in Python (vtable of callbacks): used for
                        IMMNotificationClient and the activation completion handler

Calls go through vtable slots with fixed-width argument types, so the same code drives the real
Windows objects and objects built with ``ComObject`` (the contract fake in the tests).
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Sequence
from typing import Any

from loopnote.capture.wasapi.structs import GUID, IID_IUnknown
from loopnote.errors import (
    CaptureError,
    DeviceNotFound,
    LoopnoteError,
    PermissionDenied,
    SoundServerUnavailable,
    UnsupportedPlatform,
)

# x64 Windows has one calling convention, so CFUNCTYPE == WINFUNCTYPE there; WINFUNCTYPE exists
# only on Windows (32-bit Windows needs stdcall).
FUNCTYPE: Any = getattr(ctypes, "WINFUNCTYPE", ctypes.CFUNCTYPE)
HRESULT = ctypes.c_int32
PVOID_P = ctypes.POINTER(ctypes.c_void_p)

S_OK, S_FALSE = 0, 1
E_NOTIMPL = -0x7FFFBFFF  # 0x80004001
E_NOINTERFACE = -0x7FFFBFFE  # 0x80004002
E_POINTER = -0x7FFFBFFD  # 0x80004003
E_FAIL = -0x7FFFBFFB  # 0x80004005


def _s32(x: int) -> int:
    return x - (1 << 32) if x & 0x80000000 else x


_KNOWN: dict[int, str] = {
    _s32(v): k
    for k, v in {
        "S_OK": 0x0,
        "S_FALSE": 0x1,
        "AUDCLNT_S_BUFFER_EMPTY": 0x08890001,
        "AUDCLNT_S_NO_SINGLE_PROCESS": 0x0889000D,
        "E_NOTIMPL": 0x80004001,
        "E_NOINTERFACE": 0x80004002,
        "E_POINTER": 0x80004003,
        "E_FAIL": 0x80004005,
        "E_ACCESSDENIED": 0x80070005,
        "E_OUTOFMEMORY": 0x8007000E,
        "E_INVALIDARG": 0x80070057,
        "HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)": 0x80070002,
        "E_NOTFOUND": 0x80070490,
        "CO_E_NOTINITIALIZED": 0x800401F0,
        "RPC_E_CHANGED_MODE": 0x80010106,
        "REGDB_E_CLASSNOTREG": 0x80040154,
        "AUDCLNT_E_NOT_INITIALIZED": 0x88890001,
        "AUDCLNT_E_ALREADY_INITIALIZED": 0x88890002,
        "AUDCLNT_E_WRONG_ENDPOINT_TYPE": 0x88890003,
        "AUDCLNT_E_DEVICE_INVALIDATED": 0x88890004,
        "AUDCLNT_E_NOT_STOPPED": 0x88890005,
        "AUDCLNT_E_OUT_OF_ORDER": 0x88890007,
        "AUDCLNT_E_UNSUPPORTED_FORMAT": 0x88890008,
        "AUDCLNT_E_INVALID_SIZE": 0x88890009,
        "AUDCLNT_E_DEVICE_IN_USE": 0x8889000A,
        "AUDCLNT_E_ENDPOINT_CREATE_FAILED": 0x8889000F,
        "AUDCLNT_E_SERVICE_NOT_RUNNING": 0x88890010,
        "AUDCLNT_E_EVENTHANDLE_NOT_EXPECTED": 0x88890011,
        "AUDCLNT_E_EVENTHANDLE_NOT_SET": 0x88890014,
        "AUDCLNT_E_BUFFER_ERROR": 0x88890018,
        "AUDCLNT_E_INVALID_STREAM_FLAG": 0x88890021,
        "AUDCLNT_E_RESOURCES_INVALIDATED": 0x88890026,
    }.items()
}
HR = {name: code for code, name in _KNOWN.items()}


class DeviceInvalidated(CaptureError):
    """The audio endpoint was removed, disabled or reconfigured; re-open to continue."""


class FormatUnsupported(CaptureError):
    """The audio engine refused a stream format."""


def hr_name(hr: int) -> str:
    hr = _s32(hr & 0xFFFFFFFF)
    return _KNOWN.get(hr, f"0x{hr & 0xFFFFFFFF:08X}")


def error_for(hr: int, what: str) -> LoopnoteError:
    """The error a user can act on for failure ``hr`` of step ``what`` (one line)."""
    name = hr_name(hr)
    where = f"{what} failed ({name})"
    if name in ("AUDCLNT_E_DEVICE_INVALIDATED", "AUDCLNT_E_RESOURCES_INVALIDATED"):
        return DeviceInvalidated(
            f"{where}: the audio device went away; reconnect it or pick another"
        )
    if name == "E_ACCESSDENIED":
        return PermissionDenied(
            f"{where}: Windows denied audio access; allow desktop apps to use the microphone in "
            "Settings > Privacy & security > Microphone, then try again"
        )
    if name == "AUDCLNT_E_UNSUPPORTED_FORMAT":
        return FormatUnsupported(f"{where}: the audio engine refused the stream format")
    if name == "AUDCLNT_E_DEVICE_IN_USE":
        return CaptureError(
            f"{where}: another app holds the device in exclusive mode; close it or turn off "
            "'Allow applications to take exclusive control' for the device"
        )
    if name in ("AUDCLNT_E_SERVICE_NOT_RUNNING", "REGDB_E_CLASSNOTREG"):
        return SoundServerUnavailable(
            f"{where}: the Windows Audio service is not running; start it (services.msc) and retry"
        )
    if name == "HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)" and "process loopback" in what:
        return UnsupportedPlatform(
            f"{where}: this Windows offers no process loopback; drop --app to record all "
            "system audio"
        )
    if name in ("E_NOTFOUND", "HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)"):
        return DeviceNotFound(f"{where}: no such audio device; run `loopnote sources` to list them")
    if name == "E_NOTIMPL":
        return UnsupportedPlatform(f"{where}: this Windows audio stack does not offer it")
    return CaptureError(f"{where}: Windows audio error")


def check(hr: int, what: str) -> int:
    """``hr`` unchanged if it is a success code; raise the translated error otherwise."""
    if hr < 0:
        raise error_for(hr, what)
    return hr


_PROTOS: dict[tuple[Any, ...], Any] = {}
_PROTO_LOCK = threading.Lock()


def _proto(restype: Any, argtypes: tuple[Any, ...]) -> Any:
    key = (restype, *argtypes)
    with _PROTO_LOCK:
        p = _PROTOS.get(key)
        if p is None:
            p = _PROTOS[key] = FUNCTYPE(restype, ctypes.c_void_p, *argtypes)
        return p


class ComPtr:
    """An owned reference to a COM interface pointer (released by ``release``)."""

    def __init__(self, ptr: int | None, name: str) -> None:
        if not ptr:
            raise CaptureError(f"{name}: Windows returned a null interface pointer")
        self.ptr: int | None = ptr
        self.name = name

    def _fn(self, slot: int, restype: Any, argtypes: tuple[Any, ...]) -> Any:
        if not self.ptr:
            raise CaptureError(f"{self.name} used after release")
        vtbl = ctypes.cast(self.ptr, ctypes.POINTER(ctypes.POINTER(ctypes.c_void_p))).contents
        return _proto(restype, argtypes)(vtbl[slot])

    def raw(self, slot: int, argtypes: Sequence[Any], *args: Any) -> int:
        """Call vtable ``slot``; return the raw HRESULT."""
        return int(self._fn(slot, HRESULT, tuple(argtypes))(self.ptr, *args))

    def call(self, slot: int, argtypes: Sequence[Any], *args: Any, what: str) -> int:
        """Call vtable ``slot``; raise the translated error on failure."""
        return check(self.raw(slot, argtypes, *args), f"{self.name}.{what}")

    def out_ptr(
        self, slot: int, argtypes: Sequence[Any], *args: Any, what: str, name: str
    ) -> ComPtr:
        """Call a method whose last argument is an ``IFoo**`` out-parameter; own the result."""
        out = ctypes.c_void_p()
        self.call(slot, (*argtypes, PVOID_P), *args, ctypes.byref(out), what=what)
        return ComPtr(out.value, name)

    def query(self, iid: GUID, name: str) -> ComPtr:
        return self.out_ptr(
            0, (ctypes.POINTER(GUID),), ctypes.byref(iid), what=f"QI({name})", name=name
        )

    def add_ref(self) -> None:
        self._fn(1, ctypes.c_uint32, ())(self.ptr)

    def release(self) -> None:
        if self.ptr:
            ptr, self.ptr = self.ptr, None
            vtbl = ctypes.cast(ptr, ctypes.POINTER(ctypes.POINTER(ctypes.c_void_p))).contents
            _proto(ctypes.c_uint32, ())(vtbl[2])(ptr)

    def __enter__(self) -> ComPtr:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


Method = tuple[Sequence[Any], Callable[..., int]]  # (argtypes after `this`, implementation)


class _ObjectLayout(ctypes.Structure):
    _fields_ = [("vtbl", ctypes.c_void_p)]


class ComObject:
    """A COM object implemented in Python.

    ``methods`` fill the vtable after IUnknown's three slots, in order; each implementation is
    called with the arguments after ``this`` and returns an HRESULT (an exception becomes
    E_FAIL). QueryInterface answers for IUnknown and ``iids``. The Python object owns the memory:
    keep it alive while Windows may call it.
    """

    def __init__(self, iids: Sequence[GUID], methods: Sequence[Method]) -> None:
        self._iids = {bytes(IID_IUnknown), *(bytes(i) for i in iids)}
        self._refs = 1
        self._lock = threading.Lock()
        self._callbacks: list[Any] = [
            _proto(HRESULT, (ctypes.c_void_p, ctypes.c_void_p))(self._query_interface),
            _proto(ctypes.c_uint32, ())(self._add_ref),
            _proto(ctypes.c_uint32, ())(self._release),
        ]
        for argtypes, impl in methods:
            self._callbacks.append(_proto(HRESULT, tuple(argtypes))(_guarded(impl)))
        self._vtbl = (ctypes.c_void_p * len(self._callbacks))(
            *(ctypes.cast(cb, ctypes.c_void_p).value for cb in self._callbacks)
        )
        self._obj = _ObjectLayout(ctypes.addressof(self._vtbl))
        self.ptr: int = ctypes.addressof(self._obj)

    @property
    def refs(self) -> int:
        return self._refs

    def _query_interface(self, _this: int, riid: int | None, ppv: int | None) -> int:
        if not ppv:
            return E_POINTER
        out = ctypes.cast(ppv, PVOID_P)
        if riid and ctypes.string_at(riid, 16) in self._iids:
            out[0] = self.ptr
            self._add_ref(self.ptr)
            return S_OK
        out[0] = None
        return E_NOINTERFACE

    def _add_ref(self, _this: int) -> int:
        with self._lock:
            self._refs += 1
            return self._refs

    def _release(self, _this: int) -> int:
        with self._lock:
            self._refs = max(0, self._refs - 1)
            return self._refs


def _guarded(impl: Callable[..., int]) -> Callable[..., int]:
    def call(_this: int, *args: Any) -> int:
        try:
            return int(impl(*args))
        except Exception:
            return E_FAIL

    return call
