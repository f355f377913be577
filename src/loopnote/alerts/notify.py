"""Telling the user: a desktop notification and a terminal bell. Never raises into a session.

``NotifyResult``        whether a notification went out, and why not when it did not
``DesktopNotifier``     sends notifications through ``desktop-notifier`` (freedesktop
                        notifications over D-Bus on Linux, toasts on Windows, Notification
                        Center on macOS); safe to call from several threads (sends
                        are serialized on the instance's own event loop)
``session_bus_problem`` why no D-Bus session bus can be reached ("" when one may be)
``uses_dbus``           whether notifications go over D-Bus here
``capture_library_log`` the reasons ``desktop-notifier`` logs while inside (it does not raise)
``alert_message``       the title and body of the notification for an alert
``ring_bell``           write the terminal bell to a terminal (not to a pipe)

``desktop-notifier`` logs failures instead of raising them; ``DesktopNotifier.send`` turns
them into a ``NotifyResult`` with one line of reason, and bounds the wait with a timeout.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from loopnote.types import Alert, CatchUpCard

APP_NAME = "loopnote"


@dataclass(frozen=True)
class NotifyResult:
    ok: bool
    reason: str = ""  # one line, empty when ok


def uses_dbus() -> bool:
    """Whether notifications go over D-Bus here (Linux and the BSDs)."""
    from desktop_notifier.main import get_backend_class

    return bool(get_backend_class().__name__ == "DBusDesktopNotifier")


def session_bus_problem(env: dict[str, str] | None = None) -> str:
    """Why the D-Bus session bus cannot be reached, or "" when it may be."""
    env = dict(os.environ) if env is None else env
    address = env.get("DBUS_SESSION_BUS_ADDRESS", "")
    if address:
        for part in address.split(";"):
            if part.startswith("unix:path="):
                path = part.split("=", 1)[1].split(",", 1)[0]
                if not Path(path).exists():
                    return f"no D-Bus session bus: {path} does not exist"
        return ""
    runtime = env.get("XDG_RUNTIME_DIR", "")
    if runtime and (Path(runtime) / "bus").exists():
        return ""
    return "no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)"


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.reasons: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        exc = record.exc_info[1] if record.exc_info else None
        text = _reason(exc) if exc else record.getMessage()
        self.reasons.append(" ".join(text.split()))


# HRESULTs that Windows' toast API answers with, in words (the exception carries only a code)
_WINDOWS_ERRORS = {
    0x80040154: "Windows offers no toast notifications here (class not registered)",
}


@contextlib.contextmanager
def capture_library_log() -> Iterator[list[str]]:
    """The one-line reasons ``desktop-notifier`` logs (instead of raising) while inside."""
    capture = _Capture()
    lib_log = logging.getLogger("desktop_notifier")
    lib_log.addHandler(capture)
    propagate, lib_log.propagate = lib_log.propagate, False
    try:
        yield capture.reasons
    finally:
        lib_log.removeHandler(capture)
        lib_log.propagate = propagate


def _reason(exc: BaseException) -> str:
    """One line for a failure: a Windows error by its HRESULT (and meaning where known)."""
    code = getattr(exc, "winerror", None)
    if isinstance(code, int):
        code &= 0xFFFFFFFF
        known = _WINDOWS_ERRORS.get(code)
        return f"{known} [0x{code:08X}]" if known else f"Windows error 0x{code:08X}: {exc}"
    return f"{type(exc).__name__}: {exc}"


class DesktopNotifier:
    """Desktop notifications that report failure instead of raising it."""

    def __init__(self, app_name: str = APP_NAME, timeout: float = 3.0) -> None:
        self.app_name = app_name
        self.timeout = timeout
        self._loop: asyncio.AbstractEventLoop | None = None
        self._notifier: Any = None
        self._lock = threading.Lock()

    def send(self, title: str, body: str) -> NotifyResult:
        try:
            with self._lock:
                return self._send(title, body)
        except Exception as e:  # never into the session: notifications are best effort
            return NotifyResult(False, f"notification failed: {type(e).__name__}: {e}")

    def _send(self, title: str, body: str) -> NotifyResult:
        if uses_dbus():
            problem = session_bus_problem()
            if problem:
                return NotifyResult(False, problem)
        from desktop_notifier import DesktopNotifier as _Lib
        from desktop_notifier import Notification

        if self._loop is None:
            self._loop = asyncio.new_event_loop()
            self._notifier = _Lib(app_name=self.app_name, app_icon=None)
        dispatched: list[bool] = []
        note = Notification(title, body, on_dispatched=lambda: dispatched.append(True))
        with capture_library_log() as reasons:
            try:
                coro = asyncio.wait_for(self._notifier.send_notification(note), self.timeout)
                self._loop.run_until_complete(coro)
            except TimeoutError:
                self._reset()
                return NotifyResult(
                    False, f"the notification server did not answer in {self.timeout:g} s"
                )
        if dispatched:
            return NotifyResult(True)
        self._reset()
        reason = reasons[-1] if reasons else "not delivered"
        return NotifyResult(False, f"notification failed: {reason}")

    def _reset(self) -> None:
        """Drop the connection so the next send starts afresh (the server may come back)."""
        self._drop()

    def close(self) -> None:
        with self._lock:
            self._drop()

    def _drop(self) -> None:
        loop, notifier = self._loop, self._notifier
        self._loop, self._notifier = None, None
        bus = getattr(getattr(notifier, "_backend", None), "bus", None)
        if bus is not None:
            with contextlib.suppress(Exception):  # the connection may already be gone
                bus.disconnect()
        if loop is not None and not loop.is_closed():
            try:
                loop.run_until_complete(loop.shutdown_asyncgens())
            finally:
                loop.close()


def alert_message(alert: Alert, card: CatchUpCard | None = None) -> tuple[str, str]:
    """Title and body of the notification: who said the name, and the question put."""
    card = card or alert.card
    title = f"Someone said your name ({alert.heard})"
    body = card.addressed if card and card.addressed else alert.heard
    return title, body


def ring_bell(stream: TextIO | None = None) -> bool:
    """Ring the terminal bell when ``stream`` (default stderr) is a terminal."""
    out = sys.stderr if stream is None else stream
    try:
        if not out.isatty():
            return False
        out.write("\a")
        out.flush()
        return True
    except (OSError, ValueError):
        return False
