"""The echo canceller's signal core, one STFT frame at a time (pure: no threads, no clocks).

``SubbandAec``   ``frame(Y, X) -> (out, stats)``: ``Y`` is one microphone frame's spectrum,
                 ``X`` the reference spectra at the filter's taps (bulk delay already
                 applied by the caller). A multi-tap adaptive filter per frequency bin
                 (NLMS, a subband form of the partitioned-block frequency-domain filter)
                 removes the linear echo; a residual echo suppressor then attenuates the
                 bins the reference still explains.
``FrameStats``   what one frame did: microphone, echo estimate and output power

Double talk: the filter adapts in proportion to the magnitude-squared coherence between
the reference and the microphone in each bin. Where the user's own voice dominates a bin,
the coherence falls and the filter freezes there, so near-end speech neither disturbs the
filter nor gets learned away. The suppressor uses the same coherence (and the coherence
with the echo estimate, which is finely aligned once the filter has converged): bins that
the remote voice explains are pulled down to a floor, bins of near-end speech pass.
Speech is sparse in time and frequency, which is why the user's voice survives when both
talk at once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Spectrum = npt.NDArray[np.complex128]
Real = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FrameStats:
    mic_power: float
    echo_power: float  # power of the linear echo estimate
    out_power: float
    ref_active: bool


class SubbandAec:
    """Adaptive filter plus residual suppressor over ``bins`` frequency bins, ``taps`` frames.

    ``step``      NLMS step size for echo-only bins (0 < step <= 1)
    ``smooth``    forgetting factor of the spectra behind the coherence estimates
    ``floor``     lowest suppressor gain (linear amplitude)
    ``overdrive`` how hard the suppressor acts on the coherence
    """

    def __init__(
        self, bins: int, taps: int, *, step: float, smooth: float, floor: float, overdrive: float
    ) -> None:
        self.bins = bins
        self.taps = taps
        self.step = step
        self.smooth = smooth
        self.floor = floor
        self.overdrive = overdrive
        self.regularize = 0.1
        self.slow = 0.9
        self.w: Spectrum = np.zeros((taps, bins), np.complex128)
        self._syy = np.zeros(bins)
        self._shh = np.zeros(bins)
        self._shy: Spectrum = np.zeros(bins, np.complex128)
        # per tap: the reference at each lag, against the mic (fast) and the error (slow)
        self._sxx = np.zeros((taps, bins))
        self._sxy: Spectrum = np.zeros((taps, bins), np.complex128)
        self._slow_xx = np.zeros((taps, bins))
        self._slow_ee = np.zeros(bins)
        self._slow_xe: Spectrum = np.zeros((taps, bins), np.complex128)
        self._ref_level = 0.0  # running mean reference power per bin (for regularization)

    def reset(self) -> None:
        for a in (
            self.w,
            self._syy,
            self._shh,
            self._shy,
            self._sxx,
            self._sxy,
            self._slow_xx,
            self._slow_ee,
            self._slow_xe,
        ):
            a[...] = 0

    def shift(self, hops: int) -> None:
        """The bulk delay grew by ``hops`` frames: keep each weight at its physical lag."""
        if hops == 0:
            return
        w = np.zeros_like(self.w)
        if abs(hops) < self.taps:
            if hops > 0:
                w[: self.taps - hops] = self.w[hops:]
            else:
                w[-hops:] = self.w[: self.taps + hops]
        self.w = w
        self._sxy[:] = 0
        self._shy[:] = 0

    def _best_tap(self) -> int:
        """The tap holding most of the filter (the echo's main lag), or the middle one."""
        energy = np.sum(np.abs(self.w) ** 2, axis=1)
        return int(np.argmax(energy)) if float(energy.max()) > 0 else self.taps // 2

    def frame(self, y: Spectrum, x: Spectrum, *, suppress: bool) -> tuple[Spectrum, FrameStats]:
        """``y``: mic spectrum (bins,); ``x``: reference spectra (taps, bins)."""
        a, b = self.smooth, self.slow
        yhat = np.sum(self.w * x, axis=0)
        e = y - yhat
        py = np.abs(y) ** 2
        ph = np.abs(yhat) ** 2
        pe = np.abs(e) ** 2
        px = np.abs(x) ** 2
        level = float(px.mean())
        self._ref_level = 0.99 * self._ref_level + 0.01 * level
        eps = 1e-4 * max(self._ref_level, 1e-12) + 1e-14
        self._syy = a * self._syy + (1 - a) * py
        self._shh = a * self._shh + (1 - a) * ph
        self._shy = a * self._shy + (1 - a) * yhat * np.conj(y)
        self._sxx = a * self._sxx + (1 - a) * px
        self._sxy = a * self._sxy + (1 - a) * x * np.conj(y)
        self._slow_xx = b * self._slow_xx + (1 - b) * px
        self._slow_ee = b * self._slow_ee + (1 - b) * pe
        self._slow_xe = b * self._slow_xe + (1 - b) * x * np.conj(e)
        # coherence of the mic with the reference at the echo's lag (or with the echo estimate)
        k = self._best_tap()
        coh_x = _coherence(self._sxy[k : k + 1], self._sxx[k : k + 1], self._syy, eps)
        coh_h = _coherence(self._shy[None], self._shh[None], self._syy, eps)
        coh = np.maximum(coh_x, coh_h)
        # step ~ residual echo / error (Valin 2007): the residual echo is the part of the
        # error the reference still explains, so the optimal step is their coherence; it
        # falls where the user's voice dominates the error (double talk): the filter freezes.
        # Taken at the best lag, so a jump of the echo path within the taps is re-learned.
        coh_xe = _coherence(self._slow_xe, self._slow_xx, self._slow_ee, eps)
        # normalised by the reference power at the taps, regularised by the frame's mean
        # reference power so quiet bins (where a near-end voice easily dominates) move slowly
        # and by the error power, so a bin where the error dwarfs the reference (a near-end
        # voice there) cannot drag the weights far in one frame
        norm = np.sum(px, axis=0) + self.regularize * self.taps * level + pe + eps
        mu = self.step * coh_xe
        self.w += (mu / norm) * np.conj(x) * e
        out = e
        if suppress:
            gain = np.clip(1.0 - self.overdrive * coh, self.floor, 1.0)
            out = e * gain
        stats = FrameStats(
            float(py.sum()), float(ph.sum()), float(np.sum(np.abs(out) ** 2)), level > eps
        )
        return out, stats


def _coherence(cross: Spectrum, pa: Real, pb: Real, eps: float) -> Real:
    """Magnitude-squared coherence per bin, the largest over the first axis (taps)."""
    c = np.abs(cross) ** 2 / (pa * pb[None] + eps * eps + 1e-30)
    c[pa < eps] = 0.0
    out: Real = np.clip(c.max(axis=0), 0.0, 1.0)
    return out
