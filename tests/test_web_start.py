"""Starting and ending a meeting from the page, against the lab's real sound server and the
real model: the form lists the app playing audio, asks for consent, and the meeting it starts
records that app, shows its speech live, and is in the library with its audio afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from browser import FIXTURES, UiRun, launch, needs_browser, shot
from loopnote.store import MeetingFolder
from soundserver import SoundServer
from test_web_cli import read_until, start_ui, stop

pytestmark = [needs_browser, pytest.mark.soundlab, pytest.mark.model, pytest.mark.slow]


def test_start_and_end_a_meeting_from_the_page(lab: SoundServer, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    speech, rate = sf.read(FIXTURES / "speech_confbridge_mute.flac", dtype="float32")
    long = tmp_path / "call.wav"
    sf.write(long, np.concatenate([speech, speech, speech]), rate)
    player = lab.play(long, device="meeting", name="CallApp")
    lab.wait_for_app(player.pid)

    proc = start_ui(tmp_path, "--no-browser")
    try:
        link = read_until(proc, "loopnote is at ")[-1].split()[-1]
        with sync_playwright() as p:
            browser = launch(p)
            page: Any = browser.new_page(viewport={"width": 1100, "height": 900})
            page.goto(link)
            page.click("#new-link")
            page.wait_for_selector("#reminder")
            assert "Disclosure line" in page.locator("#reminder").inner_text()
            options = page.locator("#system option").all_inner_texts()
            app = next(o for o in options if o.startswith("App: CallApp"))
            page.select_option("#system", label=app)
            page.select_option("#mic", "none")
            page.fill("#title", "Call from the page")
            page.click("#start")  # without consent: nothing starts
            page.wait_for_timeout(300)
            assert page.url.endswith("/new")
            shot(page, "start-form")
            page.check("#consent")
            page.click("#start")
            # the page is drawn before the meeting starts: wait for the session's first event
            page.wait_for_selector("#consent:text-matches('^Consent: ')", timeout=90_000)
            page.wait_for_selector("#rec:text-is('● REC')")
            assert "Heads-up" in page.locator("#consent").inner_text()  # the disclosure line
            page.wait_for_selector(".line.src-system:not(.partial)", timeout=90_000)
            shot(page, "start-live")
            page.click("#end")
            page.click("#confirm-ok")
            page.wait_for_selector("#ended:visible", timeout=60_000)
            page.click("#open-notes")
            page.wait_for_selector("h1.meeting-title:text-is('Call from the page')")
            assert "participants were told" in page.locator(".consent").inner_text()
            with page.expect_response(lambda r: "/audio?" in r.url) as resp:
                page.locator(".line.playable").first.click()
            assert resp.value.status == 200
            browser.close()
    finally:
        code = stop(proc)
    assert code == 0
    (folder_path,) = (tmp_path / "meetings").iterdir()
    folder = MeetingFolder.open(folder_path)
    assert folder.meta.status == "complete"
    assert folder.meta.sources == ("system",)
    assert folder.meta.consent.shown
    assert any(u.source == "system" and u.text.strip() for u in folder.load_utterances())


def test_record_ui_shows_the_live_meeting_in_the_browser(lab: SoundServer, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    run = UiRun(tmp_path, "record", "--no-mic", "--title", "Recorded with --ui")
    try:
        link = run.link()
        assert "/live?token=" in link
        with sync_playwright() as p:
            browser = launch(p)
            page: Any = browser.new_page()
            page.goto(link)
            # the page is drawn before the meeting starts: wait for the session's first event
            page.wait_for_selector("#consent:text-matches('^Consent: ')", timeout=90_000)
            page.wait_for_selector("#rec:text-is('● REC')")
            lab.play(FIXTURES / "speech_confbridge_mute.flac", device="meeting")
            page.wait_for_selector(".line.src-system:not(.partial)", timeout=90_000)
            page.click("#end")
            page.click("#confirm-ok")
            page.wait_for_selector("#ended:visible", timeout=60_000)
            browser.close()
    finally:
        code = run.interrupt()
    assert code == 0, "".join(run.lines)
    (folder_path,) = (tmp_path / "meetings").iterdir()
    folder = MeetingFolder.open(folder_path)
    assert folder.meta.title == "Recorded with --ui" and folder.meta.status == "complete"
    assert folder.meta.consent.shown
