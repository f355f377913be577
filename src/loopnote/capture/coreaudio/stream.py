"""One live macOS source (``AudioInput``): a route, a worker thread, device following.

``CoreAudioInput``   start(emit) opens the route (raising if it cannot) and starts a worker;
                     the IO proc only copies and enqueues; the worker turns buffers into timed
                     chunks (``timing.SampleClock``) and calls ``emit``. stop() stops the IO
                     proc, emits what is still queued, destroys every native object and
                     re-raises the error that ended capture early, if any (an exception from
                     ``emit`` ends capture at once: every native object is destroyed first).
Following a device: a property listener on the system object (default output for the tap,
default input for the microphone) asks the worker to rebuild the route on the new device;
the worker emits ``DeviceSwitch`` and the first buffer of the new stream brings a gap for the
time in between. If the rebuild fails, a ``device-lost`` SessionWarning is emitted and the next
change of the default device tries again.
Denied permission: a tap whose stream has been exactly zero from the start for ``zero_alarm``
seconds while an app it covers is running output gets one ``permission-denied`` SessionWarning
saying where to allow it (checked again every ``zero_alarm`` seconds until the first sound).
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable

from loopnote.capture.base import CaptureItem, DeviceSwitch, Emit
from loopnote.capture.coreaudio.api import SYSTEM_OBJECT, CoreAudioApi, IOProc
from loopnote.capture.coreaudio.tap import Route
from loopnote.capture.coreaudio.timing import CoreAudioOptions, SampleClock, ZeroRun
from loopnote.clock import Clock, SystemClock
from loopnote.errors import CaptureError
from loopnote.types import FloatArray, SessionWarning, Source

PERMISSION_MESSAGE = (
    "macOS is giving loopnote only silence while apps are playing: allow system audio in "
    "System Settings → Privacy & Security → Screen & System Audio Recording → "
    '"System Audio Recording Only", for the app you run loopnote from (e.g. Terminal), '
    "then start the recording again"
)

Opener = Callable[[IOProc], Route]
_Item = tuple[int, FloatArray, float, float]  # generation, samples, sample time, arrival


class CoreAudioInput:
    def __init__(
        self,
        api: CoreAudioApi,
        source: Source,
        opener: Opener,
        follow: int | None = None,
        playing: Callable[[], bool] | None = None,
        clock: Clock | None = None,
        options: CoreAudioOptions | None = None,
    ) -> None:
        """``opener`` builds the route on the current device; ``follow`` is the system
        property to watch (None: a fixed device); ``playing`` says whether an app covered
        by a tap is running output (None: no permission check, e.g. microphones)."""
        self.source: Source = source
        self._api = api
        self._opener = opener
        self._follow = follow
        self._playing = playing
        self._clock = clock or SystemClock()
        self._options = options or CoreAudioOptions()
        self._queue: queue.Queue[_Item | None] = queue.Queue(self._options.queue_buffers)
        self._timeline = SampleClock(source, self._options)
        self._zeros = ZeroRun(self._options.zero_alarm)
        self._route: Route | None = None
        self._gen = 0
        self._t0 = 0.0
        self._emit: Emit | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self._switch = threading.Event()
        self._listening = False
        self._listener = self._on_change  # one object: removal must pass the same one
        self._error: BaseException | None = None
        self._dropped = 0
        self._warned: set[str] = set()

    @property
    def timeline(self) -> SampleClock:
        return self._timeline

    # --- caller thread ----------------------------------------------------------------
    def start(self, emit: Emit) -> None:
        if self._thread is not None:
            raise CaptureError(f"the {self.source} input is already running")
        self._emit = emit
        self._stopping.clear()
        self._t0 = self._clock.monotonic()
        self._route = self._opener(self._io_proc(self._gen))
        if self._follow is not None:
            try:
                self._api.add_listener(SYSTEM_OBJECT, self._follow, self._listener)
                self._listening = True
            except BaseException:
                self._teardown()
                raise
        self._thread = threading.Thread(
            target=self._work, name=f"coreaudio-{self.source}", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        if self._thread is None:
            return
        self._stopping.set()
        self._wake()
        self._thread.join()
        self._thread = None
        error, self._error = self._error, None
        if error is not None:
            raise error

    # --- HAL threads: copy and enqueue only -----------------------------------------
    def _io_proc(self, gen: int) -> IOProc:
        def proc(samples: FloatArray, sample_time: float) -> None:
            arrival = self._clock.monotonic() - self._t0
            try:
                self._queue.put_nowait((gen, samples, sample_time, arrival))
            except queue.Full:
                self._dropped += int(samples.shape[0])

        return proc

    def _on_change(self) -> None:
        self._switch.set()
        self._wake()

    def _wake(self) -> None:
        # a full queue means the worker is busy with buffers; it reads the flags between them
        with contextlib.suppress(queue.Full):
            self._queue.put_nowait(None)

    # --- worker -----------------------------------------------------------------------
    def _work(self) -> None:
        try:
            while not self._stopping.is_set():
                if self._switch.is_set():
                    self._switch.clear()
                    self._rebuild()
                try:
                    item = self._queue.get(timeout=0.1)
                except queue.Empty:
                    continue
                if item is not None:
                    self._handle(item, self._route)
            self._close_and_flush()
        except BaseException as e:  # consumer or HAL failure: release everything now
            self._error = e
        finally:
            self._teardown()

    def _handle(self, item: _Item, route: Route | None) -> None:
        gen, samples, sample_time, arrival = item
        if gen != self._gen or route is None:
            return  # a buffer of a stream already closed
        for chunk in self._timeline.push(samples, route.rate, sample_time, arrival):
            self._send(chunk)
        if self._dropped and "capture-overflow" not in self._warned:
            self._warn(
                "capture-overflow",
                "the consumer fell behind; a few buffers of "
                f"{self.source} audio were dropped and replaced by silence",
            )
        if (
            self._playing is not None
            and "permission-denied" not in self._warned
            and self._zeros.observe(samples, route.rate)
            and self._playing()
        ):
            self._warn("permission-denied", PERMISSION_MESSAGE)

    def _close_and_flush(self) -> None:
        """Stop the stream, then emit what it had already delivered."""
        route = self._route
        self._close_route()
        while True:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return
            if item is not None:
                self._handle(item, route)

    def _rebuild(self) -> None:
        assert self._follow is not None
        try:
            current: int | None = self._api.get_u32(SYSTEM_OBJECT, self._follow)
        except CaptureError:
            current = None  # the HAL is between devices: rebuild, and say so if that fails
        if self._route is not None and self._route.device == current:
            return
        self._close_and_flush()
        self._gen += 1
        self._timeline.new_stream()
        try:
            self._route = self._opener(self._io_proc(self._gen))
        except CaptureError as e:
            self._warn(
                "device-lost",
                f"lost the {self.source} audio device ({e}); waiting for another default device",
                once=False,
            )
            return
        self._send(DeviceSwitch(self.source, self._route.device_name, self._timeline.end))

    def _close_route(self) -> None:
        route, self._route = self._route, None
        if route is not None:
            route.close()

    def _teardown(self) -> None:
        self._close_route()
        if self._listening and self._follow is not None:
            self._listening = False
            # a failure here is harmless: the HAL drops the listeners of an exiting process
            with contextlib.suppress(CaptureError):
                self._api.remove_listener(SYSTEM_OBJECT, self._follow, self._listener)

    def _warn(self, code: str, message: str, once: bool = True) -> None:
        if once:
            self._warned.add(code)
        self._send(SessionWarning(code, message, self.source, self._timeline.end))

    def _send(self, item: CaptureItem) -> None:
        assert self._emit is not None
        self._emit(item)
