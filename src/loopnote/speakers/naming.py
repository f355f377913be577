"""Names for speakers from the conversation itself: pure rules, scored, precision first.

People name each other: "This is Tom from sales", "Dana, where are we?" followed by Dana's
answer, "Over to you, Priya", "Thanks, Marcus" right after Marcus spoke. Each such cue gives
evidence that one speaker bears one name; addressing someone is also evidence that the
speaker is *not* that person. A name is proposed for a speaker only when:

- its evidence reaches ``accept`` (one self-introduction does; a hand-over or a thanks alone
  does not: a single weak cue never names anyone),
- it comes from at least two cues unless one of them is a self-introduction,
- it beats the speaker's next-best name by ``margin``, and no other speaker has more
  evidence for that name (one name, one speaker).

A wrong name is worse than none, so anything ambiguous stays "Speaker N".
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

SELF_INTRO = 0.8  # "this is Tom", "my name is Tom", "Tom here"
HANDOVER = 0.45  # "over to you, Priya" / "Dana, where are we?" and the next speaker answers
THANKS = 0.4  # "thanks, Marcus" right after Marcus's turn
NOT_ME = -1.0  # a speaker who addresses a name is not that person

# Capitalised words that open or close sentences without being names.
_NOT_NAMES = frozenset(
    [
        "I",
        "I'm",
        "I'll",
        "I've",
        "I'd",
        "OK",
        "Okay",
        "Yes",
        "Yeah",
        "No",
        "Nope",
        "Hi",
        "Hello",
        "Hey",
        "Thanks",
        "Thank",
        "Sure",
        "Right",
        "Well",
        "So",
        "And",
        "But",
        "Or",
        "Also",
        "Then",
        "Now",
        "Great",
        "Good",
        "Fine",
        "Cool",
        "Perfect",
        "Sorry",
        "Please",
        "Guys",
        "Everyone",
        "Everybody",
        "Team",
        "Folks",
        "All",
        "Anyone",
        "Someone",
        "Somebody",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Sir",
        "Madam",
        "Mister",
        "Today",
        "Tomorrow",
        "Yesterday",
        "Here",
        "There",
        "This",
        "That",
        "What",
        "Who",
        "Why",
        "How",
        "When",
        "Where",
        "Let",
        "Lets",
        "Let's",
        "Oh",
        "Ah",
        "Um",
        "Uh",
        "Hmm",
        "Wow",
        "Alright",
        "You",
        "We",
        "They",
        "He",
        "She",
        "It",
        "Morning",
        "Afternoon",
        "Evening",
        "Bye",
        "Goodbye",
        "Cheers",
        "Again",
        "Sales",
        "Marketing",
        "Engineering",
    ]
)
_NAME = r"([A-Z][a-z]+(?:-[A-Z][a-z]+)?)"
_GREETING = r"(?:(?i:hi|hello|hey|morning|good morning)[,!]? )?(?:(?i:everyone|all|folks)[,!]? )?"
# Patterns are matched per sentence; only the keywords ignore case, never the name.
_INTRO = [
    re.compile(rf"(?i:\bmy name is|\bmy name's) {_NAME}\b"),
    re.compile(rf"^{_GREETING}(?i:this is) {_NAME}\b"),
    re.compile(rf"^{_GREETING}(?:I'm|I am|(?i:and) I'm) {_NAME}\b"),
    re.compile(rf"^{_GREETING}{_NAME} here\b"),
]
_HANDOVER = [
    re.compile(rf"(?i:over to you|your turn|go ahead|you're up|the floor is yours),? {_NAME}\b"),
    re.compile(
        rf"^(?:(?i:and|so|ok|okay|now)[,]? )?{_NAME},? (?i:over to you|your turn|"
        rf"go ahead|you're up|you first|you go first)\b"
    ),
    re.compile(
        rf"(?i:what do you think|any thoughts|can you|could you|would you|do you|"
        rf"how about you|and you),? {_NAME}\?"
    ),
    re.compile(rf"^(?:(?i:and|so|ok|okay|now)[,]? )?{_NAME}, [^?]*\?$"),
    re.compile(rf"^(?:(?i:and|so)[,]? )?{_NAME}\?$"),
]
_THANKS = [
    re.compile(
        rf"^(?:(?i:ok|okay|great|right|perfect)[,!]? )?(?i:thanks|thank you|cheers),? "
        rf"{_NAME}\b"
    ),
    re.compile(
        rf"^(?i:good point|great point|fair point|makes sense|agreed|exactly|nice work|"
        rf"well done|great work|good job),? {_NAME}\b"
    ),
]
_SENTENCES = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Turn:
    """One utterance with its speaker (the mic's is "you")."""

    utterance_id: str
    speaker: str
    text: str


@dataclass(frozen=True)
class Cue:
    speaker: str
    name: str
    score: float
    kind: str  # "intro" | "handover" | "thanks" | "not-me"
    utterance_id: str


@dataclass(frozen=True)
class NameProposal:
    speaker: str
    name: str
    score: float
    cues: tuple[Cue, ...]


@dataclass(frozen=True)
class NamingOptions:
    accept: float = 0.8
    margin: float = 0.4
    ignore: frozenset[str] = frozenset({"you"})  # speakers never named from cues


def _names(patterns: Sequence[re.Pattern[str]], text: str) -> list[str]:
    out: list[str] = []
    for sentence in _SENTENCES.split(text):
        for p in patterns:
            for m in p.finditer(sentence.strip()):
                name = m.group(1)
                if name not in _NOT_NAMES and name not in out:
                    out.append(name)
    return out


def find_cues(turns: Sequence[Turn]) -> list[Cue]:
    """Every cue in a labelled conversation, in order."""
    cues: list[Cue] = []
    for i, turn in enumerate(turns):
        text = " ".join(turn.text.split())
        for name in _names(_INTRO, text):
            cues.append(Cue(turn.speaker, name, SELF_INTRO, "intro", turn.utterance_id))
        addressed = _names(_HANDOVER, text)
        thanked = _names(_THANKS, text)
        for name in {*addressed, *thanked}:
            cues.append(Cue(turn.speaker, name, NOT_ME, "not-me", turn.utterance_id))
        nxt = next((t for t in turns[i + 1 :] if t.speaker != turn.speaker), None)
        prev = next((t for t in reversed(turns[:i]) if t.speaker != turn.speaker), None)
        # the answer must come right after: the next turn, by someone else
        if nxt is not None and i + 1 < len(turns) and turns[i + 1] is nxt:
            for name in addressed:
                cues.append(Cue(nxt.speaker, name, HANDOVER, "handover", nxt.utterance_id))
        if prev is not None and i > 0 and turns[i - 1] is prev:
            for name in thanked:
                cues.append(Cue(prev.speaker, name, THANKS, "thanks", turn.utterance_id))
    return cues


def propose_names(
    turns: Sequence[Turn], options: NamingOptions | None = None
) -> list[NameProposal]:
    """The names the conversation supports, at most one per speaker and speaker per name."""
    opts = options or NamingOptions()
    cues = [c for c in find_cues(turns) if c.speaker not in opts.ignore]
    score: dict[tuple[str, str], float] = defaultdict(float)
    support: dict[tuple[str, str], list[Cue]] = defaultdict(list)
    for c in cues:
        score[(c.speaker, c.name)] += c.score
        support[(c.speaker, c.name)].append(c)
    best_for_name: dict[str, float] = defaultdict(float)
    for (_spk, name), s in score.items():
        best_for_name[name] = max(best_for_name[name], s)
    proposals: list[NameProposal] = []
    taken: set[str] = set()
    for speaker in dict.fromkeys(t.speaker for t in turns):
        ranked = sorted(
            ((s, name) for (spk, name), s in score.items() if spk == speaker), reverse=True
        )
        if not ranked:
            continue
        top, name = ranked[0]
        runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
        positive = [c for c in support[(speaker, name)] if c.score > 0]
        strong = any(c.kind == "intro" for c in positive)
        if (
            top >= opts.accept
            and (strong or len(positive) >= 2)
            and top - max(runner_up, 0.0) >= opts.margin
            and top >= best_for_name[name]
            and sum(1 for (_s, n), v in score.items() if n == name and v == top) == 1
            and name not in taken
        ):
            taken.add(name)
            proposals.append(NameProposal(speaker, name, round(top, 3), tuple(positive)))
    return proposals
