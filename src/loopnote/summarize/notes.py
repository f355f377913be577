"""The notes of a finished meeting: title, summary, decisions, action items, open questions and
what was asked of the user. Everything comes from what was said (cue phrases and sentence
types); nothing is invented, and an empty meeting says so.

``NotesOptions``           the user's names (for "asked of you"), an optional title
``NoteItem``, ``ActionItem``, ``Notes``   the structured notes (frozen, ``to_dict``)
``build_notes(utterances, nodes, options, *, user_names, title)``   notes from the transcript
                           and the summary tree
``render_notes_markdown(notes, title=True)``   Markdown of everything above the transcript
``format_time(t)``         session seconds as ``m:ss`` or ``h:mm:ss``
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from loopnote.summarize.base import split_sentences
from loopnote.types import Source, SummaryNode, Utterance

_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_MONTH = (
    r"(?:january|february|march|april|may|june|july|august|september|october|november"
    r"|december)"
)
_WHEN = (
    rf"(?:end of (?:the )?(?:day|week|month|quarter|sprint|year)|today|tonight|tomorrow"
    rf"|eod|eow|noon|{_WEEKDAY}(?: morning| afternoon)?|next {_WEEKDAY}|next (?:week|month)"
    rf"|this {_WEEKDAY}|this week|{_MONTH} \d{{1,2}}(?:st|nd|rd|th)?"
    rf"|the \d{{1,2}}(?:st|nd|rd|th)?|\d{{1,2}}(?::\d\d)? ?(?:am|pm|a\.m\.|p\.m\.))"
)
_DUE = re.compile(
    rf"(?i)\b(?:(?:by|before|until|due|no later than|on)\s+({_WHEN})"
    rf"|(tomorrow|tonight|next week|this week|end of (?:the )?(?:day|week)))\b"
)
_DECISION = re.compile(
    r"(?i)\b(?:we(?:'ve| have)? (?:decided|agreed|settled on|chose|picked|are going with)"
    r"|(?:let's|let us) (?:go with|stick with|settle on)|the decision (?:is|was)"
    r"|(?:it's|it is|that's|that is) (?:decided|settled|agreed)|we're going with"
    r"|we will go with|we'll go with|agreed on|final decision)\b"
)
_COMMIT = re.compile(
    r"(?i)^(?:ok(?:ay)?,? |so,? |sure,? |yes,? |yeah,? )*(?:I'll|I will|I'm going to|I am going"
    r" to|I can take|let me)\s+(?P<what>.+)"
)
_REQUEST = re.compile(
    r"(?i)^(?:(?P<name>[A-Z][\w'-]+),\s*)?(?:can|could|would|will) you(?: please)?\s+"
    r"(?P<what>.+?)(?:,\s*(?P<name2>[A-Z][\w'-]+))?[?.!]?$"
)
_PLEASE = re.compile(r"(?i)^(?:(?P<name>[A-Z][\w'-]+),\s*)?please\s+(?P<what>.+)")
_ASSIGN = re.compile(
    r"^(?P<name>[A-Z][\w'-]+(?: and [A-Z][\w'-]+)?) (?:will|is going to|needs to|has to|should"
    r"|owns|takes) (?P<what>.+)"
)
_ACTION_ITEM = re.compile(r"(?i)\baction items?\b[:,]?\s*(?P<what>.*)")
_NOT_NAMES = {
    "it",
    "that",
    "this",
    "there",
    "we",
    "they",
    "he",
    "she",
    "you",
    "i",
    "what",
    "which",
    "who",
    "the",
    "everyone",
    "everybody",
    "someone",
    "nobody",
    "nothing",
    "and",
    "but",
    "so",
    "then",
    "if",
    "when",
    "how",
    "why",
    "where",
    "here",
    "one",
}
_NOT_TASKS = re.compile(  # "I'll be honest", "let me think": talk, not work to do
    r"(?i)^(?:just )?(?:be\b|say\b|think\b|see\b|admit\b|tell you\b|mention\b|"
    r"try to explain\b|explain\b|share my screen\b|repeat\b|stop sharing\b|know\b)"
)
_QUESTION_START = re.compile(
    r"(?i)^(?:what|why|how|when|where|who|which|should we|shall we|do we|did we|can we|"
    r"could we|are we|is there|is it|are there|does anyone|has anyone)\b"
)
_ANSWER = re.compile(
    r"(?i)^(?:yes|yeah|yep|no|nope|sure|correct|right|exactly|definitely|absolutely|"
    r"of course|it's|it is|that's|because|we did|we do|I did|I do|I think|I believe)\b"
)


@dataclass(frozen=True)
class NotesOptions:
    """``user_names``: the user's name and aliases ("asked of you"); ``title``: use this title
    instead of deriving one; an answer within ``answer_window`` s closes a question."""

    user_names: tuple[str, ...] = ()
    title: str = ""
    title_words: int = 9
    answer_window: float = 30.0


@dataclass(frozen=True)
class NoteItem:
    text: str
    t: float
    utterance_id: str
    source: Source
    speaker: str | None = None


@dataclass(frozen=True)
class ActionItem:
    owner: str
    what: str
    due: str | None
    t: float
    utterance_id: str


@dataclass(frozen=True)
class Notes:
    title: str
    summary: str
    decisions: tuple[NoteItem, ...] = ()
    actions: tuple[ActionItem, ...] = ()
    questions: tuple[NoteItem, ...] = ()
    asked_of_you: tuple[NoteItem, ...] = ()
    empty: bool = False
    duration: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class _Sentence:
    text: str
    t: float
    u: Utterance
    index: int  # position of the sentence inside its utterance


def format_time(t: float) -> str:
    s = max(0, int(t))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _sentences(utterances: Sequence[Utterance]) -> list[_Sentence]:
    out: list[_Sentence] = []
    for u in utterances:
        words = u.text.split()
        timed = len(u.words) == len(words) and bool(words)
        offset = 0
        for i, s in enumerate(split_sentences(u.text)):
            t = u.words[offset].start if timed and offset < len(u.words) else u.start
            out.append(_Sentence(s, t, u, i))
            offset += len(s.split())
    return out


def _owner_of(u: Utterance) -> str:
    return u.speaker or ("You" if u.source == "mic" else "Them")


def _tidy_what(what: str) -> str:
    w = what.strip().rstrip("?.! ")
    return w[:1].upper() + w[1:] if w else w


def _name(word: str | None) -> str | None:
    if not word or word.lower() in _NOT_NAMES:
        return None
    return word


def _action(s: _Sentence, user_names: Iterable[str]) -> ActionItem | None:
    text = s.text.strip()
    due_m = _DUE.search(text)
    due = (due_m.group(1) or due_m.group(2)) if due_m else None
    owner: str | None = None
    what = ""
    if m := _COMMIT.match(text):
        owner, what = _owner_of(s.u), m.group("what")
    elif (m := _REQUEST.match(text)) and (
        name := _name(m.group("name")) or _name(m.group("name2"))
    ):
        owner, what = name, m.group("what")
    elif m := _PLEASE.match(text):
        owner, what = _name(m.group("name")) or "Unassigned", m.group("what")
    elif (m := _ASSIGN.match(text)) and _name(m.group("name").split()[0]):
        owner, what = m.group("name"), m.group("what")
    elif (m := _ACTION_ITEM.search(text)) and len(m.group("what").split()) >= 3:
        owner, what = "Unassigned", m.group("what")
    if owner is None or len(what.split()) < 2 or _NOT_TASKS.match(what):
        return None
    if s.u.source != "mic" and owner.lower() in {n.lower() for n in user_names}:
        owner = "You"
    return ActionItem(owner, _tidy_what(what), due, s.t, s.u.id)


def _is_question(text: str) -> bool:
    t = text.strip()
    return len(t.split()) >= 3 and (t.endswith("?") or bool(_QUESTION_START.match(t)))


def _answered(i: int, sents: list[_Sentence], window: float) -> bool:
    q = sents[i]
    for s in sents[i + 1 :]:
        if s.t - q.t > window:
            return False
        if s.u.id != q.u.id and s.index == 0 and _ANSWER.match(s.text.strip()):
            return True
    return False


def _name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    alts = sorted({n.strip() for n in names if n.strip()}, key=len, reverse=True)
    if not alts:
        return None
    return re.compile(r"(?i)\b(?:" + "|".join(re.escape(a) for a in alts) + r")\b")


def _asked_text(i: int, sents: list[_Sentence]) -> str:
    """The sentence naming the user, joined with its neighbour when it is just a vocative."""
    s = sents[i]
    if len(s.text.split()) <= 2:
        nxt = sents[i + 1] if i + 1 < len(sents) and sents[i + 1].u.id == s.u.id else None
        prev = sents[i - 1] if i > 0 and sents[i - 1].u.id == s.u.id else None
        if nxt is not None:
            return f"{s.text} {nxt.text}"
        if prev is not None:
            return f"{prev.text} {s.text}"
    return s.text


def _summary_from(nodes: Sequence[SummaryNode]) -> tuple[str, str]:
    """(summary, first section text): latest revision of each node wins."""
    latest: dict[str, SummaryNode] = {}
    for n in nodes:
        if n.node_id not in latest or n.revision >= latest[n.node_id].revision:
            latest[n.node_id] = n
    by_level: dict[str, list[SummaryNode]] = {"moment": [], "section": [], "meeting": []}
    for n in latest.values():
        by_level[n.level].append(n)
    for v in by_level.values():
        v.sort(key=lambda n: n.start)
    first = next((n.text for n in by_level["section"] + by_level["moment"] if n.text), "")
    for level in ("meeting", "section", "moment"):
        texts = [n.text for n in by_level[level] if n.text.strip()]
        if texts:
            return " ".join(texts), first
    return "", first


def _title(first: str, words: int) -> str:
    sents = split_sentences(first)
    if not sents:
        return ""
    w = sents[0].rstrip(".!?…").split()
    return " ".join(w[:words]) + ("…" if len(w) > words else "")


def build_notes(
    utterances: Sequence[Utterance],
    nodes: Sequence[SummaryNode],
    options: NotesOptions | None = None,
    *,
    user_names: Sequence[str] | None = None,
    title: str | None = None,
) -> Notes:
    """Notes from the transcript and the summary nodes (any revisions; the latest wins).
    ``user_names`` and ``title`` override the fields of ``options`` when given."""
    o = options or NotesOptions()
    if user_names is not None:
        o = replace(o, user_names=tuple(user_names))
    if title is not None:
        o = replace(o, title=title)
    spoken = sorted((u for u in utterances if u.text.strip()), key=lambda u: (u.start, u.end))
    if not spoken:
        return Notes(title=o.title or "Empty meeting", summary="", empty=True)
    summary, first = _summary_from(nodes)
    if not summary:  # no summary tree was kept: the transcript itself is the only summary
        first = spoken[0].text
    title = o.title or _title(first, o.title_words) or "Meeting notes"
    sents = _sentences(spoken)
    names = _name_pattern(o.user_names)
    decisions, actions, questions, asked = [], [], [], []
    for i, s in enumerate(sents):
        item = NoteItem(s.text, s.t, s.u.id, s.u.source, s.u.speaker)
        to_user = names is not None and s.u.source != "mic" and bool(names.search(s.text))
        if to_user:
            asked.append(NoteItem(_asked_text(i, sents), s.t, s.u.id, s.u.source, s.u.speaker))
        if _DECISION.search(s.text):
            decisions.append(item)
            continue
        action = _action(s, o.user_names)
        if action is not None:
            actions.append(action)
            continue
        if not to_user and _is_question(s.text) and not _answered(i, sents, o.answer_window):
            questions.append(item)
    duration = max(u.end for u in spoken) - min(u.start for u in spoken)
    return Notes(
        title=title,
        summary=summary,
        decisions=tuple(decisions),
        actions=tuple(actions),
        questions=tuple(questions),
        asked_of_you=tuple(asked),
        empty=False,
        duration=duration,
    )


def render_notes_markdown(notes: Notes, *, title: bool = True) -> str:
    """Markdown for notes.md above the transcript: title line, summary and the four lists.
    ``title=False`` leaves the title line out (when the page header already shows it)."""
    lines = [f"# {notes.title}", ""] if title else []
    if notes.empty:
        lines += [
            "Nothing was said in this meeting, so there is nothing to summarize and no "
            "decisions, action items or questions to report.",
            "",
        ]
        return "\n".join(lines)
    lines += ["## Summary", "", notes.summary or "_No summary was made._", ""]

    def block(heading: str, items: list[str]) -> None:
        lines.extend([f"## {heading}", ""])
        lines.extend(items or ["_None noted._"])
        lines.append("")

    block("Decisions", [f"- {d.text} ({format_time(d.t)})" for d in notes.decisions])
    block(
        "Action items",
        [
            f"- [ ] **{a.owner}**: {a.what}"
            + (f" — due {a.due}" if a.due else "")
            + f" ({format_time(a.t)})"
            for a in notes.actions
        ],
    )
    block("Open questions", [f"- {q.text} ({format_time(q.t)})" for q in notes.questions])
    block("Asked of you", [f"- {q.text} ({format_time(q.t)})" for q in notes.asked_of_you])
    return "\n".join(lines)
