"""The ctypes layer of the macOS backend (``native.py``), driven on Linux.

Core Audio cannot run here. These tests hand ``NativeCoreAudio`` C-callable stand-ins for
CoreAudio, CoreFoundation, libobjc and libSystem (Python functions behind ctypes function
pointers, so every call crosses a real C calling convention) that forward to the fake HAL.
What they check is the marshalling: argument and output-pointer types, property payloads
(UInt32, arrays, Float64, CFString, ASBD, AudioBufferList), CoreFoundation objects built for
the aggregate description and all released, the Objective-C messages that configure the
``CATapDescription``, and the IO proc and listener C callbacks.
"""

from __future__ import annotations

import ctypes
import itertools
import platform
from ctypes import CFUNCTYPE, POINTER, c_bool, c_char_p, c_int, c_int32, c_long, c_uint32, c_void_p
from typing import Any

import numpy as np
import pytest

from fake_coreaudio import FakeHAL, standard_mac
from loopnote.capture.base import CaptureRequest
from loopnote.capture.coreaudio import abi
from loopnote.capture.coreaudio import api as ca
from loopnote.capture.coreaudio.api import CoreAudioError, TapDescription
from loopnote.capture.coreaudio.backend import CoreAudioBackend
from loopnote.capture.coreaudio.native import Libraries, NativeCoreAudio
from loopnote.capture.coreaudio.tap import open_tap_route
from loopnote.clock import ManualClock
from loopnote.types import AudioChunk

U32 = {ca.HW_DEFAULT_OUTPUT, ca.HW_DEFAULT_INPUT, ca.PROCESS_PID, ca.PROCESS_RUNNING_OUTPUT}
LISTS = {ca.HW_DEVICES, ca.HW_PROCESS_LIST, ca.DEVICE_STREAMS}
STRINGS = {ca.OBJECT_NAME, ca.DEVICE_UID, ca.PROCESS_BUNDLE_ID, ca.TAP_UID}
FORMATS = {ca.TAP_FORMAT, ca.STREAM_VIRTUAL_FORMAT}
Addr = POINTER(abi.PropertyAddress)


class CLib:
    """Python functions exposed as C function pointers, looked up by name like a CDLL."""

    def __init__(self) -> None:
        self._keep: list[Any] = []

    def define(self, name: str, restype: Any, *argtypes: Any) -> Any:
        def register(py: Any) -> Any:
            callback = CFUNCTYPE(restype, *argtypes)(py)
            self._keep.append(callback)
            address = ctypes.cast(callback, c_void_p).value
            setattr(self, name, CFUNCTYPE(restype, *argtypes)(address))
            return py

        return register


class Container:
    def __init__(self, kind: str, items: list[int]) -> None:
        self.kind, self.items = kind, items


class FakeCF:
    """CoreFoundation objects as handles with reference counts."""

    def __init__(self) -> None:
        self.lib = CLib()
        self.objects: dict[int, list[Any]] = {}  # handle -> [value, refcount]
        self._ids = itertools.count(0x10000)
        self.true, self.false = self.new(True), self.new(False)
        self.static = {self.true, self.false}
        self.buffers = {
            n: ctypes.create_string_buffer(64)
            for n in (
                "kCFTypeArrayCallBacks",
                "kCFTypeDictionaryKeyCallBacks",
                "kCFTypeDictionaryValueCallBacks",
            )
        }
        self.booleans = {
            "kCFBooleanTrue": c_void_p(self.true),
            "kCFBooleanFalse": c_void_p(self.false),
        }
        d = self.lib.define
        d("CFRelease", None, c_void_p)(self.release)
        d("CFRetain", c_void_p, c_void_p)(self.retain)
        d("CFStringCreateWithCString", c_void_p, c_void_p, c_char_p, c_uint32)(
            lambda _a, s, enc: self.new(s.decode("utf-8"))
        )
        d("CFStringGetLength", c_long, c_void_p)(lambda h: len(self.objects[h][0]))
        d("CFStringGetMaximumSizeForEncoding", c_long, c_long, c_uint32)(lambda n, e: 4 * n)
        d("CFStringGetCString", c_bool, c_void_p, c_void_p, c_long, c_uint32)(self._get_cstring)
        d("CFNumberCreate", c_void_p, c_void_p, c_long, c_void_p)(self._number)
        d("CFArrayCreate", c_void_p, c_void_p, POINTER(c_void_p), c_long, c_void_p)(self._array)
        d(
            "CFDictionaryCreate",
            c_void_p,
            c_void_p,
            POINTER(c_void_p),
            POINTER(c_void_p),
            c_long,
            c_void_p,
            c_void_p,
        )(self._dictionary)

    def symbol(self, name: str) -> int:
        if name in self.booleans:
            return ctypes.addressof(self.booleans[name])
        return ctypes.addressof(self.buffers[name])

    def new(self, value: Any) -> int:
        h = next(self._ids)
        self.objects[h] = [value, 1]
        return h

    def retain(self, h: int) -> int:
        self.objects[h][1] += 1
        return h

    def release(self, h: int) -> None:
        entry = self.objects[h]
        entry[1] -= 1
        assert entry[1] >= 0, "released once too often"
        if entry[1] == 0 and isinstance(entry[0], Container):
            for child in entry[0].items:
                self.release(child)

    def live(self) -> list[Any]:
        return [
            self.value(h) for h, (_, n) in self.objects.items() if n > 0 and h not in self.static
        ]

    def value(self, h: int) -> Any:
        v = self.objects[h][0]
        if isinstance(v, Container) and v.kind == "array":
            return [self.value(i) for i in v.items]
        if isinstance(v, Container):
            pairs = list(zip(v.items[::2], v.items[1::2], strict=True))
            return {self.value(k): self.value(x) for k, x in pairs}
        return v

    def _get_cstring(self, h: int, buf: int, size: int, _enc: int) -> bool:
        raw = self.objects[h][0].encode("utf-8") + b"\0"
        if len(raw) > size:
            return False
        ctypes.memmove(buf, raw, len(raw))
        return True

    def _number(self, _alloc: Any, kind: int, ptr: int) -> int:
        assert kind == 4  # kCFNumberSInt64Type
        return self.new(ctypes.c_int64.from_address(ptr).value)

    def _array(self, _alloc: Any, values: Any, n: int, callbacks: int) -> int:
        assert callbacks == self.symbol("kCFTypeArrayCallBacks")
        items = [self.retain(values[i]) for i in range(n)]
        return self.new(Container("array", items))

    def _dictionary(self, _a: Any, keys: Any, values: Any, n: int, kcb: int, vcb: int) -> int:
        assert kcb == self.symbol("kCFTypeDictionaryKeyCallBacks")
        assert vcb == self.symbol("kCFTypeDictionaryValueCallBacks")
        items = [self.retain(x) for i in range(n) for x in (keys[i], values[i])]
        return self.new(Container("dict", items))


class FakeObjC:
    """libobjc with one class, CATapDescription, whose instances record their configuration."""

    CLASS = 0x7000

    def __init__(self, cf: FakeCF) -> None:
        self.cf, self.lib = cf, CLib()
        self.selectors: dict[int, str] = {}
        self.instances: dict[int, dict[str, Any]] = {}
        d = self.lib.define
        d("objc_getClass", c_void_p, c_char_p)(
            lambda name: self.CLASS if name == b"CATapDescription" else None
        )
        d("sel_registerName", c_void_p, c_char_p)(self._selector)
        d("objc_msgSend", c_void_p, c_void_p, c_void_p, c_void_p)(self._send)

    def _selector(self, name: bytes) -> int:
        h = 0x8000 + len(self.selectors)
        self.selectors[h] = name.decode()
        return h

    def _send(self, receiver: int, sel: int, arg: int | None) -> int | None:
        name = self.selectors[sel]
        if name == "alloc":
            assert receiver == self.CLASS
            h = 0x9000 + len(self.instances)
            self.instances[h] = {"released": False}
            return h
        obj = self.instances[receiver]
        if name.startswith("init"):
            obj.update(init=name, processes=self.cf.value(arg or 0))
            return receiver
        if name == "setPrivate:":
            obj["private"] = bool((arg or 0) & 0xFF)
        elif name == "setMuteBehavior:":
            obj["mute"] = arg or 0
        elif name == "setName:":
            obj["name"] = self.cf.value(arg or 0)
        elif name == "release":
            obj["released"] = True
        return None


class FakeCoreAudio:
    """CoreAudio's C functions, forwarding to the fake HAL."""

    def __init__(self, hal: FakeHAL, cf: FakeCF, objc: FakeObjC) -> None:
        self.hal, self.cf, self.objc, self.lib = hal, cf, objc, CLib()
        self.io_procs: dict[int, Any] = {}
        self.listeners: dict[int, Any] = {}
        d = self.lib.define
        d(
            "AudioObjectGetPropertyDataSize",
            c_int32,
            c_uint32,
            Addr,
            c_uint32,
            c_void_p,
            POINTER(c_uint32),
        )(self._size)
        d(
            "AudioObjectGetPropertyData",
            c_int32,
            c_uint32,
            Addr,
            c_uint32,
            c_void_p,
            POINTER(c_uint32),
            c_void_p,
        )(self._get)
        d("AudioHardwareCreateProcessTap", c_int32, c_void_p, POINTER(c_uint32))(self._tap)
        d("AudioHardwareDestroyProcessTap", c_int32, c_uint32)(self._call(hal.destroy_process_tap))
        d("AudioHardwareCreateAggregateDevice", c_int32, c_void_p, POINTER(c_uint32))(
            self._aggregate
        )
        d("AudioHardwareDestroyAggregateDevice", c_int32, c_uint32)(
            self._call(hal.destroy_aggregate_device)
        )
        d(
            "AudioDeviceCreateIOProcID",
            c_int32,
            c_uint32,
            abi.IOProcType,
            c_void_p,
            POINTER(c_void_p),
        )(self._create_proc)
        for name, fn in (
            ("AudioDeviceDestroyIOProcID", hal.destroy_io_proc),
            ("AudioDeviceStart", hal.start),
            ("AudioDeviceStop", hal.stop),
        ):
            d(name, c_int32, c_uint32, c_void_p)(self._call(fn))
        d("AudioObjectAddPropertyListener", c_int32, c_uint32, Addr, abi.ListenerType, c_void_p)(
            self._add_listener
        )
        d("AudioObjectRemovePropertyListener", c_int32, c_uint32, Addr, abi.ListenerType, c_void_p)(
            self._remove_listener
        )

    @staticmethod
    def _status(fn: Any) -> int:
        try:
            fn()
        except CoreAudioError as e:
            return e.status
        return 0

    def _call(self, fn: Any) -> Any:
        return lambda *args: self._status(lambda: fn(*args))

    def _payload(self, obj: int, a: Any, qualifier: int | None, for_size: bool) -> bytes:
        sel, scope, hal = a.mSelector, a.mScope, self.hal
        if sel in U32:
            return bytes(c_uint32(hal.get_u32(obj, sel, scope)))
        if sel in LISTS:
            values = hal.get_u32_list(obj, sel, scope)
            return bytes((c_uint32 * len(values))(*values))
        if sel == ca.DEVICE_RATE:
            return bytes(ctypes.c_double(hal.get_f64(obj, sel, scope)))
        if sel in STRINGS:
            text = hal.get_string(obj, sel, scope)
            return bytes(c_void_p(0 if for_size else self.cf.new(text)))
        if sel in FORMATS:
            f = hal.get_format(obj, sel, scope)
            asbd = abi.AudioStreamBasicDescription(
                f.sample_rate,
                f.format_id,
                f.flags,
                4 * f.channels,
                1,
                4 * f.channels,
                f.channels,
                f.bits,
                0,
            )
            return bytes(asbd)
        if sel == ca.DEVICE_STREAM_CONFIG:
            channels = hal.get_channels(obj, scope)
            abl = abi.AudioBufferList(1 if channels else 0)
            abl.mBuffers[0].mNumberChannels = channels
            return bytes(abl)
        if sel == ca.HW_PID_TO_PROCESS:
            assert qualifier is not None
            return bytes(c_uint32(hal.translate_pid(ctypes.c_int.from_address(qualifier).value)))
        raise CoreAudioError(ca.STATUS_UNKNOWN_PROPERTY, "read")

    def _size(self, obj: int, a: Any, _qs: int, q: int | None, size: Any) -> int:
        def run() -> None:
            size[0] = len(self._payload(obj, a.contents, q, True))

        return self._status(run)

    def _get(self, obj: int, a: Any, qsize: int, q: int | None, size: Any, out: int) -> int:
        def run() -> None:
            if a.contents.mSelector == ca.HW_PID_TO_PROCESS:
                assert qsize == ctypes.sizeof(c_int)
            data = self._payload(obj, a.contents, q, False)
            if size[0] < len(data):
                raise CoreAudioError(ca.fourcc("!siz"), "read")
            ctypes.memmove(out, data, len(data))
            size[0] = len(data)

        return self._status(run)

    def _tap(self, desc: int, out: Any) -> int:
        d = self.objc.instances[desc]
        tap = TapDescription(
            tuple(d["processes"]),
            exclusive="Global" in d["init"],
            mono="Mono" in d["init"],
            name=d["name"],
        )
        assert d["private"] is True and d["mute"] == 0  # private to loopnote, unmuted

        def run() -> None:
            out[0] = self.hal.create_process_tap(tap)

        return self._status(run)

    def _aggregate(self, desc: int, out: Any) -> int:
        def run() -> None:
            out[0] = self.hal.create_aggregate_device(self.cf.value(desc))

        return self._status(run)

    def _create_proc(self, device: int, fn: Any, client: Any, out: Any) -> int:
        def deliver(samples: np.ndarray, sample_time: float) -> None:
            # the HAL's IO thread: one non-interleaved buffer per channel
            _frames, channels = samples.shape
            columns = [np.ascontiguousarray(samples[:, c]) for c in range(channels)]
            size = ctypes.sizeof(abi.AudioBufferList) + (channels - 1) * ctypes.sizeof(
                abi.AudioBuffer
            )
            raw = ctypes.create_string_buffer(size)
            abl = ctypes.cast(raw, POINTER(abi.AudioBufferList))
            abl.contents.mNumberBuffers = channels
            bufs = ctypes.cast(ctypes.addressof(abl.contents.mBuffers), POINTER(abi.AudioBuffer))
            for c, col in enumerate(columns):
                bufs[c].mNumberChannels, bufs[c].mDataByteSize = 1, col.nbytes
                bufs[c].mData = col.ctypes.data
            stamp = abi.AudioTimeStamp(mSampleTime=sample_time, mFlags=1)
            now = abi.AudioTimeStamp()
            fn(device, ctypes.byref(now), abl, ctypes.byref(stamp), None, ctypes.byref(now), client)

        def run() -> None:
            proc_id = self.hal.create_io_proc(device, deliver)
            self.io_procs[proc_id] = fn
            out[0] = proc_id

        return self._status(run)

    def _add_listener(self, obj: int, a: Any, fn: Any, client: Any) -> int:
        sel = a.contents.mSelector

        def fire() -> None:
            fired = abi.PropertyAddress(sel, ca.SCOPE_GLOBAL, 0)
            fn(obj, 1, ctypes.byref(fired), client)

        self.listeners[ctypes.cast(fn, c_void_p).value or 0] = fire
        return self._status(lambda: self.hal.add_listener(obj, sel, fire))

    def _remove_listener(self, obj: int, a: Any, fn: Any, _client: Any) -> int:
        fire = self.listeners.pop(ctypes.cast(fn, c_void_p).value or 0)
        return self._status(lambda: self.hal.remove_listener(obj, a.contents.mSelector, fire))


class Native:
    def __init__(self, hal: FakeHAL) -> None:
        self.cf = FakeCF()
        self.objc = FakeObjC(self.cf)
        self.ca = FakeCoreAudio(hal, self.cf, self.objc)
        system = CLib()

        @system.define("proc_name", c_int, c_int, c_void_p, c_uint32)
        def proc_name(pid: int, buf: int, size: int) -> int:
            raw = hal.names.get(pid, "").encode()[: size - 1]
            ctypes.memmove(buf, raw + b"\0", len(raw) + 1)
            return len(raw)

        libs = Libraries(
            self.ca.lib, self.cf.lib, self.objc.lib, system, lambda _lib, name: self.cf.symbol(name)
        )
        self.api = NativeCoreAudio(libs)


@pytest.fixture
def mac() -> tuple[FakeHAL, dict[str, int], Native]:
    hal, ids = standard_mac()
    return hal, ids, Native(hal)


def test_property_reads_cross_the_c_boundary(mac: tuple[FakeHAL, dict[str, int], Native]) -> None:
    _hal, ids, native = mac
    api = native.api
    assert api.get_u32(ca.SYSTEM_OBJECT, ca.HW_DEFAULT_OUTPUT) == ids["speakers"]
    assert api.get_u32_list(ca.SYSTEM_OBJECT, ca.HW_DEVICES) == [
        ids[k] for k in ("speakers", "mic", "headset", "blackhole")
    ]
    assert api.get_string(ids["headset"], ca.OBJECT_NAME) == "USB Headset"
    assert api.get_f64(ids["headset"], ca.DEVICE_RATE) == 44100.0
    assert api.get_channels(ids["blackhole"], ca.SCOPE_INPUT) == 2
    assert api.get_channels(ids["speakers"], ca.SCOPE_INPUT) == 0
    stream = api.get_u32_list(ids["mic"], ca.DEVICE_STREAMS, ca.SCOPE_INPUT)[0]
    fmt = api.get_format(stream, ca.STREAM_VIRTUAL_FORMAT)
    assert (fmt.sample_rate, fmt.channels, fmt.is_float32) == (48000.0, 1, True)
    assert api.translate_pid(4100) == ids["zoom"] and api.translate_pid(1) == 0
    assert api.process_name(4201) == "Google Chrome Helper"
    with pytest.raises(CoreAudioError, match="no such audio object"):
        api.get_u32(9999, ca.HW_DEFAULT_OUTPUT)
    assert native.cf.live() == []  # every CFString read was released


def test_a_tap_route_through_ctypes(mac: tuple[FakeHAL, dict[str, int], Native]) -> None:
    hal, ids, native = mac
    got: list[tuple[np.ndarray, float]] = []
    tap = TapDescription((ids["chrome"], ids["chrome_helper"]), exclusive=False)
    route = open_tap_route(native.api, tap, ids["speakers"], lambda s, t: got.append((s, t)))
    [desc] = native.objc.instances.values()
    assert desc["init"] == "initStereoMixdownOfProcesses:"
    assert desc["processes"] == [ids["chrome"], ids["chrome_helper"]]
    assert desc["name"] == "loopnote" and desc["released"]
    agg = hal.objects[hal.aggregates()[0]].props["description"]
    assert agg["private"] is True and agg["stacked"] is False
    assert agg["subdevices"] == [{"uid": "BuiltInSpeakerDevice"}]
    assert agg["taps"][0]["drift"] is True
    played = np.stack([np.linspace(-1, 1, 480), np.linspace(0, 0.5, 480)], 1).astype(np.float32)
    hal.deliver_tap(played, 960.0)
    assert len(got) == 1 and got[0][1] == 960.0
    assert np.array_equal(got[0][0], played)
    route.close()
    assert hal.is_clean() and not route.teardown_errors
    assert native.cf.live() == []  # the aggregate dictionary and tap arrays were released


def test_a_global_mono_tap_sends_the_exclusion_message(
    mac: tuple[FakeHAL, dict[str, int], Native],
) -> None:
    hal, ids, native = mac
    tap_id = native.api.create_process_tap(TapDescription((ids["zoom"],), True, mono=True))
    [desc] = native.objc.instances.values()
    assert desc["init"] == "initMonoGlobalTapButExcludeProcesses:"
    assert hal.objects[tap_id].props[ca.TAP_FORMAT].channels == 1
    native.api.destroy_process_tap(tap_id)
    assert hal.is_clean()


def test_listeners_fire_and_go_away(mac: tuple[FakeHAL, dict[str, int], Native]) -> None:
    hal, ids, native = mac
    heard: list[str] = []

    def listener() -> None:
        heard.append("changed")

    native.api.add_listener(ca.SYSTEM_OBJECT, ca.HW_DEFAULT_OUTPUT, listener)
    hal.set_default_output(ids["headset"])
    assert heard == ["changed"]
    native.api.remove_listener(ca.SYSTEM_OBJECT, ca.HW_DEFAULT_OUTPUT, listener)
    hal.set_default_output(ids["speakers"])
    assert heard == ["changed"] and hal.is_clean()


def test_the_backend_runs_on_the_ctypes_layer(
    mac: tuple[FakeHAL, dict[str, int], Native], monkeypatch: pytest.MonkeyPatch
) -> None:
    hal, _, native = mac
    monkeypatch.setattr(platform, "mac_ver", lambda: ("14.4.1", ("", "", ""), "arm64"))
    assert native.api.os_version() == (14, 4, 1)
    clock = ManualClock()
    items: list[Any] = []
    [system, mic] = CoreAudioBackend(native.api, clock).open(CaptureRequest())
    system.start(items.append)
    mic.start(items.append)
    for k in range(50):
        clock.advance(0.01)
        hal.deliver_tap(np.full((480, 2), 0.1, np.float32), k * 480.0)
    system.stop()
    mic.stop()
    chunks = [i for i in items if isinstance(i, AudioChunk)]
    assert len(chunks) == 50 and chunks[-1].start == 0.49
    assert hal.is_clean() and native.cf.live() == []
