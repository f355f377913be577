"""Everything after recognition, for one meeting.

``MeetingDownstream.build(...)``  does the I/O: creates (or reopens) the meeting folder and
                       checks the LLM endpoint; ``__init__`` only stores.
``MeetingDownstream``  the fast path, called only from the session's run() thread, in time
                       order: each method stores what it is given and returns the events that
                       follow (transcript lines, alerts, warnings). The store, the name
                       spotter and alerts run here. The rolling summary and desktop
                       notifications, and speaker labels (live_speakers.py), run on slow
                       workers (slowpath.py): the fast path posts to them and never waits;
                       what they produce is picked up by ``collect`` on the session's next
                       deadline (meeting_speakers.py stores the labels and names).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path

from loopnote.alerts import (
    CardFollower,
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
from loopnote.bleed import SpeakerBleed
from loopnote.capture.base import DeviceSwitch
from loopnote.closing import write_meeting_notes
from loopnote.config import Settings
from loopnote.errors import StoreError
from loopnote.events import (
    AlertCardCompleted,
    AlertRaised,
    Event,
    SummaryUpdated,
    TranscriptSettled,
    WarningRaised,
)
from loopnote.live_speakers import (
    Labelled,
    LiveSpeakers,
    Named,
    SpeakerLabelling,
    SpeakerNews,
    Split,
)
from loopnote.live_summary import LiveSummary
from loopnote.meeting_speakers import MeetingSpeakers
from loopnote.settling import LiveSettler, Settled
from loopnote.slowpath import SlowWorker
from loopnote.store import Consent, Library, MeetingFolder, MeetingMeta
from loopnote.summarize import (
    ExtractiveSummarizer,
    FallbackSummarizer,
    RollingSummary,
    Summarizer,
    SummaryOptions,
    close_summarizer,
    latest_text,
    make_summarizer,
)
from loopnote.types import (
    Alert,
    CatchUpCard,
    PartialText,
    SessionWarning,
    Source,
    SummaryNode,
    Utterance,
)

RECENT_SECONDS = 600.0  # utterances kept in memory for catch-up cards
SUMMARY_FINISH_SECONDS = 150.0  # the last summaries may wait for one LLM timeout, not forever
TICK = 0.1  # how often the settling pass at the end reports its progress (s)
LATE_ITEMS = 4096  # slow results waiting for the fast path (it collects every 0.1 s)

log = logging.getLogger(__name__)

Late = SummaryNode | SessionWarning | SpeakerNews | Settled


class MeetingDownstream:
    def __init__(
        self,
        settings: Settings,
        folder: MeetingFolder,
        summary: RollingSummary,
        *,
        startup_warnings: list[SessionWarning],
        notifier: DesktopNotifier | None = None,
        bleed: SpeakerBleed | None = None,
        resumed: bool = False,
        summarizer: Summarizer | None = None,
        speakers: SpeakerLabelling | None = None,
        settler: LiveSettler | None = None,
    ) -> None:
        self.settings = settings
        self.settler = settler  # the settled transcript (its own slow worker)
        self._summarizer = summarizer  # closed at the end (a local model's server)
        self.folder = folder
        self._startup_warnings = startup_warnings
        self._spotter_options = SpotterOptions(
            name=settings.name, aliases=settings.aliases, sounds_like=settings.sounds_like
        )
        self.spotter = NameSpotter(self._spotter_options) if settings.name else None
        self.bleed = bleed
        self._partial: dict[Source, str] = {}
        self._cards = CardFollower()  # alert cards completed as the heard text grows
        self._recent: list[Utterance] = []
        self._nodes: dict[str, SummaryNode] = {}
        self._resumed = resumed
        self._late: deque[Late] = deque(maxlen=LATE_ITEMS)  # append/popleft are thread-safe
        if settler is not None:
            settler.deliver = self._late.append
        self._summary_state = summary
        self.summary = LiveSummary(summary, self._summaries_ready, self._slow_failed)
        self._notifier = notifier
        self._notify: SlowWorker[Alert] | None = (
            SlowWorker("notify", self._send_notification, self._slow_failed)
            if notifier is not None
            else None
        )
        worker = (
            LiveSpeakers(
                speakers.labeller,
                self._late.extend,
                self._slow_failed,
                voices=speakers.voices,
                model=speakers.model,
            )
            if speakers is not None
            else None
        )
        self.speakers = MeetingSpeakers(
            folder, you=settings.name, worker=worker, model=speakers.model if speakers else ""
        )
        self._started = False
        self._notify_failing = ""  # the reason notifications last failed, "" when they work

    @classmethod
    def build(
        cls,
        settings: Settings,
        sources: tuple[Source, ...],
        *,
        title: str,
        model: str,
        consent_text: str,
        origin: str,
        wall: float,
        folder: MeetingFolder | None = None,
        bleed: SpeakerBleed | None = None,
        summarizer: Summarizer | None = None,
        speakers: SpeakerLabelling | None = None,
        settler: LiveSettler | None = None,
    ) -> MeetingDownstream:
        """Create the meeting folder (or take a reopened one) and check the summarizer
        (``summarizer`` replaces the one the settings call for; it runs on a slow worker).
        ``speakers`` labels the system source's speakers live."""
        warnings: list[SessionWarning] = []
        if summarizer is None:
            summarizer, warnings = make_summarizer(settings)
        # with an LLM, open nodes are drafted extractively; the LLM writes closed ones
        draft = ExtractiveSummarizer() if isinstance(summarizer, FallbackSummarizer) else None
        summary = RollingSummary(SummaryOptions(), summarizer, draft=draft)
        resumed = folder is not None
        if folder is None:
            meta = MeetingMeta(
                id="",
                started_wall=wall,
                sources=sources,
                title=title,
                model=model,
                consent=Consent(bool(consent_text), consent_text),
                extra={"origin": origin, "language": settings.language},
            )
            folder = MeetingFolder.create(settings.meetings_root(), meta)
        notifier = DesktopNotifier() if settings.name and settings.notify else None
        down = cls(
            settings,
            folder,
            summary,
            startup_warnings=warnings,
            notifier=notifier,
            bleed=bleed,
            resumed=resumed,
            summarizer=summarizer,
            speakers=speakers,
            settler=settler,
        )
        if down._resumed:
            down._replay_stored()
        return down

    def _replay_stored(self) -> None:
        """A resumed meeting (``recover``): rebuild the summary from what is on disk."""
        for node in self.folder.load_summaries():
            self._nodes[node.node_id] = node
        s = self._summary_state
        for u in self.folder.load_utterances(live=True):
            self._recent.append(u)
            for n in s.tick(u.end) + s.add(u):
                self._nodes[n.node_id] = n
        s.drain_warnings()

    @property
    def path(self) -> Path:
        return self.folder.path

    @property
    def meeting_id(self) -> str:
        return self.folder.id

    def started(self, wall: float) -> list[Event]:
        if not self._resumed:
            self.folder.update(started_wall=wall)
        self.summary.start()
        if self.settler is not None:
            self.settler.start()
        if self._notify is not None:
            self._notify.start()
        if self.speakers.worker is not None:
            self.speakers.worker.start()
        self._started = True
        out: list[Event] = []
        if self.spotter is not None:
            for line in name_warnings(self._spotter_options):
                out.append(self._warning(SessionWarning("name-warning", line), wall))
        for w in self._startup_warnings:
            out.append(self._warning(w, wall))
        return out

    # -- per item (fast path) -------------------------------------------------------------
    def utterance(self, u: Utterance, wall: float) -> list[Event]:
        """``UtteranceCommitted`` for each utterance released (mic ones may be held a few
        seconds to compare them with the system source), then what follows from them."""
        released = self.bleed.offer(u) if self.bleed is not None else [u]
        return [ev for r in released for ev in self._commit(r, wall)]

    def _commit(self, u: Utterance, wall: float) -> list[Event]:
        self.folder.append_utterance(u)  # on disk before anyone is told
        self._recent.append(u)
        while self._recent and self._recent[0].end < u.end - RECENT_SECONDS:
            self._recent.pop(0)
        out: list[Event] = [self.speakers.committed(u, wall)]
        if self.spotter is not None:
            out += [self._alert(m, wall) for m in self.spotter.on_utterance(u)]
            confirmed = self.spotter.take_confirmations()
            for m in confirmed:
                self._confirm(m)
            out += self._cards_completed(u.end, wall, confirmed)
        self.summary.add(u)
        if self.settler is not None:
            self.settler.add(u)
        return out

    def partial(self, p: PartialText, wall: float) -> list[Event]:
        self._partial[p.source] = p.text
        if self.spotter is None:
            return []
        out: list[Event] = [self._alert(m, wall) for m in self.spotter.on_partial(p)]
        return out + (self._cards_completed(p.t, wall) if p.source == "system" else [])

    def tick(self, t: float, wall: float, *, system_settled: float | None = None) -> list[Event]:
        """The session's deadline: release held mic lines, move the summary's clock, and
        pick up what the slow workers produced. ``system_settled``: the system source will
        commit nothing ending before it."""
        held = self.bleed.advance(t, system_settled) if self.bleed is not None else []
        out: list[Event] = [ev for r in held for ev in self._commit(r, wall)]
        if self.bleed is not None and (w := self.bleed.detected_warning(t)) is not None:
            out.append(self._warning(w, wall))
        self.summary.tick(t)
        if self.settler is not None:
            self.settler.tick()
        return out + self.collect(wall)

    def collect(self, wall: float) -> list[Event]:
        """Summaries, speaker labels and warnings the slow workers finished since the last
        call."""
        out: list[Event] = []
        while self._late:
            item = self._late.popleft()
            if isinstance(item, SummaryNode):
                out.append(self._summary(item, wall))
            elif isinstance(item, Labelled | Named | Split):
                out += self.speakers.news(item, wall)
            elif isinstance(item, Settled):
                out.append(self._settled(item, wall))
            else:
                out.append(self._warning(item, wall))
        return out

    def rename_speaker(self, ref: str, name: str, wall: float) -> list[Event]:
        return self.speakers.rename(ref, name, wall)

    def warning(self, w: SessionWarning, wall: float) -> list[Event]:
        if w.code == "language-detected" and w.source is not None:  # --language auto
            self.folder.set_language(w.source, str(w.extra.get("language", "")))
            if self.settler is not None:
                self.settler.set_language(w.source, str(w.extra.get("language", "")))
        return [self._warning(w, wall)]

    def device_switch(self, d: DeviceSwitch) -> None:
        self.folder.append_source_change(d.source, d.device, d.t)

    def bookmark(self, t: float, note: str) -> None:
        self.folder.append_bookmark(t, note)

    def state(self, paused: bool, t: float) -> None:
        self.folder.append_event("paused" if paused else "resumed", t=t)

    # -- the end --------------------------------------------------------------------------
    def settle_rest(self, wall: Callable[[], float]) -> Iterator[Event]:
        """Settle what is not settled yet (recognition has ended), each stretch announced
        as it settles (its ``done``/``total``: the progress)."""
        held = self.bleed.flush() if self.bleed is not None else []
        yield from (ev for r in held for ev in self._commit(r, wall()))
        settler, self.settler = self.settler, None  # nothing more to add
        if settler is not None:
            live, done = self.folder.load_utterances(live=True), self.folder.settled_ids()
            job = settler.finish_in_background(live, done, self.folder.path)
            while job.is_alive():
                job.join(TICK)
                yield from self.collect(wall())
            yield from self.collect(wall())

    def finish(
        self,
        end_t: float,
        wall: float,
        *,
        interrupted: bool = False,
        summary_timeout: float | None = None,
    ) -> list[Event]:
        if summary_timeout is None:
            summary_timeout = SUMMARY_FINISH_SECONDS
        held = self.bleed.flush() if self.bleed is not None else []
        out: list[Event] = [ev for r in held for ev in self._commit(r, wall)]
        if self._started and not self.summary.close(summary_timeout):
            self._late.append(
                SessionWarning(
                    "summary-late",
                    f"the summaries did not finish within {summary_timeout:.0f} s; "
                    "the notes use what was ready",
                )
            )
        if self._notify is not None and self._started:
            self._notify.close(timeout=5.0)
        if self._started and (late := self.speakers.close()) is not None:
            self._late.append(late)
        out += self.collect(wall)
        self.folder.finish(wall, end_t, "interrupted" if interrupted else "complete")
        try:
            _, problems = write_meeting_notes(
                self.folder, list(self._nodes.values()), self.settings, self._summarizer
            )
        finally:
            if self._summarizer is not None:
                close_summarizer(self._summarizer)
        out += [WarningRaised(w, wall) for w in problems]
        try:
            Library(self.settings.meetings_root()).apply_retention(self.settings.keep_audio, wall)
        except StoreError as e:
            out.append(WarningRaised(SessionWarning("retention-failed", str(e)), wall))
        return out

    # -- slow workers (their own threads) -------------------------------------------------
    def _summaries_ready(self, nodes: list[SummaryNode], warnings: list[SessionWarning]) -> None:
        self._late.extend(nodes)
        self._late.extend(warnings)

    def _slow_failed(self, name: str, e: BaseException) -> None:
        self._late.append(
            SessionWarning(f"{name}-failed", f"{name} failed: {e} (details in the meeting's log)")
        )

    def _send_notification(self, alerts: list[Alert]) -> None:
        """The newest alert of the batch (latest wins). A failure is a warning the first time
        and whenever its reason changes; every failure is in the log."""
        assert self._notifier is not None
        title, body = alert_message(alerts[-1])
        result = self._notifier.send(title, body)
        if result.ok:
            self._notify_failing = ""
            return
        log.warning("desktop notification failed: %s", result.reason)
        if result.reason != self._notify_failing:
            self._notify_failing = result.reason
            self._late.append(
                SessionWarning(
                    "notify-failed",
                    f"desktop notifications fail: {result.reason} (alerts still show here)",
                    "system",
                    alerts[-1].t,
                )
            )

    # -- helpers --------------------------------------------------------------------------
    def _settled(self, s: Settled, wall: float) -> TranscriptSettled:
        self.folder.append_settled(s.utterances, s.replaces, s.model, s.how)  # stored, then told
        shown, replaces = self.speakers.settled(s.utterances, s.replaces)
        return TranscriptSettled(
            s.source, tuple(shown), tuple(replaces), s.model, s.how, wall, s.done, s.total
        )

    def _summary(self, node: SummaryNode, wall: float) -> SummaryUpdated:
        self._nodes[node.node_id] = node
        self.folder.append_summary(node)
        return SummaryUpdated(node, wall)

    def _warning(self, w: SessionWarning, wall: float) -> WarningRaised:
        log.warning("%s: %s", w.code, w.message)
        self.folder.append_warning(w)
        return WarningRaised(w, wall)

    def _alert(self, mention: Mention, wall: float) -> AlertRaised:
        alert = to_alert(mention, self._card(mention))
        self.folder.append_alert(alert)
        self._cards.follow(alert, mention)
        ring_bell()
        if self._notify is not None:
            self._notify.post(alert, key="alert")
        return AlertRaised(alert, wall)

    def _cards_completed(
        self, t: float, wall: float, confirmed: list[Mention] | None = None
    ) -> list[Event]:
        """Cards of earlier alerts that the text heard since has completed."""
        out: list[Event] = []
        for alert in self._cards.update(t, self._card, confirmed or ()):
            if alert.card is not None:
                self.folder.append_event(
                    "alert-card", {"term": alert.term, "card": alert.card.to_dict()}, t=alert.t
                )
            out.append(AlertCardCompleted(alert, wall))
        return out

    def _confirm(self, mention: Mention) -> None:
        """An alert raised on partial text is now committed: its card is saved again, made
        from the committed utterance (the alert record keeps the first, live card)."""
        card = self._card(mention)
        self.folder.append_event(
            "alert-confirmed",
            {"term": mention.term, "utterance_id": mention.utterance_id, "card": card.to_dict()},
            t=mention.t,
        )

    def _card(self, mention: Mention) -> CatchUpCard:
        return build_card(
            mention,
            self.speakers.labelled(self._recent),
            partial=self._partial.get("system", ""),
            section_summary=self._latest("section"),
            meeting_summary=self._latest("meeting"),
        )

    def _latest(self, level: str) -> str:
        return latest_text(self._nodes.values(), level)


__all__ = ["MeetingDownstream"]
