"""The C layouts the macOS backend passes to Core Audio, and reading IO proc buffers.

``PropertyAddress``, ``AudioStreamBasicDescription``, ``AudioBuffer``, ``AudioBufferList``,
``SMPTETime``, ``AudioTimeStamp``  ctypes structs as the headers (CoreAudioBaseTypes.h,
    AudioHardwareBase.h) lay them out on 64-bit macOS; sizes are asserted at import:
    12, 40, 16, 24 (mBuffers at offset 8), 24 and 64 bytes.
``IOProcType``, ``ListenerType``  the C signatures of AudioDeviceIOProc and
    AudioObjectPropertyListenerProc.
``read_buffer_list``  a float32 AudioBufferList -> one (frames, channels) copy, interleaved and
    non-interleaved alike. Pure ctypes: it runs (and is tested) on any OS.
"""

from __future__ import annotations

import ctypes
from ctypes import (
    CFUNCTYPE,
    POINTER,
    Structure,
    c_double,
    c_float,
    c_int16,
    c_int32,
    c_uint32,
    c_uint64,
    c_void_p,
    sizeof,
)
from typing import Any

import numpy as np

from loopnote.types import FloatArray

AudioObjectID = c_uint32
OSStatus = c_int32


class PropertyAddress(Structure):
    _fields_ = [("mSelector", c_uint32), ("mScope", c_uint32), ("mElement", c_uint32)]


class AudioStreamBasicDescription(Structure):
    _fields_ = [
        ("mSampleRate", c_double),
        ("mFormatID", c_uint32),
        ("mFormatFlags", c_uint32),
        ("mBytesPerPacket", c_uint32),
        ("mFramesPerPacket", c_uint32),
        ("mBytesPerFrame", c_uint32),
        ("mChannelsPerFrame", c_uint32),
        ("mBitsPerChannel", c_uint32),
        ("mReserved", c_uint32),
    ]


class AudioBuffer(Structure):
    _fields_ = [("mNumberChannels", c_uint32), ("mDataByteSize", c_uint32), ("mData", c_void_p)]


class AudioBufferList(Structure):
    # mBuffers is a variable-length array in C; one element is declared, as in the header.
    _fields_ = [("mNumberBuffers", c_uint32), ("mBuffers", AudioBuffer * 1)]


class SMPTETime(Structure):
    _fields_ = [
        ("mSubframes", c_int16),
        ("mSubframeDivisor", c_int16),
        ("mCounter", c_uint32),
        ("mType", c_uint32),
        ("mFlags", c_uint32),
        ("mHours", c_int16),
        ("mMinutes", c_int16),
        ("mSeconds", c_int16),
        ("mFrames", c_int16),
    ]


class AudioTimeStamp(Structure):
    _fields_ = [
        ("mSampleTime", c_double),
        ("mHostTime", c_uint64),
        ("mRateScalar", c_double),
        ("mWordClockTime", c_uint64),
        ("mSMPTETime", SMPTETime),
        ("mFlags", c_uint32),
        ("mReserved", c_uint32),
    ]


SAMPLE_TIME_VALID = 1  # kAudioTimeStampSampleTimeValid

assert sizeof(PropertyAddress) == 12
assert sizeof(AudioStreamBasicDescription) == 40
assert sizeof(SMPTETime) == 24
assert sizeof(AudioTimeStamp) == 64
if sizeof(c_void_p) == 8:  # macOS is 64-bit only since 10.15
    assert sizeof(AudioBuffer) == 16
    assert sizeof(AudioBufferList) == 24
    assert AudioBufferList.mBuffers.offset == 8

IOProcType = CFUNCTYPE(
    OSStatus,
    AudioObjectID,
    POINTER(AudioTimeStamp),
    POINTER(AudioBufferList),
    POINTER(AudioTimeStamp),
    POINTER(AudioBufferList),
    POINTER(AudioTimeStamp),
    c_void_p,
)
ListenerType = CFUNCTYPE(OSStatus, AudioObjectID, c_uint32, POINTER(PropertyAddress), c_void_p)


def read_buffer_list(abl: Any) -> FloatArray:
    """Copy a float32 ``AudioBufferList`` (a ctypes pointer) into (frames, channels).

    Each buffer holds ``mNumberChannels`` interleaved channels; several buffers (the
    non-interleaved layout, or several streams) are laid side by side in buffer order.
    A buffer without data (a disabled stream) contributes silent channels.
    """
    if not abl:
        return np.zeros((0, 0), dtype=np.float32)
    count = int(abl.contents.mNumberBuffers)
    buffers = ctypes.cast(ctypes.addressof(abl.contents.mBuffers), POINTER(AudioBuffer))
    parts: list[FloatArray | int] = []
    frames: int | None = None
    for i in range(count):
        buf = buffers[i]
        channels = int(buf.mNumberChannels)
        if channels == 0:
            continue
        if not buf.mData:
            parts.append(channels)
            continue
        n = int(buf.mDataByteSize) // (4 * channels)
        data = np.ctypeslib.as_array(ctypes.cast(buf.mData, POINTER(c_float)), (n * channels,))
        parts.append(data.reshape(n, channels))
        frames = n if frames is None else min(frames, n)
    frames = frames or 0
    columns = [
        np.zeros((frames, p), np.float32) if isinstance(p, int) else p[:frames] for p in parts
    ]
    if not columns:
        return np.zeros((frames, 0), dtype=np.float32)
    return np.ascontiguousarray(np.concatenate(columns, axis=1), dtype=np.float32)
