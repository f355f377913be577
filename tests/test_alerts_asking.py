"""A notification that asks, against a real notification server on a private D-Bus bus
(tests/dbus_notify_server.py, which presses the button as a person would): the press comes
back over the bus as ActionInvoked and reaches the caller's callback."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from loopnote.alerts.asking import AskingNotifier, AskResult
from test_alerts_notify import _received, _start_server, session_bus  # noqa: F401

pytestmark = pytest.mark.skipif(
    shutil.which("dbus-daemon") is None, reason="dbus-daemon is not installed (Debian: dbus-daemon)"
)


@pytest.fixture
def notifier() -> Iterator[AskingNotifier]:
    n = AskingNotifier(timeout=5.0)
    yield n
    n.close()


def _ask(
    notifier: AskingNotifier, address: str, log: Path, *server_flags: str
) -> tuple[AskResult, threading.Event]:
    """Ask once with a real server on the bus; the event is set when the press comes back
    (waited for up to 5 s while the server still runs)."""
    server = _start_server(address, log, *server_flags)
    pressed = threading.Event()
    try:
        result = notifier.ask("Meeting in Zoom — take notes?", "body", "Take notes", pressed.set)
        pressed.wait(5.0 if result.can_answer else 0.5)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return result, pressed


def test_pressing_the_button_reaches_the_caller(
    session_bus: str,  # noqa: F811
    tmp_path: Path,
    notifier: AskingNotifier,
) -> None:
    log = tmp_path / "n.jsonl"
    result, pressed = _ask(notifier, session_bus, log, "--press", "Take notes")
    assert result.ok and result.can_answer, result.reason
    assert pressed.is_set(), "the press did not come back"
    sent = _received(log)
    assert sent[0]["summary"] == "Meeting in Zoom — take notes?"
    assert "Take notes" in sent[0]["actions"]


def test_a_server_without_actions_shows_the_question_but_cannot_answer(
    session_bus: str,  # noqa: F811
    tmp_path: Path,
    notifier: AskingNotifier,
) -> None:
    log = tmp_path / "n.jsonl"
    result, pressed = _ask(notifier, session_bus, log)
    assert result.ok and not result.can_answer
    assert not pressed.is_set()
    assert _received(log)[0]["summary"] == "Meeting in Zoom — take notes?"


def test_no_bus_is_a_reason_not_an_error(
    monkeypatch: pytest.MonkeyPatch, notifier: AskingNotifier
) -> None:
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
    result = notifier.ask("t", "b", "Take notes", lambda: None)
    assert not result.ok and "/nonexistent/bus" in result.reason
