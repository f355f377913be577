"""Speaker bleed: remove the remote voices (the system/loopback stream) from the microphone
when the user has no headphones on.

``EchoOptions``     every knob, with documented defaults
``BleedStatus``     what the live view shows: bleed detected, delay, suppression
``BleedCanceller``  thread-safe between two workers, both on the session timeline at 16 kHz
                    mono float32:
    ``push_reference(samples, start)``  system audio (the system side's thread)
    ``end_reference()``                 no more system audio: stop waiting for it
    ``process(samples, start) -> out``  microphone audio (the mic side's thread); ``out`` has
                                        the same length and lags the input by ``latency``
                                        seconds (its first sample is at ``start - latency``)
    ``drain() -> out``                  the last ``latency`` seconds at the end of the stream
    ``status() -> BleedStatus``

How (three stages, each its own pure core):
1. Delay. GCC-PHAT (audio/delay.py) every ``estimate_every`` seconds; the bulk delay is
   locked in whole hops once ``confirm`` estimates agree. The clocks' drift is the slope of
   the estimates over time (audio/drift.py): the reference is read at that drifting delay
   (windowed-sinc resampling), so the echo path the filter sees stays put.
2. Linear echo removal (audio/aec.py): a partitioned-block frequency-domain adaptive filter
   with the learning rate of Valin (2007), which shrinks in each bin where the user's voice
   fills the error (double talk), and a foreground/background pair against divergence.
3. Residual echo suppression (audio/suppress.py): a Wiener gain per bin from the residual
   echo the filter's leakage estimate predicts; bins the user's voice dominates pass.
The mic path never waits more than ``max_wait`` seconds for reference audio that has not
arrived: after that it uses what it has (missing = silence).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from loopnote.audio.aec import PartitionedFilter, Spectrum
from loopnote.audio.delay import DelayOptions, DelayTracker
from loopnote.audio.drift import HALF, DriftEstimator, fractional
from loopnote.audio.ring import Ring
from loopnote.audio.suppress import ResidualSuppressor
from loopnote.types import FloatArray

RATE = 16_000


@dataclass(frozen=True)
class EchoOptions:
    """``frame``/``hop``     STFT frame and hop in samples at 16 kHz (latency = 2 hops)
    ``taps_before``         filter taps (hops) before the estimated delay (drift, rounding)
    ``taps_after``          filter taps (hops) after it (the room's reverberation)
    ``step``                adaptive filter step: share of the residual-to-error ratio used
    ``smooth``              suppressor: weight of the previous frame in the speech estimate
    ``floor_db``            strongest suppression of a bin (residual echo alone)
    ``overdrive``           suppressor: safety factor on the residual echo estimate
    ``estimate_every``      seconds of mic audio between two delay estimates
    ``estimate_window``     seconds of mic audio each estimate looks at
    ``confirm``             agreeing estimates needed to lock or move the delay
    ``max_wait``            longest the mic path waits for reference audio, seconds
    ``history``             seconds of reference audio kept (the mic may lag behind)
    ``delay``               the delay search (``DelayOptions``)
    """

    frame: int = 512
    hop: int = 256
    taps_before: int = 2
    taps_after: int = 5
    step: float = 1.0
    smooth: float = 0.9
    floor_db: float = -35.0
    overdrive: float = 2.0
    estimate_every: float = 0.25
    estimate_window: float = 0.75
    confirm: int = 2
    max_wait: float = 0.1
    history: float = 30.0
    delay: DelayOptions = field(default_factory=DelayOptions)


@dataclass(frozen=True)
class BleedStatus:
    detected: bool  # the mic hears the speakers (a delay was found and locked)
    delay_ms: float | None  # current delay estimate (mic behind the loopback stream)
    suppression_db: float  # how much quieter the mic is after cancellation, while remote talks
    late_reference: int = 0  # hops processed before their reference audio had arrived

    def to_dict(self) -> dict[str, object]:
        return {
            "detected": self.detected,
            "delay_ms": None if self.delay_ms is None else round(self.delay_ms, 1),
            "suppression_db": round(self.suppression_db, 1),
            "late_reference": self.late_reference,
        }


class BleedCanceller:
    def __init__(self, options: EchoOptions | None = None) -> None:
        o = self.options = options or EchoOptions()
        if o.frame != 2 * o.hop:
            raise ValueError("EchoOptions.frame must be twice the hop")
        self._cond = threading.Condition()
        self._ring = Ring(int(o.history * RATE))
        self._ref_ended = False
        self._core = PartitionedFilter(o.hop, o.taps_before + 1 + o.taps_after, step=o.step)
        # analysis and synthesis use the core's window, so its spectra add back up exactly
        self._window = self._core.window
        self._suppressor = ResidualSuppressor(
            o.hop + 1, floor=10 ** (o.floor_db / 20), overdrive=o.overdrive, smooth=o.smooth
        )
        self._tracker = DelayTracker(o.delay, RATE // 2)
        self._drift = DriftEstimator()
        # drift compensation: the reference frame keyed q is read c(q) samples earlier,
        # c(q) = base + rate * (q - q0)
        self._rate = 0.0
        self._base = 0.0
        self._q0 = 0
        # mic side (only the mic thread touches these)
        self._next: int | None = None  # index of the next mic sample
        self._frame_in = np.zeros(o.frame - o.hop, np.float64)  # last frame - hop samples
        self._pending = np.zeros(0, np.float64)  # mic samples short of a hop
        self._ola = np.zeros(o.frame, np.float64)
        self._out = np.zeros(o.hop, np.float32)  # output not yet returned
        self._hist = np.zeros(0, np.float32)  # recent mic audio (delay search)
        self._since_estimate = 0
        self._ref_frames: dict[int, Spectrum] = {}
        self._hops: int | None = None  # bulk delay in hops (locked)
        self._candidate: tuple[int, int] | None = None  # (hops, agreeing estimates)
        self._delay_s: float | None = None
        self._mic_pow = 0.0
        self._out_pow = 0.0
        self._late = 0
        self._lock_status = threading.Lock()
        self._status = BleedStatus(False, None, 0.0)

    @property
    def latency(self) -> float:
        return 2 * self.options.hop / RATE

    # -- system side ------------------------------------------------------------------------
    def push_reference(self, samples: FloatArray, start: float) -> None:
        x = np.asarray(samples, np.float32).reshape(-1)
        if x.size == 0:
            return
        with self._cond:
            self._ring.write(round(start * RATE), x)
            self._cond.notify_all()

    def end_reference(self) -> None:
        with self._cond:
            self._ref_ended = True
            self._cond.notify_all()

    # -- mic side ---------------------------------------------------------------------------
    def process(self, samples: FloatArray, start: float) -> FloatArray:
        x = np.asarray(samples, np.float32).reshape(-1)
        n = x.shape[0]
        if n == 0:
            return np.zeros(0, np.float32)
        i0 = round(start * RATE)
        if self._next is None or abs(i0 - self._next) > self.options.hop:
            self._next = i0  # (re)anchor the grid on this chunk
        hop = self.options.hop
        pend = np.concatenate([self._pending, x.astype(np.float64)])
        first = self._next - self._pending.shape[0]  # index of pend[0]
        hops = pend.shape[0] // hop
        self._wait_for_reference(first + hops * hop)
        outs = [self._out]
        for h in range(hops):
            block = pend[h * hop : (h + 1) * hop]
            outs.append(self._hop(block, first + h * hop))
        self._pending = pend[hops * hop :]
        self._next = i0 + n
        self._remember(x)
        allout = np.concatenate(outs)
        self._out = allout[n:]
        return allout[:n].astype(np.float32)

    def drain(self) -> FloatArray:
        """The rest of the output once the mic stream has ended (``latency`` seconds)."""
        if self._next is None:
            return np.zeros(0, np.float32)
        return self.process(np.zeros(2 * self.options.hop, np.float32), self._next / RATE)

    def status(self) -> BleedStatus:
        with self._lock_status:
            return self._status

    # -- internals --------------------------------------------------------------------------
    def _needed_end(self, mic_end: int) -> int:
        """Reference index the filter needs to process mic audio up to ``mic_end``."""
        if self._hops is None:
            return mic_end
        o = self.options
        return mic_end + (o.taps_before - self._hops) * o.hop

    def _wait_for_reference(self, mic_end: int) -> None:
        if self._hops is None:
            return  # nothing locked yet: the mic passes through, no reference needed
        need = self._needed_end(mic_end)
        with self._cond:
            self._cond.wait_for(
                lambda: self._ring.end >= need or self._ref_ended, timeout=self.options.max_wait
            )

    def _ref_spectrum(self, s: int) -> Spectrum:
        """Spectrum of the reference frame starting at index ``s`` (cached once complete)."""
        cached = self._ref_frames.get(s)
        if cached is not None:
            return cached
        o = self.options
        c = self._shift_at(s)
        frame: npt.NDArray[np.float64]
        if c == 0.0:
            with self._cond:
                frame = self._ring.read(s, s + o.frame).astype(np.float64)
                complete = self._ring.end >= s + o.frame
        else:
            p = s - c
            a = math.floor(p)
            with self._cond:
                seg = self._ring.read(a - HALF, a + o.frame + HALF)
                complete = self._ring.end >= a + o.frame + HALF
            frame = fractional(seg.astype(np.float64), p - a, o.frame)
        spec: Spectrum = np.fft.rfft(frame)
        if complete:
            self._ref_frames[s] = spec
            if len(self._ref_frames) > 4 * self._core.taps + 16:
                for k in sorted(self._ref_frames)[: len(self._ref_frames) // 2]:
                    del self._ref_frames[k]
        return spec

    def _hop(self, block: npt.NDArray[np.float64], block_start: int) -> FloatArray:
        """One hop of mic audio: frame = previous (frame - hop) samples + this block."""
        o = self.options
        frame = np.concatenate([self._frame_in, block])
        self._frame_in = frame[o.hop :]
        s = block_start + o.hop - o.frame  # index of the frame's first sample
        y: Spectrum = np.fft.rfft(frame * self._window)
        if self._hops is None:
            out_spec = y
        else:
            taps = [
                self._ref_spectrum(s - (self._hops + j - o.taps_before) * o.hop)
                for j in range(self._core.taps)
            ]
            with self._cond:
                if self._ring.end < self._needed_end(block_start + o.hop):
                    self._late += 1
            res = self._core.block(block, np.stack(taps))
            gain = self._suppressor.gain(res.error_spectrum, res.echo_spectrum, res.leak)
            out_spec = res.error_spectrum * gain
            ref_on = float(np.abs(taps[o.taps_before]).mean()) > 1e-4
            if ref_on:
                self._mic_pow = 0.98 * self._mic_pow + 0.02 * float(np.sum(np.abs(y) ** 2))
                self._out_pow = 0.98 * self._out_pow + 0.02 * float(np.sum(np.abs(out_spec) ** 2))
        self._ola += np.fft.irfft(out_spec, o.frame) * self._window
        out = self._ola[: o.hop].astype(np.float32)
        self._ola = np.concatenate([self._ola[o.hop :], np.zeros(o.hop)])
        return out

    def _remember(self, x: FloatArray) -> None:
        """Keep recent mic audio and run the delay search (at 8 kHz) when it is due."""
        o = self.options
        # enough to look back while the reference lags the mic by up to a few seconds
        keep = int((o.estimate_window + o.delay.max_lead + o.estimate_every + 3.0) * RATE)
        self._hist = np.concatenate([self._hist, x])[-keep:]
        self._since_estimate += x.shape[0]
        if self._since_estimate < o.estimate_every * RATE:
            return
        lead = int(o.delay.max_lead * RATE)
        step = int(o.estimate_every * RATE)
        # the first estimates look at what there is (from one step), so a lock comes early
        win = min(int(o.estimate_window * RATE), (self._hist.shape[0] - lead) // step * step)
        if win < 2 * step or self._next is None:
            return
        with self._cond:
            ref_end = self._ring.end
        # the newest mic audio whose reference (up to max_lead later) has arrived
        end = min(self._next, ref_end - lead)
        if end - win < self._next - self._hist.shape[0]:
            return
        self._since_estimate = 0
        back = self._next - end
        mic = self._hist[self._hist.shape[0] - back - win : self._hist.shape[0] - back]
        with self._cond:
            ref = self._ring.read(end - win - int(o.delay.max_delay * RATE), end + lead)
        est = self._tracker.update(_half(mic), _half(ref))
        if est is not None and est.found:
            self._follow(est.delay, end)
        self._publish()

    def _shift_at(self, q: int) -> float:
        """Samples the reference frame keyed ``q`` is read earlier (drift compensation);
        exactly 0.0 until a drift is known."""
        return self._base + self._rate * (q - self._q0)

    def _compensate(self, rate: float, q: int) -> None:
        """Read the reference with a new drift slope from frame key ``q`` on (continuously)."""
        if rate == self._rate:
            return
        self._base = self._shift_at(q)
        self._q0 = q
        self._rate = rate
        self._ref_frames.clear()

    def _follow(self, delay: float, mic_at: int) -> None:
        """A delay estimate found for the mic audio ending at index ``mic_at``."""
        o = self.options
        q = mic_at - round(delay * RATE)  # the reference heard there
        shift = self._shift_at(q)  # of the delay, what drift compensation covers
        hops = round((delay * RATE - shift) / o.hop)
        self._delay_s = delay
        if self._hops is not None and abs(hops - self._hops) <= 1:
            # the same echo path: the estimates trace the clocks' drift
            now = (self._next or mic_at) - self._hops * o.hop
            self._compensate(self._drift.add(mic_at / RATE, delay), now)
        if self._hops is not None and hops == self._hops:
            self._candidate = None
            return
        count = self._candidate[1] + 1 if self._candidate and self._candidate[0] == hops else 1
        self._candidate = (hops, count)
        # a filter that cancels well is evidence for the current delay: a jump beyond its
        # span (not a drift of a hop) must then be confirmed for longer
        far = self._hops is not None and abs(hops - self._hops) > 1 and self._core.working
        if count < (4 * o.confirm if far else o.confirm):
            return
        if self._hops is not None and abs(hops - self._hops) >= self._core.taps:
            # a new echo path: start over, the filter and drift compensation alike
            self._core.reset()
            self._drift.reset()
            self._rate = self._base = 0.0
            self._ref_frames.clear()
            hops = round(delay * RATE / o.hop)
        elif self._hops is not None:
            self._core.shift(hops - self._hops)
        self._hops = hops
        self._candidate = None

    def _publish(self) -> None:
        sup = 0.0
        if self._out_pow > 0 and self._mic_pow > 0:
            sup = max(0.0, 10 * math.log10(self._mic_pow / self._out_pow))
        status = BleedStatus(
            self._hops is not None,
            None if self._delay_s is None else self._delay_s * 1000.0,
            sup,
            self._late,
        )
        with self._lock_status:
            self._status = status


def _half(x: FloatArray) -> FloatArray:
    """16 kHz to 8 kHz for the delay search (pair averages; the band stops below 4 kHz)."""
    n = x.shape[0] // 2 * 2
    y: FloatArray = (x[:n:2] + x[1:n:2]) * np.float32(0.5)
    return y
