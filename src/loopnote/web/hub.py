"""The live meeting as the browser sees it: session events in, server-sent events out.

``LiveHub``       ``publish`` is the session's event handler (any thread, never blocks);
                  ``subscribe`` gives one page its own feed: the meeting so far, then each
                  new event as it comes
``event_json``    an event as the page receives it (the public JSON form, plus the consent
                  reminder of ``session``)

Levels and partial texts are superseded by the next one of their source, a summary node by
its next revision, a partial text by its source's utterance: the hub keeps only the newest
for a page that connects late, and a page's feed drops the stale ones it has not sent yet, so
a slow browser never makes its feed grow without bound. Everything else is kept and sent in
order. Each event carries ``published``, when the hub got it, beside the session's ``wall``.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from loopnote.events import Event, SessionControl, SessionStarted


def event_json(event: Event) -> dict[str, Any]:
    d = event.to_json()
    if isinstance(event, SessionStarted):
        d["consent"] = event.consent
    return d


def supersedes(d: dict[str, Any]) -> tuple[str, str]:
    """(the key this event is kept under, the key of an earlier event it makes stale).

    Keyed events (levels and partial texts per source, summary nodes by id, a step's
    progress) need only their newest; an utterance makes its source's partial text stale.
    Empty keys: kept in order.
    """
    kind = d["type"]
    if kind in ("level", "partial"):
        key = f"{kind}:{d['source']}"
        return key, key
    if kind == "progress":
        key = f"progress:{d['step']}"
        return key, key
    if kind == "summary":
        key = f"summary:{d['node_id']}"
        return key, key
    if kind == "utterance":
        return "", f"partial:{d['source']}"
    return "", ""


@dataclass
class _Feed:
    loop: asyncio.AbstractEventLoop
    items: list[tuple[int, str, str]] = field(default_factory=list)  # (seq, key, json)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    closed: bool = False


class LiveHub:
    """One running (or finished) meeting and the pages that follow it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seq = 0
        self._history: list[tuple[int, str, str]] = []  # events that are never superseded
        self._latest: dict[str, tuple[int, str, str]] = {}  # newest keyed events
        self._feeds: list[_Feed] = []
        self.control: SessionControl | None = None
        self.meeting_id = ""
        self.ended = False

    # ----- the session's side (any thread) ------------------------------------------

    def attach(self, control: SessionControl) -> None:
        self.control = control

    def publish(self, event: Event) -> None:
        d = event_json(event)
        d["published"] = round(time.time(), 3)  # when the front end got it (latency split)
        text = json.dumps(d, ensure_ascii=False, separators=(",", ":"))
        key, stale = supersedes(d)
        with self._lock:
            self._seq += 1
            item = (self._seq, key, text)
            if stale:
                self._latest.pop(stale, None)
            if key:
                self._latest[key] = item
            else:
                self._history.append(item)
            if d["type"] == "session":
                self.meeting_id = str(d["meeting_id"])
            elif d["type"] == "end":
                self.ended = True
            feeds = list(self._feeds)
        for feed in feeds:
            try:
                feed.loop.call_soon_threadsafe(self._deliver, feed, item, stale)
            except RuntimeError:  # that page's loop is gone
                feed.closed = True

    def close(self) -> None:
        """End every feed (the server is stopping)."""
        with self._lock:
            feeds, self._feeds = self._feeds, []
        for feed in feeds:
            feed.closed = True
            with contextlib.suppress(RuntimeError):
                feed.loop.call_soon_threadsafe(feed.wake.set)

    @staticmethod
    def _deliver(feed: _Feed, item: tuple[int, str, str], stale: str) -> None:
        """On the page's loop: queue ``item``, dropping the unsent event it makes stale."""
        if stale:
            feed.items = [i for i in feed.items if i[1] != stale]
        feed.items.append(item)
        feed.wake.set()

    # ----- a page's side (the server's event loop) ----------------------------------

    def snapshot(self, after: int = 0) -> list[tuple[int, str, str]]:
        """The meeting so far: every kept event after ``after``, in order."""
        with self._lock:
            return self._snapshot_locked(after)

    def _snapshot_locked(self, after: int) -> list[tuple[int, str, str]]:
        items = [i for i in self._history if i[0] > after]
        items += [i for i in self._latest.values() if i[0] > after]
        items.sort()
        return items

    async def subscribe(
        self, after: int = 0, idle: float = 15.0
    ) -> AsyncIterator[list[tuple[int, str]]]:
        """Batches of (seq, json): first the meeting so far after ``after``, then new ones;
        an empty batch after ``idle`` seconds without any (time for a keep-alive)."""
        feed = _Feed(asyncio.get_running_loop())
        with self._lock:
            self._feeds.append(feed)
            first = self._snapshot_locked(after)
        try:
            if first:
                yield [(s, t) for s, _, t in first]
            last = first[-1][0] if first else after
            while not feed.closed:
                try:
                    await asyncio.wait_for(feed.wake.wait(), idle)
                except TimeoutError:
                    yield []
                    continue
                feed.wake.clear()
                batch, feed.items = feed.items, []
                batch = [i for i in batch if i[0] > last]
                if batch:
                    last = batch[-1][0]
                    yield [(s, t) for s, _, t in batch]
        finally:
            with self._lock:
                if feed in self._feeds:
                    self._feeds.remove(feed)
