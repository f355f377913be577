"""One source's path from captured chunks to recognized text, on its own thread.

``SourceWorker``  takes ``CaptureItem``s from a capture thread (``put`` only enqueues), and
                  in its thread: records the audio, converts it to 16 kHz mono, meters it,
                  and feeds the streaming recognizer. Given a ``BleedCanceller``, the system
                  worker feeds it the reference (from a ``ReferenceFeeder`` thread) and the
                  mic worker removes the speakers' sound before recognition. Everything it
                  produces (partials, utterances, levels, warnings, device switches, and
                  ``SourceEnded`` last) goes to the session's output queue in order.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from loopnote.asr import Engine, RecognizerOptions, StreamingRecognizer
from loopnote.audio.echo import BleedCanceller
from loopnote.audio.meter import dbfs
from loopnote.audio.reference import ReferenceFeeder
from loopnote.audio.resample import TARGET_RATE, ToMono16k
from loopnote.capture.base import CaptureItem, DeviceSwitch, EndOfStream
from loopnote.clock import Clock
from loopnote.events import LevelChanged
from loopnote.types import AudioChunk, FloatArray, PartialText, SessionWarning, Source, Utterance

LEVEL_EVERY = 0.25  # seconds of audio between level events
SILENT_DBFS = -70.0


@dataclass(frozen=True)
class SourceEnded:
    source: Source


WorkerOutput = PartialText | Utterance | SessionWarning | DeviceSwitch | LevelChanged | SourceEnded


class AudioWriter(Protocol):
    """What the worker needs of a recorder (audio/recorder.py provides it)."""

    def write(self, chunk: AudioChunk) -> SessionWarning | None: ...

    def close(self) -> SessionWarning | None: ...


class SourceWorker:
    def __init__(
        self,
        source: Source,
        engine: Engine,
        options: RecognizerOptions,
        output: Callable[[WorkerOutput], None],
        is_paused: Callable[[], bool],
        clock: Clock,
        recorder: AudioWriter | None = None,
        live: bool = True,
        bleed: BleedCanceller | None = None,
    ) -> None:
        self.source: Source = source
        self.live = live
        self._recognizer = StreamingRecognizer(engine, source, options)
        self._output = output
        self._is_paused = is_paused
        self._clock = clock
        self._recorder = recorder
        # speaker bleed: the system side feeds the reference, the mic side is cleaned
        self._bleed = bleed if source == "mic" else None
        self._feeder = ReferenceFeeder(bleed) if bleed is not None and source == "system" else None
        self._convert = ToMono16k()
        self._queue: queue.Queue[CaptureItem | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=f"worker-{source}", daemon=True)
        self._level_buf: list[FloatArray] = []
        self._level_frames = 0
        self._warned_backlog = False
        self.session_time = 0.0  # session time of the audio processed so far
        self.captured_time = 0.0  # session time of the audio received so far
        self.settled_time = 0.0  # the recognizer will commit nothing ending before this

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    def start(self) -> None:
        if self._feeder is not None:
            self._feeder.start()
        self._thread.start()

    def put(self, item: CaptureItem) -> None:
        """Called from the capture thread: enqueue only."""
        if isinstance(item, AudioChunk):
            self.captured_time = max(self.captured_time, item.end)
            if self._feeder is not None:
                self._feeder.put(item)
        self._queue.put(item)

    def request_finish(self) -> None:
        """Process what is queued, flush the recognizer, then end (``SourceEnded`` last)."""
        if self._feeder is not None:
            self._feeder.finish()
        self._queue.put(None)

    def backlog(self) -> float:
        return self.captured_time - self.session_time

    def warn_backlog_once(self) -> bool:
        """True the first time the backlog crosses the warning line (and after it recovered)."""
        if self._warned_backlog:
            return False
        self._warned_backlog = True
        return True

    def backlog_recovered(self) -> None:
        self._warned_backlog = False

    def _run(self) -> None:
        try:
            while True:
                item = self._queue.get()
                if item is None or isinstance(item, EndOfStream):
                    break
                if isinstance(item, AudioChunk):
                    self._audio(item)
                else:
                    self._output(item)
            self._flush()
        except Exception as e:  # keep the meeting: report and end this source cleanly
            self._output(
                SessionWarning(
                    "source-failed",
                    f"{self.source} processing failed: {e}",
                    self.source,
                    self.session_time,
                )
            )
        finally:
            self._close_recorder()
            self._output(SourceEnded(self.source))

    def _record(self, chunk: AudioChunk) -> None:
        if self._recorder is None:
            return
        try:
            warning = self._recorder.write(chunk)
        except Exception as e:  # audio storage failing must not stop the transcript
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
            warning = SessionWarning(
                "audio-failed",
                f"{self.source} audio could not be closed: {e}",
                self.source,
                self.session_time,
            )
        self._recorder = None
        if warning is not None:
            self._output(warning)

    def _audio(self, chunk: AudioChunk) -> None:
        if self._is_paused():
            chunk = AudioChunk(
                chunk.source, np.zeros_like(chunk.samples), chunk.sample_rate, chunk.start, gap=True
            )
        self._record(chunk)
        mono, start = self._convert.convert(chunk)
        if self._bleed is not None:  # the recorder above keeps the raw mic audio
            mono, start = self._unbleed(mono, start)
        self._meter(mono, start)
        for out in self._recognizer.feed(mono, start):
            self._output(out)
        self.session_time = max(self.session_time, chunk.end)
        pending = self._recognizer.settled
        open_from = self.session_time - self._recognizer.buffered
        self.settled_time = min(open_from, pending[0].start) if pending else open_from

    def _unbleed(self, mono: FloatArray, start: float) -> tuple[FloatArray, float]:
        """Speaker bleed removed; the output lags by the canceller's latency."""
        assert self._bleed is not None
        try:
            return self._bleed.process(mono, start), start - self._bleed.latency
        except Exception as e:  # bleed removal failing must not stop the transcript
            self._output(
                SessionWarning(
                    "bleed-failed", f"speaker-bleed removal stopped: {e}", self.source, start
                )
            )
            self._bleed = None
            return mono, start

    def _flush(self) -> None:
        mono, start = self._convert.flush()
        if self._bleed is not None:
            mono, start = self._unbleed(mono, start)
            if self._bleed is not None:
                mono = np.concatenate([mono, self._bleed.drain()])
        outputs = list(self._recognizer.feed(mono, start)) if mono.size else []
        outputs += self._recognizer.finish()
        for out in outputs:
            self._output(out)

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
        self._output(LevelChanged(self.source, t, level, health, self._clock.wall()))
