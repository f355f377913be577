"""The flat Win32 entry points the WASAPI backend needs, behind one seam.

``WinApi``          protocol: COM start-up, object creation, process-loopback activation, task
                    memory, event handles, QPC, MMCSS, the Windows build, the process table
``Win32``           the real implementation (ole32, kernel32, ntdll, mmdevapi), loaded when built
``ProcessEntry``    pid, parent pid and executable name of a running process

Everything above this seam (interface wrappers, the capture loop, sessions, notifications) is
the same code on Windows and in the tests, where a contract fake of this protocol hands out
COM objects with the documented vtables (Windows COM cannot exist on Linux).
"""

from __future__ import annotations

import ctypes
import os
import time
from dataclasses import dataclass
from typing import Any, Protocol

from loopnote.capture.wasapi.com import PVOID_P, ComPtr, check
from loopnote.capture.wasapi.structs import CLSCTX_ALL, GUID, HNS_PER_SEC, PROPVARIANT


@dataclass(frozen=True)
class ProcessEntry:
    pid: int
    ppid: int
    exe: str  # executable file name, e.g. "Teams.exe"


class WinApi(Protocol):
    def co_initialize(self) -> bool:
        """Join the multithreaded apartment; True if ``co_uninitialize`` must follow."""

    def co_uninitialize(self) -> None: ...

    def create_instance(self, clsid: GUID, iid: GUID, name: str) -> ComPtr: ...

    def activate_audio_interface_async(
        self, path: str, iid: GUID, params: PROPVARIANT, handler: int
    ) -> ComPtr:
        """ActivateAudioInterfaceAsync; ``handler``: IActivateAudioInterfaceCompletionHandler*."""

    def co_task_mem_free(self, address: int | None) -> None: ...

    def create_event(self) -> int: ...

    def wait_event(self, handle: int, timeout_ms: int) -> bool:
        """True if the event was signalled within ``timeout_ms``."""

    def close_handle(self, handle: int) -> None: ...

    def sleep(self, seconds: float) -> None: ...

    def boost_thread(self) -> int | None:
        """Register this thread with MMCSS ("Audio" task) so packet deadlines survive CPU load;
        a handle for ``unboost_thread``, or None if that was refused."""

    def unboost_thread(self, handle: int) -> None: ...

    def qpc(self) -> int:
        """QueryPerformanceCounter in 100 ns units (the clock of GetBuffer's QPC positions)."""

    def windows_build(self) -> int: ...

    def processes(self) -> list[ProcessEntry]: ...

    def current_pid(self) -> int: ...


class _PROCESSENTRY32W(ctypes.Structure):
    _fields_ = [
        ("dwSize", ctypes.c_uint32),
        ("cntUsage", ctypes.c_uint32),
        ("th32ProcessID", ctypes.c_uint32),
        ("th32DefaultHeapID", ctypes.c_size_t),
        ("th32ModuleID", ctypes.c_uint32),
        ("cntThreads", ctypes.c_uint32),
        ("th32ParentProcessID", ctypes.c_uint32),
        ("pcPriClassBase", ctypes.c_int32),
        ("dwFlags", ctypes.c_uint32),
        ("szExeFile", ctypes.c_wchar * 260),
    ]


class _OSVERSIONINFOW(ctypes.Structure):
    _fields_ = [
        ("dwOSVersionInfoSize", ctypes.c_uint32),
        ("dwMajorVersion", ctypes.c_uint32),
        ("dwMinorVersion", ctypes.c_uint32),
        ("dwBuildNumber", ctypes.c_uint32),
        ("dwPlatformId", ctypes.c_uint32),
        ("szCSDVersion", ctypes.c_wchar * 128),
    ]


_TH32CS_SNAPPROCESS = 0x2
_WAIT_OBJECT_0 = 0
_COINIT_MULTITHREADED = 0x0
_RPC_E_CHANGED_MODE = -0x7FFEFEFA  # 0x80010106


class Win32:
    """The real Win32 API. Constructing it loads the DLLs, so only do that on Windows."""

    def __init__(self) -> None:
        loader: Any = getattr(ctypes, "WinDLL")  # noqa: B009 (absent off Windows)
        self._ole32 = loader("ole32")
        self._kernel32 = loader("kernel32", use_last_error=True)
        self._ntdll = loader("ntdll")
        self._mmdevapi: Any = None
        self._avrt: Any = None
        for fn, res, args in (
            (self._ole32.CoInitializeEx, ctypes.c_int32, [ctypes.c_void_p, ctypes.c_uint32]),
            (self._ole32.CoUninitialize, None, []),
            (
                self._ole32.CoCreateInstance,
                ctypes.c_int32,
                [
                    ctypes.POINTER(GUID),
                    ctypes.c_void_p,
                    ctypes.c_uint32,
                    ctypes.POINTER(GUID),
                    PVOID_P,
                ],
            ),
            (self._ole32.CoTaskMemFree, None, [ctypes.c_void_p]),
            (
                self._kernel32.CreateEventW,
                ctypes.c_void_p,
                [ctypes.c_void_p, ctypes.c_int32, ctypes.c_int32, ctypes.c_wchar_p],
            ),
            (
                self._kernel32.WaitForSingleObject,
                ctypes.c_uint32,
                [ctypes.c_void_p, ctypes.c_uint32],
            ),
            (self._kernel32.CloseHandle, ctypes.c_int32, [ctypes.c_void_p]),
            (
                self._kernel32.QueryPerformanceCounter,
                ctypes.c_int32,
                [ctypes.POINTER(ctypes.c_int64)],
            ),
            (
                self._kernel32.QueryPerformanceFrequency,
                ctypes.c_int32,
                [ctypes.POINTER(ctypes.c_int64)],
            ),
            (
                self._kernel32.CreateToolhelp32Snapshot,
                ctypes.c_void_p,
                [ctypes.c_uint32, ctypes.c_uint32],
            ),
            (
                self._kernel32.Process32FirstW,
                ctypes.c_int32,
                [ctypes.c_void_p, ctypes.POINTER(_PROCESSENTRY32W)],
            ),
            (
                self._kernel32.Process32NextW,
                ctypes.c_int32,
                [ctypes.c_void_p, ctypes.POINTER(_PROCESSENTRY32W)],
            ),
            (self._ntdll.RtlGetVersion, ctypes.c_int32, [ctypes.POINTER(_OSVERSIONINFOW)]),
        ):
            fn.restype, fn.argtypes = res, args
        freq = ctypes.c_int64()
        self._kernel32.QueryPerformanceFrequency(ctypes.byref(freq))
        self._qpf = int(freq.value) or 1

    def co_initialize(self) -> bool:
        hr = int(self._ole32.CoInitializeEx(None, _COINIT_MULTITHREADED))
        if hr == _RPC_E_CHANGED_MODE:  # the thread is already an STA: usable, not ours to close
            return False
        check(hr, "CoInitializeEx")
        return True

    def co_uninitialize(self) -> None:
        self._ole32.CoUninitialize()

    def create_instance(self, clsid: GUID, iid: GUID, name: str) -> ComPtr:
        out = ctypes.c_void_p()
        hr = self._ole32.CoCreateInstance(
            ctypes.byref(clsid), None, CLSCTX_ALL, ctypes.byref(iid), ctypes.byref(out)
        )
        check(int(hr), f"CoCreateInstance({name})")
        return ComPtr(out.value, name)

    def activate_audio_interface_async(
        self, path: str, iid: GUID, params: PROPVARIANT, handler: int
    ) -> ComPtr:
        if self._mmdevapi is None:
            dll: Any = getattr(ctypes, "WinDLL")("mmdevapi")  # noqa: B009
            fn = dll.ActivateAudioInterfaceAsync
            fn.restype = ctypes.c_int32
            fn.argtypes = [
                ctypes.c_wchar_p,
                ctypes.POINTER(GUID),
                ctypes.POINTER(PROPVARIANT),
                ctypes.c_void_p,
                PVOID_P,
            ]
            self._mmdevapi = dll
        out = ctypes.c_void_p()
        hr = self._mmdevapi.ActivateAudioInterfaceAsync(
            path, ctypes.byref(iid), ctypes.byref(params), handler, ctypes.byref(out)
        )
        check(int(hr), "ActivateAudioInterfaceAsync")
        return ComPtr(out.value, "IActivateAudioInterfaceAsyncOperation")

    def co_task_mem_free(self, address: int | None) -> None:
        if address:
            self._ole32.CoTaskMemFree(address)

    def create_event(self) -> int:
        h = self._kernel32.CreateEventW(None, 0, 0, None)
        if not h:
            raise OSError(getattr(ctypes, "get_last_error")(), "CreateEventW failed")  # noqa: B009
        return int(h)

    def wait_event(self, handle: int, timeout_ms: int) -> bool:
        return int(self._kernel32.WaitForSingleObject(handle, max(0, timeout_ms))) == _WAIT_OBJECT_0

    def close_handle(self, handle: int) -> None:
        self._kernel32.CloseHandle(handle)

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    def boost_thread(self) -> int | None:
        try:
            if self._avrt is None:
                dll: Any = getattr(ctypes, "WinDLL")("avrt")  # noqa: B009
                dll.AvSetMmThreadCharacteristicsW.restype = ctypes.c_void_p
                dll.AvSetMmThreadCharacteristicsW.argtypes = [
                    ctypes.c_wchar_p,
                    ctypes.POINTER(ctypes.c_uint32),
                ]
                dll.AvRevertMmThreadCharacteristics.restype = ctypes.c_int32
                dll.AvRevertMmThreadCharacteristics.argtypes = [ctypes.c_void_p]
                self._avrt = dll
            task = ctypes.c_uint32()
            h = self._avrt.AvSetMmThreadCharacteristicsW("Audio", ctypes.byref(task))
            return int(h) if h else None
        except OSError:
            return None

    def unboost_thread(self, handle: int) -> None:
        if self._avrt is not None:
            self._avrt.AvRevertMmThreadCharacteristics(handle)

    def qpc(self) -> int:
        c = ctypes.c_int64()
        self._kernel32.QueryPerformanceCounter(ctypes.byref(c))
        return int(c.value) * HNS_PER_SEC // self._qpf

    def windows_build(self) -> int:
        info = _OSVERSIONINFOW()
        info.dwOSVersionInfoSize = ctypes.sizeof(info)
        self._ntdll.RtlGetVersion(ctypes.byref(info))
        return int(info.dwBuildNumber)

    def processes(self) -> list[ProcessEntry]:
        snap = self._kernel32.CreateToolhelp32Snapshot(_TH32CS_SNAPPROCESS, 0)
        if not snap or snap == ctypes.c_void_p(-1).value:
            return []
        out: list[ProcessEntry] = []
        try:
            e = _PROCESSENTRY32W()
            e.dwSize = ctypes.sizeof(e)
            ok = self._kernel32.Process32FirstW(snap, ctypes.byref(e))
            while ok:
                out.append(
                    ProcessEntry(int(e.th32ProcessID), int(e.th32ParentProcessID), e.szExeFile)
                )
                ok = self._kernel32.Process32NextW(snap, ctypes.byref(e))
        finally:
            self._kernel32.CloseHandle(snap)
        return out

    def current_pid(self) -> int:
        return os.getpid()
