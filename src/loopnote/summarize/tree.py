"""The rolling, multi-resolution summary tree: pure and clock-driven (no I/O, threads or clock).

``RollingSummary(options, summarizer, topic=None, draft=None)``
    ``add(utterance) -> list[SummaryNode]``   take a committed utterance; returns nodes updated
    ``tick(t) -> list[SummaryNode]``          session time moved to ``t``; closes and revises
    ``finish() -> list[SummaryNode]``         close every open node (the meeting ended)
    ``drain_warnings() -> list[SessionWarning]``     summarizer warnings, stamped with node and time
    ``nodes(level=None)``, ``meeting``, ``now``  the live state
``summarize_meeting(utterances, summarizer, options=None) -> (nodes, warnings)``
    replay a finished meeting, each node summarized once

Three levels. A **moment** is made from utterances (about a minute, or one stretch of talk
between pauses or topic shifts); a **section** from moments (about five minutes, or a topic);
the **meeting** node from sections. Each emitted ``SummaryNode`` carries the ids it was made
from and a revision that grows every time the node is emitted again (re-summarized or
closed). Nodes of one level never overlap in time, every utterance belongs to exactly one
moment, every moment to one section. Open nodes are revised on the cadence of
``SummaryOptions`` so fresh speech reaches every level quickly. The meeting node summarizes
section summaries only, and moments of closed sections are dropped from the live state, so
memory stays flat over long meetings.

With a slow summarizer (an LLM), pass a fast ``draft`` summarizer (extractive): open moments
and sections are then revised with the draft and summarized once with ``summarizer`` when they
close; the meeting node always uses ``summarizer`` (on its slower cadence).
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from loopnote.summarize.base import (
    Summarizer,
    SummaryOptions,
    TopicModel,
    WarningSource,
    budget_for,
    word_count,
)
from loopnote.types import SessionWarning, SummaryLevel, SummaryNode, Utterance

_TOPIC_CONTEXT = 6  # recent texts compared with a new utterance to find a topic shift
_SEEN_IDS = 4096  # how many recent utterance ids are remembered to drop repeats


@dataclass
class _Open:
    """A node still growing: its inputs, and when it was last summarized."""

    node_id: str
    level: SummaryLevel
    start: float
    end: float
    children: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # only moments keep utterance texts
    last_end: float = 0.0  # end of the latest utterance (moments)
    dirty: bool = True
    drafted: bool = False  # the current text came from the draft summarizer
    revised_at: float | None = None


class RollingSummary:
    def __init__(
        self,
        options: SummaryOptions,
        summarizer: Summarizer,
        topic: TopicModel | None = None,
        draft: Summarizer | None = None,
    ) -> None:
        self.options = options
        self._summarizer = summarizer
        self._draft = draft
        self._topic = (
            topic
            if topic is not None
            else (summarizer if isinstance(summarizer, TopicModel) else None)
        )
        self._now = 0.0
        self._nodes: dict[str, SummaryNode] = {}
        self._seen: set[str] = set()  # recent utterance ids (a replayed one is ignored)
        self._seen_order: deque[str] = deque()
        self._moment: _Open | None = None
        self._section: _Open | None = None
        self._meeting: _Open | None = None
        self._last_moment_end = -math.inf
        self._last_section_end = -math.inf
        self._n_moments = 0
        self._n_sections = 0
        self._warnings: list[SessionWarning] = []
        self._finished = False

    # ----------------------------------------------------------------- public API
    @property
    def now(self) -> float:
        return self._now

    @property
    def meeting(self) -> SummaryNode | None:
        return self._nodes.get("meeting")

    def nodes(self, level: SummaryLevel | None = None) -> list[SummaryNode]:
        """Live nodes (all sections, moments of the open section, the meeting), by time."""
        out = [n for n in self._nodes.values() if level is None or n.level == level]
        return sorted(out, key=lambda n: (n.start, n.level))

    def drain_warnings(self) -> list[SessionWarning]:
        out, self._warnings = self._warnings, []
        return out

    def add(self, u: Utterance) -> list[SummaryNode]:
        """Take a committed utterance. Empty, repeated or post-finish utterances are ignored."""
        if self._finished or u.id in self._seen or not u.text.strip():
            return []
        self._seen.add(u.id)
        self._seen_order.append(u.id)
        if len(self._seen_order) > _SEEN_IDS:
            self._seen.discard(self._seen_order.popleft())
        self._now = max(self._now, u.end)
        out: list[SummaryNode] = []
        m = self._moment
        if m is not None and m.children and self._should_cut_moment(m, u):
            out += self._close_moment()
        sec = self._section
        if self._moment is None and sec is not None and self._should_cut_section(sec, u):
            out += self._close_section()
        if self._moment is None:
            start = max(self._last_moment_end, u.start)
            self._n_moments += 1
            self._moment = _Open(f"m{self._n_moments:04d}", "moment", start, start)
        m = self._moment
        m.children.append(u.id)
        m.texts.append(u.text.strip())
        m.end = max(m.end, u.end)
        m.last_end = max(m.last_end, u.end)
        m.dirty = True
        if self._section is None:
            self._n_sections += 1
            start = max(self._last_section_end, m.start)
            self._section = _Open(f"s{self._n_sections:03d}", "section", start, m.end)
        if not self._section.children or self._section.children[-1] != m.node_id:
            self._section.children.append(m.node_id)
        return out + self._refresh()

    def tick(self, t: float) -> list[SummaryNode]:
        """Session time is now ``t``: close moments at silences or length, revise due nodes."""
        if self._finished:
            return []
        self._now = max(self._now, t)
        out: list[SummaryNode] = []
        m = self._moment
        o = self.options
        if (
            m is not None
            and m.children
            and (self._now - m.last_end >= o.moment_silence or self._now - m.start >= o.moment_max)
        ):
            out += self._close_moment()
            sec = self._section
            if sec is not None and sec.end - sec.start >= o.section_target:
                out += self._close_section()
        return out + self._refresh()

    def finish(self) -> list[SummaryNode]:
        """Close the open moment, section and meeting nodes, each with a final revision."""
        if self._finished:
            return []
        out: list[SummaryNode] = []
        if self._moment is not None:
            out += self._close_moment()
        if self._section is not None:
            out += self._close_section()
        if self._meeting is not None:
            mt = self._meeting
            out += self._emit(mt, closed=True)
            self._meeting = None
        self._finished = True
        return out

    # ----------------------------------------------------------------- cutting
    def _should_cut_moment(self, m: _Open, u: Utterance) -> bool:
        o = self.options
        length = m.last_end - m.start
        gap = u.start - m.last_end
        if u.end - m.start > o.moment_max:
            return True
        if length >= o.moment_target and gap >= o.moment_pause:
            return True
        if gap >= o.moment_silence:
            return True
        return length >= o.moment_min and self._topic_shift(m.texts, u.text)

    def _should_cut_section(self, sec: _Open, u: Utterance) -> bool:
        o = self.options
        length = sec.end - sec.start
        if length >= o.section_target or u.start - sec.end >= o.section_silence:
            return True
        if length < o.section_min:
            return False
        recent = [self._nodes[c].text for c in sec.children if c in self._nodes]
        return self._topic_shift(recent, u.text)

    def _topic_shift(self, before: list[str], text: str) -> bool:
        o = self.options
        if self._topic is None or o.topic_threshold <= 0 or word_count(text) < o.topic_min_words:
            return False
        context = [t for t in before[-_TOPIC_CONTEXT:] if t]
        if word_count(" ".join(context)) < o.topic_min_words:
            return False
        return self._topic.similarity(context, [text]) < o.topic_threshold

    # ----------------------------------------------------------------- closing
    def _close_moment(self) -> list[SummaryNode]:
        m = self._moment
        if m is None:
            return []
        self._moment = None
        self._last_moment_end = m.end
        out = self._emit(m, closed=True)
        if self._section is not None:
            self._section.end = max(self._section.end, m.end)
            self._section.dirty = True
        return out

    def _close_section(self) -> list[SummaryNode]:
        sec = self._section
        if sec is None:
            return []
        out: list[SummaryNode] = []
        if self._moment is not None:  # a section never closes under an open moment
            out += self._close_moment()
        self._section = None
        self._last_section_end = sec.end
        out += self._emit(sec, closed=True)
        for child in sec.children:  # moments of closed sections leave the live state
            self._nodes.pop(child, None)
        return out

    # ----------------------------------------------------------------- revising
    def _refresh(self) -> list[SummaryNode]:
        out: list[SummaryNode] = []
        o = self.options
        m, sec = self._moment, self._section
        if m is not None and self._due(m, o.moment_refresh):
            out += self._emit(m, closed=False)
        if sec is not None:
            sec.end = max(sec.end, m.end if m is not None else sec.end)
            if self._due(sec, o.section_refresh):
                out += self._emit(sec, closed=False)
        if self._meeting is not None and self._due(self._meeting, o.meeting_refresh):
            out += self._emit(self._meeting, closed=False)
        return out

    def _due(self, node: _Open, refresh: float) -> bool:
        if not node.dirty or not node.children or math.isinf(refresh):
            return False
        return node.revised_at is None or self._now - node.revised_at >= refresh

    def _inputs(self, node: _Open) -> list[str]:
        if node.level == "moment":
            return list(node.texts)
        return [self._nodes[c].text for c in node.children if c in self._nodes]

    def _emit(self, node: _Open, *, closed: bool) -> list[SummaryNode]:
        """Summarize ``node`` if its inputs changed; store and return its new revision."""
        prev = self._nodes.get(node.node_id)
        if node.dirty or prev is None or (closed and node.drafted):
            inputs = self._inputs(node)
            budget = budget_for(self.options, node.level, len(node.children))
            use_draft = self._draft is not None and not closed and node.level != "meeting"
            summarizer = self._draft if use_draft and self._draft is not None else self._summarizer
            text = summarizer.summarize(inputs, node.level, budget).strip()
            node.drafted = use_draft
            self._collect_warnings(node, summarizer)
        else:
            text = prev.text
        new = SummaryNode(
            node_id=node.node_id,
            level=node.level,
            start=node.start,
            end=max(node.end, node.start),
            text=text,
            children=tuple(node.children),
            revision=0 if prev is None else prev.revision + 1,
            closed=closed,
        )
        self._nodes[node.node_id] = new
        node.dirty = False
        node.revised_at = self._now
        self._propagate(node)
        return [new]

    def _propagate(self, node: _Open) -> None:
        """A revised node makes its parent stale (creating the meeting node on first need)."""
        if node.level == "moment" and self._section is not None:
            self._section.dirty = True
        elif node.level == "section":
            if self._meeting is None:
                self._meeting = _Open("meeting", "meeting", node.start, node.end)
            mt = self._meeting
            if node.node_id not in mt.children:
                mt.children.append(node.node_id)
            mt.end = max(mt.end, node.end)
            mt.dirty = True

    def _collect_warnings(self, node: _Open, summarizer: Summarizer) -> None:
        if not isinstance(summarizer, WarningSource):
            return
        for w in summarizer.drain_warnings():
            extra = {**w.extra, "node_id": node.node_id, "level": node.level}
            self._warnings.append(replace(w, t=self._now, extra=extra))


def summarize_meeting(
    utterances: Iterable[Utterance], summarizer: Summarizer, options: SummaryOptions | None = None
) -> tuple[list[SummaryNode], list[SessionWarning]]:
    """Replay a finished meeting: the final revision of every node, each node summarized once
    (when it closes, with no live revisions), and the warnings the summarizer left."""
    o = replace(
        options or SummaryOptions(),
        moment_refresh=math.inf,
        section_refresh=math.inf,
        meeting_refresh=math.inf,
    )
    rs = RollingSummary(o, summarizer)
    latest: dict[str, SummaryNode] = {}
    for u in sorted(utterances, key=lambda u: (u.end, u.start)):
        for n in rs.tick(u.end) + rs.add(u):
            latest[n.node_id] = n
    for n in rs.finish():
        latest[n.node_id] = n
    order = {"moment": 0, "section": 1, "meeting": 2}
    nodes = sorted(latest.values(), key=lambda n: (order[n.level], n.start))
    return nodes, rs.drain_warnings()


def latest_text(nodes: Iterable[SummaryNode], level: str) -> str:
    """The text of the newest non-empty node of ``level`` (latest end, then revision)."""
    found = [n for n in nodes if n.level == level and n.text.strip()]
    return max(found, key=lambda n: (n.end, n.revision)).text if found else ""
