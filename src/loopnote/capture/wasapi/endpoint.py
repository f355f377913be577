"""Opening endpoint streams: loopback of a render endpoint, or a capture endpoint (microphone).

``EndpointOpener(api, flow, endpoint_id, role, options)``
    ``open()`` activates IAudioClient on the endpoint (``endpoint_id``, or the current default
    of ``role`` when None), initializes it in shared mode with the engine's mix format
    (``AUDCLNT_STREAMFLAGS_LOOPBACK`` for render endpoints) and event-driven; if the event mode
    is refused it re-activates and polls. ``follows`` tells the loop which default it follows.
"""

from __future__ import annotations

from loopnote.capture.wasapi.audioclient import AudioClient
from loopnote.capture.wasapi.com import DeviceInvalidated
from loopnote.capture.wasapi.mmdevice import Device, DeviceEnumerator, Flow
from loopnote.capture.wasapi.stream import Opened, StreamOptions
from loopnote.capture.wasapi.structs import (
    AUDCLNT_STREAMFLAGS_EVENTCALLBACK,
    AUDCLNT_STREAMFLAGS_LOOPBACK,
    IID_IAudioClient,
)
from loopnote.capture.wasapi.win32 import WinApi
from loopnote.errors import CaptureError, PermissionDenied


class EndpointOpener:
    def __init__(
        self,
        api: WinApi,
        flow: Flow,
        endpoint_id: str | None,
        role: int,
        options: StreamOptions | None = None,
    ) -> None:
        self._api = api
        self.flow: Flow = flow
        self.device_id = endpoint_id
        self.role = role
        self.options = options or StreamOptions()
        self.follows: tuple[Flow, int] | None = None if endpoint_id else (flow, role)

    def open(self) -> Opened:
        with DeviceEnumerator(self._api) as enum:
            if self.device_id:
                dev = enum.device(self.device_id)
            else:
                dev = enum.default_device(self.flow, self.role)
            with dev:
                eid, name = dev.id(), dev.name()
                if not self.options.events:
                    return self._open_polling(dev, eid, name)
                try:
                    return self._open_event(dev, eid, name)
                except (DeviceInvalidated, PermissionDenied):
                    raise
                except CaptureError:
                    return self._open_polling(dev, eid, name)

    def _flags(self) -> int:
        return AUDCLNT_STREAMFLAGS_LOOPBACK if self.flow == "render" else 0

    def _open_event(self, dev: Device, eid: str, name: str) -> Opened:
        client = AudioClient(self._api, dev.activate(IID_IAudioClient, "IAudioClient"))
        event: int | None = None
        try:
            fmt, native = client.mix_format()
            client.initialize(
                self._flags() | AUDCLNT_STREAMFLAGS_EVENTCALLBACK, self.options.buffer_s, native
            )
            event = self._api.create_event()
            client.set_event(event)
            capture = client.capture_client()
        except BaseException:
            if event is not None:
                self._api.close_handle(event)
            client.release()
            raise
        return Opened(self._api, client, capture, fmt, eid, name, event)

    def _open_polling(self, dev: Device, eid: str, name: str) -> Opened:
        client = AudioClient(self._api, dev.activate(IID_IAudioClient, "IAudioClient"))
        try:
            fmt, native = client.mix_format()
            client.initialize(self._flags(), self.options.buffer_s, native)
            capture = client.capture_client()
        except BaseException:
            client.release()
            raise
        return Opened(self._api, client, capture, fmt, eid, name, None)
