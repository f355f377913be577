"""Desktop notifications reach a real notification server on a real D-Bus session bus.

The test starts ``dbus-daemon --session`` on a private socket and a small real server of
org.freedesktop.Notifications (tests/dbus_notify_server.py, dbus-fast) on it; loopnote's
notifier talks to it through desktop-notifier exactly as on a desktop.
"""

from __future__ import annotations

import io
import json
import logging
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from loopnote.alerts.notify import (
    DesktopNotifier,
    NotifyResult,
    alert_message,
    ring_bell,
    session_bus_problem,
)
from loopnote.types import Alert, CatchUpCard

HERE = Path(__file__).parent
pytestmark = pytest.mark.skipif(
    shutil.which("dbus-daemon") is None, reason="dbus-daemon is not installed (Debian: dbus-daemon)"
)


def _wait_for(predicate: object, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def session_bus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    socket = tmp_path / "bus"
    address = f"unix:path={socket}"
    daemon = subprocess.Popen(
        ["dbus-daemon", "--session", "--nofork", "--nopidfile", f"--address={address}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert _wait_for(socket.exists), "dbus-daemon did not start"
        monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", address)
        yield address
    finally:
        daemon.terminate()
        daemon.wait(timeout=10)


def _received(log: Path) -> list[dict[str, object]]:
    if not log.exists():
        return []
    return [json.loads(line) for line in log.read_text().splitlines() if line.strip()]


def test_notification_arrives_with_summary_and_body(notification_server: Path) -> None:
    card = CatchUpCard("Priya, what do you think about the budget?", "Them: ...", "", "")
    alert = Alert("name", "Priya Raman", "Priya", "s00007", 40.5, 1.0, card)
    title, body = alert_message(alert)
    notifier = DesktopNotifier()
    try:
        assert notifier.send(title, body) == NotifyResult(True)
        assert notifier.send("second", "another body").ok
    finally:
        notifier.close()
    got = _received(notification_server)
    assert [(g["app_name"], g["summary"], g["body"]) for g in got] == [
        (
            "loopnote",
            "Someone said your name (Priya)",
            "Priya, what do you think about the budget?",
        ),
        ("loopnote", "second", "another body"),
    ]


def test_bus_without_a_notification_server_fails_with_a_reason(session_bus: str) -> None:
    notifier = DesktopNotifier(timeout=5.0)
    try:
        result = notifier.send("title", "body")
    finally:
        notifier.close()
    assert not result.ok
    assert result.reason.startswith("notification failed: ")
    assert "\n" not in result.reason


def _start_server(address: str, log: Path, *flags: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DBUS_SESSION_BUS_ADDRESS": address}
    server = subprocess.Popen(
        [sys.executable, str(HERE / "dbus_notify_server.py"), str(log), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert server.stdout is not None
    assert server.stdout.readline().strip() == "ready"
    return server


@pytest.fixture
def notification_server(session_bus: str, tmp_path: Path) -> Iterator[Path]:
    log = tmp_path / "notifications.jsonl"
    server = _start_server(session_bus, log)
    try:
        yield log
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_a_server_that_starts_later_is_used(session_bus: str, tmp_path: Path) -> None:
    notifier = DesktopNotifier(timeout=5.0)
    log = tmp_path / "later.jsonl"
    try:
        assert not notifier.send("early", "nobody listens").ok
        server = _start_server(session_bus, log)
        try:
            assert notifier.send("late", "now someone does").ok
        finally:
            server.terminate()
            server.wait(timeout=10)
    finally:
        notifier.close()
    assert [(g["summary"], g["body"]) for g in _received(log)] == [("late", "now someone does")]


def test_no_session_bus_gives_a_clear_reason(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    result = DesktopNotifier().send("title", "body")
    assert result == NotifyResult(
        False, "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"
    )
    gone = f"unix:path={tmp_path / 'nothing-here'}"
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", gone)
    result = DesktopNotifier().send("title", "body")
    assert not result.ok and "does not exist" in result.reason


def test_session_bus_problem_reads_the_environment(tmp_path: Path) -> None:
    (tmp_path / "bus").touch()
    assert session_bus_problem({"XDG_RUNTIME_DIR": str(tmp_path)}) == ""
    assert session_bus_problem({"DBUS_SESSION_BUS_ADDRESS": "tcp:host=localhost,port=1"}) == ""
    assert "not set" in session_bus_problem({})


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_bell_rings_only_on_a_terminal() -> None:
    tty, pipe = _Tty(), io.StringIO()
    assert ring_bell(tty) is True and tty.getvalue() == "\a"
    assert ring_bell(pipe) is False and pipe.getvalue() == ""
    closed = _Tty()
    closed.close()
    assert ring_bell(closed) is False


def test_sends_from_several_threads_all_arrive(notification_server: Path) -> None:
    import threading

    notifier = DesktopNotifier(timeout=5.0)
    results: list[NotifyResult] = []
    threads = [
        threading.Thread(target=lambda k=k: results.append(notifier.send(f"t{k}", f"b{k}")))
        for k in range(4)
    ]
    try:
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=20)
    finally:
        notifier.close()
    assert results == [NotifyResult(True)] * 4
    assert sorted(g["summary"] for g in _received(notification_server)) == ["t0", "t1", "t2", "t3"]


def test_a_windows_error_is_named_by_its_hresult() -> None:
    """WinRT failures carry only an HRESULT (under Wine: no toast class is registered)."""
    from loopnote.alerts.notify import _Capture

    capture = _Capture()
    log = logging.getLogger("loopnote-test-notify")
    log.addHandler(capture)
    log.propagate = False
    for code in (-2147221164, 0x80070005):
        exc = OSError(f"[WinError {code}] ")
        exc.winerror = code  # type: ignore[attr-defined]  (set by Python on Windows)
        try:
            raise exc
        except OSError:
            log.exception("send failed")
    log.removeHandler(capture)
    assert capture.reasons[0] == (
        "Windows offers no toast notifications here (class not registered) [0x80040154]"
    )
    assert capture.reasons[1].startswith("Windows error 0x80070005")
