"""Endpoint notifications: an IMMNotificationClient implemented in Python.

``DeviceEvents``   callbacks: ``default_changed(flow, role, endpoint_id)``, ``gone(endpoint_id)``,
                   ``back(endpoint_id)`` (added, or active again)
``DeviceWatcher``  registers the client on its own IMMDeviceEnumerator; ``close()`` unregisters

Windows calls the client on its own threads; the callbacks must only record and return (they
set flags the capture loop reads). Vtable order follows mmdeviceapi.h: OnDeviceStateChanged,
OnDeviceAdded, OnDeviceRemoved, OnDefaultDeviceChanged, OnPropertyValueChanged (its
PROPERTYKEY is passed by reference under the x64 calling convention).
"""

from __future__ import annotations

import ctypes
from collections.abc import Callable
from dataclasses import dataclass

from loopnote.capture.wasapi.com import S_OK, ComObject
from loopnote.capture.wasapi.mmdevice import DeviceEnumerator, Flow
from loopnote.capture.wasapi.structs import (
    DEVICE_STATE_ACTIVE,
    E_CAPTURE,
    E_RENDER,
    IID_IMMNotificationClient,
)
from loopnote.capture.wasapi.win32 import WinApi

_FLOW_NAMES: dict[int, Flow] = {E_RENDER: "render", E_CAPTURE: "capture"}


@dataclass(frozen=True)
class DeviceEvents:
    default_changed: Callable[[Flow, int, str], None]
    gone: Callable[[str], None]
    back: Callable[[str], None]


class DeviceWatcher:
    """Delivers default-device changes (every role) and endpoint removals to ``events``."""

    def __init__(self, api: WinApi, events: DeviceEvents) -> None:
        self._events = events
        wstr = ctypes.c_wchar_p
        self.client = ComObject(
            [IID_IMMNotificationClient],
            [
                ((wstr, ctypes.c_uint32), self._state_changed),
                ((wstr,), self._added),
                ((wstr,), self._removed),
                ((ctypes.c_int32, ctypes.c_int32, wstr), self._default_changed),
                ((wstr, ctypes.c_void_p), lambda _id, _key: S_OK),
            ],
        )
        self._enum: DeviceEnumerator | None = DeviceEnumerator(api)
        try:
            self._enum.register(self.client.ptr)
        except BaseException:
            self._enum.release()
            raise

    def _state_changed(self, endpoint_id: str | None, state: int) -> int:
        if endpoint_id:
            if state & DEVICE_STATE_ACTIVE:
                self._events.back(endpoint_id)
            else:
                self._events.gone(endpoint_id)
        return S_OK

    def _added(self, endpoint_id: str | None) -> int:
        if endpoint_id:
            self._events.back(endpoint_id)
        return S_OK

    def _removed(self, endpoint_id: str | None) -> int:
        if endpoint_id:
            self._events.gone(endpoint_id)
        return S_OK

    def _default_changed(self, flow: int, role: int, endpoint_id: str | None) -> int:
        name = _FLOW_NAMES.get(flow)
        if name is not None:
            self._events.default_changed(name, role, endpoint_id or "")
        return S_OK

    def close(self) -> None:
        if self._enum is not None:
            enum, self._enum = self._enum, None
            try:
                enum.unregister(self.client.ptr)
            finally:
                enum.release()
