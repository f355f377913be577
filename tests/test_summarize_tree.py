"""The rolling summary tree: when nodes open, close, roll up and revise; its invariants."""

from __future__ import annotations

import itertools
import random
from collections import defaultdict

import pytest

from loopnote.summarize.base import SummaryOptions
from loopnote.summarize.tree import RollingSummary
from loopnote.types import SessionWarning, SummaryLevel, SummaryNode, Utterance


class JoinSummarizer:
    """Joins its inputs (a transparent summarizer, so tests can see what went in)."""

    def __init__(self) -> None:
        self.calls: list[tuple[SummaryLevel, list[str]]] = []

    def summarize(self, texts: list[str], level: SummaryLevel, budget_words: int) -> str:
        self.calls.append((level, list(texts)))
        return " | ".join(texts)


class WordTopics(JoinSummarizer):
    """Topic similarity from shared words (deterministic)."""

    def similarity(self, a: list[str], b: list[str]) -> float:
        wa = {w.lower() for t in a for w in t.split()}
        wb = {w.lower() for t in b for w in t.split()}
        return len(wa & wb) / max(1, min(len(wa), len(wb)))


def utt(i: int, start: float, end: float, text: str = "", source: str = "system") -> Utterance:
    return Utterance(f"u{i}", source, start, end, text or f"word{i} said here")  # type: ignore[arg-type]


def speech(n: int, start: float = 0.0, length: float = 4.0, gap: float = 0.5) -> list[Utterance]:
    out, t = [], start
    for i in range(n):
        out.append(utt(i, t, t + length))
        t += length + gap
    return out


def test_first_utterance_reaches_every_level_at_once() -> None:
    rs = RollingSummary(SummaryOptions(), JoinSummarizer())
    out = rs.add(utt(0, 0.0, 3.0, "hello there everyone"))
    assert [n.level for n in out] == ["moment", "section", "meeting"]
    moment, section, meeting = out
    assert moment.children == ("u0",) and moment.revision == 0 and not moment.closed
    assert section.children == (moment.node_id,)
    assert meeting.children == (section.node_id,)
    assert moment.text == "hello there everyone"


def test_open_moment_is_revised_on_the_refresh_cadence() -> None:
    opts = SummaryOptions(moment_refresh=2.0)
    rs = RollingSummary(opts, JoinSummarizer())
    rs.add(utt(0, 0.0, 1.0))
    assert rs.add(utt(1, 1.1, 1.5)) == []  # within 2 s of the last revision: waits
    out = rs.tick(3.0)
    moments = [n for n in out if n.level == "moment"]
    assert len(moments) == 1 and moments[0].children == ("u0", "u1")
    assert moments[0].revision == 1
    assert rs.tick(4.0) == []  # nothing new: nothing re-summarized


def test_moment_closes_at_a_pause_after_its_target_length() -> None:
    opts = SummaryOptions(moment_target=60.0, moment_pause=1.5)
    rs = RollingSummary(opts, JoinSummarizer())
    us = speech(14, length=4.0, gap=0.5)  # 63 s of talk with short gaps
    for u in us:
        assert not any(n.closed for n in rs.add(u))
    last = us[-1]
    out = rs.add(utt(99, last.end + 2.0, last.end + 4.0))  # a real pause: the moment closes
    closed = [n for n in out if n.closed]
    assert len(closed) == 1 and closed[0].level == "moment"
    assert closed[0].children == tuple(u.id for u in us)
    new = [n for n in out if n.level == "moment" and not n.closed]
    assert new and new[0].children == ("u99",) and new[0].start >= closed[0].end


def test_moment_never_grows_past_its_maximum() -> None:
    opts = SummaryOptions(moment_max=90.0)
    rs = RollingSummary(opts, JoinSummarizer())
    emitted = []
    for i, u in enumerate(speech(60, length=3.0, gap=0.1)):
        emitted += rs.add(u)
        emitted += rs.tick(u.end + 0.1 * (i % 2))
    emitted += rs.finish()
    final = _latest(emitted)
    for n in final.values():
        if n.level == "moment":
            assert n.end - n.start <= 90.0 + 1e-9


def test_silence_closes_the_moment_on_tick() -> None:
    rs = RollingSummary(SummaryOptions(moment_silence=10.0), JoinSummarizer())
    rs.add(utt(0, 0.0, 3.0))
    assert not any(n.closed for n in rs.tick(12.0))
    out = rs.tick(13.0)
    assert [n.level for n in out if n.closed] == ["moment"]


def test_topic_shift_starts_a_new_moment() -> None:
    opts = SummaryOptions(moment_min=10.0, topic_threshold=0.2, topic_min_words=4)
    rs = RollingSummary(opts, WordTopics())
    t = 0.0
    for i in range(4):
        rs.add(utt(i, t, t + 4, "the budget for the launch is too high"))
        t += 4.5
    out = rs.add(utt(10, t, t + 4, "who will water office plants tomorrow"))
    assert [n.level for n in out if n.closed] == ["moment"]
    out = rs.add(utt(11, t + 5, t + 9, "the plants need water every day"))
    assert not any(n.closed for n in out)


def test_section_rolls_up_moments_and_closes_after_its_target() -> None:
    opts = SummaryOptions(section_target=300.0)
    rs = RollingSummary(opts, JoinSummarizer())
    emitted: list[SummaryNode] = []
    for u in speech(80, length=4.0, gap=0.5):  # 360 s
        emitted += rs.add(u)
        emitted += rs.tick(u.end + 0.5)
    closed_sections = [n for n in emitted if n.level == "section" and n.closed]
    assert len(closed_sections) == 1
    s = closed_sections[0]
    assert 300.0 <= s.end - s.start <= 300.0 + opts.moment_max
    moments = _latest(emitted)
    assert all(moments[c].level == "moment" and moments[c].closed for c in s.children)
    # the meeting node lists the closed section and the new open one
    meeting = rs.meeting
    assert meeting is not None and meeting.children[0] == s.node_id
    # moments of closed sections leave the live state; sections stay
    assert not set(s.children) & {n.node_id for n in rs.nodes("moment")}
    assert s.node_id in {n.node_id for n in rs.nodes("section")}


def test_finish_closes_everything_once() -> None:
    rs = RollingSummary(SummaryOptions(), JoinSummarizer())
    for u in speech(5):
        rs.add(u)
    out = rs.finish()
    assert {n.level for n in out} == {"moment", "section", "meeting"}
    assert all(n.closed for n in out)
    assert rs.finish() == [] and rs.add(utt(50, 100, 101)) == [] and rs.tick(200) == []


def test_repeated_and_empty_utterances_are_ignored() -> None:
    summ = JoinSummarizer()
    rs = RollingSummary(SummaryOptions(moment_refresh=0.0), summ)
    rs.add(utt(0, 0, 1, "first"))
    assert rs.add(utt(0, 0, 1, "first")) == []
    assert rs.add(utt(1, 1, 2, "   ")) == []
    out = rs.finish()
    assert out[0].children == ("u0",)


def test_empty_meeting_emits_nothing() -> None:
    rs = RollingSummary(SummaryOptions(), JoinSummarizer())
    assert rs.tick(100.0) == [] and rs.finish() == [] and rs.meeting is None


def test_summarizer_warnings_are_stamped_with_node_and_time() -> None:
    class Warns(JoinSummarizer):
        def drain_warnings(self) -> list[SessionWarning]:
            return [SessionWarning("llm-fallback", "used the extractive summary")]

    rs = RollingSummary(SummaryOptions(), Warns())
    rs.add(utt(0, 0.0, 2.0))
    ws = rs.drain_warnings()
    assert [w.extra["level"] for w in ws] == ["moment", "section", "meeting"]
    assert all(w.t == 2.0 and w.code == "llm-fallback" for w in ws)
    assert rs.drain_warnings() == []


def _latest(emitted: list[SummaryNode]) -> dict[str, SummaryNode]:
    out: dict[str, SummaryNode] = {}
    for n in emitted:
        out[n.node_id] = n
    return out


def _random_stream(seed: int, minutes: float) -> list[Utterance]:
    rng = random.Random(seed)
    out: list[Utterance] = []
    t = {"system": 0.0, "mic": 5.0}
    i = 0
    vocab = ["budget", "launch", "plants", "schedule", "design", "review", "the", "we", "a"]
    while min(t.values()) < minutes * 60:
        src = "system" if rng.random() < 0.7 else "mic"
        gap = rng.choice([0.2, 0.5, 1.0, 2.0, 4.0, 15.0, 40.0]) if rng.random() < 0.9 else 0.0
        start = t[src] + gap
        end = start + rng.uniform(0.5, 12.0)
        words = " ".join(rng.choice(vocab) for _ in range(rng.randint(1, 20)))
        out.append(utt(i, start, end, words, src))
        t[src] = end
        i += 1
    return out


@pytest.mark.parametrize("seed", range(8))
def test_invariants_and_freshness_on_random_streams(seed: int) -> None:
    opts = SummaryOptions()
    summ = WordTopics()
    rs = RollingSummary(opts, summ)
    stream = _random_stream(seed, minutes=25)
    committed: dict[str, float] = {}
    covered: dict[str, dict[str, float]] = defaultdict(dict)
    moment_has: dict[str, set[str]] = {}
    section_has: dict[str, set[str]] = {}
    emitted: list[SummaryNode] = []
    last_rev: dict[str, int] = {}
    now = 0.0
    # commit in order of end time plus a recognizer lag; tick once a second
    for u in sorted(stream, key=lambda u: u.end):
        commit = u.end + 1.5
        while now + 1.0 < commit:
            now += 1.0
            emitted += _track(rs.tick(now), now, moment_has, section_has, covered, last_rev)
        now = max(now, commit)
        emitted += _track(rs.tick(now), now, moment_has, section_has, covered, last_rev)
        committed[u.id] = now
        emitted += _track(rs.add(u), now, moment_has, section_has, covered, last_rev)
    end = now + 120
    while now < end:
        now += 1.0
        emitted += _track(rs.tick(now), now, moment_has, section_has, covered, last_rev)
    emitted += _track(rs.finish(), now, moment_has, section_has, covered, last_rev)

    final = _latest(emitted)
    by_level: dict[str, list[SummaryNode]] = defaultdict(list)
    for n in final.values():
        by_level[n.level].append(n)
        assert n.closed
    # one level tiles time without overlap
    for nodes in by_level.values():
        nodes.sort(key=lambda n: n.start)
        for a, b in itertools.pairwise(nodes):
            assert a.end <= b.start + 1e-9, (a, b)
    # every child exists, nothing is summarized twice at one level
    ids = {u.id for u in stream}
    for level, below in (
        ("moment", ids),
        ("section", {n.node_id for n in by_level["moment"]}),
        ("meeting", {n.node_id for n in by_level["section"]}),
    ):
        kids = [c for n in by_level[level] for c in n.children]
        assert len(kids) == len(set(kids))
        assert set(kids) == below
    # freshness, in session seconds after commit
    for level, limit in (("moment", 5.0), ("section", 30.0), ("meeting", 60.0)):
        worst = max(covered[level][uid] - committed[uid] for uid in committed)
        assert worst <= limit, (level, worst)
    # the meeting node is always built from section summaries, never from utterance text
    meeting_inputs = [texts for level, texts in summ.calls if level == "meeting"]
    assert max(len(t) for t in meeting_inputs) == len(by_level["section"])


def _track(
    nodes: list[SummaryNode],
    now: float,
    moment_has: dict[str, set[str]],
    section_has: dict[str, set[str]],
    covered: dict[str, dict[str, float]],
    last_rev: dict[str, int],
) -> list[SummaryNode]:
    """Record when each utterance is first covered by the text of a node of each level."""
    for n in nodes:
        assert n.revision == last_rev.get(n.node_id, -1) + 1  # revisions grow one by one
        last_rev[n.node_id] = n.revision
        if n.level == "moment":
            has = set(n.children)
            moment_has[n.node_id] = has
        elif n.level == "section":
            has = set().union(*(moment_has[c] for c in n.children))
            section_has[n.node_id] = has
        else:
            has = set().union(*(section_has[c] for c in n.children))
        for uid in has:
            covered[n.level].setdefault(uid, now)
    return nodes


def test_live_state_stays_flat_over_four_hours() -> None:
    rs = RollingSummary(SummaryOptions(), JoinSummarizer())
    sizes = []
    stream = speech(3300, length=4.0, gap=0.4)  # ~4 hours
    for i, u in enumerate(stream):
        rs.add(u)
        rs.tick(u.end + 0.4)
        if i % 300 == 299:
            sizes.append(len(rs.nodes("moment")))
    assert max(sizes) <= 6  # moments of the open section only
    opts = rs.options
    n_sections = len(rs.nodes("section"))
    span = stream[-1].end
    assert span / (opts.section_target + opts.moment_max) <= n_sections
    assert n_sections <= span / opts.section_target + 1


def test_replaying_a_meeting_summarizes_each_node_once() -> None:
    from loopnote.summarize.tree import summarize_meeting

    summ = JoinSummarizer()
    stream = _random_stream(3, minutes=12)
    nodes, warnings = summarize_meeting(list(reversed(stream)), summ)
    assert warnings == []
    assert all(n.closed for n in nodes)
    assert len(summ.calls) == len(nodes)  # one summary per node, no live revisions
    assert [n.level for n in nodes][-1] == "meeting"
    moments = [n for n in nodes if n.level == "moment"]
    assert sorted(c for n in moments for c in n.children) == sorted(u.id for u in stream)


def test_a_draft_summarizer_revises_open_nodes_and_the_main_one_closes_them() -> None:
    main, draft = JoinSummarizer(), JoinSummarizer()
    rs = RollingSummary(SummaryOptions(), main, draft=draft)
    for u in speech(10):
        rs.add(u)
        rs.tick(u.end + 0.5)
    assert {lv for lv, _ in draft.calls} == {"moment", "section"}
    assert {lv for lv, _ in main.calls} == {"meeting"}
    n_main = len(main.calls)
    rs.finish()
    closed_by_main = [lv for lv, _ in main.calls[n_main:]]
    assert closed_by_main == ["moment", "section", "meeting"]


def test_replayed_utterance_ids_are_ignored_long_after() -> None:
    rs = RollingSummary(SummaryOptions(moment_refresh=0.0), JoinSummarizer())
    us = speech(50)
    for u in us:
        rs.add(u)
    assert rs.add(us[0]) == []  # still remembered


def test_a_long_break_starts_a_new_section() -> None:
    rs = RollingSummary(SummaryOptions(section_silence=60.0), JoinSummarizer())
    for u in speech(10):  # 45 s of talk
        rs.add(u)
    rs.tick(100.0)  # the moment closes on silence; the section waits for what comes next
    out = rs.add(utt(50, 200.0, 204.0))
    assert [n.level for n in out if n.closed] == ["section"]
    new = [n for n in out if n.level == "section" and not n.closed]
    assert new and new[0].start >= 200.0


def test_latest_text_picks_the_newest_non_empty_node_of_a_level() -> None:
    from loopnote.summarize import latest_text
    from loopnote.types import SummaryNode

    nodes = [
        SummaryNode("s1", "section", 0, 300, "first section", ("m1",), revision=3),
        SummaryNode("s2", "section", 300, 400, "second, draft", ("m2",), revision=0),
        SummaryNode("s2", "section", 300, 420, "second, revised", ("m2",), revision=1),
        SummaryNode("s3", "section", 420, 430, "   ", ("m3",), revision=0),
        SummaryNode("m", "meeting", 0, 430, "the meeting", ("s1",), revision=5),
    ]
    assert latest_text(nodes, "section") == "second, revised"
    assert latest_text(nodes, "meeting") == "the meeting"
    assert latest_text(nodes, "moment") == ""
