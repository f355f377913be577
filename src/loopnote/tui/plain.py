"""Plain line output for when the view is not a terminal, or ``--plain`` was asked for.

``PlainPrinter``  ``handle(event)`` writes one line per committed utterance, alerts and
                  warnings on their own lines, and a line when the meeting starts, pauses,
                  resumes, is bookmarked, changes device and ends. Partial text, levels and
                  summaries are not printed. Each line is flushed at once (pipes see it live).

A line is never printed twice: a "them" line shows the speaker known when it commits
("Speaker 2", or the name), else "Them"; a label found a moment later is its own short line
under the time of the line it labels (``[00:01:02] ↳ Speaker 2``), and a name given to a
speaker is a line too (``Speaker 2 is Priya (from the conversation)``). The microphone's
lines stay "You", as in ``show`` and the notes.
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
    SpeakerNamed,
    StateChanged,
    UtteranceCommitted,
    UtteranceRelabelled,
    WarningRaised,
)
from loopnote.store.speakers import default_label
from loopnote.tui.format import SOURCE_LABELS, hms, named_text, who


class PlainPrinter:
    """Writes session events to ``stream`` as lines a person can read; thread-safe."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self._lock = threading.Lock()
        # each "them" line printed -> its start, speaker id and the label it was shown with
        self._them: dict[str, tuple[float, str | None, str]] = {}

    def __call__(self, event: Event) -> None:
        self.handle(event)

    def handle(self, event: Event) -> None:
        with self._lock:
            line = self.format(event)
            if line is None:
                return
            self.stream.write(line + "\n")
            self.stream.flush()

    def format(self, event: Event) -> str | None:
        """The line for ``event``, or None when it is not printed."""
        if isinstance(event, UtteranceCommitted | UtteranceRelabelled):
            return self._speaker_line(event)
        if isinstance(event, SpeakerNamed):
            return named_text(event)
        return self.event_line(event)

    def _speaker_line(self, event: UtteranceCommitted | UtteranceRelabelled) -> str | None:
        if isinstance(event, UtteranceCommitted):
            u = event.utterance
            label = who(u)  # the microphone stays "You", as in every reader
            if u.source == "system":
                if event.speaker:
                    label = event.speaker_name or default_label(event.speaker)
                self._them[u.id] = (u.start, event.speaker, label)
            return f"[{hms(u.start)}] {label}: {' '.join(u.text.split())}"
        shown = self._them.get(event.utterance_id)
        if shown is None or shown[1] == event.speaker:
            return None  # a line this printer never showed, or no change
        start, before, was = shown
        label = event.speaker_name or default_label(event.speaker)
        self._them[event.utterance_id] = (start, event.speaker, label)
        return f"[{hms(start)}] ↳ {label}" + (f" (was {was})" if before else "")

    @staticmethod
    def event_line(event: Event) -> str | None:
        """The line for an event that is not about a transcript line or a speaker."""
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
