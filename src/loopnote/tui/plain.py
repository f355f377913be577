"""Plain line output for when the view is not a terminal, or ``--plain`` was asked for.

``PlainPrinter``  ``handle(event)`` writes one line per committed utterance, alerts and
                  warnings on their own lines, and a line when the meeting starts, pauses,
                  resumes, is bookmarked, changes device and ends. Partial text, levels and
                  summaries are not printed. Each line is flushed at once (pipes see it live).
"""

from __future__ import annotations

import threading
from typing import TextIO

from loopnote.events import (
    AlertCardCompleted,
    AlertRaised,
    BookmarkAdded,
    Event,
    SessionEnded,
    SessionStarted,
    SourceChanged,
    StateChanged,
    UtteranceCommitted,
    WarningRaised,
)
from loopnote.tui.format import SOURCE_LABELS, hms, who


class PlainPrinter:
    """Writes session events to ``stream`` as lines a person can read; thread-safe."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        self.handle(event)

    def handle(self, event: Event) -> None:
        line = self.format(event)
        if line is None:
            return
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()

    @staticmethod
    def format(event: Event) -> str | None:
        """The line for ``event``, or None when it is not printed."""
        if isinstance(event, UtteranceCommitted):
            u = event.utterance
            return f"[{hms(u.start)}] {who(u)}: {' '.join(u.text.split())}"
        if isinstance(event, AlertRaised):
            a = event.alert
            asked = a.card.addressed.strip() if a.card and a.card.addressed.strip() else ""
            tail = f" They asked: {' '.join(asked.split())}" if asked else ""
            return f"[{hms(a.t)}] !! {a.term} was mentioned: “{a.heard}”.{tail}"
        if isinstance(event, AlertCardCompleted):  # the question, now that it is whole
            a = event.alert
            asked = a.card.addressed.strip() if a.card else ""
            return f"[{hms(a.t)}] !! They asked: {' '.join(asked.split())}" if asked else None
        if isinstance(event, WarningRaised):
            w = event.warning
            at = f"[{hms(w.t)}] " if w.t is not None else ""
            return f"{at}warning: {w.message}"
        if isinstance(event, SessionStarted):
            model = f" with {event.model}" if event.model else ""
            where = f" in {event.folder}" if event.folder else ""
            head = f"Recording meeting {event.meeting_id}{model}{where}."
            return head + (f"\nConsent: {event.consent}" if event.consent else "")
        if isinstance(event, StateChanged):
            return f"[{hms(event.t)}] {'paused' if event.paused else 'resumed'}"
        if isinstance(event, BookmarkAdded):
            return f"[{hms(event.t)}] bookmark" + (f": {event.note}" if event.note else "")
        if isinstance(event, SourceChanged):
            return f"[{hms(event.t)}] {SOURCE_LABELS[event.source]} now from {event.device}"
        if isinstance(event, SessionEnded):
            return f"Meeting ended after {hms(event.duration)}."  # the CLI names the folder
        return None
