"""Where each captured frame goes on the session clock (pure: no I/O, times passed in).

Windows delivers no loopback packets while nothing renders, and nothing at all while a device
is being re-opened, yet the session needs both sources on one timeline. ``Timeline`` counts
the frames already emitted and decides how much ``gap`` silence to insert:

``place(frames, devpos, qpc, flags, now)``  a packet arrived: gap frames to insert before it:
                                            what the device position skipped or, after an idle
                                            spell / re-open / DATA_DISCONTINUITY, how far the
                                            packet's QPC time is ahead of the timeline (the
                                            larger). Without such a flag or spell, contiguous
                                            positions are trusted: late delivery moves nothing.
                                            A gap never takes the timeline past the QPC clock
                                            (nothing is captured in the future), and a QPC
                                            position far from the arrival time is a broken
                                            clock: the packet is placed as if it had none
``idle(now, final=False)``                  nothing arrived lately: gap frames that bring the
                                            timeline up to the QPC clock (minus a margin that
                                            leaves room for late packets)
``restart()``                               a new stream (device re-opened): positions restart
``end``                                     session seconds covered so far

Frames are never moved back: a packet that is behind the clock is appended, so nothing captured
is ever dropped. QPC values are in 100 ns units; ``origin`` is QPC at session time 0 and
``base`` the session time of this timeline's frame 0 (a re-open at another rate starts a new
``Timeline`` with ``base`` = the old ``end``).
"""

from __future__ import annotations

from dataclasses import dataclass

from loopnote.capture.wasapi.structs import (
    AUDCLNT_BUFFERFLAGS_DATA_DISCONTINUITY,
    AUDCLNT_BUFFERFLAGS_TIMESTAMP_ERROR,
    HNS_PER_SEC,
)


@dataclass(frozen=True)
class TimelineOptions:
    tolerance_s: float = 0.04  # a packet without a usable QPC position, placed by its arrival
    #                            time, is not moved unless it is this far ahead
    idle_after_s: float = 0.3  # no packet for this long means nothing renders: fill from the
    #                            clock. Shorter pauses are delivery hiccups (a starved stream
    #                            delivers late, positions contiguous): the device position
    #                            carries the timeline through them, so audio is never moved
    margin_s: float = 0.25  # an idle fill stays this far behind the clock: room for packets
    #                         delivered late, which then land on their own time, not behind
    min_fill_s: float = 0.05  # smaller idle fills wait for the next call (fewer, larger chunks)
    qpc_trust_s: float = 5.0  # a QPC position further than this from the packet's arrival is
    #                           broken (Wine, after a day of uptime, returns negative ones): a
    #                           packet waits in the device buffer well under a second


class Timeline:
    def __init__(
        self, rate: int, origin: int, base: float = 0.0, options: TimelineOptions | None = None
    ) -> None:
        self.rate = rate
        self.origin = origin
        self.base = base
        self.options = options or TimelineOptions()
        self.frames = 0
        self._dev_end: int | None = None
        self._last_rx = origin + int(base * HNS_PER_SEC)
        self._idle = True  # no packet yet: the first one is placed by its QPC time
        self._filled = 0  # gap frames since the last packet
        self.broken_timestamps = 0  # QPC positions ignored as implausible

    @property
    def end(self) -> float:
        return self.base + self.frames / self.rate

    def _clock_frames(self, qpc: int) -> int:
        return round(((qpc - self.origin) / HNS_PER_SEC - self.base) * self.rate)

    def _s(self, seconds: float) -> int:
        return round(seconds * self.rate)

    def place(self, frames: int, devpos: int, qpc: int, flags: int, now: int) -> int:
        gap_dev = 0
        if self._dev_end is not None and devpos > self._dev_end:
            # frames the device position skipped (minus what was filled while waiting)
            gap_dev = max(0, devpos - self._dev_end - self._filled)
        gap_clock = 0
        timed = qpc > 0 and not flags & AUDCLNT_BUFFERFLAGS_TIMESTAMP_ERROR
        if timed and abs(now - qpc) > self.options.qpc_trust_s * HNS_PER_SEC:
            timed = False
            self.broken_timestamps += 1
        if timed and (self._idle or flags & AUDCLNT_BUFFERFLAGS_DATA_DISCONTINUITY):
            # after an idle spell, a re-open or lost data the packet goes to its QPC time
            gap_clock = max(0, self._clock_frames(qpc) - self.frames)
        elif self._idle:  # no usable position: it was captured at the latest a packet ago
            lead = self._clock_frames(now - frames * HNS_PER_SEC // self.rate) - self.frames
            if lead > self._s(self.options.tolerance_s):
                gap_clock = lead
        # the packet cannot start after it arrived, whatever a position says
        gap = min(max(gap_dev, gap_clock), max(0, self._clock_frames(now) - self.frames))
        self.frames += gap + frames
        self._dev_end = devpos + frames
        self._last_rx = now
        self._idle = False
        self._filled = 0
        return gap

    def idle(self, now: int, final: bool = False) -> int:
        if now - self._last_rx < self.options.idle_after_s * HNS_PER_SEC:
            return 0
        self._idle = True
        target = self._clock_frames(now) - (0 if final else self._s(self.options.margin_s))
        gap = target - self.frames
        if gap <= 0 or (not final and gap < self._s(self.options.min_fill_s)):
            return 0
        self.frames += gap
        self._filled += gap
        return gap

    def restart(self) -> None:
        self._dev_end = None
        self._idle = True
        self._filled = 0
