"""The sample clock of one live source: lays captured blocks on the session timeline.

``TimelineOptions``  rate, channels and the gap/trim tolerances (documented defaults)
``Timeline``         pure core (no I/O, no threads, no wall clock of its own): the caller passes
                     ``now`` = seconds since the source started.
                     ``data(samples, now, first)`` -> chunks for one captured block;
                     ``tick(now, live)`` -> gap chunks when nothing arrives.
``TimelineStats``    frames captured, filled and trimmed, for health checks and benchmarks.

Rules. Chunk start times come from the count of frames emitted so far, never from arrival
times, so a chunk's ``start`` is exactly the previous chunk's ``end``. Elapsed time is the
reference the count is held to:

* when no data has arrived for a while (``fill_live`` seconds on a running stream,
  ``fill_idle`` while there is no stream: switching devices, server down) the missing time is
  filled with ``gap=True`` silence. A running stream that stalls is usually only late (its
  data waits in the pipe and the server's buffer, and arrives in a burst), so it gets a long
  grace before its time is given up as silence;
* the first block of a new stream ends "now", so the time between the last emitted frame and
  the block's start is filled as a gap (this is the gap of a device switch);
* a block that would put the timeline more than ``max_ahead`` seconds ahead of elapsed time
  overlaps time already filled as gap: its oldest frames are trimmed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loopnote.types import AudioChunk, FloatArray, Source


@dataclass(frozen=True)
class TimelineOptions:
    rate: int = 48000  # frames per second of every chunk
    channels: int = 2  # channels of every chunk (gap silence uses the same shape)
    fill_live: float = 3.0  # a running stream silent this long: fill the missing time
    fill_idle: float = 0.1  # no stream at all (switch, server down): fill this often
    max_ahead: float = 0.05  # trim a block that would run this far ahead of elapsed time


@dataclass
class TimelineStats:
    captured: int = 0  # frames of real audio emitted
    filled: int = 0  # frames of gap silence emitted
    trimmed: int = 0  # captured frames dropped because their time was already filled
    aligned: int = 0  # frames of a new stream's first block that overlapped filled time
    live_filled: int = 0  # frames filled while a stream that had delivered data stalled


class Timeline:
    def __init__(self, source: Source, options: TimelineOptions | None = None) -> None:
        self.source = source
        self.options = options or TimelineOptions()
        self.pos = 0  # frames emitted so far
        self.stats = TimelineStats()

    @property
    def t(self) -> float:
        """Session time of the next frame."""
        return self.pos / self.options.rate

    def _expected(self, now: float) -> int:
        return round(now * self.options.rate)

    def _gap(self, frames: int) -> AudioChunk:
        o = self.options
        chunk = AudioChunk(
            self.source,
            np.zeros((frames, o.channels), np.float32),
            o.rate,
            self.pos / o.rate,
            gap=True,
        )
        self.pos += frames
        self.stats.filled += frames
        return chunk

    def data(self, samples: FloatArray, now: float, first: bool) -> list[AudioChunk]:
        """Chunks for a block of ``samples`` that arrived at ``now``; ``first`` marks the first
        block of a newly opened stream."""
        o = self.options
        out: list[AudioChunk] = []
        n = int(samples.shape[0])
        if n == 0:
            return out
        expected = self._expected(now)
        begin = expected - n  # where the block starts if it ended just now
        late_by = begin - self.pos
        if late_by > 0 and (first or late_by > o.fill_live * o.rate):
            out.append(self._gap(late_by))
        ahead = self.pos + n - expected
        if (first and ahead > 0) or ahead > o.max_ahead * o.rate:
            drop = min(n, ahead)
            samples = samples[drop:]
            n -= drop
            if first:
                self.stats.aligned += drop
            else:
                self.stats.trimmed += drop
        if n:
            out.append(AudioChunk(self.source, samples, o.rate, self.pos / o.rate))
            self.pos += n
            self.stats.captured += n
        return out

    def tick(self, now: float, live: bool, delivering: bool = False) -> list[AudioChunk]:
        """Gap chunks for time nothing arrived in. ``live``: a stream is open; ``delivering``:
        it has delivered data already (a stall then counts as lost frames)."""
        o = self.options
        lag = self._expected(now) - self.pos
        limit = o.fill_live if live else o.fill_idle
        if lag <= limit * o.rate:
            return []
        if live and delivering:
            self.stats.live_filled += lag
        return [self._gap(lag)]

    def finish(self, now: float) -> list[AudioChunk]:
        """Fill up to ``now`` so the source ends at the elapsed time."""
        lag = self._expected(now) - self.pos
        return [self._gap(lag)] if lag > 0 else []
