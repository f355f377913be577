"""Sentences and words of text in any language Whisper writes.

``split_sentences(text, max_words)``  sentences; a run with no sentence end is cut every
                                      ``max_words`` words
``word_count(text)``                  words; in scripts written without spaces (Chinese,
                                      Japanese, Thai, Lao, Khmer, Burmese) each character
                                      counts as one

A sentence ends at ``. ! ? …`` (and the Arabic, Devanagari and full-width marks) followed by
a space and the start of a new sentence: a capital in any cased script, a digit, an opening
mark (``¿ ¡ « „ " (``), or any letter of a script without case. Full-width ``。！？`` end a
sentence without a space. A period after a single letter (an initial) or a common title
("Mr.", "Dr.", "Sra.", "Mme.", "Dott.", "г.") ends nothing.
"""

from __future__ import annotations

import re

from loopnote.types import NO_SPACE_SCRIPTS, SENTENCE_ENDS, SENTENCE_ENDS_FULL_WIDTH

_ENDS = SENTENCE_ENDS
_FULL_WIDTH_ENDS = SENTENCE_ENDS_FULL_WIDTH
_CLOSERS = "\"'”’»)]}」』"
_OPENERS = "¿¡«„\"'“‘([{"
_NO_SPACE_SCRIPTS = NO_SPACE_SCRIPTS
_TOKEN = re.compile(rf"[{_NO_SPACE_SCRIPTS}]|[^\s{_NO_SPACE_SCRIPTS}]+")
_BOUNDARY = re.compile(
    rf"(?<=[{re.escape(_ENDS)}])[{re.escape(_CLOSERS)}]*\s+|(?<=[{_FULL_WIDTH_ENDS}])[{re.escape(_CLOSERS)}]*\s*"
)
_TITLES = frozenset(
    ("mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "sra", "srta", "dra", "mme", "mlle",
     "mm", "dott", "dssa", "sig", "sigra", "ing", "avv", "herr", "frau", "hr", "fr", "nr",
     "no", "vs", "etc", "cf", "г", "гг", "ул", "тов", "им", "проф")
)  # fmt: skip
_SPACES = re.compile(r"\s+")
_INITIALS = re.compile(r"(?:[^\W\d_]\.)*[^\W\d_]")  # "J", "J.R.R"
# words that open a sentence, not a surname: "the Series B. I'll send …" ends after "B."
_OPENING_WORDS = re.compile(
    r"(?:I(?:'ll|'m|'ve|'d)?\s+[a-z]|(?:We|We'll|We're|It|It's|That|That's|This|The|They|But|And|So|Then"
    r"|Let's|Yes|No|Okay|Ok|Thanks|What|How|Why|When|Who|Can|Could|Should|Do|Does)\b)"
)


def _starts_sentence(rest: str) -> bool:
    for c in rest:
        if c in _OPENERS:
            return True
        if c.isdigit():
            return True
        if c.isalpha():
            return c.isupper() or not c.islower()  # a capital, or a script without case
        return False
    return False


def _ends_with_title(head: str, rest: str = "") -> bool:
    """``head`` (text up to a period) ends in an initial or a common abbreviation (not before
    a word that opens sentences, ``rest``: "plan B. We …", "Not today, no. I'll …")."""
    last = head.rstrip(".").rsplit(None, 1)[-1] if head.strip() else ""
    last = last.lstrip(_OPENERS)
    return (bool(_INITIALS.fullmatch(last)) or last.lower() in _TITLES) and not (
        _OPENING_WORDS.match(rest)
    )


def _sentences(text: str) -> list[str]:
    out: list[str] = []
    start = 0
    for m in _BOUNDARY.finditer(text):
        mark = text[m.start() - 1]
        ends = mark in _FULL_WIDTH_ENDS or (
            _starts_sentence(text[m.end() :])
            and not (mark == "." and _ends_with_title(text[start : m.start()], text[m.end() :]))
        )
        if not ends:
            continue
        out.append(text[start : m.end()].strip())
        start = m.end()
    out.append(text[start:].strip())
    return [s for s in out if s]


def _chunks(sentence: str, max_words: int) -> list[str]:
    tokens = list(_TOKEN.finditer(sentence))
    if len(tokens) <= max_words:
        return [sentence]
    out = []
    for i in range(0, len(tokens), max_words):
        group = tokens[i : i + max_words]
        out.append(sentence[group[0].start() : group[-1].end()].strip())
    return out


def split_sentences(text: str, max_words: int = 40) -> list[str]:
    """Sentences of ``text``; runs without punctuation are cut every ``max_words`` words."""
    text = _SPACES.sub(" ", text).strip()
    if not text:
        return []
    return [c for s in _sentences(text) for c in _chunks(s, max_words) if c]


def word_count(text: str) -> int:
    return len(_TOKEN.findall(text))
