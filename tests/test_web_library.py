"""The library in a real browser: list, search with highlighted hits, jump to the moment,
play a line, export every format, rename, delete with confirmation; a 404 page."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import launch, make_meeting, needs_browser, shot, wait_until
from loopnote.store import FORMATS, Library, MeetingFolder, export_text
from loopnote.web import ServerOptions, WebServer

pytestmark = [needs_browser, pytest.mark.slow]


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = launch(p)
        yield browser
        browser.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[WebServer, Path, Path]]:
    root, index = tmp_path / "meetings", tmp_path / "index.sqlite3"
    make_meeting(root, index, "Budget sync", started=1_790_000_000.0)
    make_meeting(
        root,
        index,
        "Design review",
        [("system", "The onboarding screens need a darker palette."), ("mic", "Agreed.")],
        started=1_790_100_000.0,
        audio=False,
    )
    server = WebServer(root, ServerOptions(browser=False), index_path=index)
    server.start()
    yield server, root, index
    server.stop()


def test_library_search_play_export_rename_delete(
    chromium: Any, served: tuple[WebServer, Path, Path], tmp_path: Path
) -> None:
    server, root, _ = served
    context = chromium.new_context(accept_downloads=True, viewport={"width": 1280, "height": 860})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server.link("/"))
    assert "token=" not in page.url  # the token left the address bar
    page.wait_for_selector(".meeting-row")
    rows = page.locator(".meeting-row")
    assert rows.count() == 2
    assert rows.nth(0).locator(".title").inner_text() == "Design review"  # newest first
    assert "Them + You" in rows.nth(1).inner_text()
    shot(page, "library-list")

    # search: the hit is highlighted and jumps to the line it found
    page.fill("#q", "Thursday")
    page.press("#q", "Enter")
    page.wait_for_selector(".hit")
    assert page.locator(".hit mark").first.inner_text().lower() == "thursday"
    assert page.locator(".hit").count() == 1
    shot(page, "library-search")
    page.locator(".hit-link").first.click()
    found = page.wait_for_selector(".line.found")
    assert "next Thursday" in found.inner_text()
    assert found.get_attribute("data-id") == "u0003"
    assert page.locator("h1.meeting-title").inner_text() == "Budget sync"
    assert page.locator(".notes").inner_text().count("The team went over budget sync") == 1
    shot(page, "meeting-page")

    # click a line: its audio is fetched by meeting id and plays
    line = page.locator('.line[data-id="u0002"]')
    with page.expect_response(lambda r: "/audio?" in r.url) as resp:
        line.click()
    r = resp.value
    assert r.status == 200 and r.headers["content-type"] == "audio/wav"
    assert "source=system" in r.url and "start=3.6" in r.url
    wait_until(page, "document.getElementById('player').readyState >= 2")
    duration = page.evaluate("document.getElementById('player').duration")
    assert 1.4 < duration < 1.8  # the line's 1.6 s, not the whole meeting
    assert "playing" in (line.get_attribute("class") or "")
    assert page.locator("#player").is_visible()
    # and from the keyboard
    with page.expect_response(lambda r: "/audio?" in r.url and "start=9" in r.url) as resp:
        page.locator('.line[data-id="u0005"]').focus()
        page.keyboard.press("Enter")
    assert resp.value.status == 200

    # exports: each format is what the store exports
    folder = MeetingFolder.open(root / page.url.split("/meetings/")[1].split("?")[0])
    for fmt in FORMATS:
        with page.expect_download() as dl:
            page.click(f"a.export:text-is('{fmt}')")
        path = tmp_path / f"out.{fmt}"
        dl.value.save_as(path)
        assert dl.value.suggested_filename == f"{folder.id}.{fmt}"
        assert path.read_text(encoding="utf-8") == export_text(folder, fmt)
    assert json.loads((tmp_path / "out.json").read_text())["meeting"]["id"] == folder.id

    # rename
    page.click("#rename")
    page.fill("#rename-input", "Budget sync (Q3)")
    page.press("#rename-input", "Enter")
    page.wait_for_selector("h1.meeting-title:text-is('Budget sync (Q3)')")
    assert MeetingFolder.open(folder.path).meta.title == "Budget sync (Q3)"

    # delete: cancel keeps it, confirming removes folder and search entries
    page.click("#delete")
    assert "Budget sync (Q3)" in page.locator("#confirm-text").inner_text()
    shot(page, "delete-confirm")
    page.click("#confirm-cancel")
    assert folder.path.exists()
    page.click("#delete")
    page.click("#confirm-ok")
    page.wait_for_selector(".flash")
    assert not folder.path.exists()
    assert page.locator(".meeting-row").count() == 1
    page.fill("#q", "Thursday")
    page.press("#q", "Enter")
    page.wait_for_selector("text=Nothing found.")
    assert [m.title for m in Library(root).listing().meetings] == ["Design review"]
    assert errors == []
    context.close()


def test_meeting_without_audio_and_unknown_meeting(
    chromium: Any, served: tuple[WebServer, Path, Path]
) -> None:
    server, _root, _ = served
    page = chromium.new_page()
    page.goto(server.link("/"))
    page.click("a.title:text-is('Design review')")
    page.wait_for_selector(".line")
    assert "not kept" in page.locator(".hint").inner_text()
    assert page.locator(".line.playable").count() == 0
    resp = page.goto(f"http://127.0.0.1:{server.port}/meetings/2020-01-01-0000-zzzz")
    assert resp is not None and resp.status == 404
    page.wait_for_selector("h1:text-is('Not found')")
    assert "2020-01-01-0000-zzzz" in page.locator("main").inner_text()
    shot(page, "meeting-404")
    page.close()


def test_three_hour_meeting_draws_only_what_is_visible(chromium: Any, tmp_path: Path) -> None:
    root, index = tmp_path / "m", tmp_path / "i.sqlite3"
    lines = [
        ("system" if i % 3 else "mic", f"Line {i} of a long meeting about item {i // 40}.")
        for i in range(3000)
    ]
    made = make_meeting(root, index, "Long", lines, seconds_per_line=3.6, audio=False)
    server = WebServer(root, ServerOptions(browser=False), index_path=index)
    server.start()
    try:
        page = chromium.new_page()
        page.goto(server.link(f"/meetings/{made.folder.id}?t=9000"))
        page.wait_for_selector(".line.found")
        assert "Line 2500 " in page.locator(".line.found").inner_text()
        drawn = page.evaluate("window.loopnoteLines.drawnCount()")
        assert 0 < drawn < 400  # of 3000
        page.locator("#transcript").evaluate("e => e.scrollTop = 0")
        page.wait_for_selector('.line[data-id="u0000"]')
        assert page.evaluate("window.loopnoteLines.drawnCount()") < 400
        shot(page, "meeting-long")
        page.close()
    finally:
        server.stop()
