"""The echo canceller's linear stage, one hop at a time (pure: no threads, no clocks).

``PartitionedFilter``  ``block(d, X) -> Block``: ``d`` is one hop of microphone samples,
                       ``X`` the spectra of the reference frames at the filter's partitions
                       (bulk delay already applied by the caller). A partitioned-block
                       frequency-domain adaptive filter (overlap-save, gradient constrained:
                       an exact linear convolution, not a per-bin approximation) predicts the
                       echo and subtracts it.
``Block``              what one hop gave: the error (echo removed) in the time domain, the
                       windowed spectra of the error and the echo estimate over the last two
                       hops (what the residual suppressor works on), and the leakage estimate

Step size (Valin, "On adjusting the learning rate in frequency domain echo cancellation with
double-talk", IEEE TASLP 2007). The best step in each bin is the ratio of the residual echo
(the echo the filter misses) to the error. The residual is not observable, but it is about
proportional to the echo estimate: ``residual = leak * |echo estimate|^2``, where ``leak`` is
the regression of the error's power on the echo estimate's power over time (what part of
each rise of the echo estimate comes back in the error). While only the remote side talks the
error is all residual: the filter learns fast. When the user talks too, the error grows with
their voice and the step shrinks at once, in the bins their voice fills; the filter neither
diverges nor learns the user's voice away.

Double talk, second guard: a copy of the filter (the foreground) makes the output, and the
adapting filter (the background) replaces it only when its error has been smaller for a
while; when the background's error is clearly larger (it was pulled away by the user's voice
anyway), it goes back to the foreground.

The step control, the leakage estimate and the foreground/background test, with their
smoothing constants, follow speexdsp's MDF echo canceller (``mdf.c``), re-expressed in numpy;
its licence notice is below.
"""

# Derived from speexdsp's mdf.c. Copyright (C) 2003-2008 Jean-Marc Valin.
#
# Redistribution and use in source and binary forms, with or without modification, are
# permitted provided that the following conditions are met:
# 1. Redistributions of source code must retain the above copyright notice, this list of
#    conditions and the following disclaimer.
# 2. Redistributions in binary form must reproduce the above copyright notice, this list of
#    conditions and the following disclaimer in the documentation and/or other materials
#    provided with the distribution.
# 3. The name of the author may not be used to endorse or promote products derived from this
#    software without specific prior written permission.
#
# THIS SOFTWARE IS PROVIDED BY THE AUTHOR ``AS IS'' AND ANY EXPRESS OR IMPLIED WARRANTIES,
# INCLUDING, BUT NOT LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR A
# PARTICULAR PURPOSE ARE DISCLAIMED. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR ANY DIRECT,
# INDIRECT, INCIDENTAL, SPECIAL, EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT
# LIMITED TO, PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR PROFITS; OR
# BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF LIABILITY, WHETHER IN CONTRACT,
# STRICT LIABILITY, OR TORT (INCLUDING NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE
# USE OF THIS SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Spectrum = npt.NDArray[np.complex128]
Real = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Block:
    error: Real  # one hop, the echo removed (time domain)
    error_spectrum: Spectrum  # windowed spectrum of the error over the last two hops
    echo_spectrum: Spectrum  # the same for the echo estimate
    leak: float  # residual echo power over echo estimate power (see the module docstring)


class PartitionedFilter:
    """``hop`` samples a block, ``taps`` partitions of ``hop`` samples each.

    ``step``      the largest step (share of the residual-to-error ratio used)
    ``min_leak``  the smallest residual the leakage estimate assumes (the cancellation the
                  filter cannot beat: noise, nonlinearity)
    """

    def __init__(self, hop: int, taps: int, *, step: float = 1.0, min_leak: float = 1e-3) -> None:
        self.hop = hop
        self.taps = taps
        self.bins = hop + 1
        self.step = step
        self.min_leak = min_leak
        self.window: Real = np.sqrt(np.hanning(2 * hop + 1)[:-1])
        self.reset()

    def reset(self) -> None:
        hop, taps = self.hop, self.taps
        self.w: Spectrum = np.zeros((taps, self.bins), np.complex128)  # background
        self.fg: Spectrum = np.zeros((taps, self.bins), np.complex128)  # foreground
        self._e_prev = np.zeros(hop)
        self._y_prev = np.zeros(hop)
        self._px = np.zeros(self.bins)  # reference power per bin (smoothed)
        self._eh = np.zeros(self.bins)  # smoothed error and echo-estimate power spectra
        self._yh = np.zeros(self.bins)
        self._pey = 0.0  # leakage regression, running
        self._pyy = 1e-12
        self.leak = 1.0
        self._learned = 0.0  # sum of the initial steps
        self.adapted = False
        self._davg1 = self._davg2 = self._dvar1 = self._dvar2 = 0.0

    def shift(self, hops: int) -> None:
        """The bulk delay grew by ``hops`` partitions (fewer than ``taps``): keep each weight
        at its physical lag. A move beyond the filter's span is a new echo path: ``reset``."""
        self.w = _shifted(self.w, hops)
        self.fg = _shifted(self.fg, hops)

    def block(self, d: Real, x: Spectrum) -> Block:
        """``d``: one hop of mic samples; ``x``: spectra (taps, hop + 1) of the reference over
        two hops (the partition's block and the one before it), unwindowed."""
        n = self.hop
        yb = np.fft.irfft(np.sum(self.w * x, axis=0), 2 * n)[n:]
        eb = d - yb
        yf = np.fft.irfft(np.sum(self.fg * x, axis=0), 2 * n)[n:]
        ef = d - yf
        sff, see = float(ef @ ef), float(eb @ eb)
        dbf = float((eb - ef) @ (eb - ef))
        if self._foreground_should_follow(sff, see, dbf):
            self.fg[...] = self.w
            yf, ef = yb, eb
        elif self._background_went_astray(sff, see, dbf):
            self.w[...] = self.fg
            yb, eb, see = yf, ef, sff
        # the output (foreground) and its analysis spectra
        e_spec: Spectrum = np.fft.rfft(self.window * np.concatenate([self._e_prev, ef]))
        y_spec: Spectrum = np.fft.rfft(self.window * np.concatenate([self._y_prev, yf]))
        self._e_prev, self._y_prev = ef, yf
        self._adapt(x, d, eb, yb)
        return Block(ef, e_spec, y_spec, self.leak)

    @property
    def working(self) -> bool:
        """The filter has learned the echo path (its residual is 10 dB under its estimate)."""
        return self.adapted and self.leak < 0.1

    # -- internals --------------------------------------------------------------------------
    def _adapt(self, x: Spectrum, d: Real, e: Real, y: Real) -> None:
        n, z = self.hop, np.zeros(self.hop)
        # the power spectra the step control compares: error and echo estimate (background)
        big_e: Spectrum = np.fft.rfft(np.concatenate([z, e]))
        ef = np.abs(big_e) ** 2
        yf = np.abs(np.fft.rfft(np.concatenate([z, y]))) ** 2
        pxs = np.abs(x) ** 2
        self._px = 0.9 * self._px + 0.1 * np.mean(pxs, axis=0)
        sxx = float(np.sum(pxs[0]))
        see = float(e @ e) + 1e-12
        syy = float(y @ y)
        sey = float(e @ y)
        self._update_leak(ef, yf, syy, see)
        if self.adapted:
            # residual-to-error ratio, overall and per bin
            rer = (1e-4 * sxx / n + 3.0 * self.leak * syy) / see
            rer = min(max(rer, sey * sey / (1.0 + see * syy)), 0.5)
            r = np.minimum(self.leak * yf, 0.5 * ef)
            r = 0.7 * r + 0.3 * rer * ef
            rate = r / (ef + 1e-12)
        else:
            # until the filter has learned something, a fixed share of the error
            rate_all = min(0.5 * float(d @ d) / see, 0.5) if sxx > 1e-6 else 0.0
            rate = np.full(self.bins, rate_all)
            self._learned += rate_all
            if self._learned > self.taps and self.leak < 0.5 and syy > 0.3 * float(d @ d):
                self.adapted = True
        # normalised by the reference power in the bin (a hundredth of the mean power over
        # the bins added: a band the reference leaves empty learns nothing from noise)
        mu = self.step * rate / (4.0 * (self._px + 0.01 * float(self._px.mean())) + 1e-10)
        grad = np.fft.irfft(np.conj(x) * (mu * big_e)[None], 2 * n, axis=1)
        grad[:, n:] = 0.0  # the gradient constraint: a linear, not circular, convolution
        self.w += np.fft.rfft(grad, axis=1)

    def _update_leak(self, ef: Real, yf: Real, syy: float, see: float) -> None:
        """Regress the error's power changes on the echo estimate's (per bin, summed)."""
        de, dy = ef - self._eh, yf - self._yh
        self._eh = 0.65 * self._eh + 0.35 * ef
        self._yh = 0.65 * self._yh + 0.35 * yf
        pyy = float(np.sqrt(dy @ dy))
        if pyy <= 0.0:
            return
        pey = float(de @ dy) / pyy
        # faster while the echo estimate dominates the error (remote talking alone)
        alpha = min(0.03 * syy / see, 0.008)
        self._pey = (1 - alpha) * self._pey + alpha * pey
        self._pyy = max((1 - alpha) * self._pyy + alpha * pyy, 1e-12)
        self._pey = min(max(self._pey, self.min_leak * self._pyy), self._pyy)
        self.leak = self._pey / self._pyy

    def _foreground_should_follow(self, sff: float, see: float, dbf: float) -> bool:
        """``sff``/``see``: this hop's foreground/background error energy; ``dbf``: the
        energy of the difference of their outputs. The error difference, averaged over a
        short and a longer time, is compared with how much it could vary by chance."""
        diff = sff - see
        self._davg1 = 0.6 * self._davg1 + 0.4 * diff
        self._davg2 = 0.85 * self._davg2 + 0.15 * diff
        self._dvar1 = 0.36 * self._dvar1 + 0.16 * sff * dbf
        self._dvar2 = 0.7225 * self._dvar2 + 0.0225 * sff * dbf
        follow = (
            diff * abs(diff) > sff * dbf
            or self._davg1 * abs(self._davg1) > 0.5 * self._dvar1
            or self._davg2 * abs(self._davg2) > 0.25 * self._dvar2
        )
        if follow:
            self._davg1 = self._davg2 = self._dvar1 = self._dvar2 = 0.0
        return follow

    def _background_went_astray(self, sff: float, see: float, dbf: float) -> bool:
        """The background's error is larger than the foreground's, beyond chance."""
        diff = sff - see
        astray = (
            -diff * abs(diff) > 4.0 * sff * dbf
            or -self._davg1 > np.sqrt(self._dvar1 / 4.0)
            or -self._davg2 > np.sqrt(self._dvar2 / 4.0)
        )
        if astray:
            self._davg1 = self._davg2 = self._dvar1 = self._dvar2 = 0.0
        return bool(astray)


def _shifted(w: Spectrum, hops: int) -> Spectrum:
    """``w`` with partition ``k`` moved to ``k - hops``; partitions moved in are zero."""
    out = np.zeros_like(w)
    taps = w.shape[0]
    if hops >= 0:
        out[: taps - hops] = w[hops:]
    else:
        out[-hops:] = w[: taps + hops]
    return out
