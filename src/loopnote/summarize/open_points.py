"""Whether a sentence leaves a point open: said so ("X stays open", "let's park it") or
not known ("I don't know", "I have to check"), and whether it names the point it leaves.
Rules on one sentence at a time (English); offered in ``summarize.cues`` too.

``open_marker(text)``          "stated", "unknown" or None
``open_point_is_named(text)``  whether "X stays open" names X (not "that stays open")
"""

from __future__ import annotations

import re

from loopnote.summarize.words import content_words, refers_back, starts_with_reference

_STATED_OPEN = re.compile(
    r"(?i)\b(?:(?:leave|keep)\b.{0,60}\bopen\b|(?:stays?|remains?|is still|are still|still"
    r"|left) (?:an? )?open\b|open question|park (?:it|that|this)\b|parking lot"
    r"|come back to (?:that|this|it)\b|(?:have|need) to think about (?:that|this|it)\b"
    r"|take (?:that|this|it) offline|revisit (?:that|this|it)\b|to be determined"
    r"|tbd\b|to be decided|undecided|unresolved|no answer (?:yet|so far)\b|up in the air"
    r"|(?:let's|let us|we) (?:not|don't) decide\b|we'll see (?:what|how|if|whether)\b"
    r"|(?:not|isn't|is not) (?:settled|decided) yet"
    r"|haven't (?:settled|decided|agreed|figured out|worked out|resolved|picked|chosen)"
    r"|(?:decide|revisit|discuss|answer|settle|close) (?:\w+ ){0,5}(?:once|when|after|until)"
    r" (?:we|they|you|I) (?:have|know|hear|get|see)"
    r"|(?:nobody|no one|no-one)(?:'s| has) (?:answered|decided|replied|got back)"
    r"|no (?:one|body) has an answer|nobody has an answer|don't have (?:an answer|consensus)"
    r"|still (?:have|need) to (?:figure out|decide|work out)|(?:can't|cannot) answer (?:that )?yet)"
)
_NO_ANSWER = re.compile(r"(?i)\bno answer (?:yet|so far)\b(?P<on>\s+(?:on|about|for)\s+\w+)?")
_UNKNOWN = re.compile(
    r"(?i)\b(?:(?:don't|do not|didn't) know(?!\s+(?:if you|whether you))|not sure|no idea"
    r"|good question|nobody knows|no one knows|(?:can't|cannot) (?:promise|say|tell)"
    r"|(?:have|need|must) to (?:ask|check)|must check|not (?:our|my) call"
    r"|(?:have|need) approval|find out|(?:don't|do not) have (?:a|an) \w+ yet)\b"
)


def open_marker(text: str) -> str | None:
    if _STATED_OPEN.search(text):
        return "stated"
    if _UNKNOWN.search(text):
        return "unknown"
    return None


def open_point_is_named(text: str) -> bool:
    """Whether "X stays open" names X, rather than "that stays open", "let's park it", "I asked
    product, no answer yet" (but "no answer yet on the timing" names it)."""
    if starts_with_reference(text) and len(content_words(_STATED_OPEN.sub(" ", text))) < 3:
        return False  # "That's, uh, actually not settled yet."
    if (m := _NO_ANSWER.search(text)) and not m.group("on"):
        return False
    for m in _STATED_OPEN.finditer(text):
        before = text[: m.start()].split()[-2:]
        after = text[m.end() :].split()[:1]
        if refers_back(" ".join([*before, m.group(0), *after])):
            # "…, so that stays open" names nothing; "The pricing page wording is a bigger
            # question, let's take that offline" names it before the pronoun
            said = text[: m.start()]
            return len(content_words(said)) >= 4 and not refers_back(said)
    return True
