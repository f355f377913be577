"""Native structs and constants of the Windows audio APIs, declared exactly.

``GUID``                    16-byte COM identifier; ``GUID.of(text)``, ``str(guid)``
``WAVEFORMATEX``            mmreg.h, byte-packed: 18 bytes (asserted)
``WAVEFORMATEXTENSIBLE``    mmreg.h, byte-packed: 40 bytes (asserted)
``PROPVARIANT``             the VT_BLOB / VT_LPWSTR views loopnote needs: 24 bytes on 64-bit
``PROPERTYKEY``             fmtid + pid (20 bytes)
``AUDIOCLIENT_ACTIVATION_PARAMS``  audioclientactivationparams.h: 12 bytes
``SampleFormat``            a stream format in Python terms; ``from_native``, ``to_native``
``decode``                  raw interleaved bytes -> float32 (frames, channels)

Only fixed-width ctypes types are used (never ``wintypes.DWORD``/``c_long``, whose size differs on
Linux), so the layouts are the same on every platform and the module imports anywhere.
"""

from __future__ import annotations

import ctypes
import uuid
from dataclasses import dataclass
from typing import Literal

import numpy as np

from loopnote.types import FloatArray

WORD = ctypes.c_uint16
DWORD = ctypes.c_uint32


class GUID(ctypes.Structure):
    _fields_ = [
        ("Data1", ctypes.c_uint32),
        ("Data2", ctypes.c_uint16),
        ("Data3", ctypes.c_uint16),
        ("Data4", ctypes.c_ubyte * 8),
    ]

    @classmethod
    def of(cls, text: str) -> GUID:
        g = cls()
        ctypes.memmove(ctypes.byref(g), uuid.UUID(text).bytes_le, 16)
        return g

    def __str__(self) -> str:
        return "{" + str(uuid.UUID(bytes_le=bytes(self))).upper() + "}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, GUID) and bytes(self) == bytes(other)

    def __hash__(self) -> int:
        return hash(bytes(self))


class WAVEFORMATEX(ctypes.Structure):
    _pack_ = 1
    _fields_ = [
        ("wFormatTag", WORD),
        ("nChannels", WORD),
        ("nSamplesPerSec", DWORD),
        ("nAvgBytesPerSec", DWORD),
        ("nBlockAlign", WORD),
        ("wBitsPerSample", WORD),
        ("cbSize", WORD),
    ]


class WAVEFORMATEXTENSIBLE(ctypes.Structure):
    _pack_ = 1
    _fields_ = [
        ("Format", WAVEFORMATEX),
        ("wValidBitsPerSample", WORD),
        ("dwChannelMask", DWORD),
        ("SubFormat", GUID),
    ]


class PROPVARIANT(ctypes.Structure):
    """The two PROPVARIANT shapes used here: VT_BLOB (cb, pointer) and VT_LPWSTR (pointer at 8)."""

    _fields_ = [
        ("vt", ctypes.c_uint16),
        ("wReserved1", ctypes.c_uint16),
        ("wReserved2", ctypes.c_uint16),
        ("wReserved3", ctypes.c_uint16),
        ("data", ctypes.c_uint64),  # VT_BLOB: cbSize (low 32 bits); VT_LPWSTR: the pointer
        ("ptr", ctypes.c_void_p),  # VT_BLOB: pBlobData
    ]


class PROPERTYKEY(ctypes.Structure):
    _fields_ = [("fmtid", GUID), ("pid", ctypes.c_uint32)]


class AUDIOCLIENT_ACTIVATION_PARAMS(ctypes.Structure):
    _fields_ = [
        ("ActivationType", ctypes.c_int32),
        ("TargetProcessId", ctypes.c_uint32),
        ("ProcessLoopbackMode", ctypes.c_int32),
    ]


assert ctypes.sizeof(WAVEFORMATEX) == 18
assert ctypes.sizeof(WAVEFORMATEXTENSIBLE) == 40
assert ctypes.sizeof(GUID) == 16
assert ctypes.sizeof(PROPERTYKEY) == 20
assert ctypes.sizeof(AUDIOCLIENT_ACTIVATION_PARAMS) == 12
assert ctypes.sizeof(ctypes.c_void_p) != 8 or ctypes.sizeof(PROPVARIANT) == 24

# --- identifiers -------------------------------------------------------------------------------
CLSID_MMDeviceEnumerator = GUID.of("BCDE0395-E52F-467C-8E3D-C4579291692E")
IID_IUnknown = GUID.of("00000000-0000-0000-C000-000000000046")
IID_IAgileObject = GUID.of("94EA2B94-E9CC-49E0-C0FF-EE64CA8F5B90")
IID_IMMDeviceEnumerator = GUID.of("A95664D2-9614-4F35-A746-DE8DB63617E6")
IID_IMMNotificationClient = GUID.of("7991EEC9-7E89-4D85-8390-6C703CEC60C0")
IID_IAudioClient = GUID.of("1CB9AD4C-DBFA-4C32-B178-C2F568A703B2")
IID_IAudioCaptureClient = GUID.of("C8ADBD64-E71E-48A0-A4DE-185C395CD317")
IID_IAudioSessionManager2 = GUID.of("77AA99A0-1BD6-484F-8BC7-2C654C9A9B6F")
IID_IAudioSessionControl2 = GUID.of("BFB7FF88-7239-4FC9-8FA2-07C950BE9C6D")
IID_IAudioSessionNotification = GUID.of("641DD20B-4D41-49CC-ABA3-174B9477BB08")
IID_IAudioSessionEvents = GUID.of("24918ACC-64B3-37C1-8CA9-74A66E9957A8")
IID_IActivateAudioInterfaceCompletionHandler = GUID.of("41D949AB-9862-444A-80F6-C261334DA5EB")
KSDATAFORMAT_SUBTYPE_PCM = GUID.of("00000001-0000-0010-8000-00AA00389B71")
KSDATAFORMAT_SUBTYPE_IEEE_FLOAT = GUID.of("00000003-0000-0010-8000-00AA00389B71")
PKEY_Device_FriendlyName = PROPERTYKEY(GUID.of("A45C254E-DF1C-4EFD-8020-67D146A850E0"), 14)
VIRTUAL_AUDIO_DEVICE_PROCESS_LOOPBACK = "VAD\\Process_Loopback"

# --- enums and flags -----------------------------------------------------------------------------
E_RENDER, E_CAPTURE = 0, 1
ROLES = {"console": 0, "multimedia": 1, "communications": 2}
DEVICE_STATE_ACTIVE = 0x1
CLSCTX_ALL = 0x17
STGM_READ = 0
VT_EMPTY, VT_LPWSTR, VT_BLOB = 0, 31, 65
AUDCLNT_SHAREMODE_SHARED = 0
AUDCLNT_STREAMFLAGS_LOOPBACK = 0x00020000
AUDCLNT_STREAMFLAGS_EVENTCALLBACK = 0x00040000
AUDCLNT_STREAMFLAGS_SRC_DEFAULT_QUALITY = 0x08000000
AUDCLNT_STREAMFLAGS_AUTOCONVERTPCM = 0x80000000
AUDCLNT_BUFFERFLAGS_DATA_DISCONTINUITY = 0x1
AUDCLNT_BUFFERFLAGS_SILENT = 0x2
AUDCLNT_BUFFERFLAGS_TIMESTAMP_ERROR = 0x4
AUDIOCLIENT_ACTIVATION_TYPE_PROCESS_LOOPBACK = 1
PROCESS_LOOPBACK_MODE_INCLUDE_TARGET_PROCESS_TREE = 0
PROCESS_LOOPBACK_MODE_EXCLUDE_TARGET_PROCESS_TREE = 1
AUDIO_SESSION_STATES = {0: "inactive", 1: "active", 2: "expired"}
WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT, WAVE_FORMAT_EXTENSIBLE = 0x1, 0x3, 0xFFFE
HNS_PER_SEC = 10_000_000  # REFERENCE_TIME and QPC positions are in 100 ns units
PROCESS_LOOPBACK_MIN_BUILD = 20348

SampleKind = Literal["float", "int"]


@dataclass(frozen=True)
class SampleFormat:
    """A PCM or IEEE-float stream format. ``bits`` is the container size, ``valid_bits`` the
    meaningful part (int24-in-32 has bits 32, valid_bits 24)."""

    rate: int
    channels: int
    kind: SampleKind
    bits: int
    valid_bits: int
    channel_mask: int = 0

    @property
    def block_align(self) -> int:
        return self.channels * self.bits // 8

    @classmethod
    def from_native(cls, fmt: WAVEFORMATEXTENSIBLE) -> SampleFormat:
        f = fmt.Format
        tag, valid, mask = int(f.wFormatTag), int(f.wBitsPerSample), 0
        if tag == WAVE_FORMAT_EXTENSIBLE and f.cbSize >= 22:
            valid, mask = int(fmt.wValidBitsPerSample) or valid, int(fmt.dwChannelMask)
            if fmt.SubFormat == KSDATAFORMAT_SUBTYPE_IEEE_FLOAT:
                tag = WAVE_FORMAT_IEEE_FLOAT
            elif fmt.SubFormat == KSDATAFORMAT_SUBTYPE_PCM:
                tag = WAVE_FORMAT_PCM
        if tag not in (WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT):
            raise ValueError(f"unsupported sample format tag 0x{tag:04X}")
        kind: SampleKind = "float" if tag == WAVE_FORMAT_IEEE_FLOAT else "int"
        return cls(
            int(f.nSamplesPerSec), int(f.nChannels), kind, int(f.wBitsPerSample), valid, mask
        )

    def to_native(self) -> WAVEFORMATEXTENSIBLE:
        """WAVEFORMATEXTENSIBLE describing this format (cbSize 22)."""
        w = WAVEFORMATEXTENSIBLE()
        w.Format.wFormatTag = WAVE_FORMAT_EXTENSIBLE
        w.Format.nChannels = self.channels
        w.Format.nSamplesPerSec = self.rate
        w.Format.nBlockAlign = self.block_align
        w.Format.nAvgBytesPerSec = self.rate * self.block_align
        w.Format.wBitsPerSample = self.bits
        w.Format.cbSize = 22
        w.wValidBitsPerSample = self.valid_bits
        w.dwChannelMask = self.channel_mask or (0x3 if self.channels == 2 else 0x4)
        sub = KSDATAFORMAT_SUBTYPE_IEEE_FLOAT if self.kind == "float" else KSDATAFORMAT_SUBTYPE_PCM
        w.SubFormat = sub
        return w

    def describe(self) -> str:
        return f"{self.kind}{self.bits} {self.channels} ch {self.rate} Hz"


def decode(raw: bytes, fmt: SampleFormat) -> FloatArray:
    """Interleaved samples of ``fmt`` -> float32 array (frames, channels) in [-1, 1]."""
    frames = len(raw) // fmt.block_align
    raw = raw[: frames * fmt.block_align]
    if fmt.kind == "float" and fmt.bits == 32:
        x = np.frombuffer(raw, dtype="<f4").astype(np.float32)
    elif fmt.kind == "float" and fmt.bits == 64:
        x = np.frombuffer(raw, dtype="<f8").astype(np.float32)
    elif fmt.kind == "int" and fmt.bits == 16:
        x = np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0
    elif fmt.kind == "int" and fmt.bits == 32:
        x = (np.frombuffer(raw, dtype="<i4").astype(np.float64) / 2147483648.0).astype(np.float32)
    elif fmt.kind == "int" and fmt.bits == 24:
        b = np.frombuffer(raw, dtype=np.uint8).reshape(-1, 3).astype(np.int32)
        v = (b[:, 0] << 8) | (b[:, 1] << 16) | (b[:, 2] << 24)  # sign lands in bit 31
        x = (v.astype(np.float64) / 2147483648.0).astype(np.float32)
    elif fmt.kind == "int" and fmt.bits == 8:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(np.float32) - 128.0) / 128.0
    else:
        raise ValueError(f"unsupported sample format {fmt.describe()}")
    return x.reshape(frames, fmt.channels)
