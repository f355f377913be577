"""The notes of a finished meeting: title, summary, decisions, action items, open questions and
what was asked of the user. Everything comes from what was said (``summarize.dialogue`` reads
the conversation, ``summarize.decisions`` what it decided, ``summarize.questions`` its
questions, ``summarize.digest`` picks the summary); nothing is invented, every item cites the
utterances it rests on, and an empty meeting says so.

``NotesOptions``           the user's names (for "asked of you"), an optional title
``Ref``, ``NoteItem``, ``ActionItem``, ``Notes``   the structured notes (frozen, ``to_dict``)
``build_notes(utterances, nodes, options, *, user_names, title)``   notes from the transcript
                           and the summary tree
``render_notes_markdown(notes, title=True)``   Markdown of everything above the transcript,
                           each item linking to its utterance in the transcript below
``format_time(t)``         session seconds as ``m:ss`` or ``h:mm:ss``

Owners and who asked come from ``Utterance.speaker`` when a speaker stage has named the
utterance's speaker, and otherwise from how people address each other (see
``summarize.dialogue``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from loopnote.summarize import cues
from loopnote.summarize.base import split_sentences
from loopnote.summarize.decisions import find_decisions
from loopnote.summarize.dialogue import (
    Found,
    Line,
    find_actions,
    lines_of,
)
from loopnote.summarize.digest import Point, Topic, digest
from loopnote.summarize.questions import find_asked, find_open
from loopnote.types import (
    SENTENCE_ENDS,
    SENTENCE_ENDS_FULL_WIDTH,
    Source,
    SummaryNode,
    Utterance,
)


@dataclass(frozen=True)
class NotesOptions:
    """``user_names``: the user's name and aliases ("asked of you"); ``title``: use this title
    instead of deriving one; a question with no reply within ``answer_window`` s stays open."""

    user_names: tuple[str, ...] = ()
    title: str = ""
    title_words: int = 9
    answer_window: float = 30.0


@dataclass(frozen=True)
class Ref:
    """Another utterance an item cites (the reply that took on a request, the question a
    decision settles)."""

    t: float
    utterance_id: str


@dataclass(frozen=True)
class NoteItem:
    """``text`` quotes the transcript; ``context`` quotes what it refers to or settles;
    ``speaker`` is who said it when known (for "asked of you": who asked)."""

    text: str
    t: float
    utterance_id: str
    source: Source
    speaker: str | None = None
    context: str = ""
    refs: tuple[Ref, ...] = ()
    topic: str = ""  # the agenda point it belongs to when ``text`` does not name it


@dataclass(frozen=True)
class ActionItem:
    owner: str
    what: str
    due: str | None
    t: float
    utterance_id: str
    context: str = ""
    refs: tuple[Ref, ...] = ()


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
    topics: tuple[Topic, ...] = ()  # the summary as cited sentences grouped by topic

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def format_time(t: float) -> str:
    s = max(0, int(t))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _refs(found: Found) -> tuple[Ref, ...]:
    first = found.lines[0].u.id
    seen = {first}
    out = []
    for x in sorted([*found.lines[1:], *found.context_lines], key=lambda x: x.t):
        if x.u.id not in seen:
            seen.add(x.u.id)
            out.append(Ref(x.t, x.u.id))
    return tuple(out)


def _item(found: Found) -> NoteItem:
    x = found.lines[0]
    return NoteItem(
        found.text, x.t, x.u.id, x.u.source, found.owner, found.context, _refs(found), found.topic
    )


def _action(found: Found) -> ActionItem:
    x = found.lines[0]
    taken = len(found.lines) > 1 or cues.commitment(x.text) is not None
    owner = found.owner or ("Them" if taken else "Unassigned")
    return ActionItem(owner, found.text, found.due, x.t, x.u.id, found.context, _refs(found))


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
    # cut by words, or by characters in scripts written without spaces
    chunks = split_sentences(sents[0].rstrip(SENTENCE_ENDS + SENTENCE_ENDS_FULL_WIDTH), words)
    return chunks[0] + ("…" if len(chunks) > 1 else "") if chunks else ""


def _latest(nodes: Sequence[SummaryNode]) -> list[SummaryNode]:
    latest: dict[str, SummaryNode] = {}
    for n in nodes:
        if n.node_id not in latest or n.revision >= latest[n.node_id].revision:
            latest[n.node_id] = n
    return sorted(latest.values(), key=lambda n: (n.start, n.end))


def _first_words(lines: Sequence[Line], words: int) -> str:
    said = next((x.text for x in lines if not cues.is_small_talk(x.text)), "")
    return _title(said, words)


def _title_from_topics(topics: Sequence[Topic], words: int) -> str:
    labels = [t.label for t in topics if t.label]
    if 2 <= len(labels) <= 3 and sum(len(x.split()) for x in labels) <= words:
        return _capital(", ".join(labels[:-1]) + " and " + labels[-1])
    first = next((p.text for t in topics for p in t.points), "")
    return _title(first, words)


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
    nodes = _latest(nodes)
    lines: list[Line] = lines_of(spoken)
    topics = digest(lines, nodes)
    if topics is None:  # a model wrote the summary: its prose, as it is
        summary, first = _summary_from(nodes)
        derived = _title(first, o.title_words)
        topics = []
    else:
        summary = " ".join(p.text for t in topics for p in t.points)
        derived = _title_from_topics(topics, o.title_words)
    users = o.user_names
    duration = max(u.end for u in spoken) - min(u.start for u in spoken)
    return Notes(
        title=o.title or derived or _first_words(lines, o.title_words) or "Meeting notes",
        summary=summary,
        decisions=tuple(_item(f) for f in find_decisions(lines)),
        actions=tuple(_action(f) for f in find_actions(lines, users)),
        questions=tuple(_item(f) for f in find_open(lines, o.answer_window)),
        asked_of_you=tuple(_item(f) for f in find_asked(lines, users)) if users else (),
        empty=False,
        duration=duration,
        topics=tuple(topics),
    )


def _link(t: float, utterance_id: str) -> str:
    """A link to the utterance's line in the transcript below (its anchor is the id)."""
    return f"[{format_time(t)}](#{utterance_id})"


def _cites(t: float, utterance_id: str, refs: Sequence[Ref]) -> str:
    links = [_link(t, utterance_id), *(_link(r.t, r.utterance_id) for r in refs)]
    return "(" + ", ".join(links) + ")"


def _quoted(text: str) -> str:
    return f"“{text}”"


def _point(p: Point) -> str:
    return f"- {p.text} ({_link(p.t, p.utterance_id)})"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _cited_times(notes: Notes) -> list[float]:
    items: list[NoteItem | ActionItem] = [*notes.decisions, *notes.actions, *notes.questions]
    return [x.t for x in items]


def _summary_lines(notes: Notes) -> list[str]:
    if not notes.topics:
        return [notes.summary or "_No summary was made._", ""]
    lines: list[str] = []
    labelled = any(t.label for t in notes.topics)
    cited = _cited_times(notes)
    for topic in notes.topics:
        if labelled:
            label = _capital(topic.label) or "Opening"
            lines += [f"### {label} ({_link(topic.t, topic.utterance_id)})", ""]
        if topic.points:
            lines += [_point(p) for p in topic.points]
        elif any(topic.t <= t < topic.until for t in cited):
            lines.append("_What was said here is in the decisions, action items and questions._")
        else:
            lines.append("_Only mentioned._")
        lines.append("")
    return lines


def _decision(d: NoteItem) -> str:
    settles = f" — settling {_quoted(d.context)}" if d.context else ""
    on = f"On {d.topic}: " if d.topic else ""
    return f"- {on}{d.text}{settles} {_cites(d.t, d.utterance_id, d.refs)}"


def _action_line(a: ActionItem) -> str:
    about = f" (re {_quoted(a.context)})" if a.context else ""
    due = f" — due {a.due}" if a.due else ""
    return f"- [ ] **{a.owner}**: {a.what}{about}{due} {_cites(a.t, a.utterance_id, a.refs)}"


def _question(q: NoteItem) -> str:
    reply = f" — {_quoted(q.context)}" if q.context else ""
    return f"- {q.text}{reply} {_cites(q.t, q.utterance_id, q.refs)}"


def _asked(q: NoteItem) -> str:
    about = f" (re {_quoted(q.context)})" if q.context else ""
    who = q.speaker or "Them"
    return f"- **{who}** asked: {_quoted(q.text)}{about} {_cites(q.t, q.utterance_id, q.refs)}"


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
    lines += ["## Summary", "", *_summary_lines(notes)]

    def block(heading: str, items: list[str]) -> None:
        lines.extend([f"## {heading}", ""])
        lines.extend(items or ["_None noted._"])
        lines.append("")

    block("Decisions", [_decision(d) for d in notes.decisions])
    block("Action items", [_action_line(a) for a in notes.actions])
    block("Open questions", [_question(q) for q in notes.questions])
    block("Asked of you", [_asked(q) for q in notes.asked_of_you])
    return "\n".join(lines)
