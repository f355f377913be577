"""The hand-off of events from session threads to the screen's thread.

``EventQueue``  ``put`` from any thread (returns True when the consumer must be woken);
                ``take`` on the consumer's thread returns the batch, coalesced
``coalesce``    a batch without the levels and partial texts a later event supersedes

Policy when the screen falls behind: once ``limit`` events wait, superseded levels and partial
texts are dropped from the queue (again each time the queue doubles after that). Utterances,
summaries, alerts and everything else are never dropped, and order is kept.
"""

from __future__ import annotations

import threading
import time

from loopnote.events import Event, LevelChanged, PartialUpdated, UtteranceCommitted
from loopnote.types import Source

Stamped = tuple[Event, float]
"""An event and the ``time.perf_counter()`` at which it was queued."""


def coalesce(batch: list[Stamped]) -> list[Stamped]:
    """``batch`` without levels and partial texts that a later event of the batch supersedes."""
    seen_level: set[Source] = set()
    seen_text: set[Source] = set()
    keep: list[Stamped] = []
    for item in reversed(batch):
        event = item[0]
        if isinstance(event, LevelChanged):
            if event.source in seen_level:
                continue
            seen_level.add(event.source)
        elif isinstance(event, PartialUpdated):
            if event.partial.source in seen_text:
                continue
            seen_text.add(event.partial.source)
        elif isinstance(event, UtteranceCommitted):
            seen_text.add(event.utterance.source)
        keep.append(item)
    keep.reverse()
    return keep


class EventQueue:
    """See the module docstring. The consumer is woken once per batch, not once per event."""

    def __init__(self, limit: int = 5_000) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._items: list[Stamped] = []
        self._compact_at = limit
        self._wake_pending = False
        self._open = False

    def put(self, event: Event) -> bool:
        """Queue ``event``; True if the caller must wake the consumer (one wake per batch)."""
        with self._lock:
            self._items.append((event, time.perf_counter()))
            if len(self._items) > self._compact_at:
                self._items = coalesce(self._items)
                # what cannot be dropped may itself exceed the limit: compact again only
                # after the queue doubles, so a long stall stays linear in cost
                self._compact_at = max(self.limit, 2 * len(self._items))
            if self._wake_pending or not self._open:
                return False
            self._wake_pending = True
            return True

    def open(self) -> None:
        """The consumer is ready: from now on ``put`` asks for wake-ups."""
        with self._lock:
            self._open = True

    def hold(self) -> None:
        """Ask for no wake-ups until the next ``take`` (to gather a batch on purpose)."""
        with self._lock:
            self._wake_pending = True

    def take(self) -> tuple[list[Event], list[Stamped]]:
        """Everything queued: the coalesced events to show, and the raw stamped batch."""
        with self._lock:
            self._wake_pending = False
            batch, self._items = self._items, []
            self._compact_at = self.limit
        return [e for e, _ in coalesce(batch)], batch

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
