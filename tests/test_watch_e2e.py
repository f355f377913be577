"""`loopnote watch` end to end: the question by a real desktop notification (a real
notification server on a private D-Bus bus), and `--auto` recording a meeting with the real
model through the real sound server until the call app's streams close. Plus the login item
that --install writes, for each OS.
"""

from __future__ import annotations

import contextlib
import json
import os
import plistlib
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loopnote.cli.watch_install import startup_file, startup_text
from recording import cli_env
from soundserver import SoundServer
from test_alerts_notify import (  # noqa: F401
    _received,
    _start_server,
    notification_server,
    session_bus,
)
from test_watch_pulse import GRACE, Watcher, end, start_app


def test_install_writes_a_systemd_user_unit_and_uninstall_removes_it(tmp_path: Path) -> None:
    env = {**cli_env(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    r = subprocess.run(
        [sys.executable, "-m", "loopnote", "watch", "--install", "--auto"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    unit = tmp_path / "config" / "systemd" / "user" / "loopnote-watch.service"
    assert r.returncode == 0, r.stderr
    assert str(unit) in r.stderr and "systemctl --user enable --now" in r.stderr
    text = unit.read_text()
    exec_line = next(x for x in text.splitlines() if x.startswith("ExecStart="))
    assert exec_line.endswith("-m loopnote watch --plain --auto")
    assert "WantedBy=default.target" in text
    r = subprocess.run(
        [sys.executable, "-m", "loopnote", "watch", "--uninstall"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 0 and not unit.exists()


def test_the_macos_and_windows_login_items() -> None:
    plist = plistlib.loads(startup_text(False, "macos").encode())
    assert plist["Label"] == "dev.loopnote.watch" and plist["RunAtLoad"] is True
    assert plist["ProgramArguments"][1:] == ["-m", "loopnote", "watch", "--plain"]
    assert startup_file("macos").parts[-2:] == ("LaunchAgents", "dev.loopnote.watch.plist")
    cmd = startup_text(True, "windows")
    assert cmd.startswith("@echo off\r\n") and '"watch" "--plain" "--auto"' in cmd
    assert startup_file("windows").parts[-2:] == ("Startup", "loopnote-watch.cmd")


@pytest.mark.soundlab
@pytest.mark.skipif(shutil.which("dbus-daemon") is None, reason="dbus-daemon is not installed")
def test_ask_mode_asks_by_notification_with_the_consent_reminder(
    lab: SoundServer,
    notification_server: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "loopnote", "watch", "--format", "jsonl", "--grace", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={
            **cli_env(tmp_path),
            "DBUS_SESSION_BUS_ADDRESS": os.environ["DBUS_SESSION_BUS_ADDRESS"],
        },
    )
    assert proc.stdout is not None
    assert json.loads(proc.stdout.readline())["type"] == "watching"
    app = start_app("LabCall", "--play", "--record")
    try:
        deadline = time.monotonic() + 10
        got: list[dict[str, object]] = []
        while not got and time.monotonic() < deadline:
            got = _received(notification_server)
            time.sleep(0.1)
    finally:
        end(app)
        time.sleep(1.0 + 2.0)  # the grace period, and time to say the meeting ended
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert got, "no notification arrived"
    assert got[0]["summary"] == "Meeting in LabCall — take notes?"
    body = str(got[0]["body"])
    assert f"loopnote record --app {app.pid}" in body
    assert "tell everyone in this meeting that you are recording" in body and "Heads-up" in body
    kinds = [json.loads(x)["type"] for x in out.splitlines()]
    assert kinds == ["meeting_detected", "meeting_ended"]


def _one_recorded_call(w: Watcher, recording: bool, then: str = "") -> dict[str, Any]:
    """A call that the watcher detects (recording it at once or not), then ``then`` (an
    event naming the call), its meeting recorded until the call ends and the watcher stops
    cleanly; returns the meeting's ``end`` event."""
    app = start_app("LabCall", "--play", "--record")
    try:
        detected = w.wait_for("meeting_detected", 3.0, pid=app.pid)
        assert detected["recording"] is recording
        if then:
            w.wait_for(then, 10.0, pid=app.pid)
        session = w.wait_for("session", 120)
        assert session["sources"] == ["system", "mic"]
        time.sleep(3.0)
    finally:
        end(app)
    w.wait_for("meeting_ended", GRACE + 3.0, pid=app.pid)
    ended = w.wait_for("end", 120)
    code, err = w.stop()
    assert code == 0, err
    assert "Traceback" not in err
    return ended


@contextlib.contextmanager
def _asking_watcher(data: Path, bus: str, log: Path, press: str) -> Iterator[Watcher]:
    """A watcher in ask mode, its questions going to a real server on ``bus`` that presses
    the button titled ``press`` (and logs to ``log``); both stopped at the end."""
    server = _start_server(bus, log, "--press", press)
    w = Watcher(data, notify_bus=bus)
    try:
        w.wait_for("watching", 30, mode="ask")
        yield w
    finally:
        if w.proc.poll() is None:
            w.stop()
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.soundlab
@pytest.mark.model
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("dbus-daemon") is None, reason="dbus-daemon is not installed")
def test_pressing_take_notes_records_the_meeting_until_the_call_ends(
    lab: SoundServer,
    session_bus: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    log = tmp_path / "notifications.jsonl"
    with _asking_watcher(tmp_path, session_bus, log, "Take notes") as w:
        ended = _one_recorded_call(w, recording=False, then="take_notes")
    assert _received(log)[0]["summary"] == "Meeting in LabCall — take notes?"
    notes = (Path(ended["folder"]) / "notes.md").read_text()
    assert "Meeting in LabCall" in notes
    assert "participants were told" in notes  # the consent reminder was saved


@pytest.mark.soundlab
@pytest.mark.model
@pytest.mark.slow
def test_auto_records_the_meeting_until_the_call_ends(lab: SoundServer, tmp_path: Path) -> None:
    w = Watcher(tmp_path, "--auto", "--title", "lab call")
    try:
        w.wait_for("watching", 30, mode="auto")
        ended = _one_recorded_call(w, recording=True)
    finally:
        if w.proc.poll() is None:
            w.stop()
    folder = Path(ended["folder"])
    notes = (folder / "notes.md").read_text()
    assert "lab call" in notes
    assert "participants were told" in notes and "Heads-up" in notes  # the reminder was saved


@pytest.mark.soundlab
@pytest.mark.model
@pytest.mark.slow
def test_auto_reports_a_second_meeting_and_does_not_merge_it(
    lab: SoundServer, tmp_path: Path
) -> None:
    w = Watcher(tmp_path, "--auto")
    try:
        w.wait_for("watching", 30, mode="auto")
        first_app = start_app("LabCallA", "--play", "--record")
        try:
            first = w.wait_for("meeting_detected", 3.0, pid=first_app.pid)
            assert first["recording"] is True
            second_app = start_app("LabCallB", "--play", "--record", "--tone", "660")
            try:
                second = w.wait_for("meeting_detected", 3.0, pid=second_app.pid)
                warning = w.wait_for("warning", 3.0, code="meeting-not-recorded")
            finally:
                end(second_app)
            w.wait_for("meeting_ended", GRACE + 3.0, pid=second_app.pid)
            time.sleep(1.0)
        finally:
            end(first_app)
        w.wait_for("meeting_ended", GRACE + 3.0, pid=first_app.pid)
        w.wait_for("end", 120)
        code, err = w.stop()
        assert code == 0, err
    finally:
        if w.proc.poll() is None:
            w.stop()
    assert second["recording"] is False
    assert second["concurrent_with"] == [f"LabCallA (pid {first_app.pid})"]
    assert "LabCallB" in warning["message"] and "LabCallA" in warning["message"]
    sessions = [e for e in w.seen if e["type"] == "session"]
    assert len(sessions) == 1  # one recording: the second call was not merged into it
    assert sessions[0]["sources"] == ["system", "mic"]


@pytest.mark.soundlab
@pytest.mark.skipif(shutil.which("dbus-daemon") is None, reason="dbus-daemon is not installed")
def test_a_question_left_unanswered_is_taken_back_when_the_meeting_ends(
    lab: SoundServer,
    session_bus: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    log = tmp_path / "notifications.jsonl"
    with _asking_watcher(tmp_path, session_bus, log, "no such button") as w:  # has actions
        app = start_app("LabCall", "--play", "--record")
        try:
            w.wait_for("meeting_detected", 3.0, pid=app.pid)
            time.sleep(1.0)  # the question is on screen
        finally:
            end(app)
        w.wait_for("meeting_ended", GRACE + 3.0, pid=app.pid)
        time.sleep(1.0)
        code, err = w.stop()
        assert code == 0, err
    sent = _received(log)
    assert sent[0]["summary"] == "Meeting in LabCall — take notes?"
    assert {"closed": sent[0]["id"]} in sent  # too late to answer: taken back
    assert not [e for e in w.seen if e["type"] == "take_notes"]
