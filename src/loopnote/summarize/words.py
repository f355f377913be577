"""What a sentence's words alone say: whether it leans on what came before ("that", "it"), is a
question, is small talk, and which content words it carries (for comparing two sentences).

``refers_back(text)``, ``starts_with_reference(text)``   it/that/them… anywhere / at its start
``is_question(text)``, ``is_small_talk(text)``
``content_words(text)``   short stems of the words that carry meaning
"""

from __future__ import annotations

import re

_ANAPHOR = re.compile(r"(?i)\b(?:it|that|this|them|those|these|both|her|him)\b")
_LEADING_ANAPHOR = re.compile(
    r"(?i)^(?:(?:ok(?:ay)?|so|and|but|yes|no|well)[,]?\s+)*(?:it|that|this|they|those|these"
    r"|he|she|yes|no|sure|right|exactly|agreed|same|both|neither)\b"
)
_QUESTION_START = re.compile(
    r"(?i)^(?:(?:and|so|but|okay|now)[,]?\s+)*(?:what|why|how|when|where|who|which|should|shall"
    r"|do|does|did|can|could|are|is|will|would|have|has)\b"
)
_SMALL_TALK = re.compile(
    r"(?i)^(?:hi|hello|hey)\b|\bjust jumping in\b"
    r"|\b(?:how(?:'s| is| are| was)(?: it| the week| your (?:day|week|weekend)| things| you)"
    r"(?: going| doing)?|good (?:morning|afternoon)|nice to (?:see|meet)|thanks for (?:joining"
    r"|coming|making|having|getting)|talk soon|see you|have a good|welcome (?:to|back)"
    r"|got a (?:sec|second|minute)|that's (?:it|all) for today"
    r"|thanks (?:all|everyone|everybody|both)|good retro"
    r"|let's get started|let's kick off|let's do the usual|let's (?:go|walk) (?:through|over)"
    r"|let's (?:start|begin|wrap up)\b(?! with))\b"
)
# fmt: off
_STOP = frozenset([
    "a", "an", "the", "and", "or", "but", "so", "of", "to", "in", "on", "at", "by", "for", "with",
    "from", "as", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that",
    "these", "those", "i", "you", "he", "she", "we", "they", "me", "him", "her", "us", "them",
    "my", "your", "our", "their", "do", "does", "did", "have", "has", "had", "will", "would",
    "can", "could", "should", "shall", "may", "might", "must", "not", "no", "yes", "what", "which",
    "who", "whom", "why", "how", "when", "where", "there", "here", "then", "than", "if", "just",
    "also", "very", "really", "about", "into", "over", "up", "down", "out", "off", "again", "more",
    "most", "some", "any", "all", "each", "both", "few", "other", "such", "only", "own", "same",
    "too", "s", "t", "don", "ll", "ve", "re", "d", "m", "okay", "ok", "yeah", "well", "right",
    "sure", "think", "know", "get", "got", "go", "going", "let", "lets", "one", "two", "thing",
    "things",
])
# fmt: on


def refers_back(text: str) -> bool:
    return bool(_ANAPHOR.search(text))


def starts_with_reference(text: str) -> bool:
    return bool(_LEADING_ANAPHOR.match(text.strip()))


def is_question(text: str) -> bool:
    t = text.strip()
    return t.endswith("?") or (len(t.split()) >= 3 and bool(_QUESTION_START.match(t)))


def is_small_talk(text: str) -> bool:
    return bool(_SMALL_TALK.search(text))


def content_words(text: str) -> set[str]:
    words = re.findall(r"[a-z0-9][a-z0-9'-]*", text.lower())
    stems = (
        re.sub(r"(?:ing|ed|es|s)$", "", w) if len(w) > 4 else w for w in words if w not in _STOP
    )
    return {w[:5] for w in stems if len(w) > 2}
