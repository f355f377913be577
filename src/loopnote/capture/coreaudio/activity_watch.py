"""Meeting detection's watcher on macOS 14.4+: sleeps until Core Audio reports a change.
UNVERIFIED on a Mac (tested against the fake of the Core Audio seam only).

``ProcessWatcher(api, on_report)``  a thread that listens (AudioObjectAddPropertyListener)
    on the system object's process list and on each process object's IsRunningInput and
    IsRunningOutput. Each listener only sets a flag (the HAL calls it on its own thread);
    the watcher's thread, woken by it, listens on the process objects that are new, lets go
    of the ones that are gone and reports ``process_activity``'s snapshot when it changed.
    Nothing runs while nothing changes.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable

from loopnote.capture.coreaudio.activity import process_activity
from loopnote.capture.coreaudio.api import (
    HW_PROCESS_LIST,
    PROCESS_RUNNING_INPUT,
    PROCESS_RUNNING_OUTPUT,
    SYSTEM_OBJECT,
    CoreAudioApi,
    CoreAudioError,
)
from loopnote.capture.meetings import ActivityReport, ActivitySnapshot, AppActivity

log = logging.getLogger(__name__)

_PER_PROCESS = (PROCESS_RUNNING_INPUT, PROCESS_RUNNING_OUTPUT)


class ProcessWatcher:
    def __init__(self, api: CoreAudioApi, on_report: Callable[[ActivityReport], None]) -> None:
        self._api = api
        self._on_report = on_report
        self._changed = threading.Event()
        self._listener = self._changed.set  # one object: removing a listener finds it by identity
        self._stop = threading.Event()
        self._listening: set[int] = set()  # process objects with our two listeners
        self._thread: threading.Thread | None = None
        self.wakeups = 0  # how often the thread woke (it must not while nothing changes)

    def start(self) -> None:
        self._api.add_listener(SYSTEM_OBJECT, HW_PROCESS_LIST, self._listener)
        self._thread = threading.Thread(target=self._run, name="coreaudio-activity", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._changed.set()
        if self._thread is not None:
            self._thread.join(5.0)
        self._quietly_remove(SYSTEM_OBJECT, HW_PROCESS_LIST)
        for obj in list(self._listening):
            self._forget(obj)

    def _run(self) -> None:
        last: tuple[AppActivity, ...] | None = None
        while not self._stop.is_set():
            self._changed.clear()  # before reading: a change from here on wakes us again
            now: tuple[AppActivity, ...] | None = last
            try:
                self._follow_processes()
                now = process_activity(self._api)
            except CoreAudioError as e:  # coreaudiod restarting: try again on the next change
                log.warning("reading who uses audio: %s", e)
            if now is not None and now != last:
                self._on_report(ActivitySnapshot(now))
                last = now
            self._changed.wait()
            self.wakeups += 1

    def _follow_processes(self) -> None:
        objects = set(self._api.get_u32_list(SYSTEM_OBJECT, HW_PROCESS_LIST))
        for obj in self._listening - objects:
            self._forget(obj)
        for obj in objects - self._listening:
            try:
                for selector in _PER_PROCESS:
                    self._api.add_listener(obj, selector, self._listener)
                self._listening.add(obj)
            except CoreAudioError:  # the process went away meanwhile
                self._forget(obj)

    def _forget(self, obj: int) -> None:
        self._listening.discard(obj)
        for selector in _PER_PROCESS:
            self._quietly_remove(obj, selector)

    def _quietly_remove(self, obj: int, selector: int) -> None:
        with contextlib.suppress(CoreAudioError):  # its object is gone, and its listeners too
            self._api.remove_listener(obj, selector, self._listener)
