"""Front ends steering a running meeting: their requests, and the gate that queues them
for the meeting's fast path from any thread.

``SpeakerRename``  name a speaker ("Speaker 2", its id or its current name)
``Control``        what a front end can send: a bookmark, a pause or resume, a rename
``ControlGate``    ``send(make, then)`` queues a control without ever blocking the caller;
                   ``close()`` once the run loop has read its last one (a later control
                   would be lost, so it is refused with a clear error)
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loopnote.errors import LoopnoteError
from loopnote.events import BookmarkAdded, StateChanged


@dataclass(frozen=True)
class SpeakerRename:
    ref: str
    name: str


Control = BookmarkAdded | StateChanged | SpeakerRename


class ControlGate:
    """The way in for controls: ``out`` is the queue the fast path reads."""

    def __init__(self, out: queue.Queue[Any]) -> None:
        self._out = out
        self._closed = False
        self._lock = threading.Lock()

    def send(self, make: Callable[[], Control], then: Callable[[], None] = lambda: None) -> None:
        """Queue ``make()`` after running ``then`` (both under the lock, so no control slips
        past ``close``); refused when the meeting is being saved or its queue is full."""
        with self._lock:
            if self._closed:
                raise LoopnoteError("the recording has ended; the meeting is being saved")
            if self._out.full():  # never block a front end (or the end of the meeting)
                raise LoopnoteError("the meeting is catching up; try again in a moment")
            then()
            self._out.put_nowait(make())

    def close(self) -> None:
        with self._lock:
            self._closed = True
