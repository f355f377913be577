"""The echo canceller's second stage: suppress the echo the adaptive filter left behind
(pure: no threads, no clocks).

``ResidualSuppressor``  ``gain(error, echo, leak) -> gains``: per frequency bin, for one
                        STFT frame of the filter's error (``error``) and of its echo
                        estimate (``echo``)

The residual echo's power spectrum is estimated from the echo estimate: ``leak`` (the
filter's own leakage estimate, see aec.py) times the echo estimate's power, held over a few
frames as it decays (reverberation, and the frame the echo estimate may lag). The rest of
the error is the user's voice and noise. Each bin gets the Wiener gain for that split, with
the speech-to-residual ratio smoothed across frames in the decision-directed way (Ephraim &
Malah, 1984), which avoids the "musical" flicker of a gain decided on one frame alone:

    xi = a * previous output power / residual + (1 - a) * max(0, error power / residual - 1)
    gain = max(xi / (1 + xi), floor)

Where only the remote side talks, the error is all residual: ``xi`` is near zero and the bin
falls to ``floor``. Where the user talks, their voice dominates the bins it fills: ``xi`` is
large and the bin passes almost untouched. So the user's voice keeps its level in double
talk instead of being pulled down with the echo.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Real = npt.NDArray[np.float64]
Spectrum = npt.NDArray[np.complex128]


class ResidualSuppressor:
    """``floor``      lowest gain (linear amplitude)
    ``overdrive``     the residual estimate is multiplied by this (safety margin)
    ``smooth``        decision-directed weight ``a`` of the previous frame's clean power
    ``decay``         how much of the previous frame's residual estimate a bin keeps
    """

    def __init__(
        self, bins: int, *, floor: float, overdrive: float, smooth: float = 0.9, decay: float = 0.6
    ) -> None:
        self.bins = bins
        self.floor = floor
        self.overdrive = overdrive
        self.smooth = smooth
        self.decay = decay
        self.reset()

    def reset(self) -> None:
        self._residual = np.zeros(self.bins)
        self._clean = np.zeros(self.bins)  # previous frame's output power

    def gain(self, error: Spectrum, echo: Spectrum, leak: float) -> Real:
        pe = np.abs(error) ** 2
        r = np.maximum(leak * np.abs(echo) ** 2, self.decay * self._residual)
        self._residual = r
        noise = self.overdrive * r + 1e-12
        post = pe / noise
        prior = self.smooth * self._clean / noise + (1 - self.smooth) * np.maximum(post - 1, 0)
        g: Real = np.maximum(prior / (1 + prior), self.floor)
        self._clean = g * g * pe
        return g
