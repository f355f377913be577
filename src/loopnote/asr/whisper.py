"""faster-whisper (CTranslate2) behind the ``Engine`` protocol.

``WhisperEngine``        a loaded model; ``transcribe(samples, request)`` -> ``EngineSegment``s
``load_engine(model)``   resolve ``--model`` (see ``models``) and load it, int8 on the CPU
``default_cpu_threads``  the thread count used when none is given

One model serves every source: calls are serialized by a lock, so the system and mic
recognizers may share an engine from two threads.

A streaming buffer (at most 30 s) is decoded in one pass straight on the CTranslate2 model,
with faster-whisper's feature extractor and tokenizer: the encoder window is sized to the
buffer (whole seconds, at least ``min_window``) instead of Whisper's fixed 30 s, which makes
a pass on a few seconds of audio several times cheaper; greedy or beam decoding without
timestamp tokens, the caller's prompt, hotwords and prefix; word times from the
cross-attention alignment. On a final pass, a reading that loops (its text compresses too
well) is decoded again by sampling at rising temperatures, Whisper's own fallback. Segments
come back raw (nothing skipped on no-speech): the streaming guards decide. A whole recording
(``long_form``) goes through faster-whisper's own ``transcribe`` (30 s windows, timestamps,
temperature fallback), as an offline reference.
"""

from __future__ import annotations

import math
import os
import threading
import zlib
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from loopnote.asr.engine import LOOP_COMPRESSION, SAMPLE_RATE, EngineRequest, EngineSegment
from loopnote.asr.guards import joins_previous
from loopnote.asr.models import resolve_model
from loopnote.asr.names import log_softmax, name_forms, read_with_name, text_logprob
from loopnote.errors import ModelNotAvailable
from loopnote.types import FloatArray, Word

WINDOW_FULL = 30  # seconds: Whisper's training window
# seconds: the window of a pass asked for a wide one (``EngineRequest.wide_window``). 20 s
# commits about as few wrong words as the full 30 s for half the encoder's cost (tiny.en, two
# cores: 0.37 s against 0.71 s; the encoder's attention grows with the square of the window).
WINDOW_WIDE = 20
WINDOW_MIN = 8  # seconds: smallest encoder window used for streaming buffers
MAX_TOKENS = 448  # Whisper's decoder context
TOKENS_PER_SECOND = 50  # encoder positions per second of audio
# A final streaming pass whose text loops (``LOOP_COMPRESSION``) is decoded again by sampling
# at these temperatures, ``BEST_OF`` readings each
FALLBACK_TEMPERATURES = (0.2, 0.4, 0.6, 0.8, 1.0)
BEST_OF = 5
_APPEND = "\"'.。,，!！?？:：”)]}、؟،۔।॥։።။…」』"
_PREPEND = "\"'“¿¡([{「『-"


def default_cpu_threads() -> int:
    """All cores up to four: decoding one pass at a time gains little beyond that."""
    return max(1, min(4, os.cpu_count() or 1))


class WhisperEngine:
    """A faster-whisper model loaded once, shared by all sources."""

    def __init__(
        self, model: Any, name: str, multilingual: bool, *, min_window: int = WINDOW_MIN
    ) -> None:
        self._model = model
        self._name = name
        self._multilingual = multilingual
        self._min_window = min(max(1, min_window), WINDOW_FULL)
        self._tokenizers: dict[str, Any] = {}
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    @property
    def multilingual(self) -> bool:
        return self._multilingual

    @property
    def min_window(self) -> int:
        """Seconds: the smallest encoder window a streaming pass uses."""
        return self._min_window

    def transcribe(self, samples: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        audio = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
        if audio.size == 0:
            return []
        with self._lock:
            if request.long_form or audio.size > WINDOW_FULL * SAMPLE_RATE:
                return self._long_form(audio, request)
            return self._buffer(audio, request)

    def _tokenizer(self, language: str) -> Any:
        if language not in self._tokenizers:
            from faster_whisper.tokenizer import Tokenizer

            self._tokenizers[language] = Tokenizer(
                self._model.hf_tokenizer, self._multilingual, task="transcribe", language=language
            )
        return self._tokenizers[language]

    def _buffer(self, audio: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        """Decode one streaming buffer (<= 30 s) in a single window sized to the audio."""
        import ctranslate2
        from faster_whisper.transcribe import get_suppressed_tokens

        duration = audio.size / SAMPLE_RATE
        # The encoder's cost grows with its window: a short buffer gets a short window
        # (whole seconds, with at least 1 s of trailing silence, at least ``min_window``),
        # or the wide window when the caller asks for it.
        wide = max(self._min_window, WINDOW_WIDE)
        shortest = wide if request.wide_window else self._min_window
        window = min(WINDOW_FULL, max(shortest, math.ceil(duration + 1.0)))
        padded = np.zeros(window * SAMPLE_RATE, dtype=np.float32)
        padded[: audio.size] = audio
        features = self._model.feature_extractor(padded, padding=0)[:, : window * 100]
        ct2 = self._model.model
        encoded = ct2.encode(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(features[None])),
            to_cpu=True,
        )
        language, language_probability = _given_language(request.language, self._multilingual)
        if not language:  # detect: the most likely language token, "<|fr|>" -> "fr"
            token, language_probability = ct2.detect_language(encoded)[0][0]
            language = token[2:-2]
        tok = self._tokenizer(language)
        prompt: list[int] = []
        if request.hotwords or request.prompt:
            prompt.append(tok.sot_prev)
            if request.hotwords:
                prompt.extend(tok.encode(" " + request.hotwords.strip())[:100])
            if request.prompt:
                prompt.extend(tok.encode(" " + request.prompt.strip())[-(223 - len(prompt)) :])
        prompt.extend(tok.sot_sequence)
        prompt.append(tok.no_timestamps)
        fixed = tok.encode(" " + request.prefix.strip())[-150:] if request.prefix else []
        prompt.extend(fixed)
        max_new = min(MAX_TOKENS - len(prompt), int(10 * duration) + 16)
        suppress = list(get_suppressed_tokens(tok, [-1]))

        def decode(temperature: float) -> tuple[Any, list[int]]:
            sampled = temperature > 0
            out = ct2.generate(
                encoded,
                [prompt],
                beam_size=1 if sampled else request.beam_size,
                num_hypotheses=BEST_OF if sampled else 1,
                sampling_topk=0 if sampled else 1,
                sampling_temperature=temperature if sampled else 1.0,
                max_length=len(prompt) + max_new,
                return_scores=True,
                return_no_speech_prob=True,
                return_logits_vocab=bool(request.names),
                suppress_blank=True,
                suppress_tokens=suppress,
            )[0]
            return out, [t for t in out.sequences_ids[0] if t < tok.eot]

        result, tokens = decode(0.0)
        if request.final and _compression_ratio(tok.decode(tokens)) > LOOP_COMPRESSION:
            # A loop (the same words over and over): decoded again with sampling, as Whisper
            # does offline; the first reading that is no loop replaces it. The seed is fixed,
            # so the same audio always gives the same text. Only the final pass, whose words
            # are committed as read: up to 25 sampled readings cost seconds on a short buffer
            # (where a loop after the last word is common), while another pass's words are
            # tentative: the guards cut its loop, and the policy commits nothing from it.
            ctranslate2.set_random_seed(0)
            for temperature in FALLBACK_TEMPERATURES:
                again, again_tokens = decode(temperature)
                if _compression_ratio(tok.decode(again_tokens)) <= LOOP_COMPRESSION:
                    result, tokens = again, again_tokens
                    break
        repeated = bool(fixed) and tokens[: len(fixed)] == fixed
        if repeated:  # the output repeats the prefix it was given
            tokens = tokens[len(fixed) :]
        if not tokens:
            return []
        avg_logprob = float(result.scores[0]) * len(tokens) / (len(tokens) + 1)
        frames = min(window * 100, math.ceil(duration * 100))  # mel frames holding the audio
        aligned = ct2.align(encoded, tok.sot_sequence, [fixed + tokens], frames)[0]
        if request.names:
            again = _Decoding(ct2, tok, encoded, prompt, fixed, frames, max_new, suppress)
            named = read_with_name(
                tokens,
                log_softmax(result.logits[0])[len(fixed) if repeated else 0 :],
                sorted(
                    {tuple(tok.encode(" " + n)) for n in name_forms(request.names)},
                    key=len,
                ),
                [tok.decode([t]).startswith(" ") for t in tokens],
                free_score=again.score(aligned, len(tokens)),
                continue_after=again.continue_after,
                score=lambda reading: again.score(again.align(reading), len(reading)),
            )
            if named is not None:
                tokens, aligned = named, again.align(named)
        text = tok.decode(tokens)
        words = _words(tok, fixed + tokens, aligned, duration, skip=len(fixed))
        return [
            EngineSegment(
                words=tuple(words),
                no_speech_prob=float(result.no_speech_prob),
                avg_logprob=avg_logprob,
                compression_ratio=_compression_ratio(text),
                language=language,
                language_probability=float(language_probability),
            )
        ]

    def _long_form(self, audio: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        """A whole recording: faster-whisper's own windowing, timestamps and fallbacks."""
        language, _ = _given_language(request.language, self._multilingual)
        segments, info = self._model.transcribe(
            audio,
            language=language or None,
            beam_size=request.beam_size,
            initial_prompt=request.prompt or None,
            hotwords=request.hotwords or None,
            word_timestamps=True,
            vad_filter=False,
            chunk_length=WINDOW_FULL,
            log_progress=False,
        )
        duration = audio.size / SAMPLE_RATE
        out = [
            replace(
                _segment(s, duration),
                language=info.language,
                language_probability=float(info.language_probability),
            )
            for s in segments
        ]
        return [s for s in out if s.words]


@dataclass(frozen=True)
class _Decoding:
    """One buffer's encoder output and decoding setup, to decode and score it again."""

    model: Any  # ctranslate2.models.Whisper
    tok: Any  # faster_whisper Tokenizer
    encoded: Any  # the encoder's output
    prompt: list[int]  # ends with the text prefix ``fixed``
    fixed: list[int]
    frames: int  # mel frames holding the audio
    max_new: int  # tokens a reading may add after ``fixed``
    suppress: list[int]

    def continue_after(self, head: list[int]) -> list[int] | None:
        """The reading that starts with ``head`` and goes on as the decoder likes."""
        if len(head) >= self.max_new:
            return None
        out = self.model.generate(
            self.encoded,
            [self.prompt + head],
            beam_size=1,
            max_length=len(self.prompt) + self.max_new,
            suppress_blank=False,
            suppress_tokens=self.suppress,
        )[0]
        ids = [t for t in out.sequences_ids[0] if t < self.tok.eot]
        # the output starts with the text prefix it was given
        return (
            ids[len(self.fixed) :]
            if ids[: len(self.fixed) + len(head)] == self.fixed + head
            else None
        )

    def align(self, reading: list[int]) -> Any:
        return self.model.align(
            self.encoded, self.tok.sot_sequence, [self.fixed + reading], self.frames
        )[0]

    def score(self, aligned: Any, n: int) -> float:
        """Teacher-forced log-probability of the ``n`` tokens after the prefix."""
        start = len(self.fixed)
        return text_logprob(aligned.text_token_probs, start, start + n)


def _given_language(language: str | None, multilingual: bool) -> tuple[str, float]:
    """The language to decode in and its probability; ``""`` means "detect it"."""
    if not multilingual:
        return "en", 1.0  # an English-only model has no other language token
    if language is None or language == "auto":
        return "", 0.0
    return language, 1.0


def _segment(seg: Any, duration: float) -> EngineSegment:
    words: list[Word] = []
    last = 0.0
    for w in seg.words or ():
        text = str(w.word).strip()
        if not text:
            continue
        start = min(max(float(w.start), last), duration)
        end = min(max(float(w.end), start), duration)
        if words and _elided(words[-1].text, str(w.word)):  # "l" + "'arrivée"
            prev = words[-1]
            words[-1] = Word(prev.text + text, prev.start, end, min(prev.p, float(w.probability)))
        else:
            words.append(Word(text, start, end, float(w.probability)))
        last = end
    return EngineSegment(
        words=tuple(words),
        no_speech_prob=float(seg.no_speech_prob),
        avg_logprob=float(seg.avg_logprob),
        compression_ratio=float(seg.compression_ratio),
    )


def _compression_ratio(text: str) -> float:
    raw = text.encode("utf-8")
    return len(raw) / max(1, len(zlib.compress(raw)))


def _words(tok: Any, tokens: list[int], aligned: Any, duration: float, skip: int = 0) -> list[Word]:
    """Word times from the cross-attention alignment (as Whisper's word timestamps do);
    words starting within the first ``skip`` tokens (a given prefix) are left out."""
    words, word_tokens = tok.split_to_word_tokens([*tokens, tok.eot])
    if len(word_tokens) <= 1:
        return []
    pairs = np.asarray(aligned.alignments, dtype=np.int64).reshape(-1, 2)
    probs = np.asarray(aligned.text_token_probs, dtype=np.float64)
    jumps = np.pad(np.diff(pairs[:, 0]), (1, 0), constant_values=1).astype(bool)
    jump_times = pairs[jumps, 1] / TOKENS_PER_SECOND
    bounds = np.pad(np.cumsum([len(t) for t in word_tokens[:-1]]), (1, 0))
    raw: list[list[Any]] = []
    for k, text in enumerate(words[:-1]):
        i, j = int(bounds[k]), int(bounds[k + 1])
        start = float(jump_times[i]) if i < len(jump_times) else duration
        end = float(jump_times[j]) if j < len(jump_times) else duration
        p = float(np.mean(probs[i:j])) if j > i and j <= len(probs) else 0.0
        raw.append([text, start, end, p, i])
    merged: list[list[Any]] = []
    for item in raw:  # punctuation joins the word before it (opening marks the word after)
        bare = item[0].strip()
        if merged and bare and bare in _APPEND and not item[0].startswith(" "):
            merged[-1][0] += item[0]
        elif (  # "l" + "'instant" -> "l'instant" (never into a word of the given prefix)
            merged
            and _elided(merged[-1][0], item[0])
            and (merged[-1][4] < skip) == (item[4] < skip)
        ):
            merged[-1][0] += item[0]
            merged[-1][2], merged[-1][3] = item[2], min(merged[-1][3], item[3])
        elif merged and merged[-1][0].strip() in _PREPEND and merged[-1][0].strip():
            item[0] = merged[-1][0] + item[0].lstrip()
            item[1] = merged[-1][1]
            item[4] = merged[-1][4]
            merged[-1] = item
        else:
            merged.append(item)
    out: list[Word] = []
    last = 0.0
    for text, start, end, p, first in merged:
        clean = str(text).strip()
        if not clean or first < skip:
            last = max(last, end)
            continue
        s = min(max(start, last), duration)
        e = min(max(end, s), duration)
        if out and joins_previous(str(text)):  # the rest of a hyphenated compound
            prev = out[-1]
            out[-1] = Word(prev.text + clean, prev.start, e, min(prev.p, p))
        else:
            out.append(Word(clean, s, e, p))
        last = e
    return out


def _elided(before: str, word: str) -> bool:
    """An apostrophe written against the word before it (French "l'", Italian "dell'"):
    Whisper's word split makes the apostrophe start a word of its own."""
    return word[:1] in "'’" and len(word) > 1 and before[-1:].isalpha()


def load_engine(
    model: str = "",
    *,
    cpu_threads: int = 0,
    compute_type: str = "int8",
    min_window: int = WINDOW_MIN,
) -> WhisperEngine:
    """Load ``model`` ("" = bundled tiny.en) or raise ``ModelNotAvailable`` (one line)."""
    resolved = resolve_model(model)
    try:
        from faster_whisper import WhisperModel

        loaded = WhisperModel(
            str(resolved.path),
            device="cpu",
            compute_type=compute_type,
            cpu_threads=cpu_threads or default_cpu_threads(),
            num_workers=1,
        )
    except (RuntimeError, ValueError, OSError) as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise ModelNotAvailable(f"model {resolved.name!r} could not be loaded: {first}") from None
    return WhisperEngine(
        loaded, resolved.name, bool(loaded.model.is_multilingual), min_window=min_window
    )
