"""One speaker per utterance: where inside an utterance the voice changes, to a word.

An utterance is cut by the recognizer at pauses, not where the speaker changes, so one
utterance can hold the end of one person's turn and the start of the next. Given the
speaker turns of that stretch (``diarize``, or a live labeller's) and the utterance's word
timestamps, ``split_by_speaker`` gives its parts: each word goes to the speaker who fills
most of it, runs of one speaker become parts, and a part too short to trust (under
``min_seconds`` and ``min_words``) joins its neighbour, so a misheard blip never cuts a
sentence. Cuts fall only between words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from loopnote.speakers.diarize import SpeakerTurn, speaker_of
from loopnote.types import Word


@dataclass(frozen=True)
class UtterancePart:
    start: float
    end: float
    speaker: str | None
    first_word: int  # index into the utterance's words
    end_word: int  # one past the last


def split_by_speaker(
    start: float,
    end: float,
    words: Sequence[Word],
    turns: Sequence[SpeakerTurn],
    *,
    min_seconds: float = 1.0,
    min_words: int = 3,
) -> list[UtterancePart]:
    """The utterance ``[start, end)`` as parts of one speaker each (one part if it has no
    word timestamps or one voice)."""
    if not words:
        return [UtterancePart(start, end, speaker_of(start, end, turns), 0, 0)]
    labels = [speaker_of(w.start, max(w.end, w.start + 0.01), turns) for w in words]
    labels = _fill_gaps(labels)
    runs: list[_Run] = []
    for i, lab in enumerate(labels):
        if runs and runs[-1].speaker == lab:
            runs[-1].end = i + 1
        else:
            runs.append(_Run(lab, i, i + 1))
    runs = _absorb_short(runs, words, min_seconds, min_words)
    parts = []
    for k, r in enumerate(runs):
        part_start = start if k == 0 else words[r.first].start
        part_end = end if k == len(runs) - 1 else words[runs[k + 1].first].start
        parts.append(UtterancePart(part_start, part_end, r.speaker, r.first, r.end))
    return parts


def cut_times(parts: Sequence[UtterancePart]) -> list[float]:
    """Where the parts meet (the start of each part's first word but the first's)."""
    return [p.start for p in parts[1:]]


def word_cuts(parts: Sequence[UtterancePart], words: Sequence[Word]) -> list[float]:
    """Where the parts meet, halfway between the starts of the words either side of each
    cut: the same parts from these words, and a decode of the same speech whose word times
    moved a little (the settled transcript) is cut at the same word."""
    return [
        round((words[p.first_word - 1].start + words[p.first_word].start) / 2, 3)
        if 0 < p.first_word < len(words)
        else p.start
        for p in parts[1:]
    ]


def _fill_gaps(labels: list[str | None]) -> list[str | None]:
    """A word no turn covers takes the speaker of the word before it (else after it)."""
    out = list(labels)
    for i in range(1, len(out)):
        if out[i] is None:
            out[i] = out[i - 1]
    for i in range(len(out) - 2, -1, -1):
        if out[i] is None:
            out[i] = out[i + 1]
    return out


@dataclass
class _Run:
    speaker: str | None
    first: int
    end: int

    def seconds(self, words: Sequence[Word]) -> float:
        return words[self.end - 1].end - words[self.first].start


def _absorb_short(
    runs: list[_Run], words: Sequence[Word], min_seconds: float, min_words: int
) -> list[_Run]:
    """Merge runs too short to be a turn into a neighbour, shortest first."""
    runs = list(runs)
    while len(runs) > 1:
        short = [
            k
            for k, r in enumerate(runs)
            if r.seconds(words) < min_seconds and r.end - r.first < min_words
        ]
        if not short:
            break
        k = min(short, key=lambda k: runs[k].seconds(words))
        if k == 0:
            into = 1
        elif k == len(runs) - 1:
            into = k - 1
        else:  # between two runs: the longer neighbour takes it
            longer = runs[k - 1].seconds(words) >= runs[k + 1].seconds(words)
            into = k - 1 if longer else k + 1
        lo, hi = sorted((k, into))
        runs[lo] = _Run(runs[into].speaker, runs[lo].first, runs[hi].end)
        del runs[hi]
        merged: list[_Run] = []  # neighbours of one speaker are one run
        for r in runs:
            if merged and merged[-1].speaker == r.speaker:
                merged[-1] = _Run(r.speaker, merged[-1].first, r.end)
            else:
                merged.append(r)
        runs = merged
    return runs
