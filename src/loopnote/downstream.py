"""Everything after recognition, for one meeting: the folder on disk, the rolling summary,
the name spotter and catch-up card, the notes at the end, and the search index.

``MeetingDownstream``  called only from the session's run() thread, in time order: each
                       method stores what it is given and returns the events that follow
                       from it (summary updates, alerts, warnings).
"""

from __future__ import annotations

import threading
from pathlib import Path

from loopnote.alerts import (
    DesktopNotifier,
    Mention,
    NameSpotter,
    SpotterOptions,
    alert_message,
    build_card,
    name_warnings,
    ring_bell,
    to_alert,
)
from loopnote.asr.dedup import CrossSourceDedup
from loopnote.capture.base import DeviceSwitch
from loopnote.config import Settings
from loopnote.errors import StoreError
from loopnote.events import AlertRaised, Event, SummaryUpdated, UtteranceCommitted, WarningRaised
from loopnote.store import Consent, Library, MeetingFolder, MeetingMeta, index_meeting_safely
from loopnote.summarize import (
    ExtractiveSummarizer,
    Notes,
    RollingSummary,
    SummaryOptions,
    build_notes,
    latest_text,
    make_summarizer,
    render_notes_markdown,
)
from loopnote.types import Alert, PartialText, SessionWarning, Source, SummaryNode, Utterance

RECENT_SECONDS = 600.0  # utterances kept in memory for catch-up cards


class MeetingDownstream:
    def __init__(
        self,
        settings: Settings,
        sources: tuple[Source, ...],
        *,
        title: str,
        model: str,
        consent_text: str,
        origin: str,
        wall: float,
        folder: MeetingFolder | None = None,
    ) -> None:
        self.settings = settings
        meta = MeetingMeta(
            id="",
            started_wall=wall,
            sources=sources,
            title=title,
            model=model,
            consent=Consent(bool(consent_text), consent_text),
            extra={"origin": origin, "language": settings.language},
        )
        self.folder = folder or MeetingFolder.create(settings.meetings_root(), meta)
        summarizer, warnings = make_summarizer(settings)
        self._startup_warnings = warnings
        # with an LLM, open nodes are drafted extractively; the LLM writes closed ones
        draft = ExtractiveSummarizer() if settings.llm else None
        self.summary = RollingSummary(SummaryOptions(), summarizer, draft=draft)
        self._spotter_options = SpotterOptions(name=settings.name, aliases=settings.aliases)
        self.spotter = NameSpotter(self._spotter_options) if settings.name else None
        self.notifier = DesktopNotifier() if settings.name and settings.notify else None
        self._partial: dict[Source, str] = {}
        # speaker bleed, second line of defence: mic lines that repeat the system source
        self.dedup = (
            CrossSourceDedup()
            if {"mic", "system"} <= set(sources) and not settings.headphones
            else None
        )
        self._recent: list[Utterance] = []
        self._nodes: dict[str, SummaryNode] = {}
        self._resumed = folder is not None
        if folder is not None:
            self._replay_stored()

    def _replay_stored(self) -> None:
        """A resumed meeting (``recover``): rebuild the summary from what is on disk."""
        for node in self.folder.load_summaries():
            self._nodes[node.node_id] = node
        for u in self.folder.load_utterances():
            self._recent.append(u)
            for n in self.summary.tick(u.end) + self.summary.add(u):
                self._nodes[n.node_id] = n
        self.summary.drain_warnings()

    @property
    def path(self) -> Path:
        return self.folder.path

    @property
    def meeting_id(self) -> str:
        return self.folder.id

    def started(self, wall: float) -> list[Event]:
        if not self._resumed:
            self.folder.update(started_wall=wall)
        out: list[Event] = []
        if self.spotter is not None:
            for line in name_warnings(self._spotter_options):
                out.append(self._warning(SessionWarning("name-warning", line), wall))
        for w in self._startup_warnings:
            out.append(self._warning(w, wall))
        return out

    # -- per item -------------------------------------------------------------------------
    def utterance(self, u: Utterance, wall: float) -> list[Event]:
        """``UtteranceCommitted`` for each utterance released (mic ones may be held a few
        seconds to compare them with the system source), then what follows from them."""
        released = self.dedup.offer(u) if self.dedup is not None else [u]
        return [ev for r in released for ev in self._commit(r, wall)]

    def _commit(self, u: Utterance, wall: float) -> list[Event]:
        self.folder.append_utterance(u)  # on disk before anyone is told
        self._recent.append(u)
        while self._recent and self._recent[0].end < u.end - RECENT_SECONDS:
            self._recent.pop(0)
        out: list[Event] = [UtteranceCommitted(u, wall)]
        out += [self._summary(n, wall) for n in self.summary.add(u)]
        if self.spotter is not None:
            out += [self._alert(m, wall) for m in self.spotter.on_utterance(u)]
        out += self._summary_warnings(wall)
        return out

    def partial(self, p: PartialText, wall: float) -> list[Event]:
        self._partial[p.source] = p.text
        if self.spotter is None:
            return []
        return [self._alert(m, wall) for m in self.spotter.on_partial(p)]

    def tick(self, t: float, wall: float, *, system_settled: float | None = None) -> list[Event]:
        """``system_settled``: the system source will commit nothing ending before it."""
        held = self.dedup.advance(t, system_settled) if self.dedup is not None else []
        out: list[Event] = [ev for r in held for ev in self._commit(r, wall)]
        out += [self._summary(n, wall) for n in self.summary.tick(t)]
        return out + self._summary_warnings(wall)

    def warning(self, w: SessionWarning, wall: float) -> list[Event]:
        if w.code == "language-detected" and w.source is not None:  # --language auto
            self.folder.set_language(w.source, str(w.extra.get("language", "")))
        return [self._warning(w, wall)]

    def device_switch(self, d: DeviceSwitch) -> None:
        self.folder.append_source_change(d.source, d.device, d.t)

    def bookmark(self, t: float, note: str) -> None:
        self.folder.append_bookmark(t, note)

    def state(self, paused: bool, t: float) -> None:
        self.folder.append_event("paused" if paused else "resumed", t=t)

    # -- the end --------------------------------------------------------------------------
    def finish(self, end_t: float, wall: float, *, interrupted: bool = False) -> list[Event]:
        held = self.dedup.flush() if self.dedup is not None else []
        out: list[Event] = [ev for r in held for ev in self._commit(r, wall)]
        out += [self._summary(n, wall) for n in self.summary.finish()]
        out += self._summary_warnings(wall)
        utterances = self.folder.load_utterances()
        notes: Notes = build_notes(
            utterances,
            list(self._nodes.values()),
            user_names=self._user_names(),
            title=self.folder.meta.title,
        )
        if not self.folder.meta.title and notes.title:
            self.folder.set_title(notes.title)
        self.folder.finish(wall, end_t, "interrupted" if interrupted else "complete")
        self.folder.write_notes(render_notes_markdown(notes, title=False))
        self.folder.close()
        if (w := index_meeting_safely(self.folder.path, self.settings)) is not None:
            out.append(WarningRaised(SessionWarning("index-failed", w), wall))
        try:
            Library(self.settings.meetings_root()).apply_retention(self.settings.keep_audio, wall)
        except StoreError as e:
            out.append(WarningRaised(SessionWarning("retention-failed", str(e)), wall))
        return out

    # -- helpers --------------------------------------------------------------------------
    def _user_names(self) -> tuple[str, ...]:
        return tuple(n for n in (self.settings.name, *self.settings.aliases) if n)

    def _summary(self, node: SummaryNode, wall: float) -> SummaryUpdated:
        self._nodes[node.node_id] = node
        self.folder.append_summary(node)
        return SummaryUpdated(node, wall)

    def _summary_warnings(self, wall: float) -> list[Event]:
        return [self._warning(w, wall) for w in self.summary.drain_warnings()]

    def _warning(self, w: SessionWarning, wall: float) -> WarningRaised:
        self.folder.append_warning(w)
        return WarningRaised(w, wall)

    def _alert(self, mention: Mention, wall: float) -> AlertRaised:
        card = build_card(
            mention,
            self._recent,
            partial=self._partial.get("system", ""),
            section_summary=self._latest("section"),
            meeting_summary=self._latest("meeting"),
        )
        alert = to_alert(mention, card)
        self.folder.append_alert(alert)
        ring_bell()
        if self.notifier is not None:
            _notify_in_background(self.notifier, alert)
        return AlertRaised(alert, wall)

    def _latest(self, level: str) -> str:
        return latest_text(self._nodes.values(), level)


def _notify_in_background(notifier: DesktopNotifier, alert: Alert) -> None:
    """A notification can take a moment over D-Bus: never hold the meeting for it."""
    title, body = alert_message(alert)
    threading.Thread(target=notifier.send, args=(title, body), name="notify", daemon=True).start()
