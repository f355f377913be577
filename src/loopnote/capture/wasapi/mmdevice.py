"""MMDevice API wrappers: endpoints by ID, their names, activation.

``Endpoint``          id (the endpoint ID string: the only key loopnote matches on), name, flow
``DeviceEnumerator``  IMMDeviceEnumerator: ``endpoints(flow)``, ``default_id(flow, role)``,
                      ``device(id)``, ``default_device(flow, role)``, notification (un)registration
``Device``            IMMDevice: ``id()``, ``name()``, ``activate(iid, name)``

Vtable slots follow mmdeviceapi.h (IUnknown takes 0-2).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Literal

from loopnote.capture.wasapi.com import PVOID_P, ComPtr, error_for
from loopnote.capture.wasapi.structs import (
    CLSCTX_ALL,
    DEVICE_STATE_ACTIVE,
    E_CAPTURE,
    E_RENDER,
    GUID,
    PROPERTYKEY,
    PROPVARIANT,
    STGM_READ,
    VT_LPWSTR,
    CLSID_MMDeviceEnumerator,
    IID_IMMDeviceEnumerator,
    PKEY_Device_FriendlyName,
)
from loopnote.capture.wasapi.win32 import WinApi

Flow = Literal["render", "capture"]
FLOWS: dict[Flow, int] = {"render": E_RENDER, "capture": E_CAPTURE}

# IMMDeviceEnumerator
_ENUM_AUDIO_ENDPOINTS, _GET_DEFAULT, _GET_DEVICE, _REGISTER, _UNREGISTER = 3, 4, 5, 6, 7
# IMMDeviceCollection
_COLL_GET_COUNT, _COLL_ITEM = 3, 4
# IMMDevice
_DEV_ACTIVATE, _DEV_OPEN_PROPERTY_STORE, _DEV_GET_ID = 3, 4, 5
# IPropertyStore
_PS_GET_VALUE = 5

_E_NOTFOUND = -0x7FF8FB70  # 0x80070490: no default endpoint for that flow/role


@dataclass(frozen=True)
class Endpoint:
    id: str
    name: str
    flow: Flow
    is_default: bool = False


class Device:
    """An owned IMMDevice."""

    def __init__(self, api: WinApi, ptr: ComPtr) -> None:
        self._api = api
        self.ptr = ptr

    def id(self) -> str:
        out = ctypes.c_void_p()
        self.ptr.call(_DEV_GET_ID, (PVOID_P,), ctypes.byref(out), what="GetId")
        try:
            return ctypes.wstring_at(out.value) if out.value else ""
        finally:
            self._api.co_task_mem_free(out.value)

    def name(self) -> str:
        """The friendly name (for people only: names repeat, IDs do not)."""
        with self.ptr.out_ptr(
            _DEV_OPEN_PROPERTY_STORE,
            (ctypes.c_uint32,),
            STGM_READ,
            what="OpenPropertyStore",
            name="IPropertyStore",
        ) as store:
            pv = PROPVARIANT()
            store.call(
                _PS_GET_VALUE,
                (ctypes.POINTER(PROPERTYKEY), ctypes.POINTER(PROPVARIANT)),
                ctypes.byref(PKEY_Device_FriendlyName),
                ctypes.byref(pv),
                what="GetValue",
            )
            if pv.vt == VT_LPWSTR and pv.data:
                try:
                    return ctypes.wstring_at(pv.data)
                finally:
                    self._api.co_task_mem_free(pv.data)  # what PropVariantClear does for LPWSTR
            return ""

    def activate(self, iid: GUID, name: str) -> ComPtr:
        return self.ptr.out_ptr(
            _DEV_ACTIVATE,
            (ctypes.POINTER(GUID), ctypes.c_uint32, ctypes.c_void_p),
            ctypes.byref(iid),
            CLSCTX_ALL,
            None,
            what=f"Activate({name})",
            name=name,
        )

    def release(self) -> None:
        self.ptr.release()

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class DeviceEnumerator:
    """An owned IMMDeviceEnumerator (needs COM initialized on this thread)."""

    def __init__(self, api: WinApi) -> None:
        self._api = api
        self.ptr = api.create_instance(
            CLSID_MMDeviceEnumerator, IID_IMMDeviceEnumerator, "IMMDeviceEnumerator"
        )

    def endpoints(self, flow: Flow, default_role: int | None = None) -> list[Endpoint]:
        """Active endpoints of ``flow``; ``is_default`` set for the default of ``default_role``."""
        default = self.default_id(flow, default_role) if default_role is not None else None
        out: list[Endpoint] = []
        with self.ptr.out_ptr(
            _ENUM_AUDIO_ENDPOINTS,
            (ctypes.c_int32, ctypes.c_uint32),
            FLOWS[flow],
            DEVICE_STATE_ACTIVE,
            what="EnumAudioEndpoints",
            name="IMMDeviceCollection",
        ) as coll:
            count = ctypes.c_uint32()
            coll.call(
                _COLL_GET_COUNT,
                (ctypes.POINTER(ctypes.c_uint32),),
                ctypes.byref(count),
                what="GetCount",
            )
            for i in range(count.value):
                ptr = coll.out_ptr(_COLL_ITEM, (ctypes.c_uint32,), i, what="Item", name="IMMDevice")
                with Device(self._api, ptr) as dev:
                    eid = dev.id()
                    out.append(Endpoint(eid, dev.name(), flow, eid == default))
        return out

    def default_device(self, flow: Flow, role: int) -> Device:
        ptr = self.ptr.out_ptr(
            _GET_DEFAULT,
            (ctypes.c_int32, ctypes.c_int32),
            FLOWS[flow],
            role,
            what="GetDefaultAudioEndpoint",
            name="IMMDevice",
        )
        return Device(self._api, ptr)

    def default_id(self, flow: Flow, role: int) -> str | None:
        out = ctypes.c_void_p()
        hr = self.ptr.raw(
            _GET_DEFAULT,
            (ctypes.c_int32, ctypes.c_int32, PVOID_P),
            FLOWS[flow],
            role,
            ctypes.byref(out),
        )
        if hr == _E_NOTFOUND:
            return None
        if hr < 0:
            raise error_for(hr, "IMMDeviceEnumerator.GetDefaultAudioEndpoint")
        with Device(self._api, ComPtr(out.value, "IMMDevice")) as dev:
            return dev.id()

    def device(self, endpoint_id: str) -> Device:
        ptr = self.ptr.out_ptr(
            _GET_DEVICE, (ctypes.c_wchar_p,), endpoint_id, what="GetDevice", name="IMMDevice"
        )
        return Device(self._api, ptr)

    def register(self, client: int) -> None:
        self.ptr.call(
            _REGISTER, (ctypes.c_void_p,), client, what="RegisterEndpointNotificationCallback"
        )

    def unregister(self, client: int) -> None:
        self.ptr.call(
            _UNREGISTER, (ctypes.c_void_p,), client, what="UnregisterEndpointNotificationCallback"
        )

    def release(self) -> None:
        self.ptr.release()

    def __enter__(self) -> DeviceEnumerator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
