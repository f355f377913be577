"""The live view driven headless through Textual's pilot.

The control object is a small recording stand-in for the session (it records what the keys
asked for); everything on screen comes from events, as in a real run.
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

import pytest

from loopnote.clock import ManualClock
from loopnote.errors import CaptureError
from loopnote.events import (
    AlertRaised,
    BookmarkAdded,
    Event,
    LevelChanged,
    PartialUpdated,
    SessionEnded,
    SessionStarted,
    SpeakerNamed,
    StateChanged,
    StepProgress,
    SummaryUpdated,
    TranscriptSettled,
    UtteranceCommitted,
    UtteranceRelabelled,
    WarningRaised,
)
from loopnote.tui import LiveOptions, LiveView, run_live
from loopnote.tui.app import EventsPending
from loopnote.tui.format import card_text
from loopnote.tui.screens import ConfirmScreen, HelpScreen, SearchScreen
from loopnote.tui.transcript import TranscriptView
from loopnote.types import Alert, CatchUpCard, PartialText, SessionWarning, SummaryNode, Utterance

W0 = 1_700_000_000.0


def aio(fn: Callable[[], Coroutine[Any, Any, None]]) -> Callable[[], None]:
    """Run an async test on a fresh event loop (no async pytest plugin needed)."""

    @functools.wraps(fn)
    def run() -> None:
        asyncio.run(fn())

    return run


class RecordingControl:
    """Stands in for the session: records calls, optionally echoes events like a session."""

    def __init__(self, echo: Callable[[Event], None] | None = None) -> None:
        self.calls: list[str] = []
        self._paused = False
        self.echo = echo

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        self.calls.append("pause")
        self._paused = True
        if self.echo:
            self.echo(StateChanged(True, 12.0, W0 + 12))

    def resume(self) -> None:
        self.calls.append("resume")
        self._paused = False

    def bookmark(self, note: str = "") -> None:
        self.calls.append(f"bookmark:{note}")
        if self.echo:
            self.echo(BookmarkAdded(13.0, note, W0 + 13))

    def stop(self) -> None:
        self.calls.append("stop")

    def rename_speaker(self, ref: str, name: str) -> None:
        self.calls.append(f"rename:{ref}={name}")


def utt(i: int, text: str, source: str = "system", start: float | None = None) -> Event:
    s = float(i * 5) if start is None else start
    return UtteranceCommitted(Utterance(f"u{i}", source, s, s + 4.0, text), W0 + s + 4)  # type: ignore[arg-type]


def screen_text(app: LiveView) -> str:
    """The transcript pane's visible lines as plain text."""
    tv = app.transcript
    return "\n".join(tv.render_line(y).text for y in range(tv.size.height))


def make_app(control: RecordingControl | None = None, **kw: object) -> LiveView:
    return LiveView(
        control or RecordingControl(),
        LiveOptions(model="tiny.en", **kw),  # type: ignore[arg-type]
        clock=ManualClock(W0),
    )


@aio
async def test_committed_utterances_fill_the_transcript_in_order() -> None:
    app = make_app()
    async with app.run_test(size=(120, 36)) as pilot:
        app.post_event(SessionStarted("m1", W0, ("system", "mic"), "/tmp/m1", "tiny.en"))
        texts = [f"point number {i} about the roadmap" for i in range(8)]
        for i, t in enumerate(texts):
            app.post_event(utt(i, t, "system" if i % 2 else "mic"))
        await pilot.pause()
        lines = app.transcript.plain_lines()
        assert len(lines) == 8
        for i, (line, t) in enumerate(zip(lines, texts, strict=True)):
            assert line.endswith(t)
            assert ("Them" if i % 2 else "You") in line
        shown = screen_text(app)
        assert "00:00:35 Them" in shown and texts[-1] in shown
        assert app.utterance_ids == [f"u{i}" for i in range(8)]


@aio
async def test_partial_text_settles_in_place_and_commit_replaces_it() -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        app.post_event(utt(0, "first line"))
        app.post_event(PartialUpdated(PartialText("system", 6.0, "we should"), W0 + 6))
        await pilot.pause()
        assert "we should" in screen_text(app)
        app.post_event(PartialUpdated(PartialText("system", 6.5, "we should ship"), W0 + 6.5))
        await pilot.pause()
        shown = screen_text(app)
        assert "we should ship" in shown and shown.count("we should") == 1
        app.post_event(utt(1, "We should ship on Friday."))
        await pilot.pause()
        shown = screen_text(app)
        assert "We should ship on Friday." in shown
        assert "we should ship" not in shown  # the partial is gone, the commit took its place
        assert len(app.transcript.plain_lines()) == 2


@aio
async def test_a_batch_keeps_only_the_newest_partial_and_level() -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        shown: list[Event] = []
        original = app.apply

        def recording_apply(e: Event) -> None:
            shown.append(e)
            original(e)

        app.apply = recording_apply  # type: ignore[method-assign,assignment]
        app.queue.hold()  # gather one batch: no wake-ups until all are queued
        for k in range(5):
            app.post_event(PartialUpdated(PartialText("system", k, "w" * (k + 1)), W0))
            app.post_event(LevelChanged("mic", k, -50 + k * 10, "capturing", W0))
        app.post_event(utt(0, "done"))
        app.post_event(PartialUpdated(PartialText("system", 9, "next"), W0))
        app.post_message(EventsPending())
        await pilot.pause()
        kinds = [type(e).__name__ for e in shown]
        assert kinds == ["LevelChanged", "UtteranceCommitted", "PartialUpdated"]
        assert app.header.levels["mic"].cells == 7  # -10 dBFS, the last level only


@aio
async def test_space_pauses_and_resumes_through_the_control() -> None:
    control = RecordingControl()
    app = make_app(control)
    async with app.run_test() as pilot:
        app.post_event(SessionStarted("m1", W0, ("system", "mic")))
        await pilot.pause()
        assert app.header.state == "recording"
        await pilot.press("space")
        assert control.calls == ["pause"] and app.header.state == "paused"
        await pilot.press("space")
        assert control.calls == ["pause", "resume"] and app.header.state == "recording"
        app.post_event(StateChanged(True, 30.0, W0 + 30))  # the session's word wins
        await pilot.pause()
        assert app.header.state == "paused"


@aio
async def test_m_adds_a_bookmark_and_the_event_marks_the_transcript() -> None:
    app: LiveView
    control = RecordingControl(echo=lambda e: app.post_event(e))
    app = make_app(control)
    async with app.run_test() as pilot:
        await pilot.press("m")
        await pilot.pause()
        assert control.calls == ["bookmark:"]
        assert any("★" in line and "Bookmark" in line for line in app.transcript.plain_lines())


@aio
async def test_q_asks_first_then_stops_the_meeting() -> None:
    control = RecordingControl()
    app = make_app(control)
    async with app.run_test() as pilot:
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert not isinstance(app.screen, ConfirmScreen)
        assert "stop" not in control.calls
        await pilot.press("space")  # still live after saying no
        assert control.calls == ["pause"]
        await pilot.press("q", "y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert control.calls[-1] == "stop"
        assert app.stop_requested and app.header.state == "ending"
    assert app.return_code == 0


@aio
async def test_slash_searches_the_transcript_and_jumps_to_a_hit() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        for i in range(60):
            word = "budget" if i in (3, 41) else "roadmap"
            app.post_event(utt(i, f"line {i} talks about the {word}"))
        await pilot.pause()
        await pilot.press("slash")
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"BUDGET")
        await pilot.pause()
        search = app.screen
        assert isinstance(search, SearchScreen)
        assert [app.utterance_ids[i] for i in search.hits] == ["u3", "u41"]
        await pilot.press("down", "enter")  # the first hit
        await pilot.pause()
        assert not isinstance(app.screen, SearchScreen)
        assert "line 3 talks about the budget" in screen_text(app)
        assert not app.transcript.following
        await pilot.press("end")
        await pilot.pause()
        assert "line 59" in screen_text(app)


@aio
async def test_keys_do_nothing_to_the_meeting_while_search_is_open() -> None:
    control = RecordingControl()
    app = make_app(control)
    async with app.run_test() as pilot:
        await pilot.press("slash", "m", "q", "space")
        assert control.calls == []
        search = app.screen
        assert isinstance(search, SearchScreen)
        assert search.query_one("#query").value == "mq "  # type: ignore[attr-defined]


@aio
async def test_a_name_alert_shows_the_card_and_c_copies_it() -> None:
    card = CatchUpCard(
        "Alex, can you take the migration?",
        "We need an owner for it.",
        "Budget approved; migration lacks an owner.",
        "Planning Q3.",
        95.0,
    )
    alert = Alert("name", "Alex", "Alex", "u7", 95.0, 0.9, card)
    control = RecordingControl()
    app = make_app(control)
    async with app.run_test(size=(120, 40)) as pilot:
        app.post_event(AlertRaised(alert, W0 + 95))
        await pilot.pause()
        assert app.card.shown and app.card.has_focus
        banner = str(app.card.query_one("#banner").render())
        assert "00:01:35" in banner and "Alex" in banner
        body = str(app.card.query_one("#b-addressed").render())
        assert "take the migration" in body
        await pilot.press("c")
        assert app.clipboard == card_text(card, "Alex")
        await pilot.press("m")  # the meeting's keys still work with the card open
        assert control.calls == ["bookmark:"]
        await pilot.press("escape")
        assert not app.card.shown and app.transcript.has_focus
        assert any("Alex heard" in line for line in app.transcript.plain_lines())
        await pilot.press("a")  # shows the last card again
        assert app.card.shown


@aio
async def test_a_newer_alert_replaces_the_card_on_screen() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        for k, heard in enumerate(("Alex", "Alec")):
            c = CatchUpCard(f"question {k}", "", "", "", 10.0 + k)
            app.post_event(AlertRaised(Alert("name", "Alex", heard, None, 10.0 + k, 0.8, c), W0))
        await pilot.pause()
        assert app.card.shown
        assert "question 1" in str(app.card.query_one("#b-addressed").render())
        assert "Alec" in str(app.card.query_one("#banner").render())


async def read_back(app: LiveView, pilot: Any) -> TranscriptView:
    """40 lines, followed to the end; then the user pages back (and is no longer following)."""
    for i in range(40):
        app.post_event(utt(i, f"utterance {i}"))
    await pilot.pause()
    tv = app.transcript
    assert tv.following and tv.scroll_offset.y == tv.max_scroll_y > 0
    await pilot.press("pageup")
    await pilot.pause()
    assert tv.scroll_offset.y < tv.max_scroll_y and not tv.following
    return tv


@aio
async def test_transcript_follows_the_end_unless_scrolled_back() -> None:
    app = make_app()
    async with app.run_test(size=(100, 20)) as pilot:
        tv = await read_back(app, pilot)
        y = tv.scroll_offset.y
        app.post_event(utt(40, "utterance 40"))
        await pilot.pause()
        assert tv.scroll_offset.y == y  # stays where the user is reading
        assert "utterance 40" not in screen_text(app)
        await pilot.press("end")
        await pilot.pause()
        app.post_event(utt(41, "utterance 41"))
        await pilot.pause()
        assert "utterance 41" in screen_text(app) and tv.following


def settled(*lines: tuple[str, str, tuple[str, ...]]) -> Event:
    """A ``settled`` event: (live id it keeps, settled text, live ids it replaces) each."""
    at = (float(int(uid[1:]) * 5) for uid, *_ in lines)  # where utt() put the live line
    utts = tuple(
        Utterance(u, "system", t, t + 4, x) for (u, x, _), t in zip(lines, at, strict=True)
    )
    return TranscriptSettled("system", utts, tuple(r for *_, r in lines), "tiny.en", "live", W0)


@aio
async def test_settled_lines_show_their_settled_text_marked_without_moving_the_view() -> None:
    app = make_app()
    async with app.run_test(size=(100, 20)) as pilot:
        tv = await read_back(app, pilot)
        before = [line.rstrip() for line in screen_text(app).splitlines()]
        first = next(int(w) for line in before for w in line.split()[-1:] if w.isdigit())
        assert first > 3
        # above the view: u0 settles to a line that wraps, u1 and u2 become one line (u2
        # leaves); on screen: the top line takes its settled text
        longer = "utterance zero as the offline pass heard it, " * 6
        app.post_event(
            settled(
                ("u0", longer, ("u0",)),
                ("u1", "utterance one and two", ("u1", "u2")),
                (f"u{first}", f"Please say utterance {first}", (f"u{first}",)),
            )
        )
        await pilot.pause()
        after = [line.rstrip() for line in screen_text(app).splitlines()]
        assert after[0].endswith(f"Please say utterance {first}") and "✓" in after[0]
        assert after[1:] == before[1:]  # the rest of the screen did not move
        assert not tv.following
        lines = tv.plain_lines()
        assert "✓" in lines[0] and "utterance zero as the offline" in lines[0]
        assert lines[1].endswith("utterance one and two") and len(lines) == 39  # u2 is gone
        assert "✓" not in lines[2] and lines[2].endswith("utterance 3")  # not settled
        # a later label keeps the settled text and its mark; search finds the settled text
        app.post_event(UtteranceRelabelled("u0", "s1", W0 + 50, "Speaker 1"))
        await pilot.pause()
        assert "Speaker 1" in tv.plain_lines()[0] and "✓" in tv.plain_lines()[0]
        assert app.utterance_lines[1].endswith("utterance one and two")
        assert app.utterance_lines[2].endswith(": ")
        # following the end, a settled line keeps the view at the end
        await pilot.press("end")
        app.post_event(settled(("u39", longer, ("u39",))))
        await pilot.pause()
        assert tv.following and tv.scroll_offset.y == tv.max_scroll_y
        assert "heard it," in screen_text(app).splitlines()[-1]
        # the pass at the meeting's end says how far it is
        end = settled(("u38", "utterance 38.", ("u38",)))
        app.post_event(replace(end, how="end", done=1, total=2))
        await pilot.pause()
        assert "Settling the transcript: 1/2" in str(app.status.render())
        # and so does the speakers' last look after it
        app.post_event(StepProgress("speakers", 40, 100, W0 + 60))
        await pilot.pause()
        assert "Telling the speakers apart: 40/100" in str(app.status.render())


@aio
async def test_summary_panes_show_the_newest_node_of_each_level() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        for ev in (
            SummaryNode("m1", "moment", 60, 120, "Moment one.", ("u1",)),
            SummaryNode("m2", "moment", 120, 150, "Moment two.", ("u2",)),
            SummaryNode("m1", "moment", 60, 120, "Moment one, late.", ("u1",), 1),
            SummaryNode("s0", "section", 0, 150, "Section so far.", ("m1", "m2")),
            SummaryNode("all", "meeting", 0, 150, "Meeting so far.", ("s0",)),
        ):
            app.post_event(SummaryUpdated(ev, W0))
        await pilot.pause()
        assert str(app.panes["moment"].render()) == "Moment two."
        assert app.panes["moment"].border_subtitle == "00:02:00–00:02:30"
        assert str(app.panes["section"].render()) == "Section so far."
        assert str(app.panes["meeting"].render()) == "Meeting so far."


@aio
async def test_levels_warnings_and_the_end_of_the_meeting() -> None:
    clock = ManualClock(W0)
    control = RecordingControl()
    app = LiveView(control, LiveOptions(), clock=clock)
    async with app.run_test(size=(120, 30)) as pilot:
        app.post_event(SessionStarted("m1", W0, ("system", "mic"), "", "small.en", "Told all."))
        app.post_event(LevelChanged("system", 1.0, -6.0, "capturing", W0 + 1))
        app.post_event(LevelChanged("mic", 1.0, -80.0, "silent", W0 + 1))
        app.post_event(
            WarningRaised(
                SessionWarning("lost-frames", "Lost 80 ms of audio.", "system", 2.0), W0 + 2
            )
        )
        await pilot.pause()
        head = str(app.header.render())
        assert "model small.en" in head and "Consent: Told all." in head
        assert "Them ███████░ capturing" in head and "You ░░░░░░░░ silent" in head
        assert "Lost 80 ms of audio." in str(app.status.render())
        clock.advance(3725)
        app._tick()
        assert "01:02:05" in str(app.header.render())
        app.post_event(SessionEnded(W0 + 4000, 4000.0, "/tmp/m1"))
        await pilot.pause()
        head = str(app.header.render())
        assert app.ended and "ENDED" in head and "capturing" not in head
        assert head.count("stopped") == 2
        await pilot.press("space", "m")  # nothing left to pause or mark
        assert control.calls == []
        assert "/tmp/m1" in str(app.status.render())
        await pilot.press("q")  # after the end, q closes without asking
    assert app.return_code == 0


@aio
async def test_resize_rewraps_the_transcript() -> None:
    app = make_app()
    long = " ".join(f"word{i}" for i in range(40))
    async with app.run_test(size=(160, 30)) as pilot:
        app.post_event(utt(0, long))
        await pilot.pause()
        wide = app.transcript.virtual_size.height
        await pilot.resize_terminal(80, 30)
        await pilot.pause()
        assert app.transcript.virtual_size.height > wide
        assert "word39" in screen_text(app)


@aio
async def test_transcript_keeps_at_most_max_items_and_search_sees_all() -> None:
    app = make_app(max_items=50)
    async with app.run_test(size=(100, 20)) as pilot:
        for i in range(120):
            app.post_event(utt(i, f"utterance {i}"))
        await pilot.pause()
        kept = app.transcript.plain_lines()
        assert len(kept) <= 50 and kept[-1].endswith("utterance 119")
        assert len(app.utterance_lines) == 120
        assert not app.transcript.jump_to("u0") and app.transcript.jump_to("u110")


@aio
async def test_events_posted_from_other_threads_arrive_in_order() -> None:
    app = make_app()
    async with app.run_test(size=(100, 20)) as pilot:

        def produce() -> None:
            for i in range(500):
                app.post_event(utt(i, f"threaded {i}"))
                app.post_event(LevelChanged("system", i, -20, "capturing", W0))

        th = threading.Thread(target=produce)
        th.start()
        while th.is_alive():
            await pilot.pause(0.01)
        await pilot.pause()
        assert app.utterance_ids == [f"u{i}" for i in range(500)]


@aio
async def test_a_session_function_runs_in_a_thread_and_the_view_lingers() -> None:
    def session(post: Callable[[Event], None]) -> None:
        post(SessionStarted("m1", W0, ("system",)))
        post(utt(0, "hello from the session"))
        post(SessionEnded(W0 + 5, 5.0, "/tmp/x"))

    app = LiveView(RecordingControl(), session=session, clock=ManualClock(W0))
    async with app.run_test() as pilot:
        assert app.session_thread is not None
        app.session_thread.join(5)
        await pilot.pause(0.1)
        assert app.ended and app.utterance_ids == ["u0"]
        assert app.is_running  # the user reads it, then presses q


def test_run_live_returns_when_the_session_ends_and_reraises_its_error() -> None:
    seen: list[str] = []

    def session(post: Callable[[Event], None]) -> None:
        post(SessionStarted("m1", W0, ("system",)))
        post(utt(0, "short meeting"))
        seen.append("ran")

    rc = run_live(RecordingControl(), session, LiveOptions(close_when_done=True), headless=True)
    assert rc == 0 and seen == ["ran"]

    def broken(post: Callable[[Event], None]) -> None:
        raise CaptureError("no sound server")

    with pytest.raises(CaptureError, match="no sound server"):
        run_live(RecordingControl(), broken, headless=True)


@aio
async def test_question_mark_shows_the_keys() -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        shown = " ".join(str(w.render()) for w in app.screen.query("Static"))
        for key in ("space", "m", "/", "q", "end"):
            assert f" {key}  " in shown
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


@aio
async def test_ctrl_c_asks_and_ctrl_q_ends_without_asking() -> None:
    control = RecordingControl()
    app = make_app(control)
    async with app.run_test() as pilot:
        await pilot.press("ctrl+c")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("escape")
        assert control.calls == []
        await pilot.press("ctrl+q")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert control.calls == ["stop"]
    assert app.return_code == 0


@aio
async def test_the_consent_reminder_stays_on_screen_in_a_narrow_terminal() -> None:
    app = LiveView(RecordingControl(), LiveOptions(model="a-very-long-model-name-indeed"))
    async with app.run_test(size=(80, 24)) as pilot:
        app.post_event(SessionStarted("m1", W0, ("system", "mic"), consent="Everyone agreed."))
        app.post_event(LevelChanged("system", 1.0, -6.0, "reconnecting", W0 + 1))
        await pilot.pause()
        first, second = (app.header.render_line(y).text for y in (0, 1))
        assert "Them ███████░ reconnecting…" in first and first.rstrip().endswith("…")
        assert second.strip() == "Consent: Everyone agreed."


@aio
async def test_the_header_shows_only_the_sources_of_the_meeting() -> None:
    app = make_app()
    async with app.run_test(size=(120, 24)) as pilot:
        assert "You" in str(app.header.render())  # both until the session says otherwise
        app.post_event(SessionStarted("m1", W0, ("system",)))
        await pilot.pause()
        head = str(app.header.render())
        assert "Them" in head and "You" not in head


@aio
async def test_a_failed_stop_is_reported_and_q_can_try_again() -> None:
    class Stubborn(RecordingControl):
        def stop(self) -> None:
            super().stop()
            if self.calls.count("stop") == 1:
                raise CaptureError("the device did not let go")

    control = Stubborn()
    app = make_app(control)
    async with app.run_test() as pilot:
        await pilot.press("q", "y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert "the device did not let go" in str(app.status.render())
        assert app.is_running and not app.stop_requested
        await pilot.press("q", "y")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert control.calls == ["stop", "stop"]
    assert app.return_code == 0


@aio
async def test_a_name_alert_closes_search_and_comes_to_the_front() -> None:
    control = RecordingControl()
    app = make_app(control)
    alert = Alert("name", "Alex", "Alex", None, 5.0, 0.9, CatchUpCard("Alex?", "", "", ""))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("slash", "x")
        assert isinstance(app.screen, SearchScreen)
        app.post_event(AlertRaised(alert, W0 + 5))
        await pilot.pause()
        assert not isinstance(app.screen, SearchScreen) and app.card.shown
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmScreen)
        app.post_event(AlertRaised(alert, W0 + 6))
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen) and app.card.shown
        assert control.calls == []  # closing the question did not end the meeting


@aio
async def test_a_split_line_shows_its_parts_under_their_speakers() -> None:
    from loopnote.events import SpeakerNamed, UtteranceRelabelled, UtteranceSplit

    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        app.post_event(utt(1, "Great to meet you. Dana here, hello."))
        app.post_event(utt(2, "Okay, moving on."))
        parts = (
            Utterance("u1", "system", 5.0, 7.0, "Great to meet you."),
            Utterance("u1.2", "system", 7.0, 9.0, "Dana here, hello."),
        )
        split = UtteranceSplit("u1", (7.0,), parts, ("s1", "s2"), ("Speaker 1", "Speaker 2"), W0)
        app.post_event(split)
        app.post_event(UtteranceRelabelled("u2", "s2", W0 + 15, "Speaker 2"))
        await pilot.pause()
        lines = app.transcript.plain_lines()
        assert len(lines) == 3
        assert "Speaker 1" in lines[0] and lines[0].endswith("Great to meet you.")
        assert "Speaker 2" in lines[1] and lines[1].endswith("Dana here, hello.")
        assert "Speaker 2" in lines[2] and lines[2].endswith("Okay, moving on.")  # moved down
        app.post_event(SpeakerNamed("s2", "Dana", "conversation", 0.9, W0 + 16))
        await pilot.pause()
        assert [("Dana" in x) for x in app.transcript.plain_lines()] == [False, True, True]
        assert app.utterance_ids == ["u1", "u1.2", "u2"]  # search finds the parts
        # ... under the labels the screen shows, not the one a line came with
        assert [x.split(": ", 1)[0][9:] for x in app.utterance_lines] == [
            "Speaker 1",
            "Dana",
            "Dana",
        ]


@aio
async def test_them_lines_show_their_speaker_follow_relabels_and_n_names_one() -> None:

    control = RecordingControl()
    app = make_app(control)
    card = CatchUpCard("Alex, can you take it?", "Them: Alex, can you take it?", "", "", 14.0)
    async with app.run_test(size=(120, 40)) as pilot:
        first = utt(1, "this is Marcus from sales")
        app.post_event(first)
        asked = Utterance("u2", "system", 10.0, 14.0, "Alex, can you take it?")
        app.post_event(UtteranceCommitted(asked, W0 + 14))
        app.post_event(AlertRaised(Alert("name", "Alex", "Alex", None, 11.0, 0.9, card), W0 + 11))
        await pilot.pause()
        assert "Them" in app.transcript.plain_lines()[0]
        assert str(app.card.query_one("#t-addressed").render()) == "They asked"
        # the slow worker labels the lines a moment later, then names a speaker
        app.post_event(UtteranceRelabelled("u1", "s1", W0 + 15, "Speaker 1"))
        app.post_event(UtteranceRelabelled("u2", "s2", W0 + 15, "Speaker 2"))
        await pilot.pause()
        lines = app.transcript.plain_lines()
        assert "Speaker 1" in lines[0] and "Speaker 2" in lines[1]
        assert str(app.card.query_one("#t-addressed").render()) == "Speaker 2 asked you"
        app.post_event(SpeakerNamed("s1", "Marcus", "conversation", 0.8, W0 + 16))
        await pilot.pause()
        assert "Marcus" in app.transcript.plain_lines()[0]
        await pilot.press("escape")
        await pilot.press("n")
        await pilot.pause()
        assert "Speaker 2" in str(app.screen.query_one("#problem").render())
        await pilot.press(*"Speaker 2")
        await pilot.press("enter")  # not OLD=NEW: the screen says how
        assert "Speaker 2=Marcus" in str(app.screen.query_one("#problem").render())
        await pilot.press(*"=Priya", "enter")
        await pilot.pause()
        assert control.calls == ["rename:Speaker 2=Priya"]
