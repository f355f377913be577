"""The streaming policy: when to decode, what to commit, what to forget. Pure: no I/O, no
threads, no clock — it is driven by the audio it is given, so any pacing gives the same text.

``StreamingPolicy``  one stretch of speech at a time:
                     ``begin(t, samples, probs)`` opens it, ``append(samples, probs)`` adds
                     audio and runs a pass every ``step`` seconds of it, ``end(t)`` runs the
                     final pass and commits everything up to session time ``t``;
                     ``waiting`` is how much captured audio waits to be appended (live input)
``Pass``             what a pass yields: newly committed words and the tentative rest
``agreed_prefix``    LocalAgreement-2: how many leading words two hypotheses share

Commit rule (LocalAgreement-2): a word is committed once two consecutive passes agree on it
and on every word before it (and the buffer holds at least ``commit_after`` seconds). A
pass whose reading loops (``EngineSegment.loops``) commits nothing and is skipped as a
partner: the next pass is checked against the one before it.
Committed words never change: the buffer's committed words are given to the decoder as a
prefix, so each pass only decodes what follows them. Past ``trim_after`` seconds the buffer is
cut at the last committed sentence end, past ``max_buffer`` at the last committed word, so a
pass never sees much more than ``max_buffer`` seconds and cost stays flat however long the
meeting. Text cut out of the buffer becomes the decoder's prompt, for continuity. Each
stretch of speech ends (VAD) with a final pass that commits everything.

Live, a pass can cost more than ``step`` seconds (the final pass, in the wide window, takes
about 0.75 s with tiny.en on two cores): audio then waits while it runs. A pass is put off while
more than ``WAITING_EDGE`` seconds of audio wait to be appended (up to ``LONGEST_STRIDE``
seconds of speech), so the next pass covers them too instead of decoding audio that is
already stale; one pass instead of several catches the transcript up with the live edge.
Nothing waits when audio comes no faster than it is decoded, so a file read as fast as it
is decoded gives the same text at any pace.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from loopnote.asr.engine import SAMPLE_RATE, Engine, EngineRequest
from loopnote.asr.guards import (
    cut_repetitions,
    cut_squeezed_tail,
    ends_sentence,
    guard_segments,
    join_words,
    normalize,
)
from loopnote.asr.options import RecognizerOptions
from loopnote.asr.vad import FRAME
from loopnote.types import FloatArray, Word

_RECENT = 40  # committed words remembered to catch a hypothesis that says them again
_HARD_LIMIT = 28.0  # seconds; Whisper sees at most 30 s at once
WAITING_EDGE = 0.25  # seconds of waiting audio that still count as the live edge
LONGEST_STRIDE = 6.0  # seconds of speech a pass is put off at most while audio waits


@dataclass(frozen=True)
class Pass:
    committed: tuple[Word, ...]  # newly committed, session times, in order
    tentative: tuple[Word, ...]  # the rest of this pass's hypothesis
    t: float  # session time the pass covered
    final: bool = False  # the stretch of speech is over


def agreed_prefix(a: Sequence[Word], b: Sequence[Word]) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if normalize(x.text) != normalize(y.text):
            break
        n += 1
    return n


class StreamingPolicy:
    def __init__(self, engine: Engine, options: RecognizerOptions) -> None:
        self.engine = engine
        self.options = options
        self._capacity = int(_HARD_LIMIT * SAMPLE_RATE) + 4 * FRAME
        self._audio = np.zeros(self._capacity, dtype=np.float32)
        self._probs: list[float] = []  # VAD probability per FRAME since ``_probs_t``
        self._probs_t = 0.0
        self._n = 0  # samples in the buffer
        self._t = 0.0  # session time of buffer sample 0
        self._since_pass = 0  # samples appended since the last pass
        self._passes = 0
        self._prev: list[Word] = []  # tentative words of the last pass
        self._in_buffer: list[Word] = []  # committed words whose audio is still buffered
        self._last_end = 0.0  # end of the last committed word
        self._recent: list[Word] = []  # the last few committed words, across cuts
        self._onset = 0.0  # session time this stretch of speech began
        self._context = ""  # committed text cut out of the buffer
        self.active = False
        self.waiting = 0.0  # seconds of captured audio not yet appended (set by the caller)

    # -- audio in ---------------------------------------------------------------------------
    @property
    def buffered(self) -> float:
        """Seconds of audio the next pass would see."""
        return self._n / SAMPLE_RATE

    @property
    def end_time(self) -> float:
        return self._t + self.buffered

    def begin(self, t: float, samples: FloatArray, probs: npt.NDArray[np.float32]) -> None:
        """Open a stretch of speech whose first sample is at session time ``t``."""
        self._n = 0
        self._t = t
        self._probs = []
        self._probs_t = t
        self._since_pass = 0
        self._passes = 0
        self._prev = []
        self._in_buffer = []
        self._onset = t
        self.active = True
        self._put(samples, probs)
        self._since_pass = 0  # the schedule counts speech from the onset, not the pre-roll

    def append(self, samples: FloatArray, probs: npt.NDArray[np.float32]) -> Pass | None:
        """Add speech audio; run a pass when ``step`` seconds arrived since the last one."""
        self._put(samples, probs)
        o = self.options
        due = o.first_step if self._passes == 0 else o.step
        if self._since_pass < round(due * SAMPLE_RATE):
            return None
        if self.waiting > WAITING_EDGE and self._since_pass < round(LONGEST_STRIDE * SAMPLE_RATE):
            return None  # more audio is already here: the next pass covers it too
        if self.buffered > _HARD_LIMIT - 2.0:  # no agreement for far too long: settle it
            result = self._run(final=True)
            self._cut(self.end_time)
            return result
        return self._run(final=False)

    def end(self, t: float) -> Pass:
        """Close the stretch at session time ``t`` (clipped to the buffer): commit everything."""
        keep = round((min(max(t, self._t), self.end_time) - self._t) * SAMPLE_RATE)
        self._n = keep
        result = self._run(final=True)
        self.active = False
        self._cut(self.end_time)
        self._probs = []
        return result

    def _put(self, samples: FloatArray, probs: npt.NDArray[np.float32]) -> None:
        x = np.asarray(samples, dtype=np.float32).reshape(-1)
        if self._n + x.size > self._capacity:  # only reachable with no committed words at all
            self._cut(self._t + (self._n + x.size - self._capacity) / SAMPLE_RATE)
        self._audio[self._n : self._n + x.size] = x
        self._n += x.size
        self._since_pass += x.size
        self._probs.extend(float(p) for p in probs)

    # -- passes -----------------------------------------------------------------------------
    def _speech_prob(self, start: float, end: float, *, mean: bool = False) -> float:
        """Highest (or mean) VAD probability over buffer-relative [start, end]."""
        if not self._probs:
            return 0.0
        per = FRAME / SAMPLE_RATE
        a = max(0, int((self._t + start - self._probs_t) / per))
        b = max(a + 1, int(np.ceil((self._t + end - self._probs_t) / per)))
        window = self._probs[a:b]
        if not window:
            return 0.0
        return sum(window) / len(window) if mean else max(window)

    def _speech_seconds(self) -> float:
        """Seconds of buffered frames after the last committed word that the VAD calls speech."""
        per = FRAME / SAMPLE_RATE
        first = max(0, round((max(self._t, self._last_end) - self._probs_t) / per))
        threshold = self.options.vad.threshold
        return sum(1 for p in self._probs[first:] if p >= threshold) * per

    def _request(self, final: bool) -> EngineRequest:
        o = self.options
        # The final pass, and until a stretch has committed words every pass that may commit
        # them, decode in the wide window: short windows often drop a stretch's first word, and
        # two passes that both drop it agree on the rest.
        head = not self._in_buffer and self.buffered >= o.commit_after
        return EngineRequest(
            language=o.language,
            beam_size=o.beam_size,
            prompt=self._context or None,
            hotwords=o.hotwords(),
            prefix=join_words(self._in_buffer) or None,
            names=o.names,
            final=final,
            wide_window=final or head,
        )

    def _run(self, final: bool) -> Pass:
        self._since_pass = 0
        self._passes += 1
        audio = self._audio[: self._n].copy()
        duration = self.buffered
        # a buffer with (almost) no speech after its committed words is not decoded, unless the
        # last pass left words pending
        heard = bool(self._prev) or self._speech_seconds() >= self.options.guards.min_speech
        segments = self.engine.transcribe(audio, self._request(final)) if heard else []
        words = guard_segments(segments, self.options.guards, self._speech_prob)
        # a loop often restarts a sentence already committed: cut repeats across both
        stretch = [w for w in self._recent if w.start >= self._onset]
        head = len(stretch)
        words = cut_repetitions([*stretch, *words], self.options.guards.max_repeats)
        words = cut_squeezed_tail(words[head:], duration)
        words = [
            replace(w, start=self._t + min(w.start, duration), end=self._t + min(w.end, duration))
            for w in words
        ]
        words = self._drop_committed(words)
        # A loop (mostly the last sentence said again into the window's silence) is cut by
        # the guards, but what is left of it is no reading to agree with: two looping passes
        # often agree on the same wrong words. It is shown, and the next pass is checked
        # against the pass before it.
        loops = any(s.loops for s in segments)
        if final:
            agreed = len(words)
        elif duration < self.options.commit_after or loops:
            agreed = 0  # too little audio, or a loop: show the words, commit nothing yet
        else:
            agreed = agreed_prefix(self._prev, words)
        committed = self._commit(words[:agreed])
        tentative = words[agreed:]
        covered = self._t + duration
        if final:
            self._prev = []
        else:
            if not loops:
                self._prev = list(tentative)
            self._trim(tentative)
        return Pass(tuple(committed), tuple(tentative), covered, final)

    def _drop_committed(self, words: list[Word]) -> list[Word]:
        """Drop a repeat of the last committed words at the head of a hypothesis.

        The buffer's committed words are the decoder's prefix, so a hypothesis continues
        after them; one that starts by saying them again is looping on its own context.
        """
        tail = [normalize(w.text) for w in self._recent]
        for k in range(min(len(words), len(tail)), 1, -1):
            if [normalize(w.text) for w in words[:k]] == tail[-k:]:
                return words[k:]
        return words

    def _commit(self, words: Sequence[Word]) -> list[Word]:
        out: list[Word] = []
        limit = self.end_time
        for w in words:
            start = min(max(w.start, self._last_end), limit)
            end = min(max(w.end, start), limit)
            word = replace(w, start=start, end=end)
            out.append(word)
            self._last_end = end
        self._in_buffer.extend(out)
        self._recent = (self._recent + out)[-_RECENT:]
        return out

    def _trim(self, tentative: Sequence[Word]) -> None:
        """Past ``trim_after`` seconds, cut the buffer at the last committed sentence end;
        past ``max_buffer``, at the last committed word.

        A sentence end counts only when the pass heard words after it: Whisper closes
        whatever audio it is given with a period, so a period at the very end is a guess.
        """
        if self.buffered <= min(self.options.trim_after, self.options.max_buffer):
            return
        following = len(self._in_buffer) + len(tentative)
        ends = [
            i
            for i, w in enumerate(self._in_buffer)
            if i > 0 and ends_sentence(w) and i + 1 < following
        ]
        if ends:
            i = ends[-1]
        elif self.buffered > self.options.max_buffer and len(self._in_buffer) > 1:
            i = len(self._in_buffer) - 1
        else:
            return
        # The cut keeps the audio of word ``i`` itself, which stays the decoder's prefix: if its
        # aligned start is a little late, the prefix still accounts for what leaks in before.
        self._cut(self._in_buffer[i].start)

    def _cut(self, t: float) -> None:
        """Forget buffered audio before session time ``t``; its committed text turns prompt."""
        k = round((t - self._t) * SAMPLE_RATE)
        k = min(max(k, 0), self._n)
        if k == 0:
            return
        self._audio[: self._n - k] = self._audio[k : self._n]
        self._n -= k
        self._t += k / SAMPLE_RATE
        gone = [w for w in self._in_buffer if w.end <= self._t + 1e-6]
        self._in_buffer = self._in_buffer[len(gone) :]
        if gone:
            text = f"{self._context} {join_words(gone)}".strip()
            limit = self.options.context_chars
            if len(text) > limit:
                text = text[-limit:].split(" ", 1)[-1]
            self._context = text
        frames = int((self._t - self._probs_t) * SAMPLE_RATE // FRAME)
        if frames > 0:
            del self._probs[:frames]
            self._probs_t += frames * FRAME / SAMPLE_RATE
