"""Clock drift between the loopback stream and the microphone (pure: no threads, no clocks).

``DriftEstimator``          ``add(t, delay)`` with each delay estimate found (session time,
                            seconds); ``rate`` is the delay's slope (seconds per second,
                            e.g. 1e-4 for two clocks 100 ppm apart), 0.0 until known
``fractional(x, frac, n)``  ``n`` samples of ``x`` read ``frac`` (0 <= frac < 1) samples
                            after its ``HALF``-th sample (windowed-sinc interpolation)

Two sound devices run on their own crystals, often 10-100 ppm apart: the microphone then
hears the speakers a little later (or earlier) each second, 1.6 samples a second at 100 ppm.
An adaptive filter can follow that only while the remote side talks alone; while the user
talks too it adapts slowly (as it must) and falls behind. The canceller therefore reads the
reference at the drifting delay itself (a continuous resampling, by the slope this module
estimates), so the echo path the filter sees stays put. The slope is the Theil-Sen line
(the median of the pairwise slopes) through the recent estimates, which one wrong estimate
in three does not move.
"""

from __future__ import annotations

from collections import deque

import numpy as np
import numpy.typing as npt

HALF = 16  # interpolation kernel half length, samples


class DriftEstimator:
    """``window``      seconds of estimates kept
    ``min_span``       seconds the kept estimates must span before a slope is given
    ``min_points``     estimates needed before a slope is given
    ``max_rate``       largest believable drift (seconds per second)
    """

    def __init__(
        self,
        window: float = 30.0,
        min_span: float = 5.0,
        min_points: int = 12,
        max_rate: float = 1e-3,
    ) -> None:
        self.window = window
        self.min_span = min_span
        self.min_points = min_points
        self.max_rate = max_rate
        self._points: deque[tuple[float, float]] = deque()
        self.rate = 0.0

    def reset(self) -> None:
        self._points.clear()
        self.rate = 0.0

    def add(self, t: float, delay: float) -> float:
        """Record an estimate; returns the current slope."""
        self._points.append((t, delay))
        while self._points and self._points[0][0] < t - self.window:
            self._points.popleft()
        if len(self._points) < self.min_points:
            return self.rate
        ts = np.array([p[0] for p in self._points])
        ds = np.array([p[1] for p in self._points])
        if ts[-1] - ts[0] < self.min_span:
            return self.rate
        i, j = np.triu_indices(ts.shape[0], 1)
        dt = ts[j] - ts[i]
        far = dt > 1.0
        if not np.any(far):
            return self.rate
        slope = float(np.median((ds[j] - ds[i])[far] / dt[far]))
        if abs(slope) <= self.max_rate:
            self.rate = slope
        return self.rate


def fractional(x: npt.NDArray[np.float64], frac: float, n: int) -> npt.NDArray[np.float64]:
    """``x`` holds ``n + 2 * HALF`` samples; sample ``k`` of the result is ``x`` at
    ``HALF + k + frac`` (a Blackman-windowed sinc, flat to about 0.8 of Nyquist)."""
    taps = np.arange(-HALF, HALF + 1) - frac
    kernel = np.sinc(taps) * np.blackman(2 * HALF + 3)[1:-1]
    kernel /= kernel.sum()
    out: npt.NDArray[np.float64] = np.correlate(x, kernel, "valid")[:n]
    return out
