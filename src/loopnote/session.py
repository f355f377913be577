"""The session: wires capture → audio → recognition → summaries/alerts → store, and publishes
events to front ends.

``SessionOptions``  what one meeting needs (settings, title, whether to keep its audio)
``Session``         owns the threads and queues of one meeting; ``run()`` blocks until the
                    inputs end or ``stop()`` is called and returns the meeting folder; also
                    ``pause()``, ``resume()``, ``bookmark()`` (the ``SessionControl`` the live
                    view drives)
``SessionControl``  the protocol front ends use to steer a running meeting

Threads: each capture backend calls ``emit`` from its own thread; that only enqueues. One
worker per source converts to 16 kHz mono, meters, records and recognizes; the thread that
called ``run()`` owns everything downstream (store, summary, alerts, events), so those need
no locks and events reach subscribers in order.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from loopnote.asr import Engine, RecognizerOptions, load_engine
from loopnote.audio.echo import BleedCanceller
from loopnote.capture.base import AudioInput, DeviceSwitch
from loopnote.clock import Clock, SystemClock
from loopnote.config import Settings
from loopnote.downstream import MeetingDownstream
from loopnote.events import (
    BookmarkAdded,
    Event,
    LevelChanged,
    PartialUpdated,
    SessionControl,
    SessionEnded,
    SessionStarted,
    SourceChanged,
    StateChanged,
)
from loopnote.pipeline import AudioWriter, SourceEnded, SourceWorker, WorkerOutput
from loopnote.store import MeetingFolder
from loopnote.types import PartialText, SessionWarning, Source, Utterance

BACKLOG_WARN_SECONDS = 10.0  # recognition this far behind live audio is worth a warning


@dataclass(frozen=True)
class SessionOptions:
    settings: Settings = field(default_factory=Settings)
    title: str = ""
    keep_audio: bool = True  # write each source's audio into the meeting folder
    consent_text: str = ""  # the reminder that was shown before capture started
    origin: str = "live"  # "live" | "file" (what the meeting was made from)


def recognizer_options(settings: Settings, source: Source = "system") -> RecognizerOptions:
    """Recognition biased toward the user's names and the meeting's vocabulary; the other
    side (``system``) is also listened to for the user's names (``RecognizerOptions.names``)."""
    names = tuple(t for t in (settings.name, *settings.aliases) if t.strip())
    terms = tuple(t for t in (*names, *settings.vocab) if t.strip())
    return RecognizerOptions(
        model=settings.model,
        language=settings.language,
        prompt_terms=terms,
        names=names if source == "system" else (),
    )


Control = BookmarkAdded | StateChanged


class Session:
    """One meeting from start to end."""

    def __init__(
        self,
        inputs: Sequence[AudioInput],
        options: SessionOptions,
        on_event: Callable[[Event], None],
        *,
        engine: Engine | None = None,
        clock: Clock | None = None,
        recorder_factory: Callable[[Path, Source], AudioWriter] | None = None,
        folder: MeetingFolder | None = None,
        first_index: Mapping[Source, int] | None = None,
    ) -> None:
        if not inputs:
            raise ValueError("a session needs at least one input")
        self._inputs = list(inputs)
        self._options = options
        self._publish = on_event
        self._clock = clock or SystemClock()
        settings = options.settings
        self._engine = engine or load_engine(settings.model)
        self._down = MeetingDownstream(
            settings,
            tuple(i.source for i in self._inputs),
            title=options.title,
            model=self._engine.name,
            consent_text=options.consent_text,
            origin=options.origin,
            wall=self._clock.wall(),
            folder=folder,
        )
        self._out: queue.Queue[WorkerOutput | Control] = queue.Queue()
        self._stop = threading.Event()
        self._paused = threading.Event()
        live = options.origin == "live"
        # no headphones: the mic hears the speakers; one canceller joins the two workers
        both = {"mic", "system"} <= {i.source for i in self._inputs}
        self._bleed = BleedCanceller() if live and both and not settings.headphones else None
        self._bleed_warned = False
        self._workers: dict[Source, SourceWorker] = {}
        for inp in self._inputs:
            recorder = (
                recorder_factory(self._down.path, inp.source)
                if recorder_factory is not None and options.keep_audio
                else None
            )
            opts = replace(
                recognizer_options(settings, inp.source),
                first_index=(first_index or {}).get(inp.source, 1),
            )
            self._workers[inp.source] = SourceWorker(
                inp.source,
                self._engine,
                opts,
                self._out.put,
                self._paused.is_set,
                self._clock,
                recorder,
                live=live,
                bleed=self._bleed,
            )
        self._mono0 = self._clock.monotonic()
        self._cut_short = False

    # -- control (any thread) -------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    @property
    def folder(self) -> Path:
        return self._down.path

    @property
    def meeting_id(self) -> str:
        return self._down.meeting_id

    def now(self) -> float:
        """Session time of the live edge (seconds since capture started)."""
        return max(0.0, self._clock.monotonic() - self._mono0)

    def pause(self) -> None:
        if not self._paused.is_set():
            self._paused.set()
            self._out.put(StateChanged(True, self.now(), self._clock.wall()))

    def resume(self) -> None:
        if self._paused.is_set():
            self._paused.clear()
            self._out.put(StateChanged(False, self.now(), self._clock.wall()))

    def bookmark(self, note: str = "") -> None:
        self._out.put(BookmarkAdded(self.now(), note, self._clock.wall()))

    def stop(self, *, interrupted: bool = False) -> None:
        """End the meeting; ``interrupted`` marks it cut short (e.g. a replay stopped early)."""
        self._cut_short = self._cut_short or interrupted
        self._stop.set()

    # -- the meeting ------------------------------------------------------------------------
    def run(self) -> Path:
        """Capture and process until the inputs end or ``stop()``; returns the folder.

        Ctrl-C ends the meeting the same way (everything so far is kept), then re-raises.
        """
        for worker in self._workers.values():
            worker.start()
        wall0 = self._clock.wall()
        self._mono0 = self._clock.monotonic()
        self._emit(
            SessionStarted(
                self.meeting_id,
                wall0,
                tuple(self._workers),
                str(self.folder),
                self._engine.name,
                self._options.consent_text,
            )
        )
        for ev in self._down.started(wall0):
            self._emit(ev)
        interrupted = False
        try:
            for inp in self._inputs:
                inp.start(self._workers[inp.source].put)
            self._loop()
        except KeyboardInterrupt:
            interrupted = True
        finally:
            self._finish(interrupted or self._cut_short)
        if interrupted:
            raise KeyboardInterrupt
        return self.folder

    def _loop(self) -> None:
        live = set(self._workers)
        while live and not self._stop.is_set():
            try:
                item = self._out.get(timeout=0.1)
            except queue.Empty:
                self._tick()
                continue
            if isinstance(item, SourceEnded):
                live.discard(item.source)
            else:
                self._handle(item)

    def _finish(self, interrupted: bool) -> None:
        for inp in self._inputs:
            try:
                inp.stop()
            except Exception as e:  # a failing device must not lose the meeting
                self._handle(
                    SessionWarning("stop-failed", f"stopping {inp.source} failed: {e}", inp.source)
                )
        pending = {s for s, w in self._workers.items() if w.alive}
        for worker in self._workers.values():
            worker.request_finish()
        while pending:
            try:
                item = self._out.get(timeout=0.5)
            except queue.Empty:
                pending = {s for s in pending if self._workers[s].alive}
                continue
            if isinstance(item, SourceEnded):
                pending.discard(item.source)
            else:
                self._handle(item)
        while not self._out.empty():
            item = self._out.get_nowait()
            if not isinstance(item, SourceEnded):
                self._handle(item)
        end_t = max((w.session_time for w in self._workers.values()), default=0.0)
        wall = self._clock.wall()
        for ev in self._down.finish(end_t, wall, interrupted=interrupted):
            self._emit(ev)
        self._emit(SessionEnded(self._clock.wall(), end_t, str(self.folder)))

    # -- downstream (the run() thread only) -------------------------------------------------
    def _tick(self) -> None:
        t = min((w.session_time for w in self._workers.values()), default=0.0)
        wall = self._clock.wall()
        system = self._workers.get("system")
        settled = (
            None if system is None else (system.settled_time if system.alive else float("inf"))
        )  # ended: nothing more
        for ev in self._down.tick(t, wall, system_settled=settled):
            self._emit(ev)
        if self._bleed is not None and not self._bleed_warned:
            status = self._bleed.status()
            if status.detected:
                self._bleed_warned = True
                self._handle(
                    SessionWarning(
                        "bleed-detected",
                        "the microphone hears the speakers: their voices are "
                        "removed from your lines (headphones avoid this; --headphones turns it "
                        "off)",
                        "mic",
                        t,
                        extra={"bleed": status.to_dict()},
                    )
                )
        for source, worker in self._workers.items():
            if not worker.live:
                continue
            backlog = worker.backlog()
            if backlog > BACKLOG_WARN_SECONDS:
                if worker.warn_backlog_once():
                    self._handle(
                        SessionWarning(
                            "recognition-behind",
                            f"recognition of {source} is {backlog:.0f} s behind",
                            source,
                            worker.session_time,
                        )
                    )
            elif backlog < 1.0:
                worker.backlog_recovered()

    def _handle(self, item: WorkerOutput | Control) -> None:
        wall = self._clock.wall()
        if isinstance(item, Utterance):
            # UtteranceCommitted comes from downstream: stored first, bleed dropped there
            for ev in self._down.utterance(item, wall):
                self._emit(ev)
        elif isinstance(item, PartialText):
            self._emit(PartialUpdated(item, wall))
            for ev in self._down.partial(item, wall):
                self._emit(ev)
        elif isinstance(item, SessionWarning):
            for ev in self._down.warning(item, wall):
                self._emit(ev)
        elif isinstance(item, DeviceSwitch):
            self._down.device_switch(item)
            self._emit(SourceChanged(item.source, item.device, item.t, wall))
        elif isinstance(item, BookmarkAdded):
            self._down.bookmark(item.t, item.note)
            self._emit(item)
        elif isinstance(item, StateChanged):
            self._down.state(item.paused, item.t)
            self._emit(item)
        elif isinstance(item, LevelChanged):
            self._emit(item)

    def _emit(self, event: Event) -> None:
        self._publish(event)


__all__ = ["Session", "SessionControl", "SessionOptions", "recognizer_options"]
