"""One source's path from captured chunks to recognized text, on two threads of its own.

``SourceWorker``  ``put`` (from the capture thread) enqueues only, into a bounded inbox.
                  Its audio thread records each chunk, converts it to 16 kHz mono, removes
                  speaker bleed (mic, through ``SpeakerBleed``), meters it, hands it to its
                  ``tap`` (the live speaker labels) and pushes it onto the ``Backlog``; its
                  recognition thread feeds the recognizer from the backlog and applies the
                  backlog policy (backlog.py). Everything it produces (partials,
                  utterances, levels, warnings, device switches, and ``SourceEnded`` last)
                  goes to the session's output, in order per kind.
``Recognizer``    what the worker needs of a recognizer (asr.StreamingRecognizer is one)

Recording happens on the audio thread, before recognition: however far recognition falls
behind, the audio on disk is complete.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from loopnote.audio.meter import dbfs
from loopnote.audio.resample import TARGET_RATE, ToMono16k
from loopnote.backlog import Backlog, Block, Gap, silence
from loopnote.bleed import SpeakerBleed
from loopnote.capture.base import CaptureItem, DeviceSwitch, EndOfStream
from loopnote.clock import Clock
from loopnote.events import LevelChanged
from loopnote.types import (
    AudioChunk,
    FloatArray,
    PartialText,
    SessionWarning,
    Source,
    Utterance,
    Word,
)

LEVEL_EVERY = 0.25  # seconds of audio between level events
SILENT_DBFS = -70.0
INBOX_CHUNKS = 1000  # captured chunks waiting for the audio thread (tens of seconds)
GAP_FEED = 1.0  # a gap is fed to the recognizer as silence in blocks of this many seconds

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SourceEnded:
    source: Source


WorkerOutput = PartialText | Utterance | SessionWarning | DeviceSwitch | LevelChanged | SourceEnded


class AudioWriter(Protocol):
    """What the worker needs of a recorder (audio/recorder.py provides it)."""

    def write(self, chunk: AudioChunk) -> SessionWarning | None: ...

    def close(self) -> SessionWarning | None: ...


class Recognizer(Protocol):
    """What the worker needs of a streaming recognizer."""

    @property
    def settled(self) -> tuple[Word, ...]: ...

    @property
    def buffered(self) -> float: ...

    def feed(
        self, samples: FloatArray, start: float
    ) -> list[PartialText | Utterance | SessionWarning]: ...

    def finish(self) -> list[PartialText | Utterance | SessionWarning]: ...

    def set_catching_up(self, on: bool) -> None: ...

    def set_waiting(self, seconds: float) -> None: ...


class SourceWorker:
    def __init__(
        self,
        source: Source,
        recognizer: Recognizer,
        output: Callable[[WorkerOutput], None],
        is_paused: Callable[[], bool],
        clock: Clock,
        backlog: Backlog,
        recorder: AudioWriter | None = None,
        bleed: SpeakerBleed | None = None,
        levels: Callable[[LevelChanged], None] | None = None,
        tap: Callable[[Source, FloatArray, float], None] | None = None,
    ) -> None:
        self.source: Source = source
        self._tap = tap  # what recognition hears, also for the settling pass
        self.backlog = backlog
        self._recognizer = recognizer
        self._output = output
        self._levels = levels or output
        self._is_paused = is_paused
        self._clock = clock
        self._recorder = recorder
        self._bleed = bleed
        self._tap = tap  # gets the 16 kHz audio too (speaker labels); must not block
        self._convert = ToMono16k()
        self._inbox: queue.Queue[CaptureItem | None] = queue.Queue(maxsize=INBOX_CHUNKS)
        self._audio_thread = threading.Thread(
            target=self._audio_run, name=f"audio-{source}", daemon=True
        )
        self._asr_thread = threading.Thread(
            target=self._asr_run, name=f"recognize-{source}", daemon=True
        )
        self._level_buf: list[FloatArray] = []
        self._level_frames = 0
        self._catching_up = False
        self._catch_up_from = 0.0  # session time catch-up began
        self._told_behind = False  # the user was warned in this catch-up
        self.session_time = 0.0  # session time of the audio recognized so far
        self.captured_time = 0.0  # session time of the audio received so far
        self.settled_time = 0.0  # the recognizer will commit no word starting before this

    @property
    def alive(self) -> bool:
        return self._audio_thread.is_alive() or self._asr_thread.is_alive()

    def start(self) -> None:
        self._audio_thread.start()
        self._asr_thread.start()

    def put(self, item: CaptureItem) -> None:
        """Called from the capture thread: enqueue only (waits if the inbox is full)."""
        if isinstance(item, AudioChunk):
            self.captured_time = max(self.captured_time, item.end)
            if self._bleed is not None and self.source == "system":
                self._bleed.reference(item)
        self._inbox.put(item)

    def request_finish(self) -> None:
        """Process what is queued, flush the recognizer, then end (``SourceEnded`` last)."""
        self._inbox.put(None)

    def backlog_seconds(self) -> float:
        """How far the live transcript is behind the captured audio."""
        return max(0.0, self.captured_time - self.session_time)

    # -- the audio thread ---------------------------------------------------------------------
    def _audio_run(self) -> None:
        try:
            while True:
                item = self._inbox.get()
                if item is None or isinstance(item, EndOfStream):
                    break
                if isinstance(item, AudioChunk):
                    self._audio(item)
                else:
                    self._output(item)
            self._flush_audio()
        except Exception as e:  # keep the meeting: report and end this source cleanly
            log.exception("%s audio failed", self.source)
            self._output(
                SessionWarning(
                    "source-failed",
                    f"{self.source} processing failed: {e}",
                    self.source,
                    self.session_time,
                )
            )
        finally:
            if self._bleed is not None and self.source == "system":
                self._bleed.end_reference()
            self._close_recorder()
            self.backlog.close()

    def _audio(self, chunk: AudioChunk) -> None:
        if self._is_paused():
            chunk = AudioChunk(
                chunk.source, np.zeros_like(chunk.samples), chunk.sample_rate, chunk.start, gap=True
            )
        self._record(chunk)
        mono, start = self._convert.convert(chunk)
        mono, start = self._clean(mono, start)
        self._meter(mono, start)
        self._heard(mono, start)

    def _clean(self, mono: FloatArray, start: float) -> tuple[FloatArray, float]:
        if self._bleed is None or self.source != "mic":
            return mono, start
        mono, start = self._bleed.clean(mono, start)  # the recorder kept the raw mic audio
        if (failure := self._bleed.take_failure()) is not None:
            self._output(failure)
        return mono, start

    def _flush_audio(self) -> None:
        mono, start = self._convert.flush()
        mono, start = self._clean(mono, start)
        if self._bleed is not None and self.source == "mic":
            mono = np.concatenate([mono, self._bleed.drain()])
        self._heard(mono, start)

    def _heard(self, mono: FloatArray, start: float) -> None:
        if self._tap is not None and mono.size:
            self._tap(self.source, mono, start)
        self.backlog.push(mono, start)

    def _record(self, chunk: AudioChunk) -> None:
        if self._recorder is None:
            return
        try:
            warning = self._recorder.write(chunk)
        except Exception as e:  # audio storage failing must not stop the transcript
            log.exception("%s audio could not be written", self.source)
            warning = SessionWarning(
                "audio-failed",
                f"{self.source} audio is no longer saved: {e}",
                self.source,
                chunk.start,
            )
            self._recorder = None
        if warning is not None:
            self._output(warning)

    def _close_recorder(self) -> None:
        if self._recorder is None:
            return
        try:
            warning = self._recorder.close()
        except Exception as e:
            log.exception("%s audio could not be closed", self.source)
            warning = SessionWarning(
                "audio-failed",
                f"{self.source} audio could not be closed: {e}",
                self.source,
                self.session_time,
            )
        self._recorder = None
        if warning is not None:
            self._output(warning)

    def _meter(self, mono: FloatArray, start: float) -> None:
        self._level_buf.append(mono)
        self._level_frames += mono.shape[0]
        if self._level_frames < LEVEL_EVERY * TARGET_RATE:
            return
        block = np.concatenate(self._level_buf)
        self._level_buf, self._level_frames = [], 0
        level = dbfs(block)
        health = (
            "paused" if self._is_paused() else ("silent" if level < SILENT_DBFS else "capturing")
        )
        t = start + mono.shape[0] / TARGET_RATE
        self._levels(LevelChanged(self.source, t, level, health, self._clock.wall()))

    # -- the recognition thread ---------------------------------------------------------------
    def _asr_run(self) -> None:
        try:
            while (item := self.backlog.take()) is not None:
                if isinstance(item, Gap):
                    self._gap(item)
                else:
                    self._recognize(item)
            for out in self._recognizer.finish():
                self._output(out)
        except Exception as e:  # keep the meeting: report and end this source cleanly
            log.exception("%s recognition failed", self.source)
            self._output(
                SessionWarning(
                    "source-failed",
                    f"{self.source} recognition failed: {e}",
                    self.source,
                    self.session_time,
                )
            )
            self._drain_backlog()
        finally:
            self._output(SourceEnded(self.source))

    def _drain_backlog(self) -> None:
        """Recognition is gone; let the audio thread finish (its audio is on disk)."""
        while self.backlog.take() is not None:
            pass

    def _recognize(self, block: Block) -> None:
        self._pace()
        for out in self._recognizer.feed(block.samples, block.start):
            self._output(out)
        self.session_time = max(self.session_time, block.end)
        pending = self._recognizer.settled
        open_from = self.session_time - self._recognizer.buffered
        self.settled_time = min(open_from, pending[0].start) if pending else open_from

    def _pace(self) -> None:
        """Tell the recognizer how much live audio waits (its next pass covers it); fewer
        passes while far behind, every pass again once caught up for a while; the user hears
        of it only when it lasts (one long pass on a busy machine is not news)."""
        if not self.backlog.paced:
            # A file read as fast as it is decoded always waits: that is not falling behind.
            # Its passes keep their schedule, so its text is the real-time replay's on any
            # machine (fewer passes here gave another transcript, at a pace that varied).
            return
        behind = self.backlog.seconds
        pace = self.backlog.pace
        # Live audio that waits is covered by the next pass.
        self._recognizer.set_waiting(behind)
        if not self._catching_up and behind > pace.catch_up_at:
            self._catching_up = True
            self._catch_up_from = self.session_time
            self._recognizer.set_catching_up(True)
            log.info("%s recognition %.1f s behind: fewer passes", self.source, behind)
        elif (
            self._catching_up
            and behind < pace.caught_up_at
            and self.session_time - self._catch_up_from >= pace.settle
        ):
            self._catching_up = False
            self._recognizer.set_catching_up(False)
            log.info("%s recognition caught up", self.source)
            if self._told_behind:
                self._told_behind = False
                self._output(
                    SessionWarning(
                        "recognition-caught-up",
                        f"recognition of {self.source} caught up with the live audio",
                        self.source,
                        self.session_time,
                    )
                )
        if self._catching_up and not self._told_behind and behind > pace.warn_at:
            self._told_behind = True
            self._output(
                SessionWarning(
                    "recognition-behind",
                    f"recognition of {self.source} is {behind:.0f} s behind; "
                    "fewer passes until it catches up",
                    self.source,
                    self.session_time,
                    extra={"behind": round(behind, 1)},
                )
            )

    def _gap(self, gap: Gap) -> None:
        """The recognizer hears silence for the gap (cheap: no speech, no passes), so its
        clock stays on the audio's; the warning marks what the live transcript lacks."""
        self._output(
            SessionWarning(
                "recognition-gap",
                f"recognition of {self.source} fell {gap.end - gap.start:.0f} s behind: "
                f"{_clock(gap.start)}-{_clock(gap.end)} is not in the live transcript "
                "(the audio is saved)",
                self.source,
                gap.start,
                extra={"gap_start": round(gap.start, 3), "gap_end": round(gap.end, 3)},
            )
        )
        t = gap.start
        while t < gap.end - 1e-6:
            step = min(GAP_FEED, gap.end - t)
            self._recognize(Block(silence(step), t))
            t += step


def _clock(t: float) -> str:
    m, s = divmod(int(t), 60)
    return f"{m // 60}:{m % 60:02d}:{s:02d}" if m >= 60 else f"{m}:{s:02d}"
