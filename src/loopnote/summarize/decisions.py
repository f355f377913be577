"""What a meeting decided: said as decided ("we'll go with …", "my call is go"), a proposal the
next turn approves, or an either-or question about what "we" do and the answer that settles it.
Each decision quotes the transcript, with the question it settles or what its "that" refers to
when it needs one, and the agenda point it falls under when it does not name it.

``find_decisions(lines)``   the decisions, in spoken order
"""

from __future__ import annotations

import re

from loopnote.summarize import cues
from loopnote.summarize.dialogue import (
    _CONTEXT_TURNS,
    Found,
    Line,
    _question_before,
    _quote,
    _substantive_before,
    _turn,
)


def find_decisions(lines: list[Line]) -> list[Found]:
    out: list[Found] = []
    for pos, x in enumerate(lines):
        prev = lines[pos - 1] if pos > 0 and lines[pos - 1].u.id == x.u.id else None
        agreed = prev is not None and cues.is_bare_agreement(prev.text)
        if agreed and not cues.is_question(x.text) and cues.commitment(x.text) is None:
            pass  # "Agreed. The upgrade is in for this quarter."
        elif prev and cues.is_approval(prev.text) and cues.is_choice_statement(x.text):
            pass  # "Fine by me. We move the newsletter to every other week."
        elif _recaps_choice(lines, x):
            pass  # "To us first, please." "Got it. So reissued invoices go to you first."
        elif not cues.is_decision(x.text) or cues.open_marker(x.text) == "stated":
            continue
        if cues.topic_label(x.text) or any(x in f.lines for f in out[-1:]):
            continue
        if prev and any(prev in f.lines for f in out[-1:]):
            out[-1].lines.append(x)  # "Okay, we hold at twelve months. Not negotiable."
            continue
        item = Found(x.text, [x])
        if prev and len(x.text.split()) <= 3 and not cues.is_question(prev.text):
            x, item = prev, Found(_quote([prev, x]), [prev, x])  # "… the VPN. No discussion."
            pos -= 1
        short = len(x.text.split()) <= 14 or cues.starts_with_reference(x.text)
        q = _question_before(lines, pos, _CONTEXT_TURNS, x.text, choice=True) if short else []
        if not q and len(x.text.split()) <= 8:  # "Sixty forty it is.": the choice just asked
            q = _question_before(lines, pos, _CONTEXT_TURNS, choice=True)
        nxt = lines[pos + 1] if pos + 1 < len(lines) else None
        if cues.refers_back(x.text) and nxt and nxt.u.id == x.u.id and _says_more(nxt.text):
            item = Found(_quote([x, nxt]), [x, nxt])  # "We go with that. Cut the …"
        elif q:
            item.context, item.context_lines = _quote(q), q
        elif (cues.starts_with_reference(x.text) or (short and cues.refers_back(x.text))) and (
            ctx := _substantive_before(lines, pos)
        ):
            item.context, item.context_lines = ctx.text, [ctx]  # "Good, that's decided then."
        out.append(item)
    found = out + _approved(lines, out)
    found += _settled_choices(lines, found)
    found = _without_repeats(sorted(found, key=lambda f: f.lines[0].t))
    for f in found:
        f.topic = _unnamed_topic(lines, f)
    return found


_CLAUSE = re.compile(r"(?i)\b(?:is|are|was|were|has|have|does|do)\b")  # "high is the panel"
_TOPIC_TURNS = 6  # how far back an agenda point ("First, liability.") still frames an item


def _unnamed_topic(lines: list[Line], item: Found) -> str:
    """The agenda point just announced ("Second, exclusivity.") when the item does not name it
    itself ("Okay, we hold at twelve months of fees.")."""
    first = item.lines[0]
    for x in reversed(lines[: lines.index(first) + 1]):
        if x.turn < first.turn - _TOPIC_TURNS:
            return ""
        if (label := cues.topic_label(x.text)) and not _CLAUSE.search(label):
            said = cues.content_words(" ".join([item.text, item.context]))
            return "" if cues.content_words(label) & said else label
    return ""


_OUR_CHOICE = re.compile(  # what we do, not what we have or know
    r"(?i)\b(?:should|shall|do|are|will|can) we\b(?! (?:have|know|need|want|get|think)\b)"
)
_SETTLES = re.compile(r"(?i)\b(?:then|agreed|it is|only|decided|final)\b")
_GOES_ON = re.compile(r"(?i)^(?:then|okay|ok|alright|good|great|perfect|fine|agreed)\b")


def _settled_choices(lines: list[Line], found: list[Found]) -> list[Found]:
    """A question about what "we" do ("Do we freeze for the weekend or just Saturday?") and
    the last short answer that settles it: said as settled ("Saturday only. Agreed.") or let
    stand by the next turn ("With the paper." "Then I'll clean up the repository.")."""
    taken = {x.u.id for f in found for x in [*f.lines, *f.context_lines]}
    out: list[Found] = []
    for pos, q in enumerate(lines):
        if not q.text.rstrip().endswith("?") or not _OUR_CHOICE.search(q.text):
            continue
        about = cues.content_words(q.text)
        best: Line | None = None
        for y in lines[pos + 1 :]:
            if y.turn > q.turn + _CONTEXT_TURNS or (y.turn > q.turn and y.text.endswith("?")):
                break
            if y.turn == q.turn or cues.is_question(y.text) or len(y.text.split()) > 10:
                continue
            if not about & cues.content_words(y.text) or cues.open_marker(y.text):
                continue
            if cues.commitment(y.text) or cues.is_acceptance(y.text):
                continue  # "I can take the map caching.": someone takes it on
            nxt = _turn(lines, y.turn + 1)
            let_stand = bool(nxt) and (
                bool(_GOES_ON.match(nxt[0].text)) or cues.is_approval(nxt[0].text)
            )
            if (_SETTLES.search(y.text) or let_stand) and (best is None or best.turn < y.turn):
                best = y  # the last turn's say, the first sentence of it that settles
        if best is not None and best.u.id not in taken and q.u.id not in taken:
            out.append(Found(best.text, [best], context=q.text, context_lines=[q]))
            taken |= {best.u.id, q.u.id}
    return out


def _without_repeats(found: list[Found]) -> list[Found]:
    """ "Thursdays then." after "I propose we move the reading group to Thursdays" was
    approved: a later decision that says nothing the one just before did not."""
    out: list[Found] = []
    for f in found:
        own = cues.content_words(f.text)
        near = [g for g in out if f.lines[0].turn - g.lines[-1].turn <= _CONTEXT_TURNS]
        if own and any(own <= cues.content_words(g.text + " " + g.context) for g in near):
            near[-1].lines.append(f.lines[0])
            continue
        said = [g for g in out if cues.is_verdict(g.text)]
        if said and cues.is_verdict(f.text) and len(f.text.split()) <= 6:
            said[-1].lines.append(f.lines[0])  # "That's a go, then.": the verdict said again
            continue
        out.append(f)
    return out


def _recaps_choice(lines: list[Line], x: Line) -> bool:
    """ "So X …" said right after the answer to a choice ("… directly, or to you first?")."""
    if not cues.is_recap(x.text) or x.turn < 2:
        return False
    asked = [y for y in _turn(lines, x.turn - 2) if y.text.rstrip().endswith("?")]
    return any(" or " in y.text for y in asked[-1:]) and not any(
        y.text.rstrip().endswith("?") for y in _turn(lines, x.turn - 1)
    )


def _says_more(text: str) -> bool:
    return len(text.split()) >= 4 and not cues.is_question(text) and not cues.refers_back(text)


def _approved(lines: list[Line], found: list[Found]) -> list[Found]:
    """Proposals ("I think we drop X. Fine?") that the next turn approves ("Fine, ship it.")."""
    taken = {x.u.id for f in found for x in f.lines}
    out = []
    for x in lines:
        first = _turn(lines, x.turn)[0]
        if x is not first or not cues.is_approval(x.text) or x.u.id in taken:
            continue
        put = [y for y in _turn(lines, x.turn - 1) if cues.is_proposal(y.text)]
        if put and put[-1].u.id not in taken:
            out.append(Found(put[-1].text, [put[-1], x]))
            taken.add(put[-1].u.id)
    return out
