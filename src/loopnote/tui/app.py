"""The live view of a meeting, fed only by session events.

``SessionControl``  what the view needs from a running session (pause, resume, bookmark, stop)
``LiveOptions``     what the view shows besides events, with documented defaults
``LiveView``        the Textual app; ``post_event`` may be called from any thread
(``tui.run.run_live`` runs a session in a worker thread behind it; what search looks
through is kept by ``tui.search_lines``; the keys and what they do, by ``tui.keys``.)

Events are handed over through ``handoff.EventQueue`` and applied in batches on the UI thread:
a batch keeps only the newest level and partial text per source, so a burst costs one screen
update.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Footer

from loopnote.clock import Clock, SystemClock
from loopnote.events import (
    AlertCardCompleted,
    AlertRaised,
    BookmarkAdded,
    Event,
    LevelChanged,
    PartialUpdated,
    SessionControl,
    SessionEnded,
    SessionStarted,
    SourceChanged,
    SpeakerNamed,
    StateChanged,
    StepProgress,
    SummaryUpdated,
    TranscriptSettled,
    UtteranceCommitted,
    UtteranceRelabelled,
    UtteranceSplit,
    WarningRaised,
)
from loopnote.store.speakers import default_label
from loopnote.tui.card import CardPanel
from loopnote.tui.format import SOURCE_LABELS, hms, named_text
from loopnote.tui.handoff import EventQueue, Stamped
from loopnote.tui.keys import KeyActions
from loopnote.tui.screens import ConfirmScreen, HelpScreen, SearchScreen
from loopnote.tui.search_lines import SearchLines
from loopnote.tui.transcript import TranscriptView
from loopnote.tui.widgets import StatusHeader, StatusLine, SummaryPane
from loopnote.types import Alert, SummaryLevel

ASKER_SLACK = 0.5  # s: a name heard in partial text may end just past its line's last word

SessionFn = Callable[[Callable[[Event], None]], None]
"""Runs a whole session, calling the given function with each event; returns when it ends."""


@dataclass(frozen=True)
class LiveOptions:
    model: str = ""  # model named in the header; the session's own name wins
    consent: str = ""  # consent reminder; the session's own reminder wins
    max_items: int = 20_000  # transcript entries kept on screen (search sees them all)
    close_when_done: bool = False  # close as soon as the session ends by itself
    title: str = "loopnote"


class EventsPending(Message):
    """Events are waiting in the hand-off queue."""


class SessionDone(Message):
    """The session thread returned (or raised)."""


MAX_PENDING = 5_000  # queued events before superseded levels and partials are dropped


class LiveView(KeyActions):
    """What a person watches during a meeting; see the module docstring."""

    ENABLE_COMMAND_PALETTE = False
    CSS = """
    Screen { layers: base overlay; }
    #body { height: 1fr; }
    #transcript { width: 2fr; border: round $primary-darken-2; border-title-color: $text; }
    #summaries { width: 1fr; min-width: 30; }
    #moment { height: 1fr; }
    #section { height: 1.3fr; }
    #meeting { height: 1.7fr; }
    """

    def __init__(
        self,
        control: SessionControl,
        options: LiveOptions | None = None,
        *,
        session: SessionFn | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__()
        self.control = control
        self.options = options or LiveOptions()
        self.title = self.options.title
        self.clock: Clock = clock or SystemClock()
        self._session = session
        self.session_thread: threading.Thread | None = None
        self.session_error: BaseException | None = None
        self.queue = EventQueue(MAX_PENDING)
        self._started_wall: float | None = None
        self.ended = False
        self.stop_requested = False
        self.last_alert: Alert | None = None
        self.search_lines = SearchLines()
        self.speaker_of: dict[str, str] = {}  # utterance id -> speaker id (system lines)
        self.spans: dict[str, tuple[float, float]] = {}  # utterance id -> start, end (system)
        self.labels: dict[str, str] = {}  # speaker id -> its name, once named

    # -- layout -------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield StatusHeader(self.options.model, self.options.consent, id="header")
        with Horizontal(id="body"):
            yield TranscriptView(self.options.max_items, id="transcript")
            with Vertical(id="summaries"):
                yield SummaryPane("moment", id="moment")
                yield SummaryPane("section", id="section")
                yield SummaryPane("meeting", id="meeting")
        yield StatusLine(id="status")
        yield Footer()
        yield CardPanel(id="card")

    def on_mount(self) -> None:
        self.header = self.query_one(StatusHeader)
        self.transcript = self.query_one(TranscriptView)
        self.transcript.border_title = "Transcript"
        self.status = self.query_one(StatusLine)
        self.card = self.query_one(CardPanel)
        self.panes: dict[SummaryLevel, SummaryPane] = {p.level: p for p in self.query(SummaryPane)}
        self.transcript.focus()
        self.set_interval(0.5, self._tick)  # the header redraws only when the second changes
        self.queue.open()
        self.on_events_pending()
        if self._session is not None:
            self.session_thread = threading.Thread(
                target=self._run_session, daemon=True, name="loopnote-session"
            )
            self.session_thread.start()

    # -- the hand-off from session threads ----------------------------------------------------

    def post_event(self, event: Event) -> None:
        """Queue an event for the screen; safe to call from any thread, never blocks long.

        Events are shown in batches; see ``loopnote.tui.handoff`` for what is dropped when the
        screen falls behind by ``MAX_PENDING`` events (only superseded levels and partials).
        """
        if self.queue.put(event):
            self.post_message(EventsPending())

    def on_events_pending(self) -> None:
        events, batch = self.queue.take()
        for event in events:
            self.apply(event)
        if batch:
            self._after_batch(batch)

    def _after_batch(self, batch: list[Stamped]) -> None:
        """Called after a batch is shown, with each event's ``perf_counter`` time of posting."""

    def _run_session(self) -> None:
        assert self._session is not None
        try:
            self._session(self.post_event)
        except BaseException as e:  # handed to run_live, which re-raises it
            self.session_error = e
        finally:
            self.post_message(SessionDone())

    def on_session_done(self) -> None:
        if self.session_error is not None:
            self.exit(1)
        elif self.stop_requested or self.options.close_when_done:
            self.exit(0)
        elif not self.ended:
            self._mark_ended("")

    # -- events -------------------------------------------------------------------------------

    def apply(self, event: Event) -> None:
        """Show one event (UI thread only)."""
        if isinstance(event, PartialUpdated):
            self.transcript.set_partial(event.partial.source, event.partial.text)
        elif isinstance(event, UtteranceCommitted):
            u = event.utterance
            if u.source == "system" and event.speaker_name:
                u = replace(u, speaker=event.speaker_name)
            if u.source == "system":
                self.spans[u.id] = (u.start, u.end)
                if event.speaker:
                    self.speaker_of[u.id] = event.speaker
            self.transcript.add_utterance(u)
            self.search_lines.add(u)
        elif isinstance(event, UtteranceRelabelled):
            self.speaker_of[event.utterance_id] = event.speaker
            label = event.speaker_name or default_label(event.speaker)
            self._relabel(event.utterance_id, label)
        elif isinstance(event, UtteranceSplit):
            self._split(event)
        elif isinstance(event, TranscriptSettled):
            for u, replaces in zip(event.utterances, event.replaces, strict=True):
                self.transcript.settle(u, replaces)
                self.search_lines.settle(u, replaces)
            if event.total:  # the pass at the meeting's end: the notes wait for it
                self.status.say(f"Settling the transcript: {event.done}/{event.total}")
        elif isinstance(event, StepProgress):  # the notes wait for it too
            self.status.say(f"{event.label}: {event.done}/{event.total}")
        elif isinstance(event, SpeakerNamed):
            label = event.name or default_label(event.speaker)
            self.labels[event.speaker] = label
            for uid, sid in self.speaker_of.items():
                if sid == event.speaker:
                    self._relabel(uid, label)
            if event.name:
                self.status.say(named_text(event))
        elif isinstance(event, LevelChanged):
            self.header.set_level(event.source, event.dbfs, event.health)
        elif isinstance(event, SummaryUpdated):
            pane = self.panes.get(event.node.level)
            if pane is not None:
                pane.show(event.node)
        elif isinstance(event, AlertRaised):
            self._alert(event.alert)
        elif isinstance(event, AlertCardCompleted):
            self._card_completed(event.alert)
        elif isinstance(event, WarningRaised):
            w = event.warning
            self.status.say(f"⚠ {w.message}", "yellow")
            self.transcript.add_note(
                w.t if w.t is not None else self._now(), "⚠", w.message, "yellow"
            )
        elif isinstance(event, SourceChanged):
            text = f"{SOURCE_LABELS[event.source]} now from {event.device}"
            self.transcript.add_note(event.t, "⇄", text, "dim")
            self.status.say(text)
        elif isinstance(event, BookmarkAdded):
            note = f"Bookmark: {event.note}" if event.note else "Bookmark"
            self.transcript.add_note(event.t, "★", note, "bold green")
            self.status.say(f"★ Marked {hms(event.t)}", "green")
        elif isinstance(event, StateChanged):
            if not self.ended and not self.stop_requested:
                self.header.set_state("paused" if event.paused else "recording")
            self.status.say(f"{'Paused' if event.paused else 'Resumed'} at {hms(event.t)}")
        elif isinstance(event, SessionStarted):
            self._started_wall = event.wall
            self.header.set_info(event.model, event.consent, event.sources)
            self.header.set_state("recording")
            self.header.set_elapsed(self.clock.wall() - event.wall)
            where = f" in {event.folder}" if event.folder else ""
            self.status.say(f"Recording meeting {event.meeting_id}{where}")
        elif isinstance(event, SessionEnded):
            self.header.set_elapsed(event.duration)
            self._mark_ended(event.folder)
            if self.stop_requested or self.options.close_when_done:
                self.exit(0)

    @property
    def utterance_ids(self) -> list[str]:
        """The meeting's lines as search finds them (also those scrolled off the screen)."""
        return self.search_lines.ids

    @property
    def utterance_lines(self) -> list[str]:
        return self.search_lines.lines

    def _relabel(self, utterance_id: str, label: str) -> None:
        self.transcript.relabel(utterance_id, label)
        self.search_lines.relabel(utterance_id, label)
        self._asker(utterance_id, label)

    def _now(self) -> float:
        return 0.0 if self._started_wall is None else self.clock.wall() - self._started_wall

    def _tick(self) -> None:
        if self._started_wall is not None and not self.ended:
            self.header.set_elapsed(self._now())

    def _mark_ended(self, folder: str) -> None:
        self.ended = True
        self.header.set_state("ended")
        self.refresh_bindings()
        where = f" Saved in {folder}." if folder else ""
        self.status.say(f"The meeting has ended.{where} Press q to close.", "bold")

    def _split(self, event: UtteranceSplit) -> None:
        """The voice changed inside a line: its parts, one speaker each, take its place."""
        parts = [
            replace(p, speaker=name) if name else p
            for p, name in zip(event.parts, event.names, strict=True)
        ]
        self.transcript.split(event.utterance_id, parts)
        for p, sid in zip(parts, event.speakers, strict=True):
            self.spans[p.id] = (p.start, p.end)
            if sid:
                self.speaker_of[p.id] = sid
        self.search_lines.split(event.utterance_id, parts)

    def _asker(self, utterance_id: str, label: str) -> None:
        """The shown card says who asked once the line that named the user is labelled."""
        alert = self.last_alert
        start, end = self.spans.get(utterance_id, (0.0, -1.0))
        if alert is not None and start <= alert.t <= end + ASKER_SLACK:
            self.card.set_asker(alert, label)

    def _card_completed(self, alert: Alert) -> None:
        """The card of the last alert is now complete: shown again if it is on screen."""
        if self.last_alert is None or self.last_alert.t != alert.t:
            return
        self.last_alert = alert
        if self.card.shown:
            self.card.show(alert)

    def _alert(self, alert: Alert) -> None:
        self.last_alert = alert
        self.transcript.add_note(
            alert.t,
            "◆ name",
            f"{alert.term} heard: “{alert.heard}” (a shows the catch-up card)",
            "bold red",
        )
        self.bell()
        top = self.screen
        if isinstance(top, ConfirmScreen):  # the card goes in front of everything
            top.dismiss(False)
        elif isinstance(top, SearchScreen | HelpScreen):
            top.dismiss(None)
        self.card.show(alert)
