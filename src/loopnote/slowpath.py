"""Work that may be slow, kept off the meeting's fast path.

``Mailbox``     what the fast path hands a slow worker: ``post`` never blocks. Items with a
                key replace the pending item of that key (latest wins: a newer clock tick or
                notification makes the older one pointless); items without a key are kept in
                order (utterances a summary must see). Bounded: past ``capacity`` pending
                items the oldest keyless ones are dropped and counted.
``SlowWorker``  one thread that takes everything pending at once and hands it to a job.
                A job that raises is logged with its traceback and reported through
                ``on_error``; the worker keeps serving the next batch.

A slow or hung job (an LLM that never answers) delays only its own results: the fast path
posts and moves on. Summaries, desktop notifications and any later slow consumer (naming
speakers, a settled re-decode of each stretch) each get a ``SlowWorker`` of their own.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)

MAILBOX_CAPACITY = 10_000  # keyless items: hours of utterances for a summary that stalls


class Mailbox(Generic[T]):
    def __init__(self, capacity: int = MAILBOX_CAPACITY) -> None:
        self._capacity = capacity
        self._items: OrderedDict[tuple[str, Hashable], T] = OrderedDict()
        self._serial = 0  # keys for keyless items
        self._cond = threading.Condition()
        self._closed = False
        self.dropped = 0

    def post(self, item: T, key: Hashable | None = None) -> None:
        """Hand over ``item``; a keyed item replaces the pending one with the same key (and
        takes the place of the newest, so the batch stays in posting order)."""
        with self._cond:
            if key is None:
                self._serial += 1
                slot: tuple[str, Hashable] = ("#", self._serial)
            else:
                slot = ("k", key)
                self._items.pop(slot, None)
            self._items[slot] = item
            while len(self._items) > self._capacity:
                oldest = next((k for k in self._items if k[0] == "#"), next(iter(self._items)))
                del self._items[oldest]
                self.dropped += 1
            self._cond.notify()

    def close(self) -> None:
        """No more items: ``take`` returns what is pending, then ``None``."""
        with self._cond:
            self._closed = True
            self._cond.notify()

    def take(self) -> list[T] | None:
        """Everything pending, in order; waits for at least one. ``None`` once closed and empty."""
        with self._cond:
            while not self._items and not self._closed:
                self._cond.wait()
            if not self._items:
                return None
            out = list(self._items.values())
            self._items.clear()
            return out

    def __len__(self) -> int:
        with self._cond:
            return len(self._items)


class SlowWorker(Generic[T]):
    """A thread serving ``job`` with batches from its mailbox until ``close``."""

    def __init__(
        self,
        name: str,
        job: Callable[[list[T]], None],
        on_error: Callable[[str, BaseException], None] | None = None,
        capacity: int = MAILBOX_CAPACITY,
    ) -> None:
        self.name = name
        self.mailbox: Mailbox[T] = Mailbox(capacity)
        self._job = job
        self._on_error = on_error
        self._thread = threading.Thread(target=self._run, name=f"slow-{name}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def post(self, item: T, key: Hashable | None = None) -> None:
        self.mailbox.post(item, key)

    def close(self, timeout: float | None = None) -> bool:
        """Finish what is pending, then end; False if it did not end within ``timeout``."""
        self.mailbox.close()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while (batch := self.mailbox.take()) is not None:
            try:
                self._job(batch)
            except Exception as e:  # a slow consumer failing must not end the meeting
                log.exception("%s worker failed", self.name)
                if self._on_error is not None:
                    self._on_error(self.name, e)


__all__ = ["Mailbox", "SlowWorker"]
