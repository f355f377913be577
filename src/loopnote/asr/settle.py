"""Settling: each stretch of speech decoded again, once, with the audio that follows it, as an
offline pass would decode it (pure: no threads, no I/O; the engine is passed in).

``SettleOptions``    how stretches are cut and how much audio surrounds each
``Stretch``          consecutive live utterances of one source and the span of session time
                     whose words belong to it: ``[start, end)``
``StretchCutter``    cuts one source's live utterances into stretches as they commit:
                     ``add(u)``, ``advance(t)`` (nothing more will commit ending before ``t``),
                     ``flush()`` (the source ended); each returns the stretches it closed
``cut_stretches(utterances)``  the same over a finished transcript
``settle_stretch(engine, stretch, audio, audio_start, request)``  the settled utterances:
                     one per live utterance, with its id and speaker, holding the settled
                     words heard during it (empty text when the settled pass heard none)

The live pass decodes a stretch while it is still being spoken, from a buffer that ends at
the live edge; the settling pass decodes ``[start - pad, end + follow]`` with faster-whisper's
own long-form decoding (timestamps, temperature fallback), the previous settled text as its
prompt, and keeps the words whose middle falls inside the stretch. Words that the live pass
put in no utterance (a first word it lost) go to the nearest live utterance of the stretch.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace
from difflib import SequenceMatcher

import numpy as np
import numpy.typing as npt

from loopnote.asr.engine import SAMPLE_RATE, Engine, EngineRequest
from loopnote.asr.guards import join_words, normalize
from loopnote.asr.options import GuardOptions
from loopnote.asr.vad import FRAME, SileroVad
from loopnote.types import FloatArray, Source, Utterance, Word

WORD_SLACK = 0.2  # seconds around a word's times where speech may be heard
TAIL_CONFIDENCE = 0.5  # word probability a word after the live pass's last one needs
STOPPED_SHORT = 1.0  # a live word this long after the decoder's last one: it stopped early


@dataclass(frozen=True)
class SettleOptions:
    """``split_gap``  a pause this long between live utterances ends a stretch (s)
    ``max_stretch``   a stretch longer than this ends at its next live utterance (s)
    ``pad``           audio before a stretch's first live word that belongs to it (s)
    ``follow``        audio after a stretch decoded with it (s): its right context
    ``prompt_chars``  settled text before the stretch given to the decoder as context
    ``speech_check``  drop words over audio the VAD does not hear as speech (a word the
                      decoder invented in the silence after the last one)"""

    split_gap: float = 1.0
    max_stretch: float = 24.0
    pad: float = 1.0
    follow: float = 3.0
    prompt_chars: int = 200
    speech_check: bool = True


@dataclass(frozen=True)
class Stretch:
    source: Source
    live: tuple[Utterance, ...]
    start: float
    end: float
    following: tuple[Word, ...] = ()  # the next live utterance's words, when known

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(u.id for u in self.live)

    def audio_span(self, options: SettleOptions) -> tuple[float, float]:
        """The session time to decode: the stretch and the audio that follows it."""
        return self.start, self.end + options.follow


class StretchCutter:
    """One source's live utterances, in commit order, cut into stretches."""

    def __init__(self, source: Source, options: SettleOptions, after: float = 0.0) -> None:
        self.source: Source = source
        self._o = options
        self._open: list[Utterance] = []
        self._after = after  # where the previous stretch ended

    def add(self, u: Utterance) -> list[Stretch]:
        out: list[Stretch] = []
        if self._open:
            last, first = self._open[-1], self._open[0]
            if u.start - last.end >= self._o.split_gap or u.end - first.start > self._o.max_stretch:
                end = min(max(last.end, (last.end + u.start) / 2), u.start)
                out.append(self._close(end, u.words))
        self._open.append(u)
        return out

    def advance(self, t: float) -> list[Stretch]:
        """Nothing more will commit ending before ``t``: a stretch the pause already ended
        closes."""
        if self._open and t - self._open[-1].end >= self._o.split_gap:
            return [self._close(self._open[-1].end + self._o.split_gap / 2)]
        return []

    def flush(self) -> list[Stretch]:
        if not self._open:
            return []
        return [self._close(self._open[-1].end + self._o.split_gap / 2)]

    def _close(self, end: float, following: tuple[Word, ...] = ()) -> Stretch:
        live = tuple(self._open)
        start = max(self._after, live[0].start - self._o.pad)
        self._open = []
        self._after = end
        return Stretch(self.source, live, start, max(end, start), following)


def cut_stretches(utterances: Sequence[Utterance], options: SettleOptions) -> list[Stretch]:
    """The stretches of a finished transcript, per source, in time order."""
    cutters: dict[Source, StretchCutter] = {}
    out: list[Stretch] = []
    for u in sorted(utterances, key=lambda u: (u.start, u.end)):
        cutter = cutters.setdefault(u.source, StretchCutter(u.source, options))
        out += cutter.add(u)
    for cutter in cutters.values():
        out += cutter.flush()
    return sorted(out, key=lambda s: s.start)


def settle_stretch(
    engine: Engine,
    stretch: Stretch,
    audio: FloatArray,
    audio_start: float,
    request: EngineRequest,
    options: SettleOptions,
) -> list[Utterance]:
    """Decode ``audio`` (16 kHz mono from session time ``audio_start``) and give the settled
    form of each live utterance of ``stretch``, in order."""
    samples = np.asarray(audio, np.float32).reshape(-1)
    live_starts = [w.start - audio_start for u in stretch.live for w in u.words]
    decoded = _decode(engine, samples, request, live_starts, options.prompt_chars)
    reach = audio_start + (decoded[-1].end if decoded else 0.0)
    heard = _speech(samples) if options.speech_check else None
    if heard is not None:
        decoded = [w for w in decoded if _spoken(heard, w, WORD_SLACK, 0.5)]
    words = _own_words(stretch, [_shift(w, audio_start) for w in decoded])
    # words past the last one the live pass wrote: kept when the decoder was sure of them
    # (a decoder running on into the pause after speech invents words it is unsure of)
    last = max((i for i, (_, mine) in enumerate(words) if mine), default=-1)
    kept = [w for i, (w, _) in enumerate(words) if i <= last or w.p >= TAIL_CONFIDENCE]
    settled = assign_words(stretch.live, kept)
    # a live line after the last word the decoder wrote at all was never read again: it
    # stays as heard (over speech), rather than the settled transcript losing it
    return [
        u if not s.words and u.end > reach and _over_speech(u, heard, audio_start) else s
        for u, s in zip(stretch.live, settled, strict=True)
    ]


def _decode(
    engine: Engine,
    samples: FloatArray,
    request: EngineRequest,
    live_starts: Sequence[float],
    prompt_chars: int,
) -> list[Word]:
    """The words of ``samples`` (times from their start). Whisper sometimes ends a window's
    text early, with speech still to come (a short prompt read with nothing after it); the
    audio after its last word is then decoded once more on its own, when the live pass
    heard words there."""
    words = [
        w for seg in engine.transcribe(samples, replace(request, long_form=True)) for w in seg.words
    ]
    reach = words[-1].end if words else 0.0
    if not words or not any(t >= reach + STOPPED_SHORT for t in live_starts):
        return words
    prompt = " ".join(p for p in (request.prompt, join_words(words)) if p)[-prompt_chars:]
    rest = samples[round(reach * SAMPLE_RATE) :]
    more = engine.transcribe(rest, replace(request, long_form=True, prompt=prompt))
    return words + [_shift(w, reach) for seg in more for w in seg.words]


def _over_speech(u: Utterance, heard: npt.NDArray[np.float32] | None, audio_start: float) -> bool:
    if heard is None:
        return True
    return any(_spoken(heard, _shift(w, -audio_start), WORD_SLACK, 0.5) for w in u.words)


def _shift(w: Word, dt: float) -> Word:
    return Word(w.text, w.start + dt, w.end + dt, w.p)


def _own_words(stretch: Stretch, decoded: Sequence[Word]) -> list[tuple[Word, bool]]:
    """The decoded words that belong to the stretch, each with whether the live pass wrote
    it there: those it wrote in the stretch, and the others heard before its end; never a
    word the live pass wrote in the utterance after it, nor anything after such a word (two
    decodes place a word near a pause a little differently; the text says on which side)."""
    mine = [w for u in stretch.live for w in u.words]
    owner = _align([*mine, *stretch.following], decoded)
    out: list[tuple[Word, bool]] = []
    for w, k in zip(decoded, owner, strict=True):
        if k is not None and k >= len(mine):
            break  # the next utterance's
        if k is not None or stretch.start <= (w.start + w.end) / 2 < stretch.end:
            out.append((w, k is not None))
    return out


def _align(heard: Sequence[Word], decoded: Sequence[Word]) -> list[int | None]:
    """For each decoded word, the index in ``heard`` of the same word at the same place in
    the text (longest common blocks), or None."""
    matcher = SequenceMatcher(
        None,
        [normalize(w.text) for w in heard],
        [normalize(w.text) for w in decoded],
        autojunk=False,
    )
    owner: list[int | None] = [None] * len(decoded)
    for a, b, size in matcher.get_matching_blocks():
        for i in range(size):
            owner[b + i] = a + i
    return owner


def _speech(samples: FloatArray) -> npt.NDArray[np.float32]:
    return SileroVad().probabilities(samples)


def _spoken(probs: npt.NDArray[np.float32], w: Word, slack: float, share: float) -> bool:
    """Speech under the word (its times give or take ``slack``): the VAD's highest
    probability there reaches ``share`` of the speech threshold (the live recognizer drops
    a segment lying wholly below half of it)."""
    a = max(0, int((w.start - slack) * SAMPLE_RATE) // FRAME)
    b = int((w.end + slack) * SAMPLE_RATE) // FRAME + 1
    span = probs[a:b]
    return span.size == 0 or float(span.max()) >= GuardOptions().speech_prob * share


def assign_words(live: Sequence[Utterance], words: Sequence[Word]) -> list[Utterance]:
    """Each word to the live utterance it was heard in; each live utterance rebuilt from
    its words. A word the live pass also wrote goes with it (word times of two decodes
    differ by a word or so at a boundary); any other goes by time (the pause between two
    utterances split at its middle), never past the matched words around it."""
    words = sorted(words, key=lambda w: w.start)
    owner = _matched_owners(live, words)
    bounds = [(a.end + b.start) / 2 for a, b in itertools.pairwise(live)]
    groups: list[list[Word]] = [[] for _ in live]
    lo = 0
    for j, w in enumerate(words):
        if owner[j] is None:
            by_time = sum(1 for b in bounds if (w.start + w.end) / 2 >= b)
            hi = next((k for k in owner[j:] if k is not None), len(live) - 1)
            owner[j] = min(max(by_time, lo), hi)
        k = owner[j]
        assert k is not None
        lo = k
        groups[k].append(w)
    out: list[Utterance] = []
    for u, ws in zip(live, groups, strict=True):
        if ws:
            out.append(
                replace(u, start=ws[0].start, end=ws[-1].end, text=join_words(ws), words=tuple(ws))
            )
        else:
            out.append(replace(u, text="", words=()))
    return out


def _matched_owners(live: Sequence[Utterance], words: Sequence[Word]) -> list[int | None]:
    """For each settled word, the index of the live utterance holding the same word."""
    utterance_of = [k for k, u in enumerate(live) for _ in u.words]
    return [
        None if i is None else utterance_of[i]
        for i in _align([w for u in live for w in u.words], words)
    ]


def prompt_before(text: str, options: SettleOptions) -> str | None:
    """The end of the settled text before a stretch, cut at a word, as decoding context."""
    if not text.strip():
        return None
    tail = text[-options.prompt_chars :]
    return tail[tail.find(" ") + 1 :] if len(text) > options.prompt_chars else tail


def samples_between(start: float, end: float) -> tuple[int, int]:
    """Sample indexes of ``[start, end)`` on the 16 kHz session timeline."""
    return max(0, round(start * SAMPLE_RATE)), max(0, round(end * SAMPLE_RATE))


__all__ = [
    "SettleOptions",
    "Stretch",
    "StretchCutter",
    "assign_words",
    "cut_stretches",
    "prompt_before",
    "samples_between",
    "settle_stretch",
]
