"""Reference audio by absolute sample index, for the bleed canceller (pure, not thread-safe:
the canceller locks around it).

``Ring(capacity)``   the last ``capacity`` samples written
    ``write(i0, x)``  samples ``x`` starting at index ``i0``; a gap before them is silence
    ``read(a, b)``    samples ``[a, b)``, zeros where nothing is known
    ``end``           one past the last index written
"""

from __future__ import annotations

import numpy as np

from loopnote.types import FloatArray


class Ring:
    """Reference samples by absolute sample index (the session timeline at 16 kHz)."""

    def __init__(self, capacity: int) -> None:
        self.buf = np.zeros(capacity, np.float32)
        self.cap = capacity
        self.begin: int | None = None  # first index ever written
        self.end = 0  # one past the last index written

    def write(self, i0: int, x: FloatArray) -> None:
        if self.begin is None:
            self.begin = self.end = i0
        if i0 > self.end:  # a hole in the reference: it was silent
            self._put(self.end, np.zeros(min(i0 - self.end, self.cap), np.float32))
        self._put(i0, x)
        self.end = max(self.end, i0 + x.shape[0])

    def _put(self, i0: int, x: FloatArray) -> None:
        if x.shape[0] > self.cap:
            i0, x = i0 + x.shape[0] - self.cap, x[-self.cap :]
        p = i0 % self.cap
        n = min(x.shape[0], self.cap - p)
        self.buf[p : p + n] = x[:n]
        self.buf[: x.shape[0] - n] = x[n:]

    def read(self, a: int, b: int) -> FloatArray:
        """Samples [a, b); zeros where nothing is known (before, after, or overwritten)."""
        out = np.zeros(b - a, np.float32)
        if self.begin is None:
            return out
        lo = max(a, self.begin, self.end - self.cap)
        hi = min(b, self.end)
        for i in range(lo, hi, self.cap):  # at most two pieces
            j = min(hi, i + self.cap)
            p, q = i % self.cap, (j - 1) % self.cap + 1
            if p < q:
                out[i - a : j - a] = self.buf[p:q]
            else:
                k = self.cap - p
                out[i - a : i - a + k] = self.buf[p:]
                out[i - a + k : j - a] = self.buf[:q]
        return out
