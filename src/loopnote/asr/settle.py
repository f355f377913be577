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

import numpy as np

from loopnote.asr.engine import SAMPLE_RATE, Engine, EngineRequest
from loopnote.asr.guards import join_words
from loopnote.types import FloatArray, Source, Utterance, Word


@dataclass(frozen=True)
class SettleOptions:
    """``split_gap``  a pause this long between live utterances ends a stretch (s)
    ``max_stretch``   a stretch longer than this ends at its next live utterance (s)
    ``pad``           audio before a stretch's first live word that belongs to it (s)
    ``follow``        audio after a stretch decoded with it (s): its right context
    ``prompt_chars``  settled text before the stretch given to the decoder as context"""

    split_gap: float = 1.0
    max_stretch: float = 24.0
    pad: float = 1.0
    follow: float = 3.0
    prompt_chars: int = 200


@dataclass(frozen=True)
class Stretch:
    source: Source
    live: tuple[Utterance, ...]
    start: float
    end: float

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
                out.append(self._close(min(max(last.end, (last.end + u.start) / 2), u.start)))
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

    def _close(self, end: float) -> Stretch:
        live = tuple(self._open)
        start = max(self._after, live[0].start - self._o.pad)
        self._open = []
        self._after = end
        return Stretch(self.source, live, start, max(end, start))


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
) -> list[Utterance]:
    """Decode ``audio`` (16 kHz mono from session time ``audio_start``) and give the settled
    form of each live utterance of ``stretch``, in order."""
    samples = np.asarray(audio, np.float32).reshape(-1)
    segments = engine.transcribe(samples, replace(request, long_form=True))
    words = [
        Word(w.text, w.start + audio_start, w.end + audio_start, w.p)
        for seg in segments
        for w in seg.words
        if stretch.start <= audio_start + (w.start + w.end) / 2 < stretch.end
    ]
    return assign_words(stretch.live, words)


def assign_words(live: Sequence[Utterance], words: Sequence[Word]) -> list[Utterance]:
    """Each word to the live utterance it was heard in (the pause between two utterances
    is split at its middle); each live utterance rebuilt from its words."""
    bounds = [(a.end + b.start) / 2 for a, b in itertools.pairwise(live)]
    groups: list[list[Word]] = [[] for _ in live]
    k = 0
    for w in sorted(words, key=lambda w: w.start):
        mid = (w.start + w.end) / 2
        while k < len(bounds) and mid >= bounds[k]:
            k += 1
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
