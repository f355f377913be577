"""Pure timing core of the macOS backend: IO proc buffers -> timed ``AudioChunk``s.

``CoreAudioOptions`` the backend's options, with documented defaults.
``SampleClock``    lays buffers on the session timeline by counting frames (start of a chunk =
                   end of the one before, so nothing drifts). Two kinds of holes become
                   ``gap=True`` silence:
                   * a jump in the device sample time inside one stream (the HAL skipped
                     cycles, or buffers were dropped because the consumer fell behind);
                   * the time before the first buffer of a stream (capture start, a device
                     switch, a recovery): that buffer is taken to end when it arrived.
                   A stream's rate may differ from the last one (a new output device): the
                   clock rebases, chunks carry their own rate.
``ZeroRun``        counts exact-zero audio until the first sound; a denied "System Audio
                   Recording" permission makes a tap deliver nothing but zeros (there is no
                   API that says so).
No I/O, no threads, no wall clock: arrival times are passed in (seconds since start).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from loopnote.types import AudioChunk, FloatArray, Source


@dataclass(frozen=True)
class CoreAudioOptions:
    max_gap_piece: float = 1.0  # gap silence is emitted in pieces at most this long (s)
    min_start_gap: float = 0.02  # a first buffer later than this (s) gets a gap before it
    zero_alarm: float = 8.0  # only zeros this long (s) from the start while apps play: warn
    queue_buffers: int = 512  # IO proc buffers held for the consumer (~5 s at 512 frames);
    # beyond that they are dropped and the hole becomes a gap


class SampleClock:
    def __init__(self, source: Source, options: CoreAudioOptions | None = None) -> None:
        self.source = source
        self.options = options or CoreAudioOptions()
        self._base = 0.0  # session time where the current rate began
        self._frames = 0  # frames at the current rate since _base
        self._rate = 0
        self._expect = math.nan  # device sample time of the next frame in this stream
        self._new_stream = True
        self.captured = 0  # frames of real audio emitted
        self.filled = 0  # frames of gap silence emitted

    @property
    def end(self) -> float:
        """Session time just after the last emitted frame."""
        return self._base + (self._frames / self._rate if self._rate else 0.0)

    def new_stream(self) -> None:
        """The next buffer comes from a new stream: align it by its arrival time."""
        self._new_stream = True
        self._expect = math.nan

    def push(
        self, samples: FloatArray, rate: int, sample_time: float, arrival: float
    ) -> list[AudioChunk]:
        """Chunks for one buffer: perhaps a gap, then the samples.

        ``sample_time`` is the device sample time of the first frame (nan if unknown);
        ``arrival`` is the session time the buffer reached loopnote.
        """
        n = int(samples.shape[0])
        if rate != self._rate:
            self._base, self._frames, self._rate = self.end, 0, rate
        out: list[AudioChunk] = []
        gap = 0
        if self._new_stream:
            late = (arrival - n / rate) - self.end
            if late >= self.options.min_start_gap:
                gap = round(late * rate)
        elif math.isfinite(sample_time) and math.isfinite(self._expect):
            jump = sample_time - self._expect
            if jump >= 1.0:
                gap = round(jump)
        if gap > 0:
            out.extend(self._gap(gap, int(samples.shape[1])))
        self._new_stream = False
        self._expect = sample_time + n if math.isfinite(sample_time) else math.nan
        if n:
            out.append(AudioChunk(self.source, samples, rate, self.end))
            self._frames += n
            self.captured += n
        return out

    def _gap(self, frames: int, channels: int) -> list[AudioChunk]:
        piece = max(1, int(self.options.max_gap_piece * self._rate))
        out = []
        while frames > 0:
            k = min(piece, frames)
            silence = np.zeros((k, channels), dtype=np.float32)
            out.append(AudioChunk(self.source, silence, self._rate, self.end, gap=True))
            self._frames += k
            self.filled += k
            frames -= k
        return out


class ZeroRun:
    """Seconds of exact-zero audio since the stream began; ``observe`` says when another alarm
    is due. A denied tap never delivers a single non-zero sample, so once one arrives the
    permission is evidently granted and the alarm is off for good (digital silence from an
    idle call later on is not a permission problem)."""

    def __init__(self, alarm: float) -> None:
        self.alarm = alarm
        self.seconds = 0.0
        self.heard = False
        self._next = alarm

    def observe(self, samples: FloatArray, rate: int) -> bool:
        if self.heard:
            return False
        if samples.size and np.any(samples):
            self.heard = True
            return False
        self.seconds += samples.shape[0] / rate
        if self.seconds >= self._next - 1e-9:  # float sums of buffer lengths fall short
            self._next += self.alarm
            return True
        return False
