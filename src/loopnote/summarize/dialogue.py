"""A finished meeting read as a conversation: who takes on what, what was decided and what it
settles. Built on the sentence cues of
``summarize.cues``; every item quotes the transcript and cites the sentences it rests on.

``Line``                      one sentence: text, time, utterance, turn
``lines_of(utterances)``      the meeting's sentences in spoken order (one turn per utterance)
``Found``                     an item: text, cited lines, owner/due (actions), quoted context
``find_actions(lines, user)`` action items with owner and due date (requests and their
                              acceptance merged into one)

The decisions are read in ``summarize.decisions`` and the questions (what stayed open, what
was put to the user) in ``summarize.questions``, with the same helpers.

Owners come, in order, from the utterance's speaker name (``Utterance.speaker``, when a
speaker stage has set it; the microphone is always "You"), the name a request or question
addressed, and the name thanked in the next turn. Without any of these the owner is unknown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from loopnote.summarize import cues
from loopnote.summarize.base import split_sentences
from loopnote.types import Utterance

_ASK_WINDOW = 2  # turns within which an acceptance answers a request
_CONTEXT_TURNS = 4  # how far back a decision or "that" may reach for what it refers to
_WHO = re.compile(
    r"(?i)^(?:\w+[,.]\s+)*(?:so |and |but )?who(?:'s| is)? (?:going to|can|could|will|wants to"
    r"|would like to|is able to) (?P<what>.+?)[?.!]*$"
)


@dataclass(frozen=True)
class Line:
    text: str
    t: float
    u: Utterance
    turn: int  # position of the utterance in the meeting
    index: int  # position of the sentence inside its utterance


@dataclass
class Found:
    text: str
    lines: list[Line]
    owner: str | None = None
    due: str | None = None
    context: str = ""
    context_lines: list[Line] = field(default_factory=list)
    open_ask: bool = False  # a request or "who will…?" still waiting for someone to take it
    taker_due: bool = False  # the due date is the one the person taking it on said
    topic: str = ""  # the agenda point it belongs to, when the item does not name it


def lines_of(utterances: Sequence[Utterance]) -> list[Line]:
    out: list[Line] = []
    for turn, u in enumerate(utterances):
        words = u.text.split()
        timed = len(u.words) == len(words) and bool(words)
        offset = 0
        for i, s in enumerate(split_sentences(u.text)):
            t = u.words[offset].start if timed and offset < len(u.words) else u.start
            out.append(Line(s, t, u, turn, i))
            offset += len(s.split())
    return out


def speaker_of(u: Utterance) -> str | None:
    """The person who spoke ``u`` when known: a speaker name, or "You" on the microphone."""
    return u.speaker or ("You" if u.source == "mic" else None)


def _is_user(name: str | None, user: Sequence[str]) -> bool:
    return bool(name) and any(name.lower() == n.lower() for n in user)  # type: ignore[union-attr]


def _mentions(text: str, names: Sequence[str]) -> bool:
    return any(re.search(rf"(?i)\b{re.escape(n)}\b", text) for n in names if n.strip())


def _turn(lines: list[Line], turn: int) -> list[Line]:
    return [x for x in lines if x.turn == turn]


def _addressed_before(lines: list[Line], line: Line, back_and_forth: bool = True) -> str | None:
    """The name the previous turn spoke to (a question or request that gave the floor)."""
    for x in reversed(_turn(lines, line.turn - 1)):
        if name := _floor_to(x):
            return name
    if not back_and_forth:
        return None
    # back and forth: given the floor two turns ago, and nobody else was given it since
    if line.turn >= 3 and not any(_floor_to(x) for x in _turn(lines, line.turn - 1)):
        for x in reversed(_turn(lines, line.turn - 3)):
            if x.text.rstrip().endswith("?") and (name := _floor_to(x)):
                return name  # a question handed them the floor (a request hands a task)
    return None


def _floor_to(x: Line) -> str | None:
    """The name a sentence hands the floor to ("Jonas?", "Marcus, where are we?")."""
    if (names := cues.vocatives(x.text)) and not cues.thanked(x.text):
        return names[0]
    return cues.introduced(x.text)


def _thanked_after(lines: list[Line], line: Line) -> str | None:
    nxt = _turn(lines, line.turn + 1)
    return cues.thanked(nxt[0].text) if nxt else None


def after_user(lines: list[Line], x: Line) -> bool:
    """Whether ``x`` (not the user's) is in the turn right after one of the user's."""
    before = _turn(lines, x.turn - 1)
    return x.u.source != "mic" and bool(before) and before[0].u.source == "mic"


def _substantive_before(lines: list[Line], pos: int) -> Line | None:
    """The nearest earlier sentence that carries its own subject (what "that" refers to)."""
    first_turn = lines[pos].turn - _CONTEXT_TURNS
    for x in reversed(lines[:pos]):
        if x.turn < first_turn:
            return None
        words = x.text.split()
        if (
            len(words) >= 5
            and not cues.refers_back(" ".join(words[:4]))
            and not cues.is_acceptance(x.text)
            and not cues.is_small_talk(x.text)
            and cues.open_marker(x.text) != "stated"
        ):
            return x
    return None


_TAG_QUESTION = re.compile(r"(?i),\s*(?:right|no|yes|correct|isn't it|don't we|didn't we)\?$")


def _puts_no_choice(lines: list[Line], x: Line) -> bool:
    """ "That's standard for us, right?", "Lena, can you find out?", a question its own turn
    leaves open: nothing a later "we hold at …" could settle."""
    return (
        bool(_TAG_QUESTION.search(x.text.strip()))
        or cues.request(x.text) is not None
        or any(cues.open_marker(y.text) == "stated" for y in _turn(lines, x.turn))
    )


def _question_before(
    lines: list[Line], pos: int, turns: int, about: str = "", choice: bool = False
) -> list[Line]:
    """The nearest earlier question (with the sentence that leads into it when the question
    is short), sharing a content word with ``about`` when given; ``choice``: only a question
    a decision could settle."""
    want = cues.content_words(about) if about else set()
    first_turn = lines[pos].turn - turns
    for k in range(pos - 1, -1, -1):
        x = lines[k]
        if x.turn < first_turn:
            break
        if not x.text.rstrip().endswith("?") or cues.is_small_talk(x.text):
            continue
        if choice and _puts_no_choice(lines, x):
            continue
        if want and not want & cues.content_words(x.text):
            continue
        lead = lines[k - 1] if k > 0 else None
        if lead and lead.u.id == x.u.id and len(x.text.split()) <= 10:
            return [lead, x]
        return [x]
    return []


def _quote(lines: list[Line]) -> str:
    return " ".join(x.text for x in lines)


def _cap(text: str) -> str:
    w = text.strip().rstrip("?.! ")
    return w[:1].upper() + w[1:]


def _due_near(lines: list[Line], pos: int) -> str | None:
    """A due date in the sentence, or in a short follow-up of the same turn ("By Friday?")."""
    if due := cues.due_of(lines[pos].text):
        return due
    nxt = lines[pos + 1] if pos + 1 < len(lines) else None
    if nxt and nxt.u.id == lines[pos].u.id and len(nxt.text.split()) <= 8:
        due = cues.due_of(nxt.text)
        lead = re.sub(
            r"(?i)^(?:ideally|preferably|hopefully|and|but|so|give (?:me|us)|I(?:'ll)? need)[, ]+",
            "",
            nxt.text,
        )
        if due and re.sub(r"(?i)^(?:by|before|on|until) ", "", lead).lower().startswith(
            due.lower()
        ):
            return due  # "By Friday if possible.": a date said after the ask
    return None


def find_actions(lines: list[Line], user: Sequence[str]) -> list[Found]:
    out: list[Found] = []
    merging: dict[str, Found] = {}  # utterance id -> the item its later sentences add to
    handed: set[int] = set()  # items their taker handed on to someone named ("Carmen?")

    def pending(x: Line) -> Found | None:
        for item in reversed(out):
            first = item.lines[0]
            if first.u.id == x.u.id or x.turn - first.turn > _ASK_WINDOW:
                continue
            if item.open_ask:
                return item
            if x.turn - item.lines[-1].turn == 1 and x.u.id not in merging:
                said = _turn(lines, item.lines[-1].turn)
                if item.lines[-1] in said and _floor_to(said[-1]):  # "Carmen and I will. Carmen?"
                    handed.add(id(item))
                    return item
        return None

    def owner_for(x: Line, fallback: str | None = None) -> str | None:
        return (
            speaker_of(x.u)
            or fallback
            or _addressed_before(lines, x, back_and_forth=False)
            or _thanked_after(lines, x)
            or _addressed_before(lines, x)
        )

    def take(item: Found, x: Line, what: str | None) -> None:
        item.lines.append(x)
        item.open_ask = False
        mine = None if id(item) in handed else item.owner
        item.owner = speaker_of(x.u) or mine or owner_for(x)
        if due := _due_near(lines, lines.index(x)):
            item.due, item.taker_due = due, True  # the taker's own date wins
        if what and _short_ref(item.text) and not _short_ref(what):
            item.text = _cap(what)
        elif what and len(_adds(what, item.text)) >= 2:
            item.context, item.context_lines = x.text, [x]  # the taker says what it is
        merging[x.u.id] = item

    def same_task(x: Line, pos: int, what: str) -> Found | None:
        """The speaker's own undated task just before, which this sentence dates: the next
        sentence of the turn, or a later turn's "I'll trim it down … by Friday"."""
        if not _due_near(lines, pos) or _ANOTHER.search(x.text) or not out:
            return None
        item, last = out[-1], out[-1].lines[-1]
        if item.open_ask or item.due or len(item.lines) > 1 or x.turn - last.turn > _ASK_WINDOW:
            return None
        if last.u.id == x.u.id:
            return item if lines.index(last) == pos - 1 else None
        who = speaker_of(x.u)
        later = _short_ref(what) or cues.is_follow_up(what)  # "I'll come back to you on it"
        return item if who and who == speaker_of(last.u) and later else None

    for pos, x in enumerate(lines):
        text = x.text
        if cues.is_decision(text) or cues.topic_label(text):
            continue
        what = cues.commitment(text)
        accepting = cues.is_acceptance(text) or bool(what and _short_ref(what))
        if not accepting and x.index == 0 and cues.opens_with_yes(text):
            accepting = pending(x) is not None  # "Yes, thirty minutes before the release."
        if (
            x.u.id in merging
            and not (what or accepting)
            and _short_ref(merging[x.u.id].text)
            and (due := cues.due_of(text))
        ):
            item = merging[x.u.id]  # "I'm on it. It'll be behind the VPN by Wednesday."
            item.text, item.due = _cap(text), item.due or due
            item.lines.append(x)
            continue
        if x.u.id in merging and (what or accepting):
            item = merging[x.u.id]
            if (due := _due_near(lines, pos)) and not item.taker_due:
                item.due, item.taker_due = due, len(item.lines) > 1
            if what and _short_ref(item.text) and not _short_ref(what):
                item.text = _cap(what)
            elif what and len(_adds(what, item.text)) > len(_adds(item.context, item.text)):
                item.context, item.context_lines = x.text, [x]  # the taker says what it is
            if x not in item.lines:
                item.lines.append(x)
            continue
        ask = pending(x) if accepting or what else None
        if ask is not None and (accepting or x.turn - ask.lines[-1].turn <= 1):
            take(ask, x, what)
            continue
        same_turn = bool(out) and out[-1].lines[-1].u.id == x.u.id
        if what and (cues.is_follow_up(what) or _short_ref(what)) and same_turn:
            # "I can ask my church group. I will ask them tomorrow.": one task, its date
            out[-1].due = out[-1].due or _due_near(lines, pos)
            out[-1].lines.append(x)
            continue
        if what and (same := same_task(x, pos, what)) is not None:
            # "I'll connect you with Dmitri. I'll send an intro email tomorrow.": one task
            joins = same.lines[-1].u.id == x.u.id or not _short_ref(what)
            same.text = f"{same.text}; {what}" if joins else _cap(what)
            same.due = _due_near(lines, pos)
            same.lines.append(x)
            continue
        if what:
            item = Found(_cap(what), [x], owner=owner_for(x), due=_due_near(lines, pos))
            out.append(item)
            if _short_ref(what):
                merging[x.u.id] = item
            continue
        if req := cues.request(text):
            name, task = req
            if name is None:
                prev = lines[pos - 1] if pos > 0 and lines[pos - 1].u.id == x.u.id else None
                names = cues.vocatives(prev.text) if prev else []
                name = names[0] if names else None
            if name is None and after_user(lines, x):
                name = "You"  # a reply to the user that asks something of them
            out.append(Found(_cap(task), [x], owner=name, due=_due_near(lines, pos), open_ask=True))
            continue
        if asg := cues.assignment(text):
            name, task = asg
            out.append(
                Found(
                    _cap(task),
                    [x],
                    owner=name or None,
                    due=_due_near(lines, pos),
                    open_ask=not name or _short_ref(task),  # "Sam's on it": what is "it"?
                )
            )
            continue
        if m := _WHO.match(text):
            out.append(Found(_cap(m.group("what")), [x], due=_due_near(lines, pos), open_ask=True))
    kept = []
    for item in out:
        taken = len(item.lines) > 1 or not item.open_ask
        if not taken and (item.owner is None and item.due is None):
            continue  # "who will…?" or "can you…?" that nobody took up
        if _is_user(item.owner, user):
            item.owner = "You"
        if _short_ref(item.text) or _bare_task(item.text, item.due):
            pos = lines.index(item.lines[0])
            if (ctx := _substantive_before(lines, pos)) is not None:
                item.context, item.context_lines = ctx.text, [ctx]
        elif not item.context and (q := _answers_question(lines, item)):
            item.context, item.context_lines = q.text, [q]
        kept.append(item)
    return kept


_ANOTHER = re.compile(r"(?i)\b(?:also|too|as well|another|other)\b")
_INQUIRY = re.compile(  # tasks that find something out: what about comes from the question
    r"(?i)^(?:have to |need to |try to )?(?:check|confirm|ask|find out|look into|look it up"
    r"|let (?:you|them|everyone) know|get back|come back|follow up|report back)\b"
)


def _answers_question(lines: list[Line], item: Found) -> Line | None:
    """ "I'll have to confirm with the product team." after "Will it include the archived
    projects too?": the question the inquiry will answer, when the task does not name it."""
    first = item.lines[0]
    if not _INQUIRY.match(item.text):
        return None
    asked = [y for y in _turn(lines, first.turn - 1) if y.text.rstrip().endswith("?")]
    if not asked or asked[-1].u.id == first.u.id or cues.is_small_talk(asked[-1].text):
        return None
    q = asked[-1]
    return None if cues.content_words(q.text) & cues.content_words(item.text) else q


def _adds(what: str, task: str) -> set[str]:
    """The words the taker's "I'll email them about the refund" adds to the task asked for
    (its due date aside)."""
    due = cues.due_of(what)
    said = what.replace(due, "") if due else what
    return cues.content_words(said) - cues.content_words(task)


def _bare_task(what: str, due: str | None) -> bool:
    """ "Confirm by Wednesday": nothing but a verb and a date."""
    rest = what.lower().replace(due.lower(), "") if due else what.lower()
    rest = re.sub(r"\b(?:by|on|before|until)\b", " ", rest)
    return len(rest.split()) <= 1


def _short_ref(what: str) -> bool:
    """ "take that", "put that in writing", "send both": the task is named elsewhere (what it
    acts on is a pronoun near its start, not "…so Sofia can include it")."""
    return cues.refers_back(" ".join(what.split()[:3]))
