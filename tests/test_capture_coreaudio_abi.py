"""C layouts and buffer reading of the macOS backend, and its clean import on any OS."""

from __future__ import annotations

import ctypes
import importlib
import sys

import numpy as np
import pytest

from loopnote.capture.coreaudio import abi
from loopnote.capture.coreaudio.api import CoreAudioError, check, fourcc, fourcc_name
from loopnote.errors import CaptureError, UnsupportedPlatform

MODULES = ["api", "abi", "native", "processes", "tap", "timing", "stream", "backend"]


def test_every_module_imports_without_core_audio() -> None:
    for name in MODULES:
        importlib.import_module(f"loopnote.capture.coreaudio.{name}")
    from loopnote.capture.coreaudio.backend import CoreAudioBackend

    backend = CoreAudioBackend()  # the no-argument constructor loads nothing yet
    assert backend.name == "coreaudio"
    from loopnote.capture import get_backend

    picked = get_backend("coreaudio")  # what the platform picker does on a Mac
    assert isinstance(picked, CoreAudioBackend)


@pytest.mark.skipif(sys.platform == "darwin", reason="off macOS only")
def test_the_native_hal_refuses_to_load_off_macos() -> None:
    from loopnote.capture.coreaudio.native import NativeCoreAudio

    with pytest.raises(UnsupportedPlatform, match="macOS"):
        NativeCoreAudio()


def test_struct_sizes_match_the_headers() -> None:
    assert ctypes.sizeof(abi.PropertyAddress) == 12
    assert ctypes.sizeof(abi.AudioStreamBasicDescription) == 40
    assert ctypes.sizeof(abi.AudioTimeStamp) == 64
    assert abi.AudioTimeStamp.mFlags.offset == 56
    assert ctypes.sizeof(abi.AudioBuffer) == 16
    assert ctypes.sizeof(abi.AudioBufferList) == 24
    assert abi.AudioBufferList.mBuffers.offset == 8


def test_four_char_codes_are_big_endian() -> None:
    assert fourcc("dOut") == 0x644F7574
    assert fourcc("glob") == 0x676C6F62
    assert fourcc_name(fourcc("!obj")) == "!obj"
    with pytest.raises(CoreAudioError, match="no such audio object") as info:
        check(fourcc("!obj"), "destroy the tap")
    assert isinstance(info.value, CaptureError) and "destroy the tap" in str(info.value)
    check(0, "anything")


def make_list(arrays: list[np.ndarray | None], channels: list[int]):  # type: ignore[no-untyped-def]
    """An AudioBufferList with one AudioBuffer per array, as the HAL hands it over."""
    n = len(arrays)
    size = ctypes.sizeof(abi.AudioBufferList) + (n - 1) * ctypes.sizeof(abi.AudioBuffer)
    raw = ctypes.create_string_buffer(size)
    abl = ctypes.cast(raw, ctypes.POINTER(abi.AudioBufferList))
    abl.contents.mNumberBuffers = n
    bufs = ctypes.cast(ctypes.addressof(abl.contents.mBuffers), ctypes.POINTER(abi.AudioBuffer))
    for i, (a, ch) in enumerate(zip(arrays, channels, strict=True)):
        bufs[i].mNumberChannels = ch
        if a is not None:
            bufs[i].mDataByteSize = a.nbytes
            bufs[i].mData = a.ctypes.data
    return abl, raw


def test_interleaved_stereo_buffer() -> None:
    data = np.arange(12, dtype=np.float32).reshape(6, 2)
    abl, _raw = make_list([data], [2])
    out = abi.read_buffer_list(abl)
    assert out.shape == (6, 2) and out.dtype == np.float32
    assert np.array_equal(out, data)
    data[:] = -1  # the result is a copy: the HAL reuses its buffers
    assert out[0, 1] == 1.0


def test_non_interleaved_buffers_become_columns() -> None:
    left = np.linspace(0, 1, 5, dtype=np.float32)
    right = -left
    abl, _raw = make_list([left, right], [1, 1])
    out = abi.read_buffer_list(abl)
    assert np.array_equal(out, np.stack([left, right], axis=1))


def test_a_buffer_without_data_reads_as_silent_channels() -> None:
    mic = np.ones((4, 1), np.float32)
    abl, _raw = make_list([mic, None], [1, 2])
    out = abi.read_buffer_list(abl)
    assert out.shape == (4, 3) and np.all(out[:, 0] == 1) and not np.any(out[:, 1:])


def test_a_null_buffer_list_is_empty() -> None:
    assert abi.read_buffer_list(ctypes.POINTER(abi.AudioBufferList)()).size == 0
