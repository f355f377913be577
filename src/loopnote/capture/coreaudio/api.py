"""The seam between loopnote and Core Audio: what the backend asks of the HAL, nothing more.

``CoreAudioApi``    the protocol: property reads, process taps, aggregate devices, IO procs,
                    property listeners. ``native.NativeCoreAudio`` implements it with ctypes
                    against the documented C API (and two Objective-C messages for
                    ``CATapDescription``); tests implement it with a fake, because Core Audio
                    cannot exist on Linux.
``TapDescription``  what ``CATapDescription`` is initialised with (processes, exclusive, mono).
``StreamFormat``    the parts of an ``AudioStreamBasicDescription`` the backend needs.
``IOProc``          the callback an IO proc delivers to: float32 (frames, channels), the
                    device sample time of the first frame (nan when the HAL gives none).
``CoreAudioError``  a failed HAL call: the OSStatus, its four-char name and what was tried.
``check``           raise ``CoreAudioError`` for a non-zero OSStatus (the one translation point).
``fourcc``          'dOut' -> 0x644F7574, the way the headers spell selectors.

Selectors, scopes and dictionary keys below are the values of Apple's headers
(CoreAudio/AudioHardware.h, AudioHardwareBase.h, CoreAudioBaseTypes.h, macOS 14.4 SDK).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

from loopnote.errors import CaptureError
from loopnote.types import FloatArray


def fourcc(code: str) -> int:
    """The UInt32 of a four-character code, big-endian as the headers write it."""
    raw = code.encode("ascii")
    if len(raw) != 4:
        raise ValueError(f"a four-char code has four characters: {code!r}")
    return int.from_bytes(raw, "big")


def fourcc_name(value: int) -> str:
    """'dOut' for 0x644F7574; the decimal number when the bytes are not printable."""
    raw = (value & 0xFFFFFFFF).to_bytes(4, "big")
    if all(32 <= b < 127 for b in raw):
        return raw.decode("ascii")
    return str(value)


# Objects and addresses (AudioHardwareBase.h, AudioHardware.h)
SYSTEM_OBJECT = 1  # kAudioObjectSystemObject
UNKNOWN_OBJECT = 0  # kAudioObjectUnknown
SCOPE_GLOBAL = fourcc("glob")  # kAudioObjectPropertyScopeGlobal
SCOPE_INPUT = fourcc("inpt")  # kAudioObjectPropertyScopeInput
SCOPE_OUTPUT = fourcc("outp")  # kAudioObjectPropertyScopeOutput
ELEMENT_MAIN = 0  # kAudioObjectPropertyElementMain

# System object
HW_DEVICES = fourcc("dev#")  # kAudioHardwarePropertyDevices: AudioObjectID[]
HW_DEFAULT_INPUT = fourcc("dIn ")  # kAudioHardwarePropertyDefaultInputDevice
HW_DEFAULT_OUTPUT = fourcc("dOut")  # kAudioHardwarePropertyDefaultOutputDevice
HW_PROCESS_LIST = fourcc("prs#")  # kAudioHardwarePropertyProcessObjectList (14.2)
HW_PID_TO_PROCESS = fourcc("id2p")  # kAudioHardwarePropertyTranslatePIDToProcessObject

# Any object / devices
OBJECT_NAME = fourcc("lnam")  # kAudioObjectPropertyName: CFString
DEVICE_UID = fourcc("uid ")  # kAudioDevicePropertyDeviceUID: CFString
DEVICE_ALIVE = fourcc("livn")  # kAudioDevicePropertyDeviceIsAlive: UInt32
DEVICE_RATE = fourcc("nsrt")  # kAudioDevicePropertyNominalSampleRate: Float64
DEVICE_STREAM_CONFIG = fourcc("slay")  # kAudioDevicePropertyStreamConfiguration: ABL
DEVICE_STREAMS = fourcc("stm#")  # kAudioDevicePropertyStreams: AudioObjectID[] per scope
STREAM_VIRTUAL_FORMAT = fourcc("sfmt")  # kAudioStreamPropertyVirtualFormat: ASBD

# Process objects (14.2)
PROCESS_PID = fourcc("ppid")  # kAudioProcessPropertyPID: pid_t
PROCESS_BUNDLE_ID = fourcc("pbid")  # kAudioProcessPropertyBundleID: CFString
PROCESS_RUNNING_OUTPUT = fourcc("piro")  # kAudioProcessPropertyIsRunningOutput: UInt32
PROCESS_RUNNING_INPUT = fourcc("piri")  # kAudioProcessPropertyIsRunningInput: UInt32

# Tap objects (14.2)
TAP_UID = fourcc("tuid")  # kAudioTapPropertyUID: CFString
TAP_FORMAT = fourcc("tfmt")  # kAudioTapPropertyFormat: ASBD

# Aggregate device description keys (AudioHardware.h)
AGG_NAME = "name"  # kAudioAggregateDeviceNameKey
AGG_UID = "uid"  # kAudioAggregateDeviceUIDKey
AGG_PRIVATE = "private"  # kAudioAggregateDeviceIsPrivateKey
AGG_STACKED = "stacked"  # kAudioAggregateDeviceIsStackedKey
AGG_MAIN_SUBDEVICE = "master"  # kAudioAggregateDeviceMainSubDeviceKey
AGG_SUBDEVICES = "subdevices"  # kAudioAggregateDeviceSubDeviceListKey
AGG_TAPS = "taps"  # kAudioAggregateDeviceTapListKey
SUBDEVICE_UID = "uid"  # kAudioSubDeviceUIDKey
SUBTAP_UID = "uid"  # kAudioSubTapUIDKey
SUBTAP_DRIFT = "drift"  # kAudioSubTapDriftCompensationKey

# Formats (CoreAudioBaseTypes.h)
FORMAT_LINEAR_PCM = fourcc("lpcm")  # kAudioFormatLinearPCM
FLAG_IS_FLOAT = 1 << 0  # kAudioFormatFlagIsFloat
FLAG_NON_INTERLEAVED = 1 << 5  # kAudioFormatFlagIsNonInterleaved

# Status codes worth a readable name (AudioHardwareBase.h)
STATUS_NAMES = {
    fourcc("stop"): "the audio hardware is not running",
    fourcc("what"): "unspecified error",
    fourcc("who?"): "unknown property",
    fourcc("!siz"): "bad property size",
    fourcc("nope"): "illegal operation",
    fourcc("!obj"): "no such audio object",
    fourcc("!dev"): "no such audio device",
    fourcc("!str"): "no such audio stream",
    fourcc("unop"): "unsupported operation",
    fourcc("nrdy"): "the audio hardware is not ready",
    fourcc("!dat"): "unsupported format",
    fourcc("!hog"): "the device is in exclusive use by another process",
}
STATUS_BAD_OBJECT = fourcc("!obj")
STATUS_UNKNOWN_PROPERTY = fourcc("who?")
STATUS_ILLEGAL = fourcc("nope")
STATUS_UNSPECIFIED = fourcc("what")


class CoreAudioError(CaptureError):
    """A HAL call returned a non-zero OSStatus."""

    def __init__(self, status: int, what: str) -> None:
        self.status = status
        self.what = what
        name = STATUS_NAMES.get(status & 0xFFFFFFFF, f"OSStatus {fourcc_name(status)}")
        super().__init__(f"Core Audio could not {what}: {name}")


def check(status: int, what: str) -> None:
    """Raise ``CoreAudioError`` unless ``status`` is noErr (0)."""
    if status != 0:
        raise CoreAudioError(status, what)


@dataclass(frozen=True)
class TapDescription:
    """A ``CATapDescription``: a stereo (or mono) mixdown of processes.

    ``exclusive=True`` taps every process except ``processes``
    (``initStereoGlobalTapButExcludeProcesses:``); ``False`` taps only ``processes``
    (``initStereoMixdownOfProcesses:``). Process entries are process object ids, not pids.
    The tap is private to loopnote and unmuted (people still hear the meeting).
    """

    processes: tuple[int, ...]
    exclusive: bool
    mono: bool = False
    name: str = "loopnote"


@dataclass(frozen=True)
class StreamFormat:
    sample_rate: float
    channels: int
    format_id: int = FORMAT_LINEAR_PCM
    flags: int = FLAG_IS_FLOAT
    bits: int = 32

    @property
    def is_float32(self) -> bool:
        return (
            self.format_id == FORMAT_LINEAR_PCM
            and bool(self.flags & FLAG_IS_FLOAT)
            and self.bits == 32
        )


IOProc = Callable[[FloatArray, float], None]
Listener = Callable[[], None]


class CoreAudioApi(Protocol):
    """The HAL calls loopnote makes. Every failure raises ``CoreAudioError``."""

    def os_version(self) -> tuple[int, int, int]: ...

    def get_u32(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> int: ...

    def get_u32_list(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> list[int]: ...

    def get_f64(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> float: ...

    def get_string(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> str: ...

    def get_format(self, obj: int, selector: int, scope: int = SCOPE_GLOBAL) -> StreamFormat: ...

    def get_channels(self, device: int, scope: int) -> int:
        """Channels of the device's streams in ``scope`` ('slay', StreamConfiguration)."""

    def translate_pid(self, pid: int) -> int:
        """The process object of ``pid``, or ``UNKNOWN_OBJECT`` when it has none."""

    def process_name(self, pid: int) -> str:
        """The executable name of ``pid`` ("" when unknown)."""

    def create_process_tap(self, description: TapDescription) -> int: ...

    def destroy_process_tap(self, tap: int) -> None: ...

    def create_aggregate_device(self, description: Mapping[str, object]) -> int: ...

    def destroy_aggregate_device(self, device: int) -> None: ...

    def create_io_proc(self, device: int, proc: IOProc) -> int:
        """Register ``proc`` for the device's input; returns the IO proc id."""

    def destroy_io_proc(self, device: int, proc_id: int) -> None: ...

    def start(self, device: int, proc_id: int) -> None: ...

    def stop(self, device: int, proc_id: int) -> None: ...

    def add_listener(self, obj: int, selector: int, listener: Listener) -> None: ...

    def remove_listener(self, obj: int, selector: int, listener: Listener) -> None: ...
