"""Who a sentence speaks to or thanks: "Marcus, where are we?", "…, Marcus?", "thanks
Marcus", "Ben from our billing team is here" (who speaks next).

``vocatives(text)``     names the sentence speaks to
``thanked(text)``       the name in "thanks Marcus", "Perfect, Theo." (who just spoke)
``introduced(text)``    the name in "Ben from our billing team is here too"
``name_or_none(word)``  the word when it can be a person's name
"""

from __future__ import annotations

import re

_INTRODUCED = re.compile(
    r"^(?:\w+[,.]\s+)*(?P<name>[A-Z][a-z][\w'-]*) (?:from|of) (?:our|the|my) [\w\s-]{2,30}"
    r"(?:is here|is on the call|is joining|joins us|has joined)"
)
# fmt: off
_NOT_NAMES = frozenset([
    "so", "okay", "ok", "well", "yes", "yeah", "yep", "no", "nope", "right", "sure", "great",
    "thanks", "thank", "good", "perfect", "alright", "first", "next", "also", "and", "but", "then",
    "fine", "agreed", "hi", "hello", "hey", "morning", "nice", "cool", "now", "last", "one",
    "please", "sorry", "anyway", "actually", "honestly", "look", "listen", "oh", "ah", "um", "uh",
    "hmm", "wait", "everyone", "everybody", "all", "guys", "folks", "team", "someone", "somebody",
    "nobody", "you", "i", "we", "they", "he", "she", "it", "this", "that", "there", "here", "what",
    "which", "who", "why", "how", "when", "where", "if", "maybe", "second", "third", "finally",
    "lastly", "today", "tomorrow", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "good-bye", "bye", "welcome", "congrats", "exactly", "absolutely",
    "definitely", "of", "true", "correct",
])
# fmt: on
_VOC_START = re.compile(
    r"^(?:(?i:ok(?:ay)?|so|and|right|good|great|thanks|now|hey|hi|hello|oh)[,.]?\s+)*"
    r"(?P<name>[A-Z][a-z][\w'-]*)(?:,|\?$|\s+(?:here|you go))"
)
_VOC_END = re.compile(r",\s*(?P<name>[A-Z][a-z][\w'-]*)\s*[?.!]*$")
_TITLE = r"(?:(?:Ms|Mr|Mrs|Dr|Prof)\.?\s+)?"  # "Ms Alvarez" is one name
_THANKS = re.compile(r"\b(?i:thanks|thank you),?\s+(?P<name>" + _TITLE + r"[A-Z][a-z][\w'-]*)\b")
_ACK = (
    r"(?i:thanks|thank you|great|good|perfect|cool|lovely|wonderful|excellent|brilliant|nice"
    r"|super|cheers|awesome|fantastic|appreciated|much appreciated)"
)
# "Perfect, Theo.", "Good, Tomas. Next…": an acknowledgement that names who just spoke
_ACKED = re.compile(
    r"^(?:" + _ACK + r"[,.!]?\s+)+(?P<name>" + _TITLE + r"[A-Z][a-z][\w'-]*)(?:[,.!]|$)"
)


def name_or_none(word: str | None) -> str | None:
    if not word or word.lower() in _NOT_NAMES or not word[0].isupper() or word.endswith("'s"):
        return None
    return word


def vocatives(text: str) -> list[str]:
    t = text.strip()
    out = []
    for rx in (_VOC_START, _VOC_END):
        if (m := rx.search(t)) and (n := name_or_none(m.group("name"))):
            out.append(n)
    return out


def thanked(text: str) -> str | None:
    """The name in "thanks Marcus", "Perfect, Theo." (who just spoke)."""
    m = _THANKS.search(text) or _ACKED.match(text.strip())
    return _name(m.group("name")) if m else None


def _name(words: str) -> str | None:
    first, _, rest = words.partition(" ")
    if rest:  # a title and a name
        return words if name_or_none(rest) else None
    return name_or_none(first)


def introduced(text: str) -> str | None:
    """The name in "Ben from our billing team is here too" (who speaks next)."""
    m = _INTRODUCED.match(text.strip())
    return name_or_none(m.group("name")) if m else None
