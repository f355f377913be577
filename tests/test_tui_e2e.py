"""The live view over the real pipeline: a recording replayed in real time through the session
(shipped Whisper model, real summaries, name alerts and meeting folder), driven by the pilot.

The user's configured name is a word the recording says ("participants"), so a name alert
really fires from recognized speech.
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from loopnote.capture.file import FileInput
from loopnote.config import Settings
from loopnote.events import Event
from loopnote.session import Session, SessionOptions
from loopnote.store.folder import MeetingFolder
from loopnote.store.journal import read_jsonl
from loopnote.tui import LiveOptions, LiveView
from loopnote.types import Utterance

pytestmark = [pytest.mark.model, pytest.mark.slow]

CLIP = Path(__file__).parent / "fixtures" / "speech_confbridge_mute.flac"  # 11.1 s of speech


def aio(fn: Callable[[Path], Coroutine[Any, Any, None]]) -> Callable[[Path], None]:
    @functools.wraps(fn)
    def run(tmp_path: Path) -> None:
        asyncio.run(fn(tmp_path))

    return run


async def until(cond: Callable[[], bool], timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the view")
        await asyncio.sleep(0.05)


def record_status(app: LiveView) -> list[str]:
    """Every text the status line shows from now on (a later one, a warning of a loaded
    machine or the settling progress, may replace it before a poll sees it)."""
    said: list[str] = []
    show = app.status.say

    def say(text: str, style: str = "") -> None:
        said.append(text)
        show(text, style)

    app.status.say = say  # type: ignore[method-assign]
    return said


@aio
async def test_live_view_over_the_real_pipeline(tmp_path: Path) -> None:
    settings = Settings(out=str(tmp_path), name="Participants", notify=False)
    # built before the view starts, as the CLI does; the view's worker thread runs it
    control = Session.build(
        [FileInput(CLIP, "system", realtime=True)],
        SessionOptions(settings=settings, origin="file"),
    )

    def session(post: Callable[[Event], None]) -> None:
        control.run(post)

    app = LiveView(control, LiveOptions(), session=session)
    async with app.run_test(size=(120, 40)) as pilot:
        await until(lambda: app.header.state == "recording")
        said = record_status(app)
        # early, while the recording plays: a pause is the session's own event, and on a
        # loaded machine the end of the 11 s clip may come soon after the name is heard
        await pilot.press("space")
        await until(lambda: any("Paused at" in t for t in said))  # the session's own event
        await pilot.press("space")
        await until(lambda: any("Resumed at" in t for t in said))
        await pilot.press("m")
        await until(lambda: any("★" in line for line in app.transcript.plain_lines()))

        await until(lambda: app.card.shown)  # the name was heard: the card is in front
        assert "participants" in str(app.card.query_one("#banner").render()).lower()
        await pilot.press("c")
        assert "participants" in app.clipboard.lower()
        first = app.card.alert
        await pilot.press("escape")
        assert not app.card.shown or app.card.alert is not first  # closed, or a newer alert

        await until(lambda: app.ended)
        folder = control.folder

        journal = [Utterance.from_dict(r) for r in read_jsonl(folder / "transcript.jsonl").records]
        assert journal, "the recording produced no utterances"
        assert app.utterance_ids == [u.id for u in journal]
        # each line as a reader of the meeting sees it (settled where its stretch settled
        # before the end, cut where the voice changed), in order
        bodies = [u.text.strip() for u in MeetingFolder.open(folder).load_labelled_utterances()]
        assert bodies
        shown = [
            line
            for line in app.transcript.plain_lines()
            if any(line.endswith(" " + b) for b in bodies)
        ]
        assert len(shown) == len(bodies), shown
        assert all(line.endswith(" " + b) for line, b in zip(shown, bodies, strict=True))

        events = [
            json.loads(line)
            for line in (folder / "events.jsonl").read_text().splitlines()
            if line.strip()
        ]
        kinds = [e.get("type") or e.get("kind") or e.get("event") for e in events]
        assert "bookmark" in kinds and "paused" in kinds and "resumed" in kinds, kinds
        await pilot.press("q")  # after the end, q closes at once
    assert app.return_code == 0
