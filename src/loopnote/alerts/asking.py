"""A desktop notification that asks: one button, and the press comes back to the caller.

``AskingNotifier.ask(title, body, button, on_pressed)`` shows the notification with a button
(Linux: org.freedesktop.Notifications with an action, the press arrives as the
``ActionInvoked`` signal; Windows: a toast with a button; macOS: a notification with an
action, both through ``desktop-notifier``; those two are unverified here). Presses arrive on
the notifier's own thread, which keeps its event loop and D-Bus connection running for as long
as the notifier is open: ``on_pressed`` must only hand the press on (e.g. put it in a queue).

A server without actions still shows the question; ``NotifyResult.ok`` is then True and
``AskResult.can_answer`` False, so the caller keeps its other way of answering.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from loopnote.alerts.notify import APP_NAME, capture_library_log, session_bus_problem, uses_dbus


@dataclass(frozen=True)
class AskResult:
    ok: bool
    reason: str = ""  # one line, empty when ok
    can_answer: bool = False  # the notification carries the button
    handle: str = ""  # for ``withdraw``


class AskingNotifier:
    """Notifications with one button, on a long-lived event loop of their own."""

    def __init__(self, app_name: str = APP_NAME, timeout: float = 3.0) -> None:
        self.app_name = app_name
        self.timeout = timeout
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lib: Any = None

    def ask(self, title: str, body: str, button: str, on_pressed: Callable[[], None]) -> AskResult:
        """Show the question; never raises (notifications are best effort)."""
        try:
            if uses_dbus():
                problem = session_bus_problem()
                if problem:
                    return AskResult(False, problem)
            with self._lock:
                loop = self._running_loop()
            fut = asyncio.run_coroutine_threadsafe(self._ask(title, body, button, on_pressed), loop)
            return fut.result(self.timeout)
        except (TimeoutError, concurrent.futures.TimeoutError):
            self._restart()
            return AskResult(False, f"the notification server did not answer in {self.timeout:g} s")
        except Exception as e:  # never into the watcher
            self._restart()
            return AskResult(False, f"notification failed: {type(e).__name__}: {e}")

    def withdraw(self, handle: str) -> None:
        """Take a question back (its meeting ended); best effort."""
        with self._lock:
            loop, lib = self._loop, self._lib
        if loop is None or lib is None or not handle:
            return
        fut = asyncio.run_coroutine_threadsafe(lib.clear(handle), loop)
        try:
            fut.result(self.timeout)
        except Exception as e:  # a server that forgot it already is fine
            logging.getLogger(__name__).debug("withdrawing a notification: %s", e)

    def close(self) -> None:
        with self._lock:
            loop, thread, lib = self._loop, self._thread, self._lib
            self._loop, self._thread, self._lib = None, None, None
        bus = getattr(getattr(lib, "_backend", None), "bus", None)
        if loop is not None:
            if bus is not None:
                loop.call_soon_threadsafe(bus.disconnect)
            loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(self.timeout)

    def _restart(self) -> None:
        """Drop the loop and its connection: the next question starts afresh."""
        self.close()

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            loop = asyncio.new_event_loop()
            thread = threading.Thread(target=_serve, args=(loop,), name="notify", daemon=True)
            thread.start()
            self._loop, self._thread = loop, thread
        return self._loop

    async def _ask(
        self, title: str, body: str, button: str, on_pressed: Callable[[], None]
    ) -> AskResult:
        from desktop_notifier import Button, Capability, Notification
        from desktop_notifier import DesktopNotifier as _Lib

        if self._lib is None:
            self._lib = _Lib(app_name=self.app_name, app_icon=None)
        dispatched: list[bool] = []
        with capture_library_log() as reasons:
            can_answer = Capability.BUTTONS in await self._lib.get_capabilities()
            note = Notification(
                title,
                body,
                buttons=(Button(button, on_pressed=on_pressed),),
                on_dispatched=lambda: dispatched.append(True),
            )
            handle = await self._lib.send_notification(note)
        if not dispatched:
            return AskResult(False, f"notification failed: {reasons[-1] if reasons else '?'}")
        return AskResult(True, can_answer=can_answer, handle=str(handle))


def _serve(loop: asyncio.AbstractEventLoop) -> None:
    asyncio.set_event_loop(loop)
    try:
        loop.run_forever()
    finally:
        bus_tasks = asyncio.all_tasks(loop)
        for t in bus_tasks:
            t.cancel()
        loop.run_until_complete(asyncio.gather(*bus_tasks, return_exceptions=True))
        loop.close()
