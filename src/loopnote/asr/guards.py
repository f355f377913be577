"""Hallucination guards: pure functions over decoded segments and words.

``normalize(text)``        lower case, punctuation stripped: the form words are compared in
``cut_repetitions(words)`` cut a word or word pair repeated more than ``max_repeats`` times
                           in a row, or a longer phrase (3-24 words) said twice in a row
``cut_squeezed_tail(...)`` drop the zero-length words a decoder piles up at the buffer end
``guard_segments(...)``    keep the words of the segments that pass the guards (repetitions
                           are cut by the caller, which knows the words committed before)
``ends_sentence(word)``    True when a word closes a sentence (. ? ! 。 ？ ؟ । ...), not a
                           title ("Mr.")
``join_words(words)``      the words as text (a hyphenated compound's halves stay joined)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from loopnote.asr.engine import EngineSegment
from loopnote.asr.options import GuardOptions
from loopnote.types import NO_SPACE_SCRIPTS, SENTENCE_ENDS, SENTENCE_ENDS_FULL_WIDTH, Word


class SpeechProb(Protocol):
    def __call__(self, start: float, end: float, *, mean: bool = False) -> float: ...


_PUNCT = re.compile(r"[^\w\s']|_")
_SPACES = re.compile(r"\s+")


def normalize(text: str) -> str:
    return _SPACES.sub(" ", _PUNCT.sub(" ", text.lower())).strip().strip("'").strip()


# Abbreviations written with a period that do not end a sentence (they precede a name).
_TITLES = frozenset(
    {
        "mr",
        "mrs",
        "ms",
        "messrs",
        "dr",
        "prof",
        "st",
        "mt",
        "fr",
        "rev",
        "gen",
        "gov",
        "sen",
        "rep",
        "capt",
        "col",
        "lt",
        "sgt",
        "hon",
        "e.g",
        "i.e",
        "vs",
    }
)


def _unspaced(text: str) -> str:
    """A phrase's key whatever the spacing between its words (a segment's text runs its
    words together; Chinese and Japanese put no spaces between them)."""
    return normalize(text).replace(" ", "")


_ENDS = tuple(SENTENCE_ENDS + SENTENCE_ENDS_FULL_WIDTH)


def ends_sentence(word: Word) -> bool:
    text = word.text.rstrip("\"')]}”’»」』")
    if text.endswith(_ENDS):
        return not (text.endswith(".") and text[:-1].lower().lstrip("\"'(“«") in _TITLES)
    return False


def joins_previous(text: str) -> bool:
    """A word that continues the one before it without a space: the second half of a
    hyphenated compound ("ill" "-disposed")."""
    return len(text) > 1 and text[0] == "-" and text[1].isalnum()


# Characters written without a space on either side: scripts without spaces between words
# and the CJK punctuation and full-width forms
_UNSPACED = re.compile(rf"[{NO_SPACE_SCRIPTS}\u3000-\u303f\uff00-\uffef]")


def join_words(words: Sequence[Word]) -> str:
    """The words as text: spaces between them, none before a compound's second half, none
    between two words of a script written without spaces (Chinese, Japanese, Thai)."""
    out = ""
    for w in words:
        unspaced = bool(out and w.text) and bool(
            _UNSPACED.match(out[-1]) and _UNSPACED.match(w.text[0])
        )
        sep = "" if not out or unspaced or joins_previous(w.text) else " "
        out += sep + w.text
    return out


def cut_repetitions(words: Sequence[Word], max_repeats: int) -> list[Word]:
    """Truncate at the first n-gram (n = 1..24) repeated more than allowed in a row."""
    keys = [normalize(w.text) for w in words]
    for i in range(len(keys)):
        for n in range(1, 25):
            gram = keys[i : i + n]
            if len(gram) < n:
                break
            reps = 1
            while keys[i + reps * n : i + (reps + 1) * n] == gram:
                reps += 1
            allowed = max_repeats if n <= 2 else 1  # "no, no" is speech; phrases rarely
            if reps > allowed:
                return list(words[: i + allowed * n])
    return list(words)


def cut_squeezed_tail(words: Sequence[Word], duration: float) -> list[Word]:
    """Drop trailing words crammed into the last instants of the buffer.

    When a decoder runs past the audio it has (a loop, a guess at the next word), the
    alignment squeezes those words into (nearly) zero time at the very end of the buffer.
    """
    out = list(words)
    while out and out[-1].start >= duration - 0.12 and out[-1].end - out[-1].start < 0.04:
        out.pop()
    return out


def guard_segments(
    segments: Sequence[EngineSegment],
    options: GuardOptions,
    speech_prob: SpeechProb,
) -> list[Word]:
    """Words of the segments that pass the guards, times unchanged.

    ``speech_prob(start, end, mean=False)`` is the highest (or the mean) VAD probability over
    that span of the buffer.
    """
    phrases = {_unspaced(p) for p in options.silence_phrases}
    words: list[Word] = []
    for seg in segments:
        if not seg.words:
            continue
        if seg.no_speech_prob > options.no_speech_prob and seg.avg_logprob < options.logprob:
            continue
        if seg.avg_logprob < options.min_logprob:
            continue
        if speech_prob(seg.start, seg.end, mean=False) < options.speech_prob / 2:
            continue  # wholly over audio that was not speech
        if _unspaced(seg.text) in phrases and (
            speech_prob(seg.start, seg.end, mean=True) < options.speech_prob
        ):
            continue
        spoken = [w for w in seg.words if normalize(w.text)]  # no bare punctuation
        words.extend(_strip_silence_tail(spoken, phrases, options, speech_prob))
    return words


def _strip_silence_tail(
    words: list[Word],
    phrases: set[str],
    options: GuardOptions,
    speech_prob: SpeechProb,
) -> list[Word]:
    """Drop a silence phrase that closes a segment over audio that was not speech."""
    for k in range(min(6, len(words)), 0, -1):
        tail = words[-k:]
        if _unspaced(" ".join(w.text for w in tail)) in phrases and (
            speech_prob(tail[0].start, tail[-1].end, mean=True) < options.speech_prob
        ):
            return words[:-k]
    return words
