"""Audio waiting for recognition, bounded, and what happens when recognition falls behind.

``Backlog(paced)``  16 kHz mono blocks between a source's audio thread (``push``) and its
                    recognition thread (``take``). Its length in seconds is how far the live
                    transcript is behind the audio.
``Gap``             a span whose audio was not recognized live (it is on disk)
``Pace``            the policy's thresholds

The policy (docs/architecture.md, "When recognition falls behind"): the audio is always
written to disk before it reaches the backlog, so nothing here can lose it. Past
``catch_up_at`` seconds behind, the recognizer runs fewer passes during speech (the pass that
ends each stretch is kept); past ``gap_at`` seconds, the oldest audio is given up for live
recognition: it becomes a ``Gap`` (a warning marks it; its audio is on disk) and
recognition resumes near the live edge. Memory is bounded by ``gap_at`` seconds of 16 kHz
audio. An input that is not paced in real time (a file replayed as fast as it can
be read) is never skipped: ``push`` waits instead.
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass

import numpy as np

from loopnote.audio.resample import TARGET_RATE
from loopnote.types import FloatArray


@dataclass(frozen=True)
class Pace:
    catch_up_at: float = 3.0  # seconds behind: fewer passes during speech
    caught_up_at: float = 1.0  # seconds behind: back to every pass ...
    settle: float = 10.0  # ... once this much audio went by in catch-up (no flapping)
    warn_at: float = 10.0  # seconds behind: the user is told (a costly pass alone is not news)
    gap_at: float = 20.0  # seconds behind: the oldest audio becomes a gap
    keep: float = 1.0  # seconds kept for recognition when a gap is cut


@dataclass(frozen=True)
class Gap:
    start: float
    end: float


@dataclass(frozen=True)
class Block:
    samples: FloatArray  # 16 kHz mono
    start: float

    @property
    def end(self) -> float:
        return self.start + int(self.samples.shape[0]) / TARGET_RATE


class Backlog:
    def __init__(self, paced: bool, pace: Pace | None = None) -> None:
        self.paced = paced
        self.pace = pace or Pace()
        self._items: deque[Block | Gap] = deque()
        self._seconds = 0.0  # audio held (gaps hold none)
        self._cond = threading.Condition()
        self._closed = False
        self.gaps = 0

    @property
    def seconds(self) -> float:
        """Seconds of audio waiting: how far recognition is behind what was captured."""
        with self._cond:
            return self._seconds

    def push(self, samples: FloatArray, start: float) -> None:
        if samples.size == 0:
            return
        block = Block(samples, start)
        with self._cond:
            if not self.paced:
                while self._seconds >= self.pace.gap_at and not self._closed:
                    self._cond.wait()
            self._items.append(block)
            self._seconds += block.end - block.start
            if self.paced and self._seconds > self.pace.gap_at:
                self._cut_gap()
            self._cond.notify_all()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def take(self) -> Block | Gap | None:
        """The oldest item waiting; ``None`` once closed and empty."""
        with self._cond:
            while not self._items and not self._closed:
                self._cond.wait()
            if not self._items:
                return None
            item = self._items.popleft()
            if isinstance(item, Block):
                self._seconds = max(0.0, self._seconds - (item.end - item.start))
            self._cond.notify_all()
            return item

    def _cut_gap(self) -> None:
        """Everything but the newest ``keep`` seconds becomes one gap (under the lock)."""
        kept: deque[Block | Gap] = deque()
        seconds = 0.0
        while self._items and seconds < self.pace.keep:
            item = self._items.pop()
            if isinstance(item, Gap):
                self._items.append(item)
                break
            kept.appendleft(item)
            seconds += item.end - item.start
        if not self._items:
            self._items = kept
            return
        first, last = self._items[0], self._items[-1]
        self._items = deque([Gap(first.start, last.end), *kept])
        self._seconds = seconds
        self.gaps += 1


def silence(seconds: float) -> FloatArray:
    return np.zeros(max(0, round(seconds * TARGET_RATE)), dtype=np.float32)


__all__ = ["Backlog", "Block", "Gap", "Pace", "silence"]
