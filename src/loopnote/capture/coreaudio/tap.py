"""Routes: the native objects behind one running capture, created in order, undone in reverse.

``Route``             a running IO proc and everything it needs; ``close()`` stops and destroys
                      all of it (each step is attempted even when an earlier one fails) and is
                      safe to call twice.
``open_tap_route``    macOS 14.4+: process tap (``CATapDescription`` ->
                      ``AudioHardwareCreateProcessTap``) -> private aggregate device containing
                      the tap, clocked by the output device -> IO proc -> start.
``open_device_route`` an input device as it is (microphone, or a loopback device such as
                      BlackHole on macOS 13-14.3): IO proc -> start.
If any step fails, what was already created is destroyed before the error propagates.

The aggregate lists the output device as its main sub-device (the clock the tap is read with)
and the tap with drift compensation. Its input streams are the sub-device's inputs (if any)
followed by the tap's, so the route keeps the last ``channels`` channels: the tap's, in the
layout ``kAudioTapPropertyFormat`` reports (stereo or mono mixdown). ``tapautostart`` is left
unset: it holds ``AudioDeviceStart`` until a tapped process plays; idle time arrives as silence.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import numpy as np

from loopnote.capture.coreaudio.api import (
    AGG_MAIN_SUBDEVICE,
    AGG_NAME,
    AGG_PRIVATE,
    AGG_STACKED,
    AGG_SUBDEVICES,
    AGG_TAPS,
    AGG_UID,
    DEVICE_RATE,
    DEVICE_STREAMS,
    DEVICE_UID,
    OBJECT_NAME,
    SCOPE_INPUT,
    STREAM_VIRTUAL_FORMAT,
    SUBDEVICE_UID,
    SUBTAP_DRIFT,
    SUBTAP_UID,
    TAP_FORMAT,
    TAP_UID,
    CoreAudioApi,
    CoreAudioError,
    IOProc,
    StreamFormat,
    TapDescription,
)
from loopnote.errors import CaptureError, DeviceNotFound
from loopnote.types import FloatArray


class Route:
    """A started IO proc; ``device`` is the system device it reads (or is clocked by)."""

    def __init__(self, device: int, device_name: str, rate: int, channels: int) -> None:
        self.device = device
        self.device_name = device_name
        self.rate = rate
        self.channels = channels
        self._undo: list[tuple[str, Callable[[], None]]] = []
        self.teardown_errors: list[str] = []

    def on_close(self, what: str, step: Callable[[], None]) -> None:
        self._undo.append((what, step))

    def close(self) -> None:
        while self._undo:
            what, step = self._undo.pop()
            try:
                step()
            except CoreAudioError as e:  # keep going: everything else must still go
                self.teardown_errors.append(f"{what}: {e}")

    def fit(self, samples: FloatArray) -> FloatArray:
        """The route's channels out of an IO proc buffer (the trailing ones)."""
        have = int(samples.shape[1]) if samples.ndim == 2 else 0
        if have == self.channels:
            return samples
        if have > self.channels:
            return np.ascontiguousarray(samples[:, have - self.channels :])
        out = np.zeros((samples.shape[0], self.channels), dtype=np.float32)
        if have:
            out[:, :have] = samples
        return out


def _require_float(fmt: StreamFormat, what: str) -> None:
    if not fmt.is_float32:
        raise CaptureError(f"{what} does not deliver 32-bit float samples; loopnote cannot read it")


def _run(route: Route, api: CoreAudioApi, device: int, proc: IOProc) -> None:
    """Create and start the IO proc on ``device``, registering the undo steps."""

    def deliver(samples: FloatArray, sample_time: float) -> None:
        proc(route.fit(samples), sample_time)

    proc_id = api.create_io_proc(device, deliver)
    route.on_close("remove the IO proc", lambda: api.destroy_io_proc(device, proc_id))
    api.start(device, proc_id)
    route.on_close("stop the device", lambda: api.stop(device, proc_id))


def open_tap_route(api: CoreAudioApi, tap: TapDescription, output: int, proc: IOProc) -> Route:
    """Tap -> private aggregate (clocked by ``output``) -> running IO proc."""
    out_uid = api.get_string(output, DEVICE_UID)
    out_name = api.get_string(output, OBJECT_NAME) or out_uid
    route = Route(output, out_name, 0, 0)
    try:
        tap_id = api.create_process_tap(tap)
        route.on_close("destroy the process tap", lambda: api.destroy_process_tap(tap_id))
        tap_uid = api.get_string(tap_id, TAP_UID)
        fmt = api.get_format(tap_id, TAP_FORMAT)
        _require_float(fmt, "the process tap")
        route.rate, route.channels = round(fmt.sample_rate), fmt.channels
        agg = api.create_aggregate_device(
            {
                AGG_NAME: "loopnote system audio",
                AGG_UID: f"loopnote-tap-{uuid.uuid4()}",
                AGG_PRIVATE: True,
                AGG_STACKED: False,
                AGG_MAIN_SUBDEVICE: out_uid,
                AGG_SUBDEVICES: [{SUBDEVICE_UID: out_uid}],
                AGG_TAPS: [{SUBTAP_UID: tap_uid, SUBTAP_DRIFT: True}],
            }
        )
        route.on_close("destroy the aggregate device", lambda: api.destroy_aggregate_device(agg))
        _run(route, api, agg, proc)
    except BaseException:
        route.close()
        raise
    return route


def open_device_route(api: CoreAudioApi, device: int, proc: IOProc) -> Route:
    """An input device's own input streams -> running IO proc."""
    name = api.get_string(device, OBJECT_NAME) or f"device {device}"
    channels = api.get_channels(device, SCOPE_INPUT)
    if channels <= 0:
        raise DeviceNotFound(f"{name} has no input channels")
    for stream in api.get_u32_list(device, DEVICE_STREAMS, SCOPE_INPUT):
        _require_float(api.get_format(stream, STREAM_VIRTUAL_FORMAT), name)
    route = Route(device, name, round(api.get_f64(device, DEVICE_RATE)), channels)
    try:
        _run(route, api, device, proc)
    except BaseException:
        route.close()
        raise
    return route
