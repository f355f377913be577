"""Naming a meeting's speakers from its page: the speakers block, the transcript lines that
follow the new name, the export, and the rules the rename request obeys.

The meeting is labelled as ``loopnote speakers`` leaves it (``relabel`` events and a name
proposed from the conversation, written through the store), so the optional speakers extra
is not needed here.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import launch, make_meeting, needs_browser, shot
from loopnote.store import MeetingFolder
from loopnote.store.speakers import refresh_notes_transcript
from loopnote.web import ServerOptions, WebServer
from loopnote.web.security import CSRF_HEADER
from recording import cli_env

LINES = [
    ("system", "Morning all, this is Marcus, I will run through the launch plan."),
    ("mic", "Thanks Marcus. Priya, can you start with the budget?"),
    ("system", "Sure, the budget is on track for the quarter."),
    ("system", "And the launch date stays on the fourteenth."),
    ("mic", "Good, then we are done with the plan."),
    ("system", "One more thing, the press kit goes out on Monday."),
]
# who said each "them" line: u0000 and u0003 are s1 (Marcus), u0002 and u0005 are s2
LABELS = {"u0000": "s1", "u0002": "s2", "u0003": "s1", "u0005": "s2"}


def label_speakers(folder: MeetingFolder) -> None:
    """What ``loopnote speakers MEETING`` records for this meeting."""
    for uid, sid in LABELS.items():
        folder.append_event("relabel", {"utterance_id": uid, "speaker": sid, "wall": 1.0})
    folder.append_event(
        "speaker", {"id": "s1", "name": "Marcus", "how": "conversation", "score": 0.8, "wall": 1.0}
    )
    refresh_notes_transcript(folder)
    folder.close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[WebServer, MeetingFolder, Path]]:
    root, index = tmp_path / "meetings", tmp_path / "index.sqlite3"
    made = make_meeting(root, index, "Launch plan", LINES, audio=False)
    label_speakers(made.folder)
    server = WebServer(root, ServerOptions(browser=False), index_path=index)
    server.start()
    yield server, MeetingFolder.open(made.folder.path), root
    server.stop()


def export_json(root: Path, meeting_id: str, data: Path) -> dict[str, Any]:
    argv = ["export", meeting_id, "--to", "json", "--out", str(root)]
    done = subprocess.run(
        [sys.executable, "-m", "loopnote", *argv],
        capture_output=True,
        text=True,
        env=cli_env(data),
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


@needs_browser
@pytest.mark.slow
def test_rename_a_speaker_from_the_meeting_page(
    served: tuple[WebServer, MeetingFolder, Path], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    server, folder, root = served
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(server.link(f"/meetings/{folder.id}"))
        page.wait_for_selector(".line")

        def who(uid: str) -> str:
            return page.locator(f'.line[data-id="{uid}"] .who').inner_text()

        # the lines show the speakers' labels and names
        assert [who(u) for u in ("u0000", "u0001", "u0002", "u0003", "u0005")] == [
            "Marcus",
            "You",
            "Speaker 2",
            "Marcus",
            "Speaker 2",
        ]
        speakers = page.locator("#speakers .speaker")
        assert speakers.count() == 2
        assert "Marcus" in speakers.nth(0).inner_text()
        assert "from the conversation" in speakers.nth(0).inner_text()
        assert speakers.nth(1).locator(".speaker-label").inner_text() == "Speaker 2"

        # an empty name is refused where the user typed it, and nothing is recorded
        before = (folder.path / "events.jsonl").read_text()
        page.click('#speakers [data-speaker="s2"] button:text-is("Rename")')
        page.fill(".speaker-input", "   ")
        page.press(".speaker-input", "Enter")
        page.wait_for_selector(".speaker-error:not([hidden])")
        assert "the new name is empty" in page.locator(".speaker-error").inner_text()
        shot(page, "meeting-speaker-empty-name")
        assert (folder.path / "events.jsonl").read_text() == before

        # "Speaker 2" becomes Priya Raman: the block and every one of her lines follow
        page.fill(".speaker-input", "  Priya   Raman ")
        page.press(".speaker-input", "Enter")
        renamed = '#speakers [data-speaker="s2"] .speaker-label:text-is("Priya Raman")'
        page.wait_for_selector(renamed)
        assert who("u0002") == "Priya Raman" and who("u0005") == "Priya Raman"
        assert who("u0000") == "Marcus" and who("u0001") == "You"
        shot(page, "meeting-speakers-renamed")

        # after a reload too: the name is in the meeting folder, not only in the page
        page.reload()
        page.wait_for_selector(".line")
        assert who("u0002") == "Priya Raman"
        assert errors == []
        browser.close()

    events = [e for e in folder.load_events() if e["type"] == "speaker"]
    assert events[-1] == {**events[-1], "id": "s2", "name": "Priya Raman", "how": "user"}
    utts = export_json(root, folder.id, tmp_path / "data")["utterances"]
    assert [(u["id"], u.get("speaker"), u.get("speaker_name")) for u in utts] == [
        ("u0000", "s1", "Marcus"),
        ("u0001", "you", None),
        ("u0002", "s2", "Priya Raman"),
        ("u0003", "s1", "Marcus"),
        ("u0004", "you", None),
        ("u0005", "s2", "Priya Raman"),
    ]
    assert "**Priya Raman:** And" not in folder.notes_path.read_text()  # a line of s1
    assert "Priya Raman" in folder.notes_path.read_text()  # notes.md's transcript follows


@needs_browser
@pytest.mark.slow
def test_the_library_lists_each_meetings_speakers(
    served: tuple[WebServer, MeetingFolder, Path], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    server, folder, root = served
    plain = make_meeting(root, tmp_path / "index.sqlite3", "Untold", LINES[:2], audio=False)
    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(server.link("/"))
        page.wait_for_selector(".meeting-row")
        cells = {
            row.locator("a.title").inner_text(): row.locator(".speakers-heard").inner_text()
            for row in page.locator(".meeting-row").all()
        }
        # told apart: the names (or "Speaker N"); not told apart yet: the sources
        assert cells == {"Launch plan": "Marcus, Speaker 2 + You", "Untold": "Them + You"}
        shot(page, "library-speakers")
        page.goto(server.link(f"/meetings/{folder.id}"))
        page.wait_for_selector(".line")
        assert "Marcus, Speaker 2 + You" in page.locator(".meeting-head + p").inner_text()
        browser.close()
    plain.folder.close()


# ----- the request: bad input and who may send it ----------------------------------------


def send(
    server: WebServer, path: str, body: object, headers: dict[str, str], method: str = "POST"
) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    data = json.dumps(body).encode()
    conn.request(
        method,
        path,
        body=data,
        headers={"Host": f"127.0.0.1:{server.port}", "Content-Type": "application/json", **headers},
    )
    r = conn.getresponse()
    text = r.read().decode("utf-8", "replace")
    conn.close()
    return r.status, text


def login(server: WebServer) -> str:
    assert server.access is not None
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", f"/?token={server.access.link_token}")
    r = conn.getresponse()
    r.read()
    conn.close()
    assert r.status == 303
    return str(r.getheader("set-cookie")).split(";")[0]


def test_the_rename_request_refuses_bad_input_and_foreign_pages(
    served: tuple[WebServer, MeetingFolder, Path],
) -> None:
    server, folder, _ = served
    assert server.access is not None
    events = folder.path / "events.jsonl"
    before = events.read_text()
    cookie = login(server)
    origin = f"http://127.0.0.1:{server.port}"
    ok = {"Cookie": cookie, CSRF_HEADER: server.access.csrf, "Origin": origin}
    url = f"/api/meetings/{folder.id}/speakers"
    rename = {"speaker": "Speaker 2", "name": "Priya"}

    # who may ask: the page's token and our Origin, by POST
    for headers in (
        {CSRF_HEADER: server.access.csrf, "Origin": origin},  # no cookie
        {"Cookie": cookie, "Origin": origin},  # no page token
        {"Cookie": cookie, CSRF_HEADER: server.access.csrf},  # no Origin
        {**ok, "Origin": "http://evil.example"},
        {**ok, CSRF_HEADER: "guess"},
    ):
        status, body = send(server, url, rename, headers)
        assert status in (401, 403), headers
        assert "Speaker" not in body
    assert send(server, url, rename, {"Cookie": cookie}, method="GET")[0] == 405

    # what is asked
    status, body = send(server, "/api/meetings/2020-01-01-0000-zzzz/speakers", rename, ok)
    assert status == 404
    for bad, says in (
        ({"speaker": "Speaker 7", "name": "Priya"}, "no speaker 'Speaker 7'"),
        ({"speaker": "you", "name": "Priya"}, "no speaker 'you'"),  # the mic is always "You"
        ({"speaker": "Speaker 2", "name": "  "}, "the new name is empty"),
        ({"speaker": "Speaker 2"}, '"name"'),
        ([1, 2], '"name"'),
    ):
        status, body = send(server, url, bad, ok)
        assert status == 400, bad
        assert says in json.loads(body)["error"], body
    assert events.read_text() == before  # nothing was recorded

    # and the right request, by label, id or current name
    for speaker, name in (("Speaker 2", "Priya"), ("s1", "Marcus Lee"), ("priya", "Priya R.")):
        status, body = send(server, url, {"speaker": speaker, "name": name}, ok)
        assert status == 200, body
    labels = {r["id"]: r["label"] for r in json.loads(body)["speakers"]}
    assert labels == {"you": "You", "s1": "Marcus Lee", "s2": "Priya R."}
    meeting = json.loads(send(server, f"/api/meetings/{folder.id}", None, ok, method="GET")[1])
    assert [(s["id"], s["label"], s["how"]) for s in meeting["speakers"]] == [
        ("s1", "Marcus Lee", "user"),
        ("s2", "Priya R.", "user"),
    ]
    assert {u["id"]: u.get("speaker") for u in meeting["utterances"]}["u0005"] == "Priya R."
