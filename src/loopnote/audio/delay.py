"""How far the microphone hears the speakers behind the loopback stream: GCC-PHAT delay
estimation, tracked over time because the two devices' clocks drift apart.

``DelayOptions``    search range, analysis band, averaging and the confidence rule
``DelayEstimate``   one result: delay in seconds (mic behind reference), peak, confidence
``DelayTracker``    pure core: ``update(mic, ref)`` with a window of microphone audio and the
                    reference audio that could have produced it; keeps a running average of
                    the phase-transform cross-spectrum so one noisy window does not move it

The generalized cross-correlation with phase transform (Knapp & Carter, 1976) whitens both
signals, so the correlation peak is sharp for speech and does not depend on the level of the
bleed (the speakers reach the mic only a few dB quieter, or 30 dB quieter: the same peak).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from loopnote.types import FloatArray


@dataclass(frozen=True)
class DelayOptions:
    """``max_delay``   longest delay searched (mic behind reference), seconds
    ``max_lead``       longest lead searched (mic ahead of reference: capture clocks), seconds
    ``band``           analysis band in Hz (speech; below it hum, above it little energy)
    ``average``        weight of the running cross-spectrum (0 = each window alone)
    ``confidence``     peak height over the correlation's RMS that counts as "found"
    ``min_level``      RMS a window of reference audio must reach to be analysed
    """

    max_delay: float = 0.5
    max_lead: float = 0.3
    band: tuple[float, float] = (150.0, 3800.0)
    average: float = 0.3
    confidence: float = 9.0
    min_level: float = 10 ** (-50 / 20)


@dataclass(frozen=True)
class DelayEstimate:
    delay: float  # seconds the microphone hears the reference late (negative: early)
    peak: float  # height of the normalised correlation peak
    confidence: float  # peak over the RMS of the correlation in the searched range
    found: bool  # confidence reached DelayOptions.confidence


class DelayTracker:
    """Pure GCC-PHAT tracker; windows must keep the same lengths between calls."""

    def __init__(self, options: DelayOptions | None = None, sample_rate: int = 16_000) -> None:
        self.options = options or DelayOptions()
        self.rate = sample_rate
        self._avg: npt.NDArray[np.complex128] | None = None
        self._size = 0

    @property
    def lead_samples(self) -> int:
        return round(self.options.max_lead * self.rate)

    @property
    def delay_samples(self) -> int:
        return round(self.options.max_delay * self.rate)

    def reset(self) -> None:
        self._avg = None

    def update(self, mic: FloatArray, ref: FloatArray) -> DelayEstimate | None:
        """``ref`` spans from ``max_delay`` before the first mic sample to ``max_lead`` after
        the last one (``len(mic) + delay_samples + lead_samples`` samples). Returns None when
        the reference is too quiet to say anything."""
        need = mic.shape[0] + self.delay_samples + self.lead_samples
        if ref.shape[0] != need:
            raise ValueError(f"reference window must be {need} samples, not {ref.shape[0]}")
        if float(np.sqrt(np.mean(np.square(ref, dtype=np.float64)))) < self.options.min_level:
            return None
        size = 1 << int(np.ceil(np.log2(need + mic.shape[0])))
        if size != self._size:
            self._size, self._avg = size, None
        m = np.fft.rfft(mic - mic.mean(), size)
        r = np.fft.rfft(ref - ref.mean(), size)
        cross = np.conj(m) * r
        freqs = np.fft.rfftfreq(size, 1.0 / self.rate)
        lo, hi = self.options.band
        cross[(freqs < lo) | (freqs > hi)] = 0.0
        mag = np.abs(cross)
        phat = np.where(mag > 1e-20, cross / np.maximum(mag, 1e-20), 0.0)
        a = self.options.average
        self._avg = phat if self._avg is None else a * self._avg + (1.0 - a) * phat
        corr = np.fft.irfft(self._avg, size)
        # lag l: mic[i] ~ ref[i + l]; ref starts delay_samples before the mic window
        lags = corr[: self.delay_samples + self.lead_samples + 1]
        k = int(np.argmax(lags))
        peak = float(lags[k])
        rms = float(np.sqrt(np.mean(np.square(lags)))) or 1e-12
        conf = peak / rms
        frac = 0.0  # the peak between samples: the vertex of the parabola through three
        if 0 < k < lags.shape[0] - 1:
            a, b, c = float(lags[k - 1]), peak, float(lags[k + 1])
            if a - 2 * b + c < 0:
                frac = min(max(0.5 * (a - c) / (a - 2 * b + c), -0.5), 0.5)
        delay = (self.delay_samples - k - frac) / self.rate
        return DelayEstimate(delay, peak, conf, conf >= self.options.confidence)
