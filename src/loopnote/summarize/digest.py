"""The summary of the notes: the meeting's own sentences that stand on their own, grouped by
the topics the meeting announced ("Next topic, the offline mode."), each citing where it was said.

``Point``, ``Topic``                 a cited sentence; a topic (label may be "") and its points
``digest(lines, nodes)``             topics with points, or None when the stored summary was
                                     written by a model (its prose is then used as it is)

A sentence stands on its own when it does not lean on what came before ("That's too slow.",
"It is.", "I can take that."), is not a question, greeting or bare reply, and names no one it
speaks to. Within a topic, sentences are ranked by how many of the topic's recurring words
they carry (and whether the summarizer kept them), and kept in spoken order within a word
budget that grows with the topic. Without announced topics the summary tree's sections (or
the whole meeting) are the groups.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from loopnote.summarize import cohesion, cues
from loopnote.summarize.base import split_sentences
from loopnote.summarize.dialogue import Line
from loopnote.summarize.extractive import clean_sentence
from loopnote.types import SummaryNode

_MIN_WORDS = 5
_MAX_WORDS = 40
_BASE_BUDGET = 20  # words per topic, plus a share of the topic's length
_SHARE = 0.25
_CAP = 100
_REPEAT_PENALTY = 0.7  # how much a sentence loses for repeating what the summary already says
_LEANS_BACK = re.compile(  # "That's too slow.", "It is.": a reply to what came before
    r"(?i)^(?:it|that|this|those|these|yes|no|sure|right|exactly|agreed|same|both|neither"
    r"|i (?:think|believe|guess|hope|suppose) (?:so|not))\b"
)
_PERSON_LED = re.compile(r"(?i)^(?:they|he|she|we|you)\b")
_RAISING_WORDS = 9
_QUESTION_WEIGHT = 0.7
_DECISION_WEIGHT = 1.3
_REPLY = re.compile(
    r"(?i)^(?:(?:yes|yeah|yep|sure|exactly|absolutely|definitely|of course|agreed|good|great"
    r"|fine|nice|perfect|thanks|got it|okay|ok|right)[,.!]\s+)+"
)


@dataclass(frozen=True)
class Point:
    text: str
    t: float
    utterance_id: str


@dataclass(frozen=True)
class Topic:
    """``label`` as it was said ("" without announced topics); [``t``, ``until``) its span."""

    label: str
    t: float
    utterance_id: str
    points: tuple[Point, ...]
    until: float


def _norm(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def _groups(lines: list[Line], nodes: Sequence[SummaryNode]) -> list[tuple[str, list[Line]]]:
    cuts = [(k, label) for k, x in enumerate(lines) if (label := cues.topic_label(x.text))]
    # two cues in a row ("Let's start. First topic is X."): the later one names the topic
    cuts = [c for i, c in enumerate(cuts) if i + 1 == len(cuts) or cuts[i + 1][0] != c[0] + 1]
    if cuts:
        bounds = [(0, "")] if cuts[0][0] > 0 else []
        bounds += cuts
    else:
        starts = sorted({n.start for n in nodes if n.level == "section"})
        bounds = [(0, "")]
        for s in starts[1:]:
            k = next((k for k, x in enumerate(lines) if x.t >= s), None)
            if k is not None and k > bounds[-1][0]:
                bounds.append((k, ""))
    out = []
    for i, (k, label) in enumerate(bounds):
        end = bounds[i + 1][0] if i + 1 < len(bounds) else len(lines)
        out.append((label, lines[k:end]))
    return out


def _stands_alone(text: str) -> bool:
    n = len(text.split())
    if n < _MIN_WORDS or n > _MAX_WORDS:
        return False
    if cues.is_question(text) and (n < _RAISING_WORDS or cues.vocatives(text)):
        return False  # a long question to nobody in particular raises its topic
    if cues.open_marker(text) == "stated" and not cues.open_point_is_named(text):
        return False  # "I asked product, no answer yet.": the open questions say about what
    if cues.is_process(text) and n <= 12:
        return False  # "Let's triage the tech debt list."
    if _LEANS_BACK.match(text) or cues.is_small_talk(text) or cues.vocatives(text):
        return False
    if cues.due_of(text) and len(cues.content_words(text)) <= 2:
        return False  # "End of next week is fine.": a date for something said elsewhere
    if cues.open_marker(text) == "unknown" or cues.is_acceptance(text):
        return False
    if cues.topic_label(text) or cues.open_marker(text) == "unknown" or cues.request(text):
        return False
    if cues.thanked(text):
        return False  # "Thanks Diego, get some sleep."
    if (what := cues.commitment(text)) and len(cues.content_words(what)) < 4:
        return False  # "I'll do it tomorrow": the action items say who and when
    if _PERSON_LED.match(text) and n < 10:
        return False  # "They're part of the team.": too short to say who
    return not (cues.refers_back(text) and n <= 9)


_SHORT_ANSWER = 10


def _asked_before(lines: list[Line], x: Line) -> Line | None:
    """The question another speaker put in the turn just before ``x``, when ``x`` is the whole
    of its turn and answers it."""
    k = lines.index(x)
    whole_turn = k + 1 == len(lines) or lines[k + 1].turn != x.turn
    if x.index != 0 or not whole_turn or k == 0 or cues.is_question(x.text):
        return None  # a turn that goes on says more than its answer
    if cues.commitment(x.text) or cues.thanked(x.text) or cues.is_small_talk(x.text):
        return None  # "That was useful, thanks Amir.": no answer
    q = lines[k - 1]
    if q.turn != x.turn - 1 or not q.text.rstrip().endswith("?") or cues.is_small_talk(q.text):
        return None
    return q


def _picked_by_summarizer(nodes: Sequence[SummaryNode]) -> set[str]:
    return {_norm(s) for n in nodes for s in split_sentences(n.text)}


def _model_written(nodes: Sequence[SummaryNode], lines: list[Line]) -> bool:
    """True when the stored summary is prose (an LLM's), not sentences of the transcript."""
    said = {_norm(clean_sentence(x.text)) for x in lines} | {_norm(x.text) for x in lines}
    sents = [_norm(s) for n in nodes for s in split_sentences(n.text)]
    if not sents:
        return False
    from_transcript = sum(1 for s in sents if s.rstrip(".…") in said or any(s in t for t in said))
    return from_transcript < 0.5 * len(sents)


_Candidate = tuple[float, Line, str, set[str]]


def _gain(c: _Candidate, said: set[str]) -> float:
    score, _x, _text, own = c
    return score - _REPEAT_PENALTY * score * len(own & said) / max(1, len(own))


def _stretches(group: list[Line], scored: list[_Candidate]) -> list[list[_Candidate]]:
    """The candidates split by the stretches of the group that keep to one subject."""
    starts = cohesion.cuts([cues.content_words(x.text) for x in group])
    bounds = [group[k].t for k in starts[1:]]
    pools: list[list[_Candidate]] = [[] for _ in range(len(bounds) + 1)]
    for c in scored:
        pools[sum(1 for b in bounds if c[1].t >= b)].append(c)
    return pools


def digest(lines: list[Line], nodes: Sequence[SummaryNode]) -> list[Topic] | None:
    if not lines or (nodes and _model_written(nodes, lines)):
        return None
    picked = _picked_by_summarizer(nodes)
    topics = []
    groups = _groups(lines, nodes)
    for gi, (label, group) in enumerate(groups):
        words = Counter(w for x in group for w in cues.content_words(x.text))
        scored: list[_Candidate] = []
        joined: dict[int, set[str]] = {}  # id of a question -> the question with its answer
        for x in group:
            text = clean_sentence(_REPLY.sub("", clean_sentence(x.text)))
            asked = _asked_before(lines, x)
            if asked is not None and len(text.split()) <= _SHORT_ANSWER:
                # "Whole weekend would be safer." says nothing without its question
                if (
                    cues.refers_back(asked.text)
                    or len(asked.text.split()) > _MAX_WORDS // 2
                    or len(cues.content_words(text)) < 2  # "Yes."
                ):
                    continue
                x, text = asked, f"{asked.text} {text}"
                joined.setdefault(id(x), set()).add(text)
            elif not _stands_alone(text):
                continue
            own = cues.content_words(text)
            score = sum(1.0 for w in own if words[w] >= 2) + 0.5 * len(re.findall(r"\d", text))
            score = (score + len(own)) / math.sqrt(len(text.split()))
            if _norm(text) in picked:
                score += 0.5
            if cues.is_question(text):
                score *= _QUESTION_WEIGHT
            elif cues.is_decision(text):
                score *= _DECISION_WEIGHT  # what the meeting settled comes first
            scored.append((score, x, text, own))
        # a question that a short answer joined is said once, with its answer
        scored = [c for c in scored if id(c[1]) not in joined or c[2] in joined[id(c[1])]]
        total = sum(len(x.text.split()) for x in group)
        budget = min(_CAP, _BASE_BUDGET + _SHARE * total)
        chosen: list[tuple[Line, str]] = []
        said: set[str] = set()
        used = 0
        stretches = _stretches(group, scored)
        first = True  # every stretch says its subject once, whatever the budget
        while any(stretches):  # in turn from each stretch, so the whole span is covered
            for pool in stretches:
                if not pool:
                    continue
                best = max(pool, key=lambda c: _gain(c, said))  # discounting what was said
                pool.remove(best)
                _score, x, text, own = best
                n = len(text.split())
                if not first and used + n > budget:
                    continue
                chosen.append((x, text))
                said |= own
                used += n
            first = False
        chosen.sort(key=lambda c: c[0].t)
        if not chosen and not label:
            continue
        head = group[0]
        points = tuple(Point(text, x.t, x.u.id) for x, text in chosen)
        until = groups[gi + 1][1][0].t if gi + 1 < len(groups) else group[-1].u.end
        topics.append(Topic(label, head.t, head.u.id, points, until))
    return topics
