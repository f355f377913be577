"""LiveHub without a browser: what a late page receives, and what a slow page's feed keeps."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from typing import Any

from loopnote.events import (
    LevelChanged,
    PartialUpdated,
    SessionStarted,
    StepProgress,
    SummaryUpdated,
    UtteranceCommitted,
)
from loopnote.types import PartialText, SummaryNode, Utterance
from loopnote.web.hub import LiveHub


def kinds(items: list[tuple[int, str]]) -> list[str]:
    return [json.loads(t)["type"] for _, t in items]


def level(dbfs: float) -> LevelChanged:
    return LevelChanged("system", 0.0, dbfs, "capturing", time.time())


def utterance(i: int) -> UtteranceCommitted:
    return UtteranceCommitted(Utterance(f"u{i}", "system", i, i + 1, f"line {i}"), time.time())


def summary(rev: int) -> SummaryUpdated:
    return SummaryUpdated(SummaryNode("m1", "moment", 0, 9, f"rev {rev}", (), rev), time.time())


def test_a_late_page_gets_the_meeting_so_far_once() -> None:
    hub = LiveHub()
    hub.publish(SessionStarted("id", time.time(), ("system",), consent="told"))
    for i in range(20):
        hub.publish(level(-30 - i))
        hub.publish(PartialUpdated(PartialText("system", i, f"line {i} so"), time.time()))
        hub.publish(utterance(i))
        hub.publish(summary(i))
    hub.publish(PartialUpdated(PartialText("system", 21, "still talking"), time.time()))
    items = [(s, t) for s, _, t in hub.snapshot()]
    # in the order they happened, each keyed event only in its newest form
    expected = ["session"] + ["utterance"] * 19 + ["level", "utterance", "summary", "partial"]
    assert kinds(items) == expected
    decoded = [json.loads(t) for _, t in items]
    assert decoded[0]["consent"] == "told" and decoded[0]["meeting_id"] == "id"
    assert decoded[-4]["dbfs"] == -49.0 and decoded[-2]["text"] == "rev 19"
    assert all(d["published"] >= d["wall"] - 0.01 for d in decoded)
    assert [s for s, _ in items] == sorted(s for s, _ in items)
    assert hub.snapshot(after=items[-2][0]) == hub.snapshot()[-1:]  # resume after an id


def test_a_late_page_gets_only_the_newest_progress_of_a_step() -> None:
    hub = LiveHub()
    hub.publish(SessionStarted("id", time.time(), ("system",)))
    for done in range(0, 101, 10):
        hub.publish(StepProgress("speakers", done, 100, time.time()))
    decoded = [json.loads(t) for _, _, t in hub.snapshot()]
    assert [(d["type"], d.get("done")) for d in decoded] == [("session", None), ("progress", 100)]


def test_a_slow_page_keeps_only_what_it_still_needs() -> None:
    hub = LiveHub()
    got: list[list[tuple[int, str]]] = []

    async def page() -> None:
        feed = hub.subscribe().__aiter__()
        ready.set()
        got.append(await feed.__anext__())  # blocks until the producer has published
        # the page is busy while 6000 events arrive
        await asyncio.to_thread(produced.wait, 10)
        await asyncio.sleep(0.1)  # the hand-overs queued on this loop run
        got.append(await feed.__anext__())

    ready, produced = threading.Event(), threading.Event()

    def produce() -> None:
        ready.wait(5)
        hub.publish(utterance(0))
        for i in range(2000):
            hub.publish(level(-float(i % 60)))
            hub.publish(PartialUpdated(PartialText("system", i, f"text {i}"), time.time()))
            hub.publish(summary(i))
        hub.publish(utterance(1))
        produced.set()

    t = threading.Thread(target=produce)
    t.start()
    asyncio.run(asyncio.wait_for(page(), 20))
    t.join()
    sent = [k for batch in got for k in kinds(batch)]
    assert sent.count("utterance") == 2  # nothing that matters is dropped
    assert len(sent) < 30  # 6000 superseded events did not pile up
    last: dict[str, Any] = json.loads(got[-1][-1][1])
    assert last["type"] == "utterance" and last["text"] == "line 1"
    # the last utterance made its source's pending partial text stale
    assert "partial" not in kinds(got[-1])


def test_a_quiet_feed_stays_open() -> None:
    hub = LiveHub()

    async def page() -> list[list[tuple[int, str]]]:
        got = []
        feed = hub.subscribe(idle=0.05).__aiter__()
        got.append(await feed.__anext__())  # nothing for a while: an empty batch
        got.append(await feed.__anext__())
        hub.publish(utterance(7))
        got.append(await feed.__anext__())
        return got

    got = asyncio.run(asyncio.wait_for(page(), 10))
    assert got[0] == [] and got[1] == []
    assert kinds(got[2]) == ["utterance"]
