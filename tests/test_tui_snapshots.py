"""Snapshot tests of the live view's main screens (pytest-textual-snapshot).

Every time on screen comes from the events or from a fixed ``ManualClock``, so the pictures
are the same on every run. Update them after a deliberate change with
``pytest tests/test_tui_snapshots.py --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from loopnote.clock import ManualClock
from loopnote.events import (
    AlertRaised,
    BookmarkAdded,
    Event,
    LevelChanged,
    PartialUpdated,
    SessionEnded,
    SessionStarted,
    SummaryUpdated,
    UtteranceCommitted,
    WarningRaised,
)
from loopnote.tui import LiveOptions, LiveView
from loopnote.types import (
    Alert,
    CatchUpCard,
    PartialText,
    SessionWarning,
    Source,
    SummaryNode,
    Utterance,
)

W0 = 1_763_800_000.0
SIZE = (120, 36)

LINES: list[tuple[Source, str]] = [
    ("system", "Okay, let's start. The agenda today is the Q3 roadmap and the budget review."),
    ("mic", "Sounds good. I have the numbers from last week ready."),
    ("system", "Great. Priya, can you walk us through the migration status first?"),
    (
        "system",
        "Sure. The migration of the billing service is about seventy percent done, "
        "the remaining part is the invoice export, which needs another two weeks.",
    ),
    ("mic", "Do we still plan to switch over before the end of the quarter?"),
    ("system", "That's the plan, if the load tests pass on Friday."),
    ("system", "On the budget: we were approved for two more contractors."),
    ("system", "We still need someone to own the migration cut-over though."),
]


class Control:
    paused = False

    def pause(self) -> None: ...
    def resume(self) -> None: ...
    def bookmark(self, note: str = "") -> None: ...
    def stop(self) -> None: ...


def meeting() -> list[Event]:
    ev: list[Event] = [
        SessionStarted(
            "2026-11-22-0930",
            W0,
            ("system", "mic"),
            "~/meetings/2026-11-22-0930",
            "tiny.en",
            "Everyone was told this call is recorded and transcribed.",
        )
    ]
    t = 4.0
    for i, (source, text) in enumerate(LINES):
        end = t + 0.35 * len(text.split())
        ev.append(UtteranceCommitted(Utterance(f"u{i}", source, t, end, text), W0 + end))
        t = end + 1.5
    ev += [
        BookmarkAdded(31.0, "", W0 + 31),
        WarningRaised(
            SessionWarning(
                "lost-frames", "The output device dropped 120 ms of audio.", "system", 40.0
            ),
            W0 + 40,
        ),
        SummaryUpdated(
            SummaryNode(
                "m1",
                "moment",
                30,
                t,
                "The budget allows two more "
                "contractors; the migration cut-over still needs an owner.",
                ("u6", "u7"),
            ),
            W0 + t,
        ),
        SummaryUpdated(
            SummaryNode(
                "s0",
                "section",
                0,
                t,
                "Roadmap and budget review. Billing "
                "migration 70% done, switch-over planned before quarter end "
                "if Friday's load tests pass.",
                ("m0", "m1"),
            ),
            W0 + t,
        ),
        SummaryUpdated(
            SummaryNode(
                "meeting",
                "meeting",
                0,
                t,
                "Weekly planning: Q3 roadmap, migration status and budget.",
                ("s0",),
            ),
            W0 + t,
        ),
        LevelChanged("system", t, -14.0, "capturing", W0 + t),
        LevelChanged("mic", t, -58.0, "silent", W0 + t),
        PartialUpdated(PartialText("system", t + 2, "Alex, could you take the"), W0 + t + 2),
    ]
    ev.sort(key=lambda e: e.wall)  # as a session emits them
    return ev


ALERT = AlertRaised(
    Alert(
        "name",
        "Alex",
        "Alex",
        "u8",
        96.0,
        0.94,
        CatchUpCard(
            "Alex, could you take the migration cut-over?",
            "On the budget: we were approved for two more contractors. We still need someone "
            "to own "
            "the migration cut-over though. Alex, could you take the migration cut-over?",
            "Billing migration is 70% done; switch-over before quarter end if Friday's load tests "
            "pass. Budget approved for two contractors.",
            "Weekly planning: Q3 roadmap, migration status and budget.",
            96.0,
        ),
    ),
    W0 + 96,
)


def app() -> LiveView:
    return LiveView(Control(), LiveOptions(model="tiny.en"), clock=ManualClock(W0 + 97))


def feed(*extra: Event, keys: tuple[str, ...] = ()) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        view = pilot.app
        assert isinstance(view, LiveView)
        for e in [*meeting(), *extra]:
            view.post_event(e)
        await pilot.pause()
        view._tick()
        if keys:
            await pilot.press(*keys)
        for box in view.screen.query(Input):
            box.cursor_blink = False
        await pilot.pause()

    return run_before


def test_main_screen(snap_compare: Any) -> None:
    assert snap_compare(app(), terminal_size=SIZE, run_before=feed())


def test_name_alert_card(snap_compare: Any) -> None:
    assert snap_compare(app(), terminal_size=SIZE, run_before=feed(ALERT))


def test_search(snap_compare: Any) -> None:
    assert snap_compare(app(), terminal_size=SIZE, run_before=feed(keys=("slash", *"migration")))


def test_end_confirmation(snap_compare: Any) -> None:
    assert snap_compare(app(), terminal_size=SIZE, run_before=feed(keys=("q",)))


def test_help(snap_compare: Any) -> None:
    assert snap_compare(app(), terminal_size=SIZE, run_before=feed(keys=("question_mark",)))


def test_meeting_ended(snap_compare: Any) -> None:
    end = SessionEnded(W0 + 97, 97.0, "~/meetings/2026-11-22-0930")
    assert snap_compare(app(), terminal_size=SIZE, run_before=feed(end))
