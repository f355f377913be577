"""Text side of name spotting: tokens, name terms, sound codes, scores and cues of address.

``Token``         one word of a text: its normalized form, place, and capitalization
``tokenize``      split a text into tokens (letters only, accents folded, Cyrillic and Greek
                  in Latin letters, possessive dropped)
``Term``          one configured name (or alias) in the forms the matcher compares
``make_term``     build a ``Term`` from a configured string
``similarity``    how close heard words are to a term, in [0, 1]
``is_ordinary``   whether heard words are all common English words used as ordinary words
``find_cue``      the direct-address cue around a stretch of tokens ("" when none)

Sound codes: jellyfish's Metaphone (original Metaphone; jellyfish has no Double Metaphone).
It encodes English consonant sounds (PH→F, TH→0, SH→X, silent letters) and drops vowels,
which is where recognizers mangle names; NYSIIS keeps vowel placeholders and truncates, and
the match-rating comparison is a permissive yes/no. On top of Metaphone a looser code merges
the consonants recognizers swap (voiced/unvoiced pairs, B/F/V/P, S/SH/Z), so "Shivon" meets
"Siobhan". The score weighs spelling similarity (rapidfuzz, 0.6) and the better sound-code
similarity (0.4), so neither alone can make a match: sound codes drop vowels, and vowels are
what tell short names apart ("Jon" and "Jan" share a code).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import jellyfish
from rapidfuzz import fuzz

from loopnote.alerts._common_words import COMMON_RANK
from loopnote.types import SENTENCE_ENDS, SENTENCE_ENDS_FULL_WIDTH, without_accents

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
_SENTENCE_END = SENTENCE_ENDS + SENTENCE_ENDS_FULL_WIDTH
# Rank below which a word is so common that a name equal to it needs cues of address.
COMMON_NAME_RANK = 1000


@dataclass(frozen=True)
class Token:
    norm: str  # lower case letters only
    raw: str  # as written
    start: int  # character offsets in the text
    end: int
    proper: bool  # capitalized away from the start of a sentence (a proper noun)


# Cyrillic and Greek spelled in Latin letters (a plain phonetic scheme), so a name the user
# gave as "Alex" is found where a Russian transcript writes "Алекс".
_TO_LATIN = str.maketrans(
    {
        **dict(zip("абвгдезийклмнопрстуфыэіґ", "abvgdeziiklmnoprstufyeig", strict=True)),
        **{"ё": "yo", "ж": "zh", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch"},
        **{"ъ": "", "ь": "", "ю": "yu", "я": "ya", "ї": "yi", "є": "ye"},
        **dict(zip("αβγδεζηικλμνξοπρσςτυφω", "avgdeziiklmnxoprsstyfo", strict=True)),
        **{"θ": "th", "χ": "ch", "ψ": "ps"},
    }
)


def _fold(s: str) -> str:
    return without_accents(s.lower().translate(_TO_LATIN)).lower()


def tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    for m in _WORD.finditer(text):
        raw = m.group(0)
        norm = _fold(raw)
        norm = re.sub(r"['’]s$", "", norm)
        norm = re.sub(r"[^a-z]", "", norm)
        if not norm:
            continue
        before = text[: m.start()].rstrip()
        initial = not before or before[-1] in _SENTENCE_END or before[-1] in '"“(-—:¿¡«„'
        title = raw[:1].isupper() and (len(raw) == 1 or not raw.isupper())
        out.append(Token(norm, raw, m.start(), m.end(), title and not initial))
    return out


@lru_cache(maxsize=8192)
def metaphone(s: str) -> str:
    return str(jellyfish.metaphone(s)) if s else ""


_LOOSE = str.maketrans(
    {
        "B": "P",
        "F": "P",
        "V": "P",
        "D": "T",
        "0": "T",
        "G": "K",
        "J": "K",
        "Q": "K",
        "C": "K",
        "X": "S",
        "Z": "S",
        "E": "A",
        "I": "A",
        "O": "A",
        "U": "A",
    }
)


@lru_cache(maxsize=8192)
def loose(s: str) -> str:
    """Metaphone with easily swapped consonants merged and H, W, Y dropped."""
    code = metaphone(s).translate(_LOOSE)
    code = code.replace("H", "").replace("W", "").replace("Y", "")
    return re.sub(r"(.)\1+", r"\1", code)


@dataclass(frozen=True)
class Term:
    label: str  # as configured
    tokens: tuple[str, ...]  # normalized words
    joined: str  # the words run together
    code: str  # Metaphone of ``joined``
    loose: str  # loose code of ``joined``

    @property
    def is_common(self) -> bool:
        """An ordinary word (or words) of English, or too short to tell apart from one."""
        if len(self.joined) < 3:
            return True
        return all(COMMON_RANK.get(t, COMMON_NAME_RANK) < COMMON_NAME_RANK for t in self.tokens)


def make_term(label: str) -> Term | None:
    tokens = tuple(t.norm for t in tokenize(label))
    if not tokens:
        return None
    joined = "".join(tokens)
    return Term(label.strip(), tokens, joined, metaphone(joined), loose(joined))


@lru_cache(maxsize=65536)
def _similarity(heard: str, term_joined: str) -> float:
    if heard == term_joined:
        return 1.0
    spelling = fuzz.ratio(heard, term_joined) / 100.0
    code = fuzz.ratio(metaphone(heard), metaphone(term_joined)) / 100.0
    lc = fuzz.ratio(loose(heard), loose(term_joined)) / 100.0
    sound = max(code, 0.9 * lc)
    return 0.6 * spelling + 0.4 * sound


def similarity(heard: str, term: Term) -> float:
    """Score of heard words (run together, normalized) against ``term``, in [0, 1]."""
    if not heard:
        return 0.0
    ratio = len(heard) / len(term.joined)
    if ratio < 0.6 or ratio > 1.75:
        return 0.0
    return _similarity(heard, term.joined)


def is_ordinary(tokens: list[Token]) -> bool:
    """All words are common English words and none is written as a proper noun."""
    return all(t.norm in COMMON_RANK and not t.proper for t in tokens)


# Cues of direct address. Phrases are matched on normalized words right before / after.
_BEFORE: tuple[tuple[str, str], ...] = (
    ("can we hear from", "hear-from"),
    ("hear from", "hear-from"),
    ("over to you", "over-to"),
    ("back to you", "over-to"),
    ("over to", "over-to"),
    ("pass it to", "over-to"),
    ("hand it to", "over-to"),
    ("turn to", "over-to"),
    ("thank you", "thanks"),
    ("thanks", "thanks"),
    ("cheers", "thanks"),
    ("what about you", "what-about"),
    ("how about you", "what-about"),
    ("what about", "what-about"),
    ("how about", "what-about"),
    ("question for", "ask"),
    ("let s ask", "ask"),
    ("lets ask", "ask"),
    ("ask", "ask"),
    ("hey", "greeting"),
    ("hi", "greeting"),
    ("hello", "greeting"),
    ("morning", "greeting"),
    ("sorry", "greeting"),
    ("go ahead", "over-to"),
    ("and you", "what-about"),
)
_AFTER: tuple[tuple[str, str], ...] = (
    ("what do you think", "question"),
    ("what s your", "question"),
    ("whats your", "question"),
    ("what is your", "question"),
    ("any thoughts", "question"),
    ("your thoughts", "question"),
    ("do you", "question"),
    ("are you", "question"),
    ("can you", "question"),
    ("could you", "question"),
    ("would you", "question"),
    ("will you", "question"),
    ("have you", "question"),
    ("did you", "question"),
    ("you there", "question"),
    ("over to you", "over-to"),
    ("go ahead", "over-to"),
    ("you re up", "over-to"),
    ("your turn", "over-to"),
    ("you have", "question"),
)


def _words(s: str) -> list[str]:
    return [w for w in re.split(r"[^a-z]+", _fold(s)) if w]


def find_cue(text: str, tokens: list[Token], i: int, j: int) -> str:
    """The cue of address around ``tokens[i:j]`` in ``text``, or ""."""
    before_text = text[: tokens[i].start]
    after_text = text[tokens[j - 1].end :]
    after_stripped = after_text.lstrip()
    before_stripped = before_text.rstrip()
    before = _words(before_text)[-4:]
    after = _words(after_text)[:4]
    sentence_start = not before_stripped or before_stripped[-1] in _SENTENCE_END
    before_joined = " ".join(before)
    for phrase, cue in _BEFORE:
        if before_joined == phrase or before_joined.endswith(" " + phrase):
            return cue
    after_joined = " ".join(after)
    for phrase, cue in _AFTER:
        if after_joined == phrase or after_joined.startswith(phrase + " "):
            return cue
    if after_stripped.startswith("?"):
        return "question"
    if sentence_start and after_stripped[:1] in {",", "!", ":"}:
        return "vocative"
    if before_stripped.endswith(",") and (not after_stripped or after_stripped[0] in "?.!"):
        return "vocative"
    return ""
