"""The live meeting page in a real browser.

Fast tests feed a ``LiveHub`` with scripted session events (the page cannot tell them from a
session's) and record what the page asks of the session. The end-to-end tests run
``loopnote transcribe|demo --ui`` as a user would: a real-time replay through the real
pipeline and model, followed by the page.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from browser import FIXTURES, UiRun, launch, make_meeting, needs_browser, shot, wait_until
from loopnote.events import (
    AlertCardCompleted,
    AlertRaised,
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
    UtteranceSplit,
    WarningRaised,
)
from loopnote.store import MeetingFolder
from loopnote.types import Alert, CatchUpCard, PartialText, SessionWarning, SummaryNode, Utterance
from loopnote.web import LiveHub, ServerOptions, WebServer

pytestmark = [needs_browser]

NOTIFY_SPY = """
window.__notified = [];
const Real = window.Notification;
window.Notification = class extends Real {
  constructor(title, options) { super(title, options); window.__notified.push(title); }
};
"""


AT_BOTTOM = (
    "(e => e.scrollHeight - e.scrollTop - e.clientHeight < 40)"
    "(document.getElementById('transcript'))"
)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


class ScriptedControl:
    """What the page asks of the session, recorded; pause/resume answer as a session does."""

    def __init__(self, hub: LiveHub) -> None:
        self.hub = hub
        self.calls: list[str] = []
        self._paused = False

    @property
    def paused(self) -> bool:
        return self._paused

    def pause(self) -> None:
        self.calls.append("pause")
        self._paused = True
        self.hub.publish(StateChanged(True, 1.0, time.time()))

    def resume(self) -> None:
        self.calls.append("resume")
        self._paused = False
        self.hub.publish(StateChanged(False, 1.0, time.time()))

    def bookmark(self, note: str = "") -> None:
        self.calls.append("bookmark")

    def stop(self) -> None:
        self.calls.append("stop")
        self.hub.publish(SessionEnded(time.time(), 12.0, ""))


def _utt(i: int, source: str = "system") -> UtteranceCommitted:
    u = Utterance(f"u{i:05d}", source, i * 2.0, i * 2.0 + 1.8, f"Line number {i} of the meeting.")  # type: ignore[arg-type]
    return UtteranceCommitted(u, time.time())


@pytest.fixture
def live(tmp_path: Path) -> Iterator[tuple[WebServer, LiveHub, ScriptedControl]]:
    hub = LiveHub()
    control = ScriptedControl(hub)
    hub.attach(control)
    server = WebServer(tmp_path / "meetings", ServerOptions(browser=False), hub=hub)
    server.start()
    hub.publish(
        SessionStarted("2026-12-04-0900-abcd", time.time(), ("system", "mic"), consent="Recorded.")
    )
    yield server, hub, control
    server.stop()


def test_live_page_draws_events_and_drives_the_session(
    chromium: Any, live: tuple[WebServer, LiveHub, ScriptedControl]
) -> None:
    server, hub, control = live
    context = chromium.new_context(viewport={"width": 1280, "height": 800})
    context.grant_permissions(["notifications"], origin=f"http://127.0.0.1:{server.port}")
    context.add_init_script(NOTIFY_SPY)
    page = context.new_page()
    page.goto(server.link("/live"))
    page.wait_for_selector("#rec:text-is('● REC')")
    # the start event's consent line may be drawn a frame after the REC mark
    page.wait_for_selector("#consent:text-is('Consent: Recorded.')", timeout=5000)
    assert page.locator("#live-link").is_visible()

    # settling text: a partial shows, then the utterance replaces it
    hub.publish(PartialUpdated(PartialText("system", 1.0, "Line number zero of"), time.time()))
    page.wait_for_selector(".partial:has-text('Line number zero of')")
    hub.publish(_utt(0))
    page.wait_for_selector('.line[data-id="u00000"]')
    assert page.locator(".partial").count() == 0

    # levels and health, warnings
    hub.publish(LevelChanged("system", 2.0, -12.0, "capturing", time.time()))
    hub.publish(LevelChanged("mic", 2.0, -80.0, "silent", time.time()))
    warning = SessionWarning("no-signal", "no sound from the meeting app", "system", 2.0)
    hub.publish(WarningRaised(warning, time.time()))
    page.wait_for_selector("#meter-mic[data-health='silent']")
    assert page.locator("#meter-mic .meter-health").inner_text() == "no sound"
    assert "no sound from the meeting app" in page.locator("#warnings").inner_text()
    width = page.evaluate("document.querySelector('#meter-system .meter-fill').style.width")
    assert width == "80%"

    # the three summary levels; a newer revision replaces the older one
    for rev, text in enumerate(["Budget talk.", "Budget and launch talk."]):
        hub.publish(SummaryUpdated(SummaryNode("m1", "moment", 0, 30, text, (), rev), time.time()))
    hub.publish(SummaryUpdated(SummaryNode("s1", "section", 0, 30, "Budget.", ()), time.time()))
    hub.publish(
        SummaryUpdated(SummaryNode("t", "meeting", 0, 30, "All on budget.", ()), time.time())
    )
    page.wait_for_selector("#summary-meeting:text-is('All on budget.')")
    assert page.locator("#summary-moments li").count() == 1
    assert "Budget and launch talk." in page.locator("#summary-moments").inner_text()
    assert "Budget." in page.locator("#summary-sections").inner_text()

    # a name alert: banner, catch-up card, browser notification
    card = CatchUpCard("Dana, can you send the numbers?", "we looked at Q3", "budget", "a sync", 4)
    alert = Alert("name", "Dana", "Dana", "u00000", 4.0, 0.9, card)
    hub.publish(AlertRaised(alert, time.time()))
    page.wait_for_selector("#alert #card")
    assert "Dana, can you send the numbers?" in page.locator("#card").inner_text()
    wait_until(page, "window.__notified.length === 1")
    shot(page, "live-scripted")

    # follow, scroll back, back to live
    for i in range(1, 120):
        hub.publish(_utt(i, "mic" if i % 4 == 0 else "system"))
    page.wait_for_selector('.line[data-id="u00119"]')
    assert page.evaluate("document.querySelector('#jump').hidden")
    page.locator("#transcript").evaluate("e => e.scrollTop = 0")
    page.wait_for_selector("#jump:visible")
    shot(page, "live-scrolled-back")
    for i in range(120, 130):
        hub.publish(_utt(i))
    wait_until(page, "window.loopnoteStats.lags.length >= 130")
    page.wait_for_timeout(200)
    assert page.locator("#transcript").evaluate("e => e.scrollTop") == 0  # stays where I read
    page.click("#jump")
    page.wait_for_selector('.line[data-id="u00129"]')
    wait_until(
        page,
        AT_BOTTOM,
    )
    hub.publish(_utt(130))
    page.wait_for_selector('.line[data-id="u00130"]')
    wait_until(
        page,
        AT_BOTTOM,
    )

    # controls go to the session
    page.click("#pause")
    page.wait_for_selector("#rec:text-is('❚❚ Paused')")
    page.click("#pause")
    page.wait_for_selector("#rec:text-is('● REC')")
    page.click("#bookmark")
    page.click("#end")
    page.click("#confirm-ok")
    page.wait_for_selector("#ended:visible")
    assert control.calls == ["pause", "resume", "bookmark", "stop"]
    assert page.locator("#end").is_disabled()
    context.close()


def test_the_alert_card_says_who_asked_once_the_line_is_labelled(
    chromium: Any, live: tuple[WebServer, LiveHub, ScriptedControl]
) -> None:
    server, hub, _ = live
    page = chromium.new_page()
    page.goto(server.link("/live"))
    page.wait_for_selector("#rec:text-is('● REC')")
    asked = Utterance("u00001", "system", 3.0, 5.0, "Dana, can you send the numbers?")
    hub.publish(UtteranceCommitted(asked, time.time()))
    # raised on partial text: no line id, the name's time falls in the line
    card = CatchUpCard("Dana, can you", "", "", "", 3.5)
    hub.publish(AlertRaised(Alert("name", "Dana", "Dana", None, 3.5, 0.9, card), time.time()))
    page.wait_for_selector("#card:has-text('Asked: Dana, can you')")
    hub.publish(UtteranceRelabelled("u00001", "s2", time.time(), "Speaker 2"))
    page.wait_for_selector("#card:has-text('Speaker 2 asked you: Dana, can you')")
    hub.publish(SpeakerNamed("s2", "Priya", "conversation", 0.9, time.time()))
    page.wait_for_selector("#card:has-text('Priya asked you: Dana, can you')")
    # the completed card (its asker unknown when it was built) keeps the name
    done = replace(card, addressed="Dana, can you send the numbers?")
    hub.publish(AlertCardCompleted(Alert("name", "Dana", "Dana", None, 3.5, 0.9, done), 0.0))
    page.wait_for_selector("#card:has-text('Priya asked you: Dana, can you send the numbers?')")
    page.close()


def test_a_late_page_gets_the_meeting_so_far_without_superseded_events(
    chromium: Any, live: tuple[WebServer, LiveHub, ScriptedControl]
) -> None:
    server, hub, _ = live
    for i in range(50):
        hub.publish(LevelChanged("system", i, -30.0 - i % 5, "capturing", time.time()))
        hub.publish(_utt(i))
    hub.publish(PartialUpdated(PartialText("system", 101.0, "still talking"), time.time()))
    events = hub.snapshot()
    kinds = [e[2].split('"type":"')[1].split('"')[0] for e in events]
    assert kinds.count("level") == 1 and kinds.count("utterance") == 50
    page = chromium.new_page()
    page.goto(server.link("/live"))
    page.wait_for_selector('.line[data-id="u00049"]')
    assert page.locator(".partial").inner_text().endswith("still talking")
    page.close()


def test_a_split_line_is_shown_as_its_parts_under_their_speakers(
    chromium: Any, live: tuple[WebServer, LiveHub, ScriptedControl]
) -> None:
    server, hub, _ = live
    page = chromium.new_page()
    page.goto(server.link("/live"))
    for i in range(3):
        hub.publish(_utt(i))
    page.wait_for_selector('.line[data-id="u00002"]')
    parts = (
        Utterance("u00001", "system", 2.0, 2.9, "Line number 1"),
        Utterance("u00001.2", "system", 2.9, 3.8, "of the meeting."),
    )
    now = time.time()
    hub.publish(UtteranceSplit("u00001", (2.9,), parts, ("s1", "s2"), ("Tom", "Speaker 2"), now))
    hub.publish(UtteranceRelabelled("u00002", "s2", now, "Speaker 2"))
    page.wait_for_selector('.line[data-id="u00001.2"]')
    wait_until(
        page, "document.querySelector('.line[data-id=\"u00002\"] .who').textContent === 'Speaker 2'"
    )
    rows = page.locator(".line").evaluate_all(
        "ls => ls.map(l => [l.dataset.id, l.querySelector('.who').textContent,"
        " l.querySelector('.text').textContent])"
    )
    assert rows == [
        ["u00000", "Them", "Line number 0 of the meeting."],
        ["u00001", "Tom", "Line number 1"],
        ["u00001.2", "Speaker 2", "of the meeting."],
        ["u00002", "Speaker 2", "Line number 2 of the meeting."],
    ]
    # the speaker column is wide enough for the label: nothing of it is cut off
    clipped = page.locator(".line .who").evaluate_all(
        "ws => ws.filter(w => w.scrollWidth > w.clientWidth).map(w => w.textContent)"
    )
    assert clipped == []


SETTLED_TEXT = (
    "Line number ten of the meeting, and line eleven with it, as the settling pass heard both "
    "once it had the audio that followed: one sentence now, long enough to wrap on the page."
)
TOP_OF = (
    "(id => document.querySelector(`.line[data-id='${id}']`).getBoundingClientRect().top"
    " - document.getElementById('transcript').getBoundingClientRect().top)"
)


def test_settled_lines_replace_the_live_ones_without_moving_the_view(
    chromium: Any, live: tuple[WebServer, LiveHub, ScriptedControl], tmp_path: Path
) -> None:
    server, hub, _ = live
    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    page.goto(server.link("/live"))
    page.wait_for_selector("#rec:text-is('● REC')")
    for i in range(80):
        hub.publish(_utt(i))
    page.wait_for_selector('.line[data-id="u00079"]')
    # reading back: line 30 at the top, the lines the stretch replaces above it
    page.locator("#transcript").evaluate(
        "e => e.scrollTop = document.querySelector('.line[data-id=\"u00030\"]').offsetTop"
    )
    page.wait_for_selector("#jump:visible")
    before = page.evaluate(f"{TOP_OF}('u00030')")
    merged = Utterance("u00010", "system", 20.0, 23.8, SETTLED_TEXT)
    dropped = Utterance("u00012", "system", 24.0, 25.8, "")
    hub.publish(
        TranscriptSettled(
            "system",
            (merged, dropped),
            (("u00010", "u00011"), ("u00012",)),
            "tiny.en",
            "live",
            time.time(),
        )
    )
    page.wait_for_selector('.line.settled[data-id="u00010"] .settled-mark')
    assert page.locator('.line[data-id="u00010"] .text').inner_text() == SETTLED_TEXT
    assert page.locator('.line[data-id="u00011"], .line[data-id="u00012"]').count() == 0
    assert page.locator('.line[data-id="u00009"] .settled-mark').count() == 0
    assert abs(page.evaluate(f"{TOP_OF}('u00030')") - before) < 1  # what I read stays put
    assert page.locator("#jump").is_visible()
    # a label found later keeps the settled text and its mark
    hub.publish(UtteranceRelabelled("u00010", "s2", time.time(), "Speaker 2"))
    page.wait_for_selector('.line[data-id="u00010"] .who:text-is("Speaker 2")')
    assert page.locator('.line[data-id="u00010"] .text').inner_text() == SETTLED_TEXT
    assert page.locator('.line[data-id="u00010"] .settled-mark').count() == 1
    page.locator('.line[data-id="u00010"]').scroll_into_view_if_needed()
    shot(page, "live-settled")
    # the pass at the meeting's end says how far it is
    last = Utterance("u00079", "system", 158.0, 159.8, "Line number 79 of the meeting.")
    hub.publish(
        TranscriptSettled("system", (last,), (("u00079",),), "tiny.en", "end", time.time(), 1, 2)
    )
    page.wait_for_selector("#ended:text-is('Settling the transcript: 1/2')")
    hub.publish(StepProgress("speakers", 40, 100, time.time()))  # the speakers' last look
    page.wait_for_selector("#ended:text-is('Telling the speakers apart: 40/100')")

    # the meeting's page after the meeting: the settled transcript, marked the same way
    made = make_meeting(tmp_path / "meetings", tmp_path / "index.sqlite", "Settled", audio=False)
    folder = MeetingFolder.open(made.folder.path)
    first, second, third = made.utterances[1:4]
    whole = replace(first, end=second.end, text="Sure, I have the spreadsheet open right here.")
    folder.append_settled(
        [whole, replace(third, text="")], [[first.id, second.id], [third.id]], "base", "end"
    )
    folder.close()
    page.goto(f"http://127.0.0.1:{server.port}/meetings/{folder.id}")  # signed in already
    page.wait_for_selector(f'.line[data-id="{first.id}"] .settled-mark')
    assert page.locator(f'.line[data-id="{first.id}"] .text').inner_text() == whole.text
    shown = page.locator(".line .text").all_inner_texts()
    assert second.text not in shown and third.text not in shown
    assert page.locator(".line .settled-mark").count() == 1
    page.close()


# ----- end to end: the real pipeline behind the page ---------------------------------------


def _scene(path: Path) -> None:
    """Real speech that calls the user by name (espeak-ng), then a recorded voice."""
    tts = path.with_suffix(".tts.wav")
    subprocess.run(
        [
            "espeak-ng",
            "-s",
            "150",
            "-w",
            str(tts),
            "Good morning everyone. Let us go over the budget for the launch. "
            "Dana, could you send the revised numbers by Friday?",
        ],
        check=True,
    )
    voice, rate = sf.read(tts, dtype="float32")
    other, other_rate = sf.read(FIXTURES / "speech_confbridge_mute.flac", dtype="float32")
    assert other_rate == 16000
    import soxr

    voice = soxr.resample(voice, rate, 16000)
    pause = np.zeros(16000, np.float32)
    sf.write(path, np.concatenate([voice, pause, other]), 16000)


@pytest.mark.slow
@pytest.mark.model
@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="needs espeak-ng")
def test_live_page_follows_a_real_time_replay(chromium: Any, tmp_path: Path) -> None:
    clip = tmp_path / "scene.wav"
    _scene(clip)
    run = UiRun(tmp_path, "transcribe", str(clip), "--name", "Dana", "--title", "Launch budget")
    try:
        link = run.link()
        context = chromium.new_context(viewport={"width": 1280, "height": 800})
        port = link.split(":")[2].split("/")[0]
        context.grant_permissions(["notifications"], origin=f"http://127.0.0.1:{port}")
        context.add_init_script(NOTIFY_SPY)
        page = context.new_page()
        page.goto(link)
        page.wait_for_selector("#rec:text-is('● REC')", timeout=60_000)
        page.wait_for_selector("#meter-system", timeout=60_000)
        page.wait_for_selector(".line.src-system", timeout=90_000)
        page.wait_for_selector("#alert #card", timeout=90_000)
        assert "Dana" in page.locator("#alert").inner_text()
        shot(page, "live-replay")
        page.wait_for_selector("#ended:visible", timeout=120_000)
        assert page.locator("#summary-moments li").count() >= 1
        kinds = {x["type"] for x in page.evaluate("window.loopnoteStats.lags")}
        assert {"partial", "utterance", "summary", "alert"} <= kinds
        assert page.evaluate("window.__notified.length") >= 1
        shown = page.locator("#transcript .line:not(.partial) .text").all_inner_texts()
        page.click("#open-notes")
        page.wait_for_selector("h1.meeting-title:text-is('Launch budget')")
        shot(page, "live-replay-notes")
        folder_id = page.url.rsplit("/", 1)[1]
        folder = MeetingFolder.open(tmp_path / "meetings" / folder_id)
        assert shown == [u.text for u in folder.load_utterances()]
        assert any("dana" in t.lower() for t in shown), shown
        context.close()
    finally:
        code = run.interrupt()
    assert code == 0, "".join(run.lines)


@pytest.mark.slow
@pytest.mark.model
def test_pause_bookmark_and_end_a_replay_from_the_page(chromium: Any, tmp_path: Path) -> None:
    run = UiRun(tmp_path, "demo", "--realtime", "--title", "Controls")
    try:
        page = chromium.new_page()
        page.goto(run.link())
        page.wait_for_selector(".line.src-system", timeout=90_000)
        page.click("#bookmark")
        page.wait_for_selector(".line.src-bookmark")
        page.click("#pause")
        page.wait_for_selector("#rec:text-is('❚❚ Paused')")
        page.click("#pause")
        page.wait_for_selector("#rec:text-is('● REC')")
        page.click("#end")
        page.click("#confirm-ok")
        page.wait_for_selector("#ended:visible", timeout=60_000)
        shot(page, "live-ended")
        page.close()
    finally:
        code = run.interrupt()
    assert code == 0, "".join(run.lines)
    (path,) = (tmp_path / "meetings").iterdir()
    folder = MeetingFolder.open(path)
    kinds = [e["type"] for e in folder.load_events()]
    assert "bookmark" in kinds
    assert folder.meta.status == "complete"
    assert folder.meta.duration is not None and folder.meta.duration < 40  # ended early
