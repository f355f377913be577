"""Native layouts (mmreg.h and friends) and sample decoding."""

from __future__ import annotations

import ctypes
import subprocess
import sys

import numpy as np
import pytest

from loopnote.capture.wasapi.structs import (
    AUDIOCLIENT_ACTIVATION_PARAMS,
    GUID,
    KSDATAFORMAT_SUBTYPE_IEEE_FLOAT,
    PROPVARIANT,
    WAVE_FORMAT_IEEE_FLOAT,
    WAVE_FORMAT_PCM,
    WAVEFORMATEX,
    WAVEFORMATEXTENSIBLE,
    SampleFormat,
    decode,
)


def test_struct_layouts_match_the_sdk() -> None:
    assert ctypes.sizeof(WAVEFORMATEX) == 18 and WAVEFORMATEX.cbSize.offset == 16
    assert ctypes.sizeof(WAVEFORMATEXTENSIBLE) == 40
    assert WAVEFORMATEXTENSIBLE.wValidBitsPerSample.offset == 18  # right after cbSize
    assert WAVEFORMATEXTENSIBLE.dwChannelMask.offset == 20
    assert WAVEFORMATEXTENSIBLE.SubFormat.offset == 24
    assert ctypes.sizeof(AUDIOCLIENT_ACTIVATION_PARAMS) == 12
    if ctypes.sizeof(ctypes.c_void_p) == 8:
        assert ctypes.sizeof(PROPVARIANT) == 24 and PROPVARIANT.ptr.offset == 16


def test_guid_text_round_trip() -> None:
    g = GUID.of("00000003-0000-0010-8000-00aa00389b71")
    assert g == KSDATAFORMAT_SUBTYPE_IEEE_FLOAT
    assert str(g) == "{00000003-0000-0010-8000-00AA00389B71}"
    assert bytes(g)[:4] == b"\x03\x00\x00\x00"  # Data1 little-endian


def test_extensible_float_round_trip() -> None:
    fmt = SampleFormat(48000, 2, "float", 32, 32)
    native = fmt.to_native()
    assert native.Format.nBlockAlign == 8 and native.Format.nAvgBytesPerSec == 384000
    assert native.Format.cbSize == 22 and native.dwChannelMask == 0x3
    assert SampleFormat.from_native(native) == SampleFormat(48000, 2, "float", 32, 32, 0x3)


def test_plain_waveformatex_and_24_in_32() -> None:
    w = WAVEFORMATEXTENSIBLE()
    w.Format.wFormatTag, w.Format.nChannels, w.Format.nSamplesPerSec = (
        WAVE_FORMAT_IEEE_FLOAT,
        1,
        44100,
    )
    w.Format.wBitsPerSample, w.Format.cbSize = 32, 0  # a bare WAVEFORMATEX: the tail is ignored
    assert SampleFormat.from_native(w) == SampleFormat(44100, 1, "float", 32, 32)
    x = SampleFormat(96000, 2, "int", 32, 24).to_native()
    assert SampleFormat.from_native(x).valid_bits == 24
    w.Format.wFormatTag = 0x55  # MP3
    with pytest.raises(ValueError):
        SampleFormat.from_native(w)
    assert WAVE_FORMAT_PCM == 1


@pytest.mark.parametrize(
    ("kind", "bits", "dtype", "scale"),
    [("float", 32, "<f4", 1.0), ("int", 16, "<i2", 32768.0), ("int", 32, "<i4", 2147483648.0)],
)
def test_decode_formats(kind: str, bits: int, dtype: str, scale: float) -> None:
    x = np.array([[0.5, -0.25], [-1.0, 0.125], [0.0, 0.75]])
    raw = (x * scale).astype(dtype).tobytes() if kind == "int" else x.astype(dtype).tobytes()
    y = decode(raw, SampleFormat(48000, 2, kind, bits, bits))  # type: ignore[arg-type]
    assert y.dtype == np.float32 and y.shape == (3, 2)
    np.testing.assert_allclose(y, x, atol=1e-6)


def test_decode_packed_24_bit() -> None:
    vals = np.array([0x400000, -0x200000, -0x800000, 0x7FFFFF], dtype=np.int64)
    raw = b"".join(int(v & 0xFFFFFF).to_bytes(3, "little") for v in vals)
    y = decode(raw, SampleFormat(48000, 1, "int", 24, 24))
    np.testing.assert_allclose(y[:, 0], vals / 0x800000, atol=1e-6)


def test_importing_the_package_loads_no_windows_dll_or_heavy_module() -> None:
    code = (
        "import sys, ctypes, pkgutil, importlib, loopnote.capture.wasapi as w\n"
        "for m in pkgutil.iter_modules(w.__path__):\n"
        "    importlib.import_module(w.__name__ + '.' + m.name)\n"
        "top = ('faster_whisper', 'ctranslate2', 'av', 'soundfile', 'pulsectl', 'comtypes')\n"
        "heavy = [m for m in sys.modules if m.split('.')[0] in top\n"
        "         or m in ('loopnote.session', 'loopnote.asr')]\n"
        "assert not heavy, heavy\n"
        "from loopnote.capture.wasapi.backend import WasapiBackend\n"
        "b = WasapiBackend()\n"  # constructing touches nothing native
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
