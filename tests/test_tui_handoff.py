"""The event hand-off between session threads and the screen (``loopnote.tui.handoff``)."""

from __future__ import annotations

import threading

from loopnote.events import Event, LevelChanged, PartialUpdated, SummaryUpdated, UtteranceCommitted
from loopnote.tui.handoff import EventQueue, coalesce
from loopnote.types import PartialText, SummaryNode, Utterance

W0 = 1_700_000_000.0


def level(source: str, db: float) -> Event:
    return LevelChanged(source, 0.0, db, "capturing", W0)  # type: ignore[arg-type]


def partial(source: str, text: str) -> Event:
    return PartialUpdated(PartialText(source, 0.0, text), W0)  # type: ignore[arg-type]


def utt(i: int, source: str = "system") -> Event:
    return UtteranceCommitted(Utterance(f"u{i}", source, i, i + 1, f"text {i}"), W0)  # type: ignore[arg-type]


def test_coalesce_keeps_the_newest_level_and_partial_per_source_in_order() -> None:
    batch = [
        level("mic", -50),
        partial("system", "a"),
        level("system", -40),
        utt(0),
        partial("system", "b"),
        partial("mic", "x"),
        level("mic", -10),
        partial("system", "c"),
    ]
    kept = [e for e, _ in coalesce([(e, 0.0) for e in batch])]
    assert kept == [
        level("system", -40),
        utt(0),
        partial("mic", "x"),
        level("mic", -10),
        partial("system", "c"),
    ]


def test_a_partial_before_a_commit_of_its_source_is_dropped() -> None:
    kept = [e for e, _ in coalesce([(partial("mic", "hel"), 0.0), (utt(1, "mic"), 0.0)])]
    assert kept == [utt(1, "mic")]


def test_wakes_once_per_batch_and_only_once_open() -> None:
    q = EventQueue()
    assert not q.put(utt(0))  # not open yet: buffered
    q.open()
    assert q.put(utt(1))
    assert not q.put(utt(2))
    events, batch = q.take()
    assert events == [utt(0), utt(1), utt(2)] and len(batch) == 3
    assert q.put(utt(3))


def test_a_full_queue_drops_only_superseded_levels_and_partials() -> None:
    q = EventQueue(limit=100)
    node = SummaryNode("m", "moment", 0, 1, "s", ())
    for i in range(1000):
        q.put(level("mic", -i % 60))
        q.put(partial("system", f"p{i}"))
        if i % 10 == 0:
            q.put(utt(i))
            q.put(SummaryUpdated(node, W0))
    assert len(q) <= 2 * 200 + 1  # at most twice what may not be dropped (200), not 2200
    events, _ = q.take()
    assert [e for e in events if isinstance(e, UtteranceCommitted)] == [
        utt(i) for i in range(0, 1000, 10)
    ]
    assert sum(isinstance(e, SummaryUpdated) for e in events) == 100
    assert events[-2:] == [level("mic", -999 % 60), partial("system", "p999")]


def test_many_producers_lose_nothing() -> None:
    q = EventQueue(limit=10**9)
    q.open()
    wakes: list[bool] = []

    def produce(k: int) -> None:
        for i in range(500):
            wakes.append(q.put(utt(k * 1000 + i)))

    threads = [threading.Thread(target=produce, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    events, _ = q.take()
    assert sorted(e.utterance.id for e in events if isinstance(e, UtteranceCommitted)) == sorted(
        f"u{k * 1000 + i}" for k in range(4) for i in range(500)
    )
    assert sum(wakes) == 1
