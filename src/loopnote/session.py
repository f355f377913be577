"""The session: wires capture → audio → recognition → store/alerts (fast) and summaries/
notifications (slow), and publishes events to front ends.

``Session.build``   does the I/O (model load, meeting folder, LLM check, recorders) and
                    returns a ``Session``, whose ``__init__`` only stores
``Session``         ``run(on_event)`` blocks until the inputs end or ``stop()`` is called and
                    returns the meeting folder; also ``pause()``, ``resume()``, ``bookmark()``
                    (the ``SessionControl`` front ends drive, from any thread)
``SessionControl``  the protocol front ends use to steer a running meeting

Threads: each capture backend calls ``emit`` from its own thread; that only enqueues. Each
source has an audio thread (record, 16 kHz, bleed removal, levels) and a recognition thread
(pipeline.py). The thread that called ``run()`` is the fast path: store, name spotting,
alerts and events, so those need no locks and events reach subscribers in order. Periodic
work (releasing held mic lines, moving the summary's clock, picking up slow results) runs
every ``TICK_SECONDS`` on a deadline, however busy the queue. Summaries and notifications
run on slow workers (slowpath.py) that the fast path never waits for. Every queue is
bounded; backlog.py says what happens when recognition falls behind. What a meeting is
built from is session_options.py; front ends' controls pass through controls.py.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from loopnote.asr import RecognizerOptions, StreamingRecognizer, load_engine
from loopnote.asr.busy import BusyGate, GatedEngine
from loopnote.asr.engine import Engine
from loopnote.backlog import Backlog
from loopnote.bleed import SpeakerBleed
from loopnote.capture.base import AudioInput, DeviceSwitch, delivers_in_real_time
from loopnote.clock import Clock, SystemClock
from loopnote.controls import Control, ControlGate, SpeakerRename
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
from loopnote.live_speakers import SpeakerLabelling
from loopnote.meeting_log import open_meeting_log
from loopnote.pipeline import AudioWriter, Recognizer, SourceEnded, SourceWorker, WorkerOutput
from loopnote.session_options import (
    RecognizerFactory,
    SessionOptions,
    live_labeller,
    recognizer_options,
    settler_for,
)
from loopnote.settling import LiveSettler
from loopnote.store import MeetingFolder
from loopnote.summarize import Summarizer
from loopnote.types import PartialText, SessionWarning, Source, Utterance

TICK_SECONDS = 0.1  # deadline of the periodic work
OUT_ITEMS = 2000  # worker results waiting for the fast path

log = logging.getLogger(__name__)


def _streaming(engine: Engine, settler: LiveSettler | None) -> RecognizerFactory:
    """Streaming recognizers on ``engine``; with a settler, its decoding holds the settling
    pass (it decodes in the gaps between live passes)."""
    live: Engine = engine
    if settler is not None:
        live = GatedEngine(engine, BusyGate(settler.hold, settler.release))

    def make(source: Source, opts: RecognizerOptions) -> Recognizer:
        return StreamingRecognizer(live, source, opts)

    return make


class Session:
    """One meeting from start to end."""

    def __init__(
        self,
        inputs: Sequence[AudioInput],
        options: SessionOptions,
        downstream: MeetingDownstream,
        recognizers: Mapping[Source, Recognizer],
        *,
        model: str = "",
        clock: Clock | None = None,
        recorders: Mapping[Source, AudioWriter] | None = None,
        bleed: SpeakerBleed | None = None,
    ) -> None:
        if not inputs:
            raise ValueError("a session needs at least one input")
        self._inputs = list(inputs)
        self._options = options
        self._down = downstream
        self._model = model
        self._clock = clock or SystemClock()
        self._bleed = bleed
        self._publish: Callable[[Event], None] = lambda event: None  # until run()
        self._out: queue.Queue[WorkerOutput | Control] = queue.Queue(maxsize=OUT_ITEMS)
        self._stop = threading.Event()
        self._paused = threading.Event()
        self._controls = ControlGate(self._out)
        self._workers: dict[Source, SourceWorker] = {}
        for inp in self._inputs:
            self._workers[inp.source] = SourceWorker(
                inp.source,
                recognizers[inp.source],
                self._out.put,
                self._paused.is_set,
                self._clock,
                Backlog(paced=delivers_in_real_time(inp), pace=options.pace),
                (recorders or {}).get(inp.source),
                bleed=bleed,
                levels=self._level,
                tap=downstream.audio_tap(),
            )
        if downstream.settler is not None:  # settling waits while live recognition is behind
            downstream.settler.behind = self._most_behind
        self._mono0 = self._clock.monotonic()
        self._cut_short = False

    @classmethod
    def build(
        cls,
        inputs: Sequence[AudioInput],
        options: SessionOptions,
        *,
        engine: Engine | None = None,
        clock: Clock | None = None,
        recorder_factory: Callable[[Path, Source], AudioWriter] | None = None,
        folder: MeetingFolder | None = None,
        first_index: Mapping[Source, int] | None = None,
        recognizer_factory: RecognizerFactory | None = None,
        summarizer: Summarizer | None = None,
        speakers: SpeakerLabelling | None = None,
        settle_engine: Engine | None = None,
    ) -> Session:
        """Load the models, create (or take) the meeting folder, check the summarizer, open
        the recorders. ``recognizer_factory`` replaces the recognizer (tests script it);
        ``summarizer`` the one the settings call for (it runs off the fast path);
        ``speakers`` labels the system source's speakers (by default ``live_labeller``; a
        scripted recognition has none unless given); ``settle_engine`` the settling pass's
        engine (by default the model again, in a child process at a lower priority; none
        with a scripted recognizer, and none at all with ``settle = false``)."""
        if not inputs:
            raise ValueError("a session needs at least one input")
        clock = clock or SystemClock()
        settings = options.settings
        sources = tuple(i.source for i in inputs)
        if speakers is None and recognizer_factory is None and "system" in sources:
            speakers = live_labeller(settings)
        scripted = recognizer_factory is not None
        if recognizer_factory is None:
            loaded = engine or load_engine(settings.model)
            model = loaded.name
        else:
            model = engine.name if engine is not None else "scripted"
        settler = settler_for(options, sources, settle_engine, scripted=scripted)
        if recognizer_factory is None:
            recognizer_factory = _streaming(loaded, settler)
        bleed = SpeakerBleed.for_meeting(
            sources, headphones=settings.headphones, live=options.origin == "live"
        )
        down = MeetingDownstream.build(
            settings,
            sources,
            title=options.title,
            model=model,
            consent_text=options.consent_text,
            origin=options.origin,
            wall=clock.wall(),
            folder=folder,
            bleed=bleed,
            summarizer=summarizer,
            speakers=speakers,
            settler=settler,
            replayed=options.replayed,
        )
        recognizers = {
            s: recognizer_factory(
                s,
                replace(recognizer_options(settings, s), first_index=(first_index or {}).get(s, 1)),
            )
            for s in sources
        }
        recorders = (
            {s: recorder_factory(down.path, s) for s in sources}
            if recorder_factory is not None and options.keep_audio
            else {}
        )
        return cls(
            inputs,
            options,
            down,
            recognizers,
            model=model,
            clock=clock,
            recorders=recorders,
            bleed=bleed,
        )

    # -- control (any thread) -------------------------------------------------------------
    @property
    def paused(self) -> bool:
        return self._paused.is_set()

    @property
    def stopping(self) -> bool:
        """Whether the meeting has been asked to end (it may still be finishing)."""
        return self._stop.is_set()

    @property
    def folder(self) -> Path:
        return self._down.path

    @property
    def meeting_id(self) -> str:
        return self._down.meeting_id

    def now(self) -> float:
        """Session time of the live edge (seconds since capture started)."""
        return max(0.0, self._clock.monotonic() - self._mono0)

    def _most_behind(self) -> float:
        """How far live recognition is behind a live edge (an input not paced in real time
        has none to keep up with)."""
        paced = [w.backlog_seconds() for w in self._workers.values() if w.backlog.paced]
        return max(paced, default=0.0)

    def _horizons(self) -> dict[Source, float]:
        """Per source: live recognition will commit no word starting before this (an ended
        source: nothing more)."""
        return {s: w.settled_time if w.alive else float("inf") for s, w in self._workers.items()}

    def backlog(self, source: Source) -> float:
        """Seconds the live transcript of ``source`` is behind its captured audio."""
        return self._workers[source].backlog_seconds()

    def pause(self) -> None:
        if not self._paused.is_set():
            self._controls.send(
                lambda: StateChanged(True, self.now(), self._clock.wall()), self._paused.set
            )

    def resume(self) -> None:
        if self._paused.is_set():
            self._controls.send(
                lambda: StateChanged(False, self.now(), self._clock.wall()), self._paused.clear
            )

    def bookmark(self, note: str = "") -> None:
        self._controls.send(lambda: BookmarkAdded(self.now(), note, self._clock.wall()))

    def rename_speaker(self, ref: str, name: str) -> None:
        """Name a speaker ("Speaker 2", its id or its current name); a name that does not
        fit comes back as a ``rename-failed`` warning."""
        self._controls.send(lambda: SpeakerRename(ref, name))

    def stop(self, *, interrupted: bool = False) -> None:
        """End the meeting; ``interrupted`` marks it cut short (e.g. a replay stopped early)."""
        self._cut_short = self._cut_short or interrupted
        self._stop.set()

    def hurry(self) -> None:
        """Skip the slow passes at the meeting's end (settling, the speakers' last look, the
        wait for the last summaries): the meeting is saved with its notes as they stand."""
        self._down.hurry()

    # -- the meeting ------------------------------------------------------------------------
    def run(self, on_event: Callable[[Event], None] | None = None) -> Path:
        """Capture and process until the inputs end or ``stop()``; returns the folder.
        ``on_event`` receives every event, in order, on this thread.

        Ctrl-C ends the meeting the same way (everything so far is kept), then re-raises.
        """
        if on_event is not None:
            self._publish = on_event
        handler = open_meeting_log(self.folder)
        try:
            return self._run()
        finally:
            logging.getLogger("loopnote").removeHandler(handler)
            handler.close()

    def _run(self) -> Path:
        if self._bleed is not None:
            self._bleed.start()
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
                self._model,
                self._options.consent_text,
            )
        )
        for ev in self._down.started(wall0):
            self._emit(ev)
        interrupted = False
        try:
            for inp in self._inputs:
                inp.start(self._workers[inp.source].put)
            self._loop(lambda: not self._stop.is_set())
        except KeyboardInterrupt:
            interrupted = True
        finally:
            self._finish(interrupted or self._cut_short)
        if interrupted:
            raise KeyboardInterrupt
        return self.folder

    def _loop(self, go_on: Callable[[], bool], pending: set[Source] | None = None) -> None:
        """Handle worker output until every source ended (or ``go_on`` is false); the
        periodic work runs on its deadline whether or not the queue is busy."""
        live = set(self._workers) if pending is None else pending
        deadline = time.monotonic() + TICK_SECONDS
        while live and go_on():
            try:
                item = self._out.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                item = None
            if item is not None:
                self._take(item, live)
            if time.monotonic() >= deadline:
                # Read before the queue is emptied: a worker moves its horizon only after
                # queueing the lines before it, so every such line is handled first.
                horizons = self._horizons()
                for _ in range(self._out.qsize()):
                    self._take(self._out.get_nowait(), live)
                self._tick(horizons)
                deadline = time.monotonic() + TICK_SECONDS

    def _take(self, item: WorkerOutput | Control, live: set[Source]) -> None:
        if isinstance(item, SourceEnded):
            live.discard(item.source)
        else:
            self._handle(item)

    def _finish(self, interrupted: bool) -> None:
        for inp in self._inputs:
            try:
                inp.stop()
            except Exception as e:  # a failing device must not lose the meeting
                log.exception("stopping %s failed", inp.source)
                self._handle(
                    SessionWarning("stop-failed", f"stopping {inp.source} failed: {e}", inp.source)
                )
        pending = {s for s, w in self._workers.items() if w.alive}
        for worker in self._workers.values():
            worker.request_finish()
        self._loop(lambda: True, pending)
        self._controls.close()  # the run loop reads no control after this
        while not self._out.empty():
            item = self._out.get_nowait()
            if not isinstance(item, SourceEnded):
                self._handle(item)
        for ev in self._down.settle_rest(self._clock.wall):
            self._emit(ev)
        for ev in self._down.review_speakers(self._clock.wall):
            self._emit(ev)
        end_t = max((w.session_time for w in self._workers.values()), default=0.0)
        wall = self._clock.wall()
        for ev in self._down.finish(end_t, wall, interrupted=interrupted):
            self._emit(ev)
        self._emit(SessionEnded(self._clock.wall(), end_t, str(self.folder)))

    # -- the fast path (the run() thread only) -----------------------------------------------
    def _tick(self, horizons: dict[Source, float]) -> None:
        t = min((w.session_time for w in self._workers.values()), default=0.0)
        wall = self._clock.wall()
        for ev in self._down.tick(t, wall, horizons):
            self._emit(ev)

    def _level(self, level: LevelChanged) -> None:
        """From an audio thread: levels are only worth the newest; never wait for room."""
        with contextlib.suppress(queue.Full):
            self._out.put_nowait(level)

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
        elif isinstance(item, SpeakerRename):
            for ev in self._down.rename_speaker(item.ref, item.name, wall):
                self._emit(ev)

    def _emit(self, event: Event) -> None:
        self._publish(event)


__all__ = ["Session", "SessionControl", "SessionOptions", "recognizer_options"]
