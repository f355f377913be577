"""The capture loop shared by endpoint loopback, process loopback and microphones.

``StreamOptions``  buffer, wait period, recovery backoff, timeline tolerances (documented defaults)
``Opened``         one initialized stream: client, capture client, format, device, event handle
``Opener``         protocol: ``open()`` -> ``Opened``; ``follows`` = (flow, role) when the stream
                   follows the default device, else None; ``device_id`` when pinned to one
``CaptureStream``  an ``AudioInput``: ``start(emit)`` opens on its own thread (errors of the first
                   open are raised from ``start``), ``stop()`` drains and joins; ``mode``
                   ("event" | "polling") and ``device`` describe the open stream

The loop waits on the stream's event with a timeout of ``wait_ms`` and drains after every wake,
so it also works where loopback events never fire (polling fallback; Windows before 10 1703)
and where no event could be set at all. AUDCLNT_E_DEVICE_INVALIDATED / RESOURCES_INVALIDATED,
removal of the device, or a default-device change (IMMNotificationClient) tear the stream down
and re-open it with backoff; the time in between becomes ``gap`` silence, a ``SessionWarning`` and a
``DeviceSwitch`` are emitted, and nothing already captured is lost.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from loopnote.capture.base import DeviceSwitch, Emit
from loopnote.capture.wasapi.audioclient import AudioClient, CaptureClient, Packet
from loopnote.capture.wasapi.com import DeviceInvalidated
from loopnote.capture.wasapi.mmdevice import Flow
from loopnote.capture.wasapi.notify import DeviceEvents, DeviceWatcher
from loopnote.capture.wasapi.structs import SampleFormat, decode
from loopnote.capture.wasapi.timeline import Timeline, TimelineOptions
from loopnote.capture.wasapi.win32 import WinApi
from loopnote.errors import CaptureError, LoopnoteError
from loopnote.types import AudioChunk, SessionWarning, Source

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamOptions:
    buffer_s: float = 1.0  # shared-mode buffer asked of the engine: room for a starved reader
    events: bool = True  # event-driven endpoint streams (False: always poll every wait_ms)
    wait_ms: int = 20  # event wait timeout, and the polling period without events
    max_chunk_s: float = 1.0  # gap silence is emitted in pieces no longer than this
    backoff_s: tuple[float, ...] = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0)  # re-open delays (last repeats)
    first_open_timeout_s: float = 15.0  # start() waits this long for the first open
    timeline: TimelineOptions = field(default_factory=TimelineOptions)


@dataclass
class Opened:
    api: WinApi
    client: AudioClient
    capture: CaptureClient
    fmt: SampleFormat
    device_id: str
    device_name: str
    event: int | None  # None: polling

    def close(self) -> None:
        self.client.stop()
        self.capture.release()
        self.client.release()
        if self.event is not None:
            self.api.close_handle(self.event)
            self.event = None


class Opener(Protocol):
    follows: tuple[Flow, int] | None
    device_id: str | None

    def open(self) -> Opened: ...


class CaptureStream:
    def __init__(
        self, source: Source, api: WinApi, opener: Opener, options: StreamOptions | None = None
    ) -> None:
        self.source: Source = source
        self._api = api
        self._opener = opener
        self.options = options or StreamOptions()
        self._stop = threading.Event()
        self._reopen = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._start_error: BaseException | None = None
        self._current_id = ""
        self._emit: Emit = lambda item: None
        self.timeline: Timeline | None = None
        self.fmt: SampleFormat | None = None
        self.mode = ""  # "event" or "polling" once open
        self.device = ""  # "name [endpoint id]" once open

    # --- AudioInput ---------------------------------------------------------------------------
    def start(self, emit: Emit) -> None:
        if self._thread is not None:
            raise CaptureError(f"the {self.source} capture is already running")
        self._emit = emit
        origin = self._api.qpc()  # session time 0
        self._thread = threading.Thread(
            target=self._run, args=(origin,), name=f"wasapi-{self.source}", daemon=True
        )
        self._thread.start()
        if not self._ready.wait(self.options.first_open_timeout_s):
            self.stop()
            raise CaptureError(f"the {self.source} audio device did not open in time; retry")
        if self._start_error is not None:
            self._thread.join()
            raise self._start_error

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(10.0)

    # --- notifications (called on Windows' threads: record only) -------------------------------
    def _default_changed(self, flow: Flow, role: int, endpoint_id: str) -> None:
        if self._opener.follows == (flow, role) and endpoint_id != self._current_id:
            self._reopen.set()

    def _gone(self, endpoint_id: str) -> None:
        if endpoint_id == self._current_id:
            self._reopen.set()

    def _back(self, endpoint_id: str) -> None:
        if endpoint_id == self._current_id:  # the lost device returned: retry right away
            self._reopen.set()

    # --- the loop -------------------------------------------------------------------------------
    def _run(self, origin: int) -> None:
        owns_com = False
        watcher: DeviceWatcher | None = None
        opened: Opened | None = None
        boost = self._api.boost_thread()
        try:
            owns_com = self._api.co_initialize()
            opened = self._opener.open()
            self._opened(opened, origin)
        except BaseException as e:  # the first open: start() raises it
            self._start_error = e
            if opened is not None:
                opened.close()
            self._ready.set()
            if owns_com:
                self._api.co_uninitialize()
            if boost is not None:
                self._api.unboost_thread(boost)
            return
        self._ready.set()
        try:
            watcher = DeviceWatcher(
                self._api, DeviceEvents(self._default_changed, self._gone, self._back)
            )
        except LoopnoteError as e:
            self._warn("no-device-events", f"device changes will be noticed late: {e}")
        failures = 0  # consecutive streams that failed soon after opening
        try:
            while True:
                assert opened is not None
                began = self._api.qpc()
                try:
                    self._pump(opened)
                except DeviceInvalidated as e:
                    self._warn("device-lost", f"{opened.device_name}: {e}")
                    failures += 1
                except CaptureError as e:
                    self._warn("capture-error", str(e))
                    failures += 1
                opened.close()
                opened = None
                if self._stop.is_set():
                    break
                if self._api.qpc() - began > 20_000_000:  # it ran for a while: a fresh failure
                    failures = min(failures, 1)
                if failures > 1:  # failing again right after re-opening: back off first
                    delays = self.options.backoff_s
                    self._wait(delays[min(failures - 2, len(delays) - 1)])
                opened = self._recover()
                if opened is None:
                    break
        finally:
            if opened is not None:
                opened.close()
            self._fill(final=True)
            if watcher is not None:
                with contextlib.suppress(LoopnoteError):  # it goes away with the thread anyway
                    watcher.close()
            if owns_com:
                self._api.co_uninitialize()
            if boost is not None:
                self._api.unboost_thread(boost)

    def _opened(self, opened: Opened, origin: int) -> None:
        tl = self.timeline
        if tl is None:
            self.timeline = Timeline(opened.fmt.rate, origin, 0.0, self.options.timeline)
        elif tl.rate != opened.fmt.rate:
            self.timeline = Timeline(opened.fmt.rate, tl.origin, tl.end, self.options.timeline)
        else:
            tl.restart()
        self.fmt = opened.fmt
        self.mode = "event" if opened.event is not None else "polling"
        self.device = f"{opened.device_name} [{opened.device_id}]"
        self._current_id = opened.device_id
        self._reopen.clear()
        opened.client.start()

    def _pump(self, opened: Opened) -> None:
        wait_ms = self.options.wait_ms
        while not self._stop.is_set() and not self._reopen.is_set():
            if opened.event is not None:
                self._api.wait_event(opened.event, wait_ms)
            else:
                self._api.sleep(wait_ms / 1000)
            self._drain(opened)
            self._fill()
        self._drain(opened)  # what is buffered is kept

    def _drain(self, opened: Opened) -> None:
        fmt = opened.fmt
        while opened.capture.next_packet_size() > 0:
            pkt = opened.capture.read(fmt.block_align)
            if pkt is None:
                break
            self._place(pkt, fmt)

    def _place(self, pkt: Packet, fmt: SampleFormat) -> None:
        tl = self.timeline
        assert tl is not None
        start = tl.end
        broken = tl.broken_timestamps
        gap = tl.place(
            pkt.frames, pkt.device_position, pkt.qpc_position, pkt.flags, self._api.qpc()
        )
        if tl.broken_timestamps and not broken:
            log.warning(
                "%s: the device's timestamps are implausible (QPC position %d); "
                "packets are placed by their arrival time",
                self.source,
                pkt.qpc_position,
            )
        if gap:
            self._emit_gap(start, gap, fmt.channels)
        if pkt.frames:
            if pkt.data is None:
                samples = np.zeros((pkt.frames, fmt.channels), dtype=np.float32)
            else:
                samples = decode(pkt.data, fmt)
            self._emit(AudioChunk(self.source, samples, fmt.rate, start + gap / fmt.rate))

    def _fill(self, final: bool = False) -> None:
        tl, fmt = self.timeline, self.fmt
        if tl is None or fmt is None:
            return
        start = tl.end
        gap = tl.idle(self._api.qpc(), final)
        if gap:
            self._emit_gap(start, gap, fmt.channels)

    def _emit_gap(self, start: float, frames: int, channels: int) -> None:
        tl = self.timeline
        assert tl is not None
        step = max(1, int(self.options.max_chunk_s * tl.rate))
        for off in range(0, frames, step):
            n = min(step, frames - off)
            self._emit(
                AudioChunk(
                    self.source,
                    np.zeros((n, channels), dtype=np.float32),
                    tl.rate,
                    start + off / tl.rate,
                    gap=True,
                )
            )

    def _recover(self) -> Opened | None:
        """Re-open (on the current default, or the pinned endpoint) with backoff until stopped."""
        delays = self.options.backoff_s
        attempt = 0
        last = ""
        while not self._stop.is_set():
            self._reopen.clear()
            try:
                opened = self._opener.open()
            except LoopnoteError as e:
                if str(e) != last:
                    self._warn("device-retry", f"cannot re-open the {self.source} device: {e}")
                    last = str(e)
                self._wait(delays[min(attempt, len(delays) - 1)])
                attempt += 1
                continue
            try:
                self._opened(opened, 0)
            except LoopnoteError as e:
                opened.close()
                self._warn("device-retry", f"cannot restart the {self.source} device: {e}")
                self._wait(delays[min(attempt, len(delays) - 1)])
                attempt += 1
                continue
            tl = self.timeline
            assert tl is not None
            self._emit(DeviceSwitch(self.source, self.device, self._now(tl)))
            return opened
        return None

    def _wait(self, seconds: float) -> None:
        """Sleep in short steps, keeping the timeline moving; a device event cuts it short."""
        end = self._api.qpc() + int(seconds * 10_000_000)
        while not self._stop.is_set() and not self._reopen.is_set() and self._api.qpc() < end:
            self._api.sleep(min(self.options.wait_ms / 1000, seconds))
            self._fill()

    def _now(self, tl: Timeline) -> float:
        """Session time of this moment (the timeline itself may lag by its fill margin)."""
        return max(tl.end, (self._api.qpc() - tl.origin) / 10_000_000)

    def _warn(self, code: str, message: str) -> None:
        t = self._now(self.timeline) if self.timeline is not None else 0.0
        self._emit(SessionWarning(code, message, self.source, t))
