"""What ``loopnote watch`` does with a meeting it noticed: record it the way ``loopnote
record --app PID`` does, on a thread of its own, and say so in the watcher's own lines.

``WatchOutput``       the watcher's lines: JSON objects (``--format jsonl``) or sentences
``MeetingRecording``  one meeting recorded: ``start()``, ``stop()`` (the meeting ended),
                      ``join()``, ``alive()``
``who(meeting)``      "Zoom (pid 4242)": how a line names the app
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from loopnote.capture.base import CaptureRequest
from loopnote.capture.meetings import Meeting
from loopnote.cli.output import JsonlPrinter
from loopnote.cli.plain import PlainPrinter
from loopnote.cli.record_cmd import consent_reminder
from loopnote.config import Settings
from loopnote.errors import LoopnoteError
from loopnote.events import Event
from loopnote.live import open_live_meeting
from loopnote.session import Session


class WatchOutput:
    """The watcher's own lines: JSON objects (``--format jsonl``) or sentences."""

    def __init__(self, jsonl: bool) -> None:
        self.jsonl = JsonlPrinter(sys.stdout) if jsonl else None
        self.plain = None if jsonl else PlainPrinter(sys.stdout)

    def session_handler(self) -> Callable[[Event], None]:
        if self.jsonl is not None:
            return self.jsonl.handle
        assert self.plain is not None
        return self.plain.handle

    def emit(self, obj: dict[str, Any], line: str) -> None:
        if self.jsonl is not None:
            self.jsonl.write({**obj, "wall": round(time.time(), 3)})
        else:
            sys.stdout.write(line + "\n")
            sys.stdout.flush()

    def warn(self, code: str, message: str) -> None:
        self.emit(
            {"type": "warning", "code": code, "message": message, "source": "watch"},
            f"! {message}",
        )


def who(m: Meeting) -> str:
    return f"{m.app} (pid {m.pid})" if m.pid is not None else m.app


class MeetingRecording:
    """One meeting recorded like ``loopnote record --app PID``: built and run on its own
    thread (loading the model must not hold up the watcher), stopped when the meeting ends."""

    def __init__(
        self, meeting: Meeting, args: argparse.Namespace, settings: Settings, out: WatchOutput
    ) -> None:
        self.meeting = meeting
        self._args = args
        self._settings = settings
        self._out = out
        self._lock = threading.Lock()
        self._session: Session | None = None
        self._ended = False
        self._thread = threading.Thread(target=self._run, name="meeting", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        with self._lock:
            self._ended = True
            session = self._session
        if session is not None:
            session.stop()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def alive(self) -> bool:
        return self._thread.is_alive()

    def _run(self) -> None:
        m, args, settings = self.meeting, self._args, self._settings
        try:
            capture = CaptureRequest(app=str(m.pid) if m.pid is not None else m.app, mic=args.mic)
            title = args.title or f"Meeting in {m.app}"
            session = open_live_meeting(settings, capture, title, consent_reminder).build()
            with self._lock:
                self._session = session
                ended = self._ended
            if ended:  # the meeting ended while the model loaded
                session.stop()
            folder = session.run(self._out.session_handler())
            if self._out.jsonl is None:
                sys.stderr.write(f"meeting saved in {folder}\n")
        except LoopnoteError as e:
            self._out.warn("record-failed", f"could not record the meeting in {who(m)}: {e}")
