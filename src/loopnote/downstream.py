"""Everything after recognition, for one meeting.

``MeetingDownstream.build(...)``  does the I/O: creates (or reopens) the meeting folder and
                       checks the LLM endpoint; ``__init__`` only stores.
``MeetingDownstream``  the fast path, called only from the session's run() thread, in time
                       order: each method stores what it is given and returns the events that
                       follow. The store and name alerts (meeting_alerts.py) run here; the
                       summary, notifications, speaker labels and settling run on slow
                       workers that it never waits for; ``collect`` picks up their results.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from loopnote.alerts import DesktopNotifier, Mention, build_card
from loopnote.audio.recorder import segments
from loopnote.bleed import SpeakerBleed
from loopnote.capture.base import DeviceSwitch
from loopnote.capture.file import read_mono_16k
from loopnote.closing import write_meeting_notes
from loopnote.config import Settings
from loopnote.errors import AudioDecodeError, StoreError
from loopnote.events import (
    Event,
    StepProgress,
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
from loopnote.meeting_alerts import MeetingAlerts
from loopnote.meeting_speakers import MeetingSpeakers
from loopnote.settling import LiveSettler, Settled, recorded_16k
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
    CatchUpCard,
    FloatArray,
    PartialText,
    SessionWarning,
    Source,
    SummaryNode,
    Utterance,
)

RECENT_SECONDS = 600.0  # utterances kept in memory for catch-up cards
SUMMARY_FINISH_SECONDS = 150.0  # the last summaries may wait for one LLM timeout, not forever
HURRIED_SUMMARY_SECONDS = 2.0  # ... and 2 s once the user asked to skip the passes at the end
TICK = 0.1  # how often the passes at the end report their progress (s)
PERCENT = 100  # the speakers' last look reports its progress in percent
LATE_ITEMS = 4096  # slow results waiting for the fast path (it collects every 0.1 s)

log = logging.getLogger(__name__)

Late = SummaryNode | SessionWarning | SpeakerNews | Settled


class LookSkipped(Exception):
    """The user asked to skip the speakers' last look (``MeetingDownstream.hurry``)."""


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
        replayed: Path | None = None,
    ) -> None:
        self.settings = settings
        self._replayed = replayed  # the file the system audio is replayed from, if any
        self.settler = settler  # the settled transcript (its own slow worker)
        self._summarizer = summarizer  # closed at the end (a local model's server)
        self.folder = folder
        self._startup_warnings = startup_warnings
        self.bleed = bleed
        self._partial: dict[Source, str] = {}
        self._recent: list[Utterance] = []
        self._nodes: dict[str, SummaryNode] = {}
        self._resumed = resumed
        self._late: deque[Late] = deque(maxlen=LATE_ITEMS)  # append/popleft are thread-safe
        if settler is not None:
            settler.deliver = self._late.append
        self._summary_state = summary
        self.summary = LiveSummary(summary, self._summaries_ready, self._slow_failed)
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
        # name alerts (none without the user's name); cards use what the meeting heard
        self.alerts = (
            MeetingAlerts(
                settings,
                folder,
                self._card,
                notifier=notifier,
                late=self._late.append,
                failed=self._slow_failed,
            )
            if settings.name
            else None
        )
        self._started = False
        self._speakers_closed = False
        self._hurry = threading.Event()  # the user asked to skip the slow passes at the end

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
        replayed: Path | None = None,
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
            replayed=replayed,
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

    def audio_tap(self) -> Callable[[Source, FloatArray, float], None] | None:
        """What recognition hears, for the slow workers that need audio (the settling pass:
        every source; live speaker labels: the system source); None when none does."""
        settle = self.settler.tap.write if self.settler is not None else None
        speakers = self.speakers.worker.audio if self.speakers.worker is not None else None
        if settle is None and speakers is None:
            return None

        def tap(source: Source, mono: FloatArray, start: float) -> None:
            if settle is not None:
                settle(source, mono, start)
            if speakers is not None and source == "system":
                speakers(mono, start)

        return tap

    def started(self, wall: float) -> list[Event]:
        if not self._resumed:
            self.folder.update(started_wall=wall)
        self.summary.start()
        if self.settler is not None:
            self.settler.start()
        if self.speakers.worker is not None:
            self.speakers.worker.start()
        self._started = True
        out: list[Event] = []
        if self.alerts is not None:
            out += [self._warning(w, wall) for w in self.alerts.start()]
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
        if self.alerts is not None:
            out += self.alerts.committed(u, wall)
        self.summary.add(u)
        if self.settler is not None:
            self.settler.add(u)
        return out

    def partial(self, p: PartialText, wall: float) -> list[Event]:
        self._partial[p.source] = p.text
        return [] if self.alerts is None else self.alerts.partial(p, wall)

    def tick(self, t: float, wall: float, horizons: Mapping[Source, float]) -> list[Event]:
        """The session's deadline: release held mic lines, move the summary's clock, and
        pick up what the slow workers produced. ``horizons``: per source, live recognition
        will commit no word starting before it (read before the lines committed ahead of it
        were handed here)."""
        held = self.bleed.advance(t, horizons.get("system")) if self.bleed is not None else []
        out: list[Event] = [ev for r in held for ev in self._commit(r, wall)]
        if self.bleed is not None and (w := self.bleed.detected_warning(t)) is not None:
            out.append(self._warning(w, wall))
        self.summary.tick(t)
        if self.settler is not None:
            self.settler.tick(horizons)
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
    def hurry(self) -> None:
        """Skip the slow passes at the meeting's end (any thread): settling stops after the
        stretch it is decoding, the speakers' last look after the step it is taking, the
        wait for the last summaries within 2 s; each says so in a warning, and the notes
        are written by the rules, not by the LLM."""
        self._hurry.set()

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
                if self._hurry.is_set():
                    settler.skip_rest()
                yield from self.collect(wall())
            yield from self.collect(wall())

    def review_speakers(self, wall: Callable[[], float]) -> Iterator[Event]:
        """The speakers' last look (after ``settle_rest``, before ``finish``): the labeller
        ends and its live labels are told, then the whole recording is diarized on a
        thread, its progress told as it goes (``progress`` events), and the labels it
        gives follow. A failure leaves the live labels."""
        if not self._started or self._speakers_closed:
            return
        late = self._close_speakers()
        yield from self.collect(wall())  # the live labels first: the last look starts from them
        if late is not None or self.speakers.worker is None:  # (a labeller still at work,
            return  # or none, keeps its labels)
        shares: list[float] = []  # as the diarization tells them (none: it never began)
        found: list[Event] = []
        failed: list[Exception] = []

        def progress(share: float) -> None:  # the diarization's; where it can stop
            if self._hurry.is_set():
                raise LookSkipped
            shares.append(share)

        def look() -> None:
            try:
                if self._hurry.is_set():
                    raise LookSkipped
                found.extend(self.speakers.last_look(self._system_audio(), wall(), progress))
            except LookSkipped as e:
                log.info("the last look at the speakers was skipped")
                failed.append(e)
            except Exception as e:  # the meeting's notes must still be written
                log.exception("the last look at the speakers failed")
                failed.append(e)

        job = threading.Thread(target=look, name="speakers-last-look", daemon=True)
        job.start()
        told = -1  # the last percentage told
        while job.is_alive():
            job.join(TICK)
            done = min(PERCENT, int(shares[-1] * PERCENT)) if shares else told
            if done != told and job.is_alive():
                told = done
                yield StepProgress("speakers", done, PERCENT, wall())
        if failed:
            yield self._warning(self._look_missed(failed[0]), wall())
            return
        if shares:  # the bar ends full before the labels it found
            yield StepProgress("speakers", PERCENT, PERCENT, wall())
        yield from found

    def finish(
        self,
        end_t: float,
        wall: float,
        *,
        interrupted: bool = False,
        summary_timeout: float = SUMMARY_FINISH_SECONDS,
    ) -> list[Event]:
        held = self.bleed.flush() if self.bleed is not None else []
        out: list[Event] = [ev for r in held for ev in self._commit(r, wall)]
        if self._started and not self._close_summary(summary_timeout):
            waited = (
                "were not waited for (skipped)"
                if self._hurry.is_set()
                else f"did not finish within {summary_timeout:.0f} s"
            )
            self._late.append(
                SessionWarning(
                    "summary-late", f"the summaries {waited}; the notes use what was ready"
                )
            )
        if self.alerts is not None:
            self.alerts.close()
        if self._started and not self._speakers_closed:  # (no last look was asked for)
            self._close_speakers()
        out += self.collect(wall)
        self.folder.finish(wall, end_t, "interrupted" if interrupted else "complete")
        try:
            writer = None if self._hurry.is_set() else self._summarizer  # the rules are quick
            _, problems = write_meeting_notes(
                self.folder, list(self._nodes.values()), self.settings, writer
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

    # -- helpers --------------------------------------------------------------------------
    def _close_summary(self, timeout: float) -> bool:
        """Let the summaries finish, for up to ``timeout`` s; once the user hurries, for up
        to ``HURRIED_SUMMARY_SECONDS`` more (the extractive summary ends in that time)."""
        deadline = time.monotonic() + timeout
        done = self.summary.close(0.0)
        while not done and (left := deadline - time.monotonic()) > 0:
            if self._hurry.is_set():
                deadline = min(deadline, time.monotonic() + HURRIED_SUMMARY_SECONDS)
            done = self.summary.wait(min(TICK, left))
        return done

    def _close_speakers(self) -> SessionWarning | None:
        """End the labeller (once); its warning, if it did not end in time, is told."""
        self._speakers_closed = True
        late = self.speakers.close()
        if late is not None:
            self._late.append(late)
        return late

    def _look_missed(self, e: Exception) -> SessionWarning:
        """Why the live labels stay: the last look was skipped, or failed."""
        if not isinstance(e, LookSkipped):
            return SessionWarning("speakers-failed", f"the live speaker labels stay: {e}")
        later = (
            f" ('loopnote speakers {self.folder.id} --again' takes it from the saved audio)"
            if segments(self.folder.path, "system")
            else ""
        )
        return SessionWarning(
            "speakers-skipped", f"the live speaker labels stay: the last look was skipped{later}"
        )

    def _system_audio(self) -> FloatArray | None:
        """The whole meeting's system audio (16 kHz mono): as recorded in the folder, else
        the file it was replayed from; None when neither holds it."""
        audio = recorded_16k(self.folder.path, "system")
        if audio is None and self._replayed is not None:
            try:
                audio = read_mono_16k(self._replayed)
            except AudioDecodeError as e:  # the replay itself said so
                log.warning("the last look at the speakers cannot read %s: %s", self._replayed, e)
        return audio

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
