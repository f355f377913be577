"""Clocks. The pipeline runs on sample time; wall time is read only through a ``Clock``.

``SystemClock`` is the real one; ``ManualClock`` lets tests and fast replay drive time.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    def wall(self) -> float:
        """Unix time in seconds."""

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin, never going back."""


class SystemClock:
    def wall(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


class ManualClock:
    """A clock that moves only when told to."""

    def __init__(self, start_wall: float = 1_700_000_000.0) -> None:
        self._wall0 = start_wall
        self._t = 0.0

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("a clock never goes back")
        self._t += seconds

    def wall(self) -> float:
        return self._wall0 + self._t

    def monotonic(self) -> float:
        return self._t
