"""Live recognition of one source: VAD-gated streaming passes turned into partial text and
committed utterances.

``StreamingRecognizer(engine, source, options)``
    ``feed(samples, start)``  16 kHz mono float32 audio (1-D), contiguous with what came before;
                              returns the ``PartialText`` and ``Utterance`` objects it settled
    ``finish()``              end of the stream: commit whatever is still open
    ``set_catching_up(on)``   behind real time: a pass only every ``CATCH_UP_STEP`` s of speech
                              (the pass that ends a stretch still runs)
    ``set_waiting(seconds)``  live input: captured audio not yet fed; a pass is put off while
                              more of it waits than the live edge allows (``StreamingPolicy``)
``transcribe_offline(engine, samples, options)``
    the same model over a whole recording at once (the benchmark's reference)

Audio is cut into 512-sample frames on a grid fixed from the first sample. Each frame goes
through Silero VAD; silence only fills a short pre-roll ring (no decoding, no text). While
speech lasts, ``StreamingPolicy`` decodes every ``step`` seconds of audio. Committed words are
grouped into utterances at sentence ends and at the end of each stretch of speech. Utterance
ids are the source's letter and a running number (``s00001``, ``m00001``), from
``options.first_index``. Word times are session seconds: ``start`` of the first ``feed`` plus
the sample count.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace

import numpy as np

from loopnote.asr.engine import SAMPLE_RATE, Engine, EngineRequest
from loopnote.asr.guards import ends_sentence, join_words
from loopnote.asr.languages import AUTO, LanguageLock, language_name
from loopnote.asr.options import RecognizerOptions
from loopnote.asr.streaming import Pass, StreamingPolicy
from loopnote.asr.vad import FRAME, SileroVad, VadEvent, VadSegmenter
from loopnote.types import FloatArray, PartialText, SessionWarning, Source, Utterance, Word

Emitted = PartialText | Utterance | SessionWarning
CATCH_UP_STEP = 6.0  # seconds of speech between passes while catching up (under the 28 s cap)


class StreamingRecognizer:
    def __init__(
        self, engine: Engine, source: Source, options: RecognizerOptions | None = None
    ) -> None:
        self.source = source
        self.options = options or RecognizerOptions()
        # --language auto: detected once, from this source's first speech
        self._language = LanguageLock(engine) if self.options.language == AUTO else None
        self.engine: Engine = self._language or engine
        self._vad = SileroVad()
        self._segmenter = VadSegmenter(self.options.vad)
        self._policy = StreamingPolicy(self.engine, self.options)
        pad_frames = max(1, round(self.options.vad.speech_pad * SAMPLE_RATE / FRAME))
        # The last frames heard, in speech or not: a stretch of speech starts with those after
        # the previous stretch's audio (at most the pre-roll), so neither the VAD's onset lag
        # nor an onset that arrives while the previous stretch is ending costs a first word.
        self._preroll: deque[tuple[int, FloatArray, float]] = deque(maxlen=pad_frames)
        self._free_from = 0  # first frame not given to a stretch of speech
        self._rest = np.zeros(0, dtype=np.float32)
        self._t0: float | None = None
        self._frames = 0  # whole frames processed
        self._pending: list[Word] = []  # committed, not yet in an utterance
        self._next = self.options.first_index
        self._last_partial = ""
        self._finished = False

    @property
    def settled(self) -> tuple[Word, ...]:
        """Committed words not yet part of an emitted utterance (they will not change)."""
        return tuple(self._pending)

    @property
    def buffered(self) -> float:
        """Seconds of audio held back, at the end of what was fed: words may still be
        committed from it (outside speech only the short pre-roll kept before an onset)."""
        held = self._rest.size / SAMPLE_RATE
        if self._policy.active:
            return held + self._policy.buffered
        free = sum(1 for i, _, _ in self._preroll if i >= self._free_from)
        return held + free * FRAME / SAMPLE_RATE

    @property
    def next_index(self) -> int:
        """Number the next utterance id will carry."""
        return self._next

    def set_catching_up(self, on: bool) -> None:
        step = max(self.options.step, CATCH_UP_STEP) if on else self.options.step
        self._policy.options = replace(self.options, step=step)

    def set_waiting(self, seconds: float) -> None:
        self._policy.waiting = max(0.0, seconds)

    def _frame_time(self, frame: int) -> float:
        assert self._t0 is not None
        return self._t0 + frame * FRAME / SAMPLE_RATE

    def feed(self, samples: FloatArray, start: float) -> list[Emitted]:
        """Take the next chunk; ``start`` is its session time (used once, for the origin)."""
        if self._finished:
            raise RuntimeError("feed() after finish()")
        x = np.asarray(samples, dtype=np.float32).reshape(-1)
        if self._t0 is None:
            self._t0 = float(start)
        audio = np.concatenate([self._rest, x]) if self._rest.size else x
        n = audio.size // FRAME
        self._rest = audio[n * FRAME :].copy()
        if n == 0:
            return []
        frames = audio[: n * FRAME].reshape(n, FRAME)
        probs = self._vad.probabilities(frames.reshape(-1))
        out: list[Emitted] = []
        for frame, prob in zip(frames, probs, strict=True):
            out.extend(self._frame(frame, float(prob)))
        return out + self._language_notice()

    def _language_notice(self) -> list[Emitted]:
        """Once the language of ``--language auto`` is settled: a notice saying which."""
        found = self._language.take_detection() if self._language is not None else None
        if found is None:
            return []
        code = found.language
        return [
            SessionWarning(
                "language-detected",
                f"{self.source} speaks {language_name(code)} ({code}), detected from its first "
                f"speech ({found.probability:.0%} sure); --language {code} fixes it",
                self.source,
                self._frame_time(self._frames),
                extra={"language": code, "probability": round(found.probability, 3)},
            )
        ]

    def _frame(self, frame: FloatArray, prob: float) -> list[Emitted]:
        index = self._frames
        self._frames += 1
        event = self._segmenter.update(prob)
        one = np.array([prob], dtype=np.float32)
        if not self._policy.active:
            if event is not VadEvent.START:
                self._preroll.append((index, frame, prob))
                return []
            pre = [(f, p) for i, f, p in self._preroll if i >= self._free_from]
            self._preroll.append((index, frame, prob))
            audio = np.concatenate([f for f, _ in pre] + [frame])
            probs = np.array([p for _, p in pre] + [prob], dtype=np.float32)
            self._policy.begin(self._frame_time(index - len(pre)), audio, probs)
            return []
        self._preroll.append((index, frame, prob))
        result = self._policy.append(frame, one)
        out = self._emit(result) if result else []
        if event is VadEvent.END:
            pad_frames = round(self.options.vad.speech_pad * SAMPLE_RATE / FRAME)
            free = min(self._segmenter.speech_end + pad_frames, index + 1)
            out.extend(self._emit(self._policy.end(self._frame_time(free))))
            self._free_from = free  # frames after the cut may start the next stretch
        return out

    def finish(self) -> list[Emitted]:
        """End of the stream: the open stretch of speech (if any) is decoded and committed."""
        if self._finished:
            return []
        self._finished = True
        out: list[Emitted] = []
        if self._policy.active:
            if self._rest.size:
                result = self._policy.append(self._rest, np.zeros(0, dtype=np.float32))
                out.extend(self._emit(result) if result else [])
            out.extend(self._emit(self._policy.end(self._policy.end_time)))
        out.extend(self._flush())
        out.extend(self._language_notice())
        self._preroll.clear()
        self._rest = np.zeros(0, dtype=np.float32)
        return out

    # -- output ---------------------------------------------------------------------------
    def _emit(self, result: Pass) -> list[Emitted]:
        out: list[Emitted] = []
        for word in result.committed:
            self._pending.append(word)
            if ends_sentence(word) or (
                word.end - self._pending[0].start >= self.options.max_utterance
            ):
                out.extend(self._flush())
        if result.final:
            out.extend(self._flush())
        committed = join_words(self._pending)
        tentative = join_words(result.tentative)
        text = join_words([*self._pending, *result.tentative])
        if text or self._last_partial:
            out.append(PartialText(self.source, result.t, text, committed, tentative))
            self._last_partial = text
        return out

    def _flush(self) -> list[Utterance]:
        if not self._pending:
            return []
        words = tuple(self._pending)
        self._pending = []
        prefix = "s" if self.source == "system" else "m"
        utt = Utterance(
            id=f"{prefix}{self._next:05d}",
            source=self.source,
            start=words[0].start,
            end=words[-1].end,
            text=join_words(words),
            words=words,
        )
        self._next += 1
        return [utt]


def transcribe_offline(
    engine: Engine, samples: FloatArray, options: RecognizerOptions | None = None
) -> list[Word]:
    """Decode a whole recording at once with the same model (times from its first sample)."""
    o = options or RecognizerOptions()
    request = EngineRequest(
        language=o.language, beam_size=o.beam_size, hotwords=o.hotwords(), long_form=True
    )
    segments = engine.transcribe(np.asarray(samples, dtype=np.float32).reshape(-1), request)
    return [w for s in segments for w in s.words]
