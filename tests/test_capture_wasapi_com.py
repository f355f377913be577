"""HRESULT translation (the one place) and COM objects implemented in Python."""

from __future__ import annotations

import ctypes

import pytest

from loopnote.capture.wasapi.com import (
    HR,
    PVOID_P,
    ComObject,
    ComPtr,
    DeviceInvalidated,
    FormatUnsupported,
    check,
    error_for,
    hr_name,
)
from loopnote.capture.wasapi.structs import GUID, IID_IAgileObject, IID_IMMNotificationClient
from loopnote.errors import (
    CaptureError,
    DeviceNotFound,
    PermissionDenied,
    SoundServerUnavailable,
    UnsupportedPlatform,
)


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("AUDCLNT_E_DEVICE_INVALIDATED", DeviceInvalidated),
        ("AUDCLNT_E_RESOURCES_INVALIDATED", DeviceInvalidated),
        ("E_ACCESSDENIED", PermissionDenied),
        ("AUDCLNT_E_UNSUPPORTED_FORMAT", FormatUnsupported),
        ("AUDCLNT_E_SERVICE_NOT_RUNNING", SoundServerUnavailable),
        ("E_NOTFOUND", DeviceNotFound),
        ("E_NOTIMPL", UnsupportedPlatform),
        ("AUDCLNT_E_DEVICE_IN_USE", CaptureError),
        ("AUDCLNT_E_BUFFER_ERROR", CaptureError),
    ],
)
def test_failure_codes_become_one_line_errors(name: str, cls: type[Exception]) -> None:
    err = error_for(HR[name], "IAudioClient.Start")
    assert type(err) is cls
    assert "\n" not in str(err) and name in str(err) and "IAudioClient.Start" in str(err)


def test_context_picks_the_advice() -> None:
    code = HR["HRESULT_FROM_WIN32(ERROR_FILE_NOT_FOUND)"]
    assert type(error_for(code, "process loopback activation for pid 7")) is UnsupportedPlatform
    assert type(error_for(code, "IMMDeviceEnumerator.GetDevice")) is DeviceNotFound


def test_success_codes_pass_and_unknown_codes_show_hex() -> None:
    assert check(HR["S_FALSE"], "x") == 1
    assert check(HR["AUDCLNT_S_BUFFER_EMPTY"], "x") == 0x08890001
    assert hr_name(0x88890004) == hr_name(HR["AUDCLNT_E_DEVICE_INVALIDATED"])
    with pytest.raises(CaptureError, match="0x8889FFFF"):
        check(0x8889FFFF - (1 << 32), "x")


def test_com_object_answers_query_interface_and_counts_references() -> None:
    calls: list[int] = []
    obj = ComObject(
        [IID_IMMNotificationClient], [((ctypes.c_uint32,), lambda v: calls.append(v) or 0)]
    )
    ptr = ComPtr(obj.ptr, "client")
    assert ptr.raw(3, (ctypes.c_uint32,), 7) == 0 and calls == [7]
    got = ptr.query(IID_IMMNotificationClient, "again")
    assert got.ptr == obj.ptr and obj.refs == 2
    got.release()
    got.release()  # idempotent
    assert obj.refs == 1
    out = ctypes.c_void_p(1)
    hr = ptr.raw(
        0, (ctypes.POINTER(GUID), PVOID_P), ctypes.byref(IID_IAgileObject), ctypes.byref(out)
    )
    assert hr == HR["E_NOINTERFACE"] and out.value is None
    with pytest.raises(CaptureError, match="used after release"):
        got.raw(3, (ctypes.c_uint32,), 1)


def test_a_failing_callback_returns_e_fail() -> None:
    obj = ComObject([], [((), lambda: 1 // 0)])
    assert ComPtr(obj.ptr, "x").raw(3, ()) == HR["E_FAIL"]


def test_null_interface_pointer_is_an_error() -> None:
    with pytest.raises(CaptureError, match="null interface pointer"):
        ComPtr(None, "IAudioClient")
