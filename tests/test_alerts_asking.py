"""A notification that asks, against a real notification server on a private D-Bus bus
(tests/dbus_notify_server.py, which presses the button as a person would): the press comes
back over the bus as ActionInvoked and reaches the caller's callback."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from loopnote.alerts.asking import AskingNotifier
from test_alerts_notify import _received, _start_server, session_bus  # noqa: F401

pytestmark = pytest.mark.skipif(
    shutil.which("dbus-daemon") is None, reason="dbus-daemon is not installed (Debian: dbus-daemon)"
)


@pytest.fixture
def notifier() -> Iterator[AskingNotifier]:
    n = AskingNotifier(timeout=5.0)
    yield n
    n.close()


def test_pressing_the_button_reaches_the_caller(
    session_bus: str,  # noqa: F811
    tmp_path: Path,
    notifier: AskingNotifier,
) -> None:
    log = tmp_path / "n.jsonl"
    server = _start_server(session_bus, log, "--press", "Take notes")
    pressed = threading.Event()
    try:
        result = notifier.ask("Meeting in Zoom — take notes?", "body", "Take notes", pressed.set)
        assert result.ok and result.can_answer, result.reason
        assert pressed.wait(5.0), "the press did not come back"
    finally:
        server.terminate()
        server.wait(timeout=10)
    sent = _received(log)
    assert sent[0]["summary"] == "Meeting in Zoom — take notes?"
    assert "Take notes" in sent[0]["actions"]


def test_a_server_without_actions_shows_the_question_but_cannot_answer(
    session_bus: str,  # noqa: F811
    tmp_path: Path,
    notifier: AskingNotifier,
) -> None:
    log = tmp_path / "n.jsonl"
    server = _start_server(session_bus, log)
    pressed = threading.Event()
    try:
        result = notifier.ask("Meeting in Zoom — take notes?", "body", "Take notes", pressed.set)
    finally:
        server.terminate()
        server.wait(timeout=10)
    assert result.ok and not result.can_answer
    assert not pressed.wait(0.5)
    assert _received(log)[0]["summary"] == "Meeting in Zoom — take notes?"


def test_no_bus_is_a_reason_not_an_error(
    monkeypatch: pytest.MonkeyPatch, notifier: AskingNotifier
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    result = notifier.ask("t", "b", "Take notes", lambda: None)
    assert not result.ok and "/nonexistent/bus" in result.reason
