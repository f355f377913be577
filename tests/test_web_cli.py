"""``loopnote ui`` from the command line: the link, the browser, a taken port, ``--host``."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from loopnote.cli.main import main
from loopnote.store import MeetingFolder
from recording import cli_env


def start_ui(data: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "loopnote", "ui", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**cli_env(data), **(env or {})},
    )


def read_until(proc: subprocess.Popen[str], marker: str, timeout: float = 60.0) -> list[str]:
    assert proc.stderr is not None
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        lines.append(line)
        if marker in line:
            return lines
    raise AssertionError(f"no {marker!r} in {lines}")


def stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGINT)
    return proc.wait(timeout=30)


def test_prints_the_link_and_serves_until_ctrl_c(tmp_path: Path) -> None:
    proc = start_ui(tmp_path, "--no-browser")
    try:
        lines = read_until(proc, "loopnote is at ")
        link = lines[-1].split()[-1]
        assert link.startswith("http://127.0.0.1:") and "token=" in link
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with browser.open(link, timeout=10) as r:  # the cookie, then the redirect
            assert r.status == 200 and b"loopnote" in r.read()
    finally:
        code = stop(proc)
    assert code == 0


def test_a_browser_that_cannot_be_opened_leaves_the_link(tmp_path: Path) -> None:
    proc = start_ui(tmp_path, env={"BROWSER": str(tmp_path / "no-such-browser")})
    try:
        lines = read_until(proc, "could not open a browser")
        assert any("loopnote is at http://127.0.0.1:" in x for x in lines)
    finally:
        assert stop(proc) == 0


def test_a_port_in_use_is_one_line_and_status_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("LOOPNOTE_DATA_DIR", str(tmp_path))
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen(1)
    port = taken.getsockname()[1]
    try:
        assert main(["ui", "--no-browser", "--port", str(port)]) == 2
    finally:
        taken.close()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"port {port} is in use" in err
    assert main(["ui", "--no-browser", "--port", "70000"]) == 2
    assert "not a port" in capsys.readouterr().err


def test_another_host_is_served_with_a_warning(tmp_path: Path) -> None:
    proc = start_ui(tmp_path, "--no-browser", "--host", "127.0.0.2")
    try:
        lines = read_until(proc, "loopnote is at ")
        assert "warning: serving on 127.0.0.2" in "".join(lines)
        assert lines[-1].split()[-1].startswith("http://127.0.0.2:")
    finally:
        assert stop(proc) == 0


@pytest.mark.model
def test_ctrl_c_while_a_meeting_ended_from_the_page_finishes_is_a_clean_exit(
    tmp_path: Path,
) -> None:
    """The page's End, then Ctrl-C while the notes are still being written: the meeting was
    ended by the user, not cut short, so the run exits 0 and the folder is complete."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "loopnote", "demo", "--realtime", "--ui", "--no-browser"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(tmp_path),
    )
    try:
        link = read_until(proc, "loopnote is at ")[-1].split()[-1]
        origin = link.split("/live")[0]
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
        with browser.open(link, timeout=10) as r:
            csrf = re.search(r'name="loopnote-csrf" content="([^"]+)"', r.read().decode())
        assert csrf is not None
        end = urllib.request.Request(
            origin + "/api/live/end",
            data=b"{}",
            method="POST",
            headers={"origin": origin, "x-loopnote-csrf": csrf[1]},
        )
        deadline = time.monotonic() + 60
        while True:  # the meeting takes a moment to start
            try:
                with browser.open(end, timeout=10) as r:
                    assert json.loads(r.read())["ok"]
                break
            except urllib.error.HTTPError as e:
                assert e.code == 409 and time.monotonic() < deadline, e
                time.sleep(0.2)
    finally:
        code = stop(proc)
    assert proc.stderr is not None
    err = proc.stderr.read()
    assert code == 0, err
    assert "interrupted" not in err
    (path,) = (tmp_path / "meetings").iterdir()
    assert MeetingFolder.open(path).meta.status == "complete"
