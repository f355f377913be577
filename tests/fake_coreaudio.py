"""A fake Core Audio HAL behind ``loopnote.capture.coreaudio.api.CoreAudioApi``.

Core Audio cannot exist on Linux, so the macOS backend is tested against this stand-in. It
follows Apple's documented contracts (AudioHardware.h, AudioHardwareBase.h, the "Capturing
system audio with Core Audio taps" sample): objects have ids and properties read by selector
and scope; a missing object answers '!obj' and a missing property 'who?'; taps are created
from a tap description, have a UID and a format (the default output's rate, stereo or mono);
an aggregate device is created from a dictionary whose taps and sub-devices must exist, and
its input streams are the sub-devices' inputs followed by the taps'; IO procs are created on
a device, started, stopped and destroyed; listeners on the system object fire when a default
device changes. It is strict where sloppy teardown would hide: destroying a device that
still has IO procs registered fails ('nope'), and ``live()`` lists everything a client
created and has not destroyed.

Test controls: ``add_device``, ``add_process``, ``set_default_output/input``, ``fail``
(the next call of a method fails with a status), ``deliver`` (the HAL's IO thread calling
every running IO proc of a device), ``deliver_tap`` (what the tapped processes play,
arranged into the aggregate's input buffers; zeros when ``permission_granted`` is False, as
a denied "System Audio Recording" permission makes macOS do), ``calls`` (a log).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from loopnote.capture.coreaudio import api as ca
from loopnote.capture.coreaudio.api import CoreAudioError, IOProc, Listener, StreamFormat


@dataclass
class FakeObject:
    kind: str  # "device", "aggregate", "tap", "process"
    props: dict[Any, Any] = field(default_factory=dict)  # selector or (selector, scope)
    inputs: int = 0
    outputs: int = 0


@dataclass
class FakeIOProc:
    device: int
    proc: IOProc
    running: bool = False


class FakeHAL:
    def __init__(self, version: tuple[int, int, int] = (14, 4, 0)) -> None:
        self.version = version
        self.objects: dict[int, FakeObject] = {
            ca.SYSTEM_OBJECT: FakeObject(
                "system",
                {
                    ca.HW_DEVICES: [],
                    ca.HW_PROCESS_LIST: [],
                    ca.HW_DEFAULT_OUTPUT: 0,
                    ca.HW_DEFAULT_INPUT: 0,
                },
            )
        }
        self.names: dict[int, str] = {}  # pid -> executable name
        self.io_procs: dict[int, FakeIOProc] = {}
        self.listeners: list[tuple[int, int, Listener]] = []
        self.permission_granted = True
        self.calls: list[str] = []
        self._failures: dict[str, int] = {}
        self._next = 100

    # --- test controls ----------------------------------------------------------------
    def _new(self, obj: FakeObject) -> int:
        self._next += 1
        self.objects[self._next] = obj
        return self._next

    def add_device(
        self,
        name: str,
        uid: str,
        inputs: int = 0,
        outputs: int = 2,
        rate: float = 48000.0,
        flags: int = ca.FLAG_IS_FLOAT,
    ) -> int:
        """A device with one input stream (if ``inputs``) and one output stream (if
        ``outputs``) in the virtual format ``flags`` (32-bit float unless told)."""
        props: dict[Any, Any] = {ca.OBJECT_NAME: name, ca.DEVICE_UID: uid, ca.DEVICE_RATE: rate}
        for scope, channels in ((ca.SCOPE_INPUT, inputs), (ca.SCOPE_OUTPUT, outputs)):
            fmt = StreamFormat(rate, channels, flags=flags)
            streams = [self._new(FakeObject("stream", {ca.STREAM_VIRTUAL_FORMAT: fmt}))]
            props[(ca.DEVICE_STREAMS, scope)] = streams if channels else []
        dev = self._new(FakeObject("device", props, inputs, outputs))
        self.objects[ca.SYSTEM_OBJECT].props[ca.HW_DEVICES].append(dev)
        return dev

    def add_process(self, pid: int, bundle_id: str, name: str = "", playing: bool = False) -> int:
        obj = self._new(
            FakeObject(
                "process",
                {
                    ca.PROCESS_PID: pid,
                    ca.PROCESS_BUNDLE_ID: bundle_id,
                    ca.PROCESS_RUNNING_OUTPUT: int(playing),
                },
            )
        )
        self.objects[ca.SYSTEM_OBJECT].props[ca.HW_PROCESS_LIST].append(obj)
        self.names[pid] = name
        self._notify(ca.SYSTEM_OBJECT, ca.HW_PROCESS_LIST)
        return obj

    def remove_process(self, obj: int) -> None:
        """The process quit: its object and its listeners are gone."""
        self.objects[ca.SYSTEM_OBJECT].props[ca.HW_PROCESS_LIST].remove(obj)
        del self.objects[obj]
        self.listeners = [x for x in self.listeners if x[0] != obj]
        self._notify(ca.SYSTEM_OBJECT, ca.HW_PROCESS_LIST)

    def set_playing(self, obj: int, playing: bool) -> None:
        self.objects[obj].props[ca.PROCESS_RUNNING_OUTPUT] = int(playing)
        self._notify(obj, ca.PROCESS_RUNNING_OUTPUT)

    def set_recording(self, obj: int, recording: bool) -> None:
        self.objects[obj].props[ca.PROCESS_RUNNING_INPUT] = int(recording)
        self._notify(obj, ca.PROCESS_RUNNING_INPUT)

    def _notify(self, target: int, selector: int) -> None:
        for obj, sel, fn in list(self.listeners):  # the HAL's notification thread
            if obj == target and sel == selector:
                fn()

    def _set_default(self, selector: int, device: int) -> None:
        self.objects[ca.SYSTEM_OBJECT].props[selector] = device
        self._notify(ca.SYSTEM_OBJECT, selector)

    def set_default_output(self, device: int) -> None:
        self._set_default(ca.HW_DEFAULT_OUTPUT, device)

    def set_default_input(self, device: int) -> None:
        self._set_default(ca.HW_DEFAULT_INPUT, device)

    def fail(self, method: str, status: int = ca.STATUS_UNSPECIFIED) -> None:
        self._failures[method] = status

    def live(self) -> dict[str, list[int]]:
        """What clients created and have not destroyed."""
        return {
            "taps": [i for i, o in self.objects.items() if o.kind == "tap"],
            "aggregates": [i for i, o in self.objects.items() if o.kind == "aggregate"],
            "io_procs": list(self.io_procs),
            "listeners": [sel for _, sel, _ in self.listeners],
        }

    def is_clean(self) -> bool:
        return not any(self.live().values())

    def aggregates(self) -> list[int]:
        return self.live()["aggregates"]

    def running_on(self, device: int) -> bool:
        return any(p.device == device and p.running for p in self.io_procs.values())

    def deliver(self, device: int, samples: np.ndarray, sample_time: float) -> None:
        for p in list(self.io_procs.values()):
            if p.device == device and p.running:
                p.proc(np.ascontiguousarray(samples, dtype=np.float32), sample_time)

    def deliver_tap(self, samples: np.ndarray, sample_time: float, other: float = 0.5) -> None:
        """``samples`` (frames, tap channels) as the tapped processes play them, into every
        aggregate holding a tap; sub-device input channels carry the constant ``other``."""
        for agg in self.aggregates():
            o = self.objects[agg]
            sub_inputs = o.inputs - o.props["tap_channels"]
            tap = samples if self.permission_granted else np.zeros_like(samples)
            full = np.concatenate(
                [np.full((samples.shape[0], sub_inputs), other, np.float32), tap], axis=1
            )
            self.deliver(agg, full, sample_time)

    # --- the seam -----------------------------------------------------------------------
    def _enter(self, method: str) -> None:
        self.calls.append(method)
        status = self._failures.pop(method, None)
        if status is not None:
            raise CoreAudioError(status, f"{method} (injected)")

    def _obj(self, obj: int) -> FakeObject:
        if obj not in self.objects:
            raise CoreAudioError(ca.STATUS_BAD_OBJECT, "find the object")
        return self.objects[obj]

    def _prop(self, obj: int, selector: int, scope: int = ca.SCOPE_GLOBAL) -> Any:
        """A property by (selector, scope), or by selector when it has one value for all."""
        o = self._obj(obj)
        for key in ((selector, scope), selector):
            if key in o.props:
                return o.props[key]
        raise CoreAudioError(ca.STATUS_UNKNOWN_PROPERTY, "read a property")

    def os_version(self) -> tuple[int, int, int]:
        return self.version

    def get_u32(self, obj: int, selector: int, scope: int = ca.SCOPE_GLOBAL) -> int:
        self._enter("get_u32")
        return int(self._prop(obj, selector, scope))

    def get_u32_list(self, obj: int, selector: int, scope: int = ca.SCOPE_GLOBAL) -> list[int]:
        self._enter("get_u32_list")
        return list(self._prop(obj, selector, scope))

    def get_f64(self, obj: int, selector: int, scope: int = ca.SCOPE_GLOBAL) -> float:
        self._enter("get_f64")
        return float(self._prop(obj, selector, scope))

    def get_string(self, obj: int, selector: int, scope: int = ca.SCOPE_GLOBAL) -> str:
        self._enter("get_string")
        return str(self._prop(obj, selector, scope))

    def get_format(self, obj: int, selector: int, scope: int = ca.SCOPE_GLOBAL) -> StreamFormat:
        self._enter("get_format")
        fmt = self._prop(obj, selector, scope)
        assert isinstance(fmt, StreamFormat)
        return fmt

    def get_channels(self, device: int, scope: int) -> int:
        self._enter("get_channels")
        o = self._obj(device)
        return o.inputs if scope == ca.SCOPE_INPUT else o.outputs

    def translate_pid(self, pid: int) -> int:
        self._enter("translate_pid")
        for obj in self.objects[ca.SYSTEM_OBJECT].props[ca.HW_PROCESS_LIST]:
            if self.objects[obj].props[ca.PROCESS_PID] == pid:
                return int(obj)
        return ca.UNKNOWN_OBJECT

    def process_name(self, pid: int) -> str:
        return self.names.get(pid, "")

    def create_process_tap(self, description: ca.TapDescription) -> int:
        self._enter("create_process_tap")
        if self.version[:2] < (14, 2):
            raise CoreAudioError(ca.fourcc("unop"), "create a process tap")
        for p in description.processes:
            if self._obj(p).kind != "process":
                raise CoreAudioError(ca.STATUS_BAD_OBJECT, "create a process tap")
        out = self.objects[ca.SYSTEM_OBJECT].props[ca.HW_DEFAULT_OUTPUT]
        rate = float(self.objects[out].props[ca.DEVICE_RATE]) if out else 48000.0
        fmt = StreamFormat(rate, 1 if description.mono else 2)
        return self._new(
            FakeObject(
                "tap",
                {ca.TAP_UID: str(uuid.uuid4()), ca.TAP_FORMAT: fmt, "description": description},
            )
        )

    def destroy_process_tap(self, tap: int) -> None:
        self._enter("destroy_process_tap")
        if self._obj(tap).kind != "tap":
            raise CoreAudioError(ca.STATUS_BAD_OBJECT, "destroy a process tap")
        del self.objects[tap]

    def _by_uid(self, uid: object, kind: str, key: int) -> FakeObject:
        for o in self.objects.values():
            if o.kind == kind and o.props.get(key) == uid:
                return o
        raise CoreAudioError(ca.STATUS_BAD_OBJECT, f"find {kind} {uid!r}")

    def create_aggregate_device(self, description: Mapping[str, object]) -> int:
        self._enter("create_aggregate_device")
        uid = description.get(ca.AGG_UID)
        if not isinstance(uid, str) or any(
            o.props.get(ca.DEVICE_UID) == uid for o in self.objects.values()
        ):
            raise CoreAudioError(ca.STATUS_ILLEGAL, "create an aggregate device")
        sub_list = cast(list[dict[str, object]], description.get(ca.AGG_SUBDEVICES, []))
        tap_list = cast(list[dict[str, object]], description.get(ca.AGG_TAPS, []))
        subs = [self._by_uid(s[ca.SUBDEVICE_UID], "device", ca.DEVICE_UID) for s in sub_list]
        taps = [self._by_uid(t[ca.SUBTAP_UID], "tap", ca.TAP_UID) for t in tap_list]
        main = description.get(ca.AGG_MAIN_SUBDEVICE)
        clock = self._by_uid(main, "device", ca.DEVICE_UID) if main else (subs or [None])[0]
        tap_channels = sum(t.props[ca.TAP_FORMAT].channels for t in taps)
        rate = clock.props[ca.DEVICE_RATE] if clock else 48000.0
        return self._new(
            FakeObject(
                "aggregate",
                {
                    ca.DEVICE_UID: uid,
                    ca.OBJECT_NAME: description.get(ca.AGG_NAME, ""),
                    ca.DEVICE_RATE: rate,
                    "description": dict(description),
                    "tap_channels": tap_channels,
                },
                inputs=sum(s.inputs for s in subs) + tap_channels,
                outputs=sum(s.outputs for s in subs),
            )
        )

    def destroy_aggregate_device(self, device: int) -> None:
        self._enter("destroy_aggregate_device")
        if self._obj(device).kind != "aggregate":
            raise CoreAudioError(ca.STATUS_BAD_OBJECT, "destroy an aggregate device")
        if any(p.device == device for p in self.io_procs.values()):
            raise CoreAudioError(ca.STATUS_ILLEGAL, "destroy a device with IO procs")
        del self.objects[device]

    def create_io_proc(self, device: int, proc: IOProc) -> int:
        self._enter("create_io_proc")
        self._obj(device)
        self._next += 1
        self.io_procs[self._next] = FakeIOProc(device, proc)
        return self._next

    def _io(self, device: int, proc_id: int) -> FakeIOProc:
        p = self.io_procs.get(proc_id)
        if p is None or p.device != device:
            raise CoreAudioError(ca.STATUS_BAD_OBJECT, "find the IO proc")
        return p

    def destroy_io_proc(self, device: int, proc_id: int) -> None:
        self._enter("destroy_io_proc")
        self._io(device, proc_id)
        del self.io_procs[proc_id]

    def start(self, device: int, proc_id: int) -> None:
        self._enter("start")
        self._io(device, proc_id).running = True

    def stop(self, device: int, proc_id: int) -> None:
        self._enter("stop")
        self._io(device, proc_id).running = False

    def add_listener(self, obj: int, selector: int, listener: Listener) -> None:
        self._enter("add_listener")
        self._obj(obj)
        self.listeners.append((obj, selector, listener))

    def remove_listener(self, obj: int, selector: int, listener: Listener) -> None:
        self._enter("remove_listener")
        for i, (o, s, fn) in enumerate(self.listeners):
            if o == obj and s == selector and fn is listener:
                del self.listeners[i]
                return
        raise CoreAudioError(ca.STATUS_UNKNOWN_PROPERTY, "remove a listener")


def standard_mac(version: tuple[int, int, int] = (14, 4, 0)) -> tuple[FakeHAL, dict[str, int]]:
    """A MacBook: speakers and microphone built in, a headset, BlackHole; two apps."""
    hal = FakeHAL(version)
    ids = {
        "speakers": hal.add_device("MacBook Pro Speakers", "BuiltInSpeakerDevice", 0, 2),
        "mic": hal.add_device("MacBook Pro Microphone", "BuiltInMicrophoneDevice", 1, 0),
        "headset": hal.add_device("USB Headset", "USBHeadset:1", 1, 2, rate=44100.0),
        "blackhole": hal.add_device("BlackHole 2ch", "BlackHole2ch_UID", 2, 2),
        "zoom": hal.add_process(4100, "us.zoom.xos", "zoom.us", playing=True),
        "chrome": hal.add_process(4200, "com.google.Chrome", "Google Chrome"),
        "chrome_helper": hal.add_process(
            4201, "com.google.Chrome.helper", "Google Chrome Helper", playing=True
        ),
    }
    hal.objects[ca.SYSTEM_OBJECT].props[ca.HW_DEFAULT_OUTPUT] = ids["speakers"]
    hal.objects[ca.SYSTEM_OBJECT].props[ca.HW_DEFAULT_INPUT] = ids["mic"]
    return hal, ids
