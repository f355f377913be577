"""``CoreAudioApi`` on a real Mac: ctypes against CoreAudio, CoreFoundation and libobjc.

``NativeCoreAudio``    the implementation; constructing it loads the frameworks (so importing
                       this module is safe on Linux and Windows: nothing native loads until then).
Struct layouts and the buffer reader live in ``abi``.

``CATapDescription`` is an Objective-C class; it is built with ``objc_msgSend`` cast to the exact
signature of each message. Arrays and strings passed to it are CoreFoundation objects, which are
toll-free bridged to NSArray/NSString, so no autorelease pool is involved.
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import platform
from collections.abc import Callable, Mapping
from ctypes import (
    CFUNCTYPE,
    POINTER,
    byref,
    c_bool,
    c_char_p,
    c_double,
    c_long,
    c_uint32,
    c_void_p,
    sizeof,
)
from dataclasses import dataclass
from typing import Any

from loopnote.capture.coreaudio.abi import (
    SAMPLE_TIME_VALID,
    AudioBuffer,
    AudioBufferList,
    AudioObjectID,
    AudioStreamBasicDescription,
    IOProcType,
    ListenerType,
    OSStatus,
    PropertyAddress,
    read_buffer_list,
)
from loopnote.capture.coreaudio.api import (
    DEVICE_STREAM_CONFIG,
    ELEMENT_MAIN,
    HW_PID_TO_PROCESS,
    SCOPE_GLOBAL,
    SYSTEM_OBJECT,
    IOProc,
    Listener,
    StreamFormat,
    TapDescription,
    check,
)
from loopnote.errors import UnsupportedPlatform

_FRAMEWORKS = "/System/Library/Frameworks"
_UTF8 = 0x08000100  # kCFStringEncodingUTF8
_CF_NUMBER_SINT64 = 4  # kCFNumberSInt64Type
_CA_TAP_UNMUTED = 0  # CATapMuteBehavior.CATapUnmuted


def _fn(lib: ctypes.CDLL, name: str, restype: Any, *argtypes: Any) -> Any:
    f = getattr(lib, name)
    f.restype = restype
    f.argtypes = list(argtypes)
    return f


@dataclass(frozen=True)
class Libraries:
    """The native libraries, and how to find the address of a data symbol in one."""

    coreaudio: Any
    corefoundation: Any
    objc: Any
    system: Any
    symbol: Callable[[Any, str], int]


def load_libraries() -> Libraries:
    def symbol(lib: Any, name: str) -> int:
        return ctypes.addressof(ctypes.c_byte.in_dll(lib, name))

    return Libraries(
        ctypes.CDLL(f"{_FRAMEWORKS}/CoreAudio.framework/CoreAudio"),
        ctypes.CDLL(f"{_FRAMEWORKS}/CoreFoundation.framework/CoreFoundation"),
        ctypes.CDLL("/usr/lib/libobjc.A.dylib"),
        ctypes.CDLL("/usr/lib/libSystem.B.dylib"),
        symbol,
    )


class NativeCoreAudio:
    """The real HAL. Raises ``UnsupportedPlatform`` when constructed off macOS.

    ``libraries`` replaces the system libraries (tests drive the ctypes layer through
    C-callable stand-ins on Linux); by default the frameworks are loaded.
    """

    def __init__(self, libraries: Libraries | None = None) -> None:
        if libraries is None:
            if platform.system() != "Darwin":
                raise UnsupportedPlatform("Core Audio capture runs only on macOS")
            libraries = load_libraries()
        ca, cf = libraries.coreaudio, libraries.corefoundation
        self._objc, self._libc = libraries.objc, libraries.system
        addr = POINTER(PropertyAddress)
        obj_p = POINTER(AudioObjectID)
        self._size = _fn(
            ca,
            "AudioObjectGetPropertyDataSize",
            OSStatus,
            AudioObjectID,
            addr,
            c_uint32,
            c_void_p,
            POINTER(c_uint32),
        )
        self._get = _fn(
            ca,
            "AudioObjectGetPropertyData",
            OSStatus,
            AudioObjectID,
            addr,
            c_uint32,
            c_void_p,
            POINTER(c_uint32),
            c_void_p,
        )
        self._create_tap = _fn(ca, "AudioHardwareCreateProcessTap", OSStatus, c_void_p, obj_p)
        self._destroy_tap = _fn(ca, "AudioHardwareDestroyProcessTap", OSStatus, AudioObjectID)
        self._create_agg = _fn(ca, "AudioHardwareCreateAggregateDevice", OSStatus, c_void_p, obj_p)
        self._destroy_agg = _fn(ca, "AudioHardwareDestroyAggregateDevice", OSStatus, AudioObjectID)
        self._create_proc = _fn(
            ca,
            "AudioDeviceCreateIOProcID",
            OSStatus,
            AudioObjectID,
            IOProcType,
            c_void_p,
            POINTER(c_void_p),
        )
        self._destroy_proc = _fn(
            ca, "AudioDeviceDestroyIOProcID", OSStatus, AudioObjectID, c_void_p
        )
        self._start = _fn(ca, "AudioDeviceStart", OSStatus, AudioObjectID, c_void_p)
        self._stop = _fn(ca, "AudioDeviceStop", OSStatus, AudioObjectID, c_void_p)
        self._add_listener = _fn(
            ca,
            "AudioObjectAddPropertyListener",
            OSStatus,
            AudioObjectID,
            addr,
            ListenerType,
            c_void_p,
        )
        self._remove_listener = _fn(
            ca,
            "AudioObjectRemovePropertyListener",
            OSStatus,
            AudioObjectID,
            addr,
            ListenerType,
            c_void_p,
        )
        self._release = _fn(cf, "CFRelease", None, c_void_p)
        self._retain = _fn(cf, "CFRetain", c_void_p, c_void_p)
        self._str_create = _fn(
            cf, "CFStringCreateWithCString", c_void_p, c_void_p, c_char_p, c_uint32
        )
        self._str_len = _fn(cf, "CFStringGetLength", c_long, c_void_p)
        self._str_max = _fn(cf, "CFStringGetMaximumSizeForEncoding", c_long, c_long, c_uint32)
        self._str_get = _fn(cf, "CFStringGetCString", c_bool, c_void_p, c_char_p, c_long, c_uint32)
        self._num_create = _fn(cf, "CFNumberCreate", c_void_p, c_void_p, c_long, c_void_p)
        self._array_create = _fn(
            cf, "CFArrayCreate", c_void_p, c_void_p, POINTER(c_void_p), c_long, c_void_p
        )
        self._dict_create = _fn(
            cf,
            "CFDictionaryCreate",
            c_void_p,
            c_void_p,
            POINTER(c_void_p),
            POINTER(c_void_p),
            c_long,
            c_void_p,
            c_void_p,
        )
        sym = libraries.symbol
        self._array_cb = sym(cf, "kCFTypeArrayCallBacks")
        self._key_cb = sym(cf, "kCFTypeDictionaryKeyCallBacks")
        self._value_cb = sym(cf, "kCFTypeDictionaryValueCallBacks")
        self._true = c_void_p.from_address(sym(cf, "kCFBooleanTrue")).value
        self._false = c_void_p.from_address(sym(cf, "kCFBooleanFalse")).value
        self._get_class = _fn(self._objc, "objc_getClass", c_void_p, c_char_p)
        self._sel = _fn(self._objc, "sel_registerName", c_void_p, c_char_p)
        self._msg_send: int = ctypes.cast(self._objc.objc_msgSend, c_void_p).value or 0
        self._proc_name = _fn(
            self._libc, "proc_name", ctypes.c_int, ctypes.c_int, c_char_p, c_uint32
        )
        # C callbacks must outlive their registration: keep them here.
        self._procs: dict[int, Any] = {}
        self._listeners: dict[tuple[int, int, int], Any] = {}

    # --- properties -------------------------------------------------------------------
    def os_version(self) -> tuple[int, int, int]:
        parts = [int(p) for p in (platform.mac_ver()[0] or "0").split(".") if p.isdigit()]
        parts += [0, 0, 0]
        return parts[0], parts[1], parts[2]

    def _read(
        self, obj: int, selector: int, scope: int, out: Any, what: str, qualifier: Any = None
    ) -> None:
        a = PropertyAddress(selector, scope, ELEMENT_MAIN)
        size = c_uint32(sizeof(out))
        q_size = sizeof(qualifier) if qualifier is not None else 0
        q_ptr = byref(qualifier) if qualifier is not None else None
        check(self._get(obj, byref(a), q_size, q_ptr, byref(size), byref(out)), what)

    def get_u32(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> int:
        out = c_uint32()
        self._read(obj, selector, scope, out, "read a property")
        return int(out.value)

    def get_f64(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> float:
        out = c_double()
        self._read(obj, selector, scope, out, "read a property")
        return float(out.value)

    def _read_bytes(self, obj: int, selector: int, scope: int) -> bytes:
        a = PropertyAddress(selector, scope, ELEMENT_MAIN)
        size = c_uint32()
        check(self._size(obj, byref(a), 0, None, byref(size)), "size a property")
        buf = ctypes.create_string_buffer(size.value)
        check(self._get(obj, byref(a), 0, None, byref(size), buf), "read a property")
        return buf.raw[: size.value]

    def get_u32_list(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> list[int]:
        raw = self._read_bytes(obj, selector, scope)
        n = len(raw) // 4
        return list((c_uint32 * n).from_buffer_copy(raw[: n * 4]))

    def get_string(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> str:
        ref = c_void_p()
        self._read(obj, selector, scope, ref, "read a name")
        if not ref.value:
            return ""
        try:
            return self._cf_to_str(ref.value)
        finally:
            self._release(ref)

    def get_format(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> StreamFormat:
        asbd = AudioStreamBasicDescription()
        self._read(obj, selector, scope, asbd, "read a stream format")
        return StreamFormat(
            float(asbd.mSampleRate),
            int(asbd.mChannelsPerFrame),
            int(asbd.mFormatID),
            int(asbd.mFormatFlags),
            int(asbd.mBitsPerChannel),
        )

    def get_channels(self, device: int, scope: int) -> int:
        raw = self._read_bytes(device, DEVICE_STREAM_CONFIG, scope)
        if len(raw) < 4:
            return 0
        buf = ctypes.create_string_buffer(raw, max(len(raw), sizeof(AudioBufferList)))
        abl = ctypes.cast(buf, POINTER(AudioBufferList))
        buffers = ctypes.cast(ctypes.addressof(abl.contents.mBuffers), POINTER(AudioBuffer))
        return sum(int(buffers[i].mNumberChannels) for i in range(abl.contents.mNumberBuffers))

    def translate_pid(self, pid: int) -> int:
        out = c_uint32()
        self._read(
            SYSTEM_OBJECT,
            HW_PID_TO_PROCESS,
            SCOPE_GLOBAL,
            out,
            "find a process",
            qualifier=ctypes.c_int(pid),
        )
        return int(out.value)

    def process_name(self, pid: int) -> str:
        buf = ctypes.create_string_buffer(256)
        n = self._proc_name(pid, buf, 256)
        return buf.raw[: max(n, 0)].decode("utf-8", "replace") if n > 0 else ""

    # --- CoreFoundation ---------------------------------------------------------------
    def _cf_to_str(self, ref: int) -> str:
        size = self._str_max(self._str_len(ref), _UTF8) + 1
        buf = ctypes.create_string_buffer(size)
        if not self._str_get(ref, buf, size, _UTF8):
            return ""
        return buf.value.decode("utf-8")

    def _to_cf(self, value: object) -> int:
        """A new CoreFoundation object (+1) for a str, bool, int, list or dict."""
        if isinstance(value, bool):
            return int(self._retain(self._true if value else self._false))
        if isinstance(value, int):
            num = ctypes.c_int64(value)
            return int(self._num_create(None, _CF_NUMBER_SINT64, byref(num)))
        if isinstance(value, str):
            return int(self._str_create(None, value.encode("utf-8"), _UTF8))
        if isinstance(value, list | tuple):
            items = [self._to_cf(v) for v in value]
            arr = (c_void_p * max(len(items), 1))(*items)
            ref = int(self._array_create(None, arr, len(items), self._array_cb))
            self._release_all(items)
            return ref
        if isinstance(value, Mapping):
            keys = [self._to_cf(str(k)) for k in value]
            vals = [self._to_cf(v) for v in value.values()]
            karr = (c_void_p * max(len(keys), 1))(*keys)
            varr = (c_void_p * max(len(vals), 1))(*vals)
            ref = int(self._dict_create(None, karr, varr, len(keys), self._key_cb, self._value_cb))
            self._release_all(keys + vals)
            return ref
        raise TypeError(f"no CoreFoundation type for {type(value).__name__}")

    def _release_all(self, refs: list[int]) -> None:
        for r in refs:
            if r:
                self._release(r)

    def _send(self, restype: Any, receiver: int, selector: str, *args: tuple[Any, Any]) -> Any:
        proto = CFUNCTYPE(restype, c_void_p, c_void_p, *(t for t, _ in args))
        return proto(self._msg_send)(receiver, self._sel(selector.encode()), *(v for _, v in args))

    # --- taps and aggregate devices ---------------------------------------------------
    def create_process_tap(self, description: TapDescription) -> int:
        cls = self._get_class(b"CATapDescription")
        if not cls:
            raise UnsupportedPlatform("process taps need macOS 14.4 or later")
        kind = "Mono" if description.mono else "Stereo"
        init = (
            f"init{kind}GlobalTapButExcludeProcesses:"
            if description.exclusive
            else f"init{kind}MixdownOfProcesses:"
        )
        processes = self._to_cf(list(description.processes))
        name = self._to_cf(description.name)
        desc = self._send(c_void_p, cls, "alloc")
        try:
            desc = self._send(c_void_p, desc, init, (c_void_p, processes))
            if not desc:
                raise UnsupportedPlatform("Core Audio refused the tap description")
            self._send(None, desc, "setPrivate:", (c_bool, True))
            self._send(None, desc, "setMuteBehavior:", (c_long, _CA_TAP_UNMUTED))
            self._send(None, desc, "setName:", (c_void_p, name))
            tap = AudioObjectID()
            check(self._create_tap(desc, byref(tap)), "create a process tap")
            return int(tap.value)
        finally:
            if desc:
                self._send(None, desc, "release")
            self._release_all([processes, name])

    def destroy_process_tap(self, tap: int) -> None:
        check(self._destroy_tap(tap), "destroy the process tap")

    def create_aggregate_device(self, description: Mapping[str, object]) -> int:
        ref = self._to_cf(description)
        try:
            dev = AudioObjectID()
            check(self._create_agg(ref, byref(dev)), "create the aggregate device")
            return int(dev.value)
        finally:
            self._release(ref)

    def destroy_aggregate_device(self, device: int) -> None:
        check(self._destroy_agg(device), "destroy the aggregate device")

    # --- IO procs ---------------------------------------------------------------------
    def create_io_proc(self, device: int, proc: IOProc) -> int:
        def trampoline(
            _dev: int, _now: Any, data: Any, when: Any, _out: Any, _out_t: Any, _client: Any
        ) -> int:
            try:
                stamp = when.contents if when else None
                t = (
                    stamp.mSampleTime
                    if stamp is not None and stamp.mFlags & SAMPLE_TIME_VALID
                    else math.nan
                )
                proc(read_buffer_list(data), float(t))
            except BaseException:  # nothing may propagate into the HAL's IO thread
                pass
            return 0

        callback = IOProcType(trampoline)
        proc_id = c_void_p()
        check(self._create_proc(device, callback, None, byref(proc_id)), "add an IO proc")
        key = int(proc_id.value or 0)
        self._procs[key] = callback
        return key

    def destroy_io_proc(self, device: int, proc_id: int) -> None:
        try:
            check(self._destroy_proc(device, c_void_p(proc_id)), "remove the IO proc")
        finally:
            self._procs.pop(proc_id, None)

    def start(self, device: int, proc_id: int) -> None:
        check(self._start(device, c_void_p(proc_id)), "start the audio device")

    def stop(self, device: int, proc_id: int) -> None:
        check(self._stop(device, c_void_p(proc_id)), "stop the audio device")

    # --- listeners --------------------------------------------------------------------
    def add_listener(self, obj: int, selector: int, listener: Listener) -> None:
        def trampoline(_obj: int, _n: int, _addrs: Any, _client: Any) -> int:
            with contextlib.suppress(BaseException):  # never unwind into the HAL's thread
                listener()
            return 0

        callback = ListenerType(trampoline)
        a = PropertyAddress(selector, SCOPE_GLOBAL, ELEMENT_MAIN)
        check(self._add_listener(obj, byref(a), callback, None), "watch a property")
        self._listeners[(obj, selector, id(listener))] = callback

    def remove_listener(self, obj: int, selector: int, listener: Listener) -> None:
        callback = self._listeners.pop((obj, selector, id(listener)), None)
        if callback is None:
            return
        a = PropertyAddress(selector, SCOPE_GLOBAL, ELEMENT_MAIN)
        check(self._remove_listener(obj, byref(a), callback, None), "stop watching a property")
