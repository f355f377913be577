"""``loopnote watch``: notice meetings and offer to take notes, or take them right away.

The capture backend's activity watcher reports who plays and who records the microphone on
each change; ``MeetingDetector`` (capture/meetings.py) decides; this module acts: a desktop
notification "Meeting in APP — take notes?" with a "Take notes" button (``ask``; pressing it
records the meeting), or a recording of that app's audio plus the microphone right away
(``--auto``, config ``watch = "auto"``), built and run the way ``loopnote record`` does
(watch_recording.py), stopped when the detector says the meeting ended. Without a
notification service the question goes to the terminal, with the command that takes the
notes. The loop sleeps until the next report or the detector's next deadline: nothing runs
while nothing changes.
"""

from __future__ import annotations

import argparse
import os
import queue
import sys
import threading
import time
from dataclasses import dataclass, replace
from types import FrameType
from typing import Any

from loopnote.alerts.asking import AskingNotifier
from loopnote.capture import get_backend
from loopnote.capture.meetings import (
    ActivityReport,
    ActivitySnapshot,
    Decision,
    Meeting,
    MeetingDetector,
    MeetingStarted,
    ServerBack,
    ServerLost,
    WatchRules,
    unknown_allowed,
)
from loopnote.cli.options import add_meeting_options, settings_from
from loopnote.cli.run_meeting import stop_signals
from loopnote.cli.watch_recording import MeetingRecording, WatchOutput, who
from loopnote.config import Settings
from loopnote.errors import UnsupportedPlatform, UsageError
from loopnote.store import reminder_text


def register(sub: Any) -> None:
    p = sub.add_parser(
        "watch",
        help="notice meetings (an app using the mic and playing) and offer to take notes",
        description="Run in the background; when an app both records the microphone and "
        "plays audio for a while (Zoom, Teams, a browser in Meet...), ask by desktop "
        "notification whether to take notes, or with --auto record that app's audio and the "
        "microphone until its meeting ends. Ctrl-C stops watching.",
    )
    g = p.add_argument_group("watching")
    mode = g.add_mutually_exclusive_group()
    mode.add_argument("--auto", action="store_true", help="record meetings right away")
    mode.add_argument("--ask", action="store_true", help="only ask (the default)")
    g.add_argument(
        "--grace",
        type=float,
        metavar="SECONDS",
        help="a meeting ends this long after its app stopped using the microphone "
        "(config watch_grace; default 10)",
    )
    g.add_argument(
        "--allow",
        metavar="APP",
        action="append",
        help="only this app (repeatable; config watch_allow)",
    )
    g.add_argument(
        "--deny",
        metavar="APP",
        action="append",
        help="never this app (repeatable; config watch_deny)",
    )
    inst = g.add_mutually_exclusive_group()
    inst.add_argument(
        "--install", action="store_true", help="start `loopnote watch` at login (this user)"
    )
    inst.add_argument("--uninstall", action="store_true", help="undo --install")
    g.add_argument(
        "--mic", metavar="NAME", help="microphone to record (default: the default input)"
    )
    g.add_argument(
        "--keep-audio", metavar="no|forever|days:N", help="keep meetings' audio (default: forever)"
    )
    add_meeting_options(p)
    p.set_defaults(func=run_watch)


@dataclass(frozen=True)
class _Stop:
    pass


@dataclass(frozen=True)
class _TakeNotes:
    """The user pressed "Take notes" on the question about this meeting."""

    key: str


@dataclass(frozen=True)
class _Question:
    """The question about this meeting is on screen (``handle`` takes it back)."""

    key: str
    handle: str


_Item = ActivityReport | _Stop | _TakeNotes | _Question

TAKE_NOTES = "Take notes"


class Watch:
    """The loop: reports in, decisions out, recordings started and stopped."""

    def __init__(
        self,
        args: argparse.Namespace,
        settings: Settings,
        rules: WatchRules,
        auto: bool,
        out: WatchOutput,
    ) -> None:
        self.args = args
        self.settings = settings
        self.detector = MeetingDetector(rules)
        self.auto = auto
        self.out = out
        self.inbox: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self.recordings: dict[str, MeetingRecording] = {}
        self._notifier = AskingNotifier() if settings.notify and not auto else None
        self._questions: dict[str, str] = {}  # meeting key -> its notification's handle

    def run(self) -> None:
        backend = get_backend()
        start_watching = getattr(backend, "watch_activity", None)
        if start_watching is None:
            raise UnsupportedPlatform(
                f"meeting detection is not available with the {backend.name} capture backend"
            )
        watcher = start_watching(self.inbox.put)
        self.out.emit(
            {"type": "watching", "mode": "auto" if self.auto else "ask"},
            f"watching for meetings ({'recording them' if self.auto else 'asking'}); Ctrl-C stops",
        )

        def on_signal(signum: int, frame: FrameType | None) -> None:
            self.inbox.put(_Stop())  # SimpleQueue.put is safe in a signal handler

        try:
            with stop_signals(on_signal):
                self._loop()
        finally:
            watcher.stop()
            for rec in self.recordings.values():
                rec.stop()
            for rec in self.recordings.values():
                rec.join()
            if self._notifier is not None:
                self._notifier.close()

    def _loop(self) -> None:
        while True:
            deadline = self.detector.next_deadline()
            timeout = None if deadline is None else max(0.0, deadline - time.monotonic())
            try:
                item: _Item | None = self.inbox.get(timeout=timeout)
            except queue.Empty:
                item = None
            now = time.monotonic()
            if isinstance(item, _Stop):
                return
            if isinstance(item, _TakeNotes):
                self._take_notes(item.key)
                continue
            if isinstance(item, _Question):
                if any(m.key == item.key for m in self.detector.meetings):
                    self._questions[item.key] = item.handle
                else:  # its meeting ended while the question was on its way
                    self._withdraw(item.handle)
                continue
            if isinstance(item, ActivitySnapshot):
                decisions = self.detector.observe(item.apps, now)
            elif isinstance(item, ServerLost):
                self.out.warn("server-lost", f"{item.reason}; reconnecting")
                decisions = self.detector.observe((), now)
            elif isinstance(item, ServerBack):
                self.out.warn("server-restarted", "the sound server is back; watching again")
                decisions = []
            else:
                decisions = self.detector.advance(now)
            for d in decisions:
                self._act(d)

    def _act(self, d: Decision) -> None:
        m = d.meeting
        if isinstance(d, MeetingStarted):
            recording = self.auto and not self.recordings
            others = [who(x) for x in d.concurrent]
            obj: dict[str, Any] = {
                "type": "meeting_detected",
                "app": m.app,
                "binary": m.binary,
                "pid": m.pid,
                "recording": recording,
            }
            line = f"● meeting in {who(m)}"
            if others:
                obj["concurrent_with"] = others
                line += f" (while the meeting in {', '.join(others)} goes on)"
            self.out.emit(obj, line + (": taking notes" if recording else ""))
            if recording:
                self._record(m)
            elif self.auto:
                self.out.warn(
                    "meeting-not-recorded",
                    f"the meeting in {who(m)} is not recorded: already taking notes of "
                    f"{', '.join(others)}",
                )
            else:
                self._ask(m)
            return
        self.out.emit(
            {
                "type": "meeting_ended",
                "app": m.app,
                "binary": m.binary,
                "pid": m.pid,
                "duration": round(d.duration, 1),
            },
            f"● the meeting in {who(m)} ended",
        )
        ending = self.recordings.pop(m.key, None)
        if ending is not None:
            ending.stop()
            threading.Thread(target=ending.join, name="meeting-end", daemon=True).start()
        question = self._questions.pop(m.key, "")
        if question:  # too late to answer it
            self._withdraw(question)

    def _withdraw(self, handle: str) -> None:
        notifier = self._notifier
        if notifier is not None:  # D-Bus may be slow: never in the loop
            threading.Thread(
                target=notifier.withdraw, args=(handle,), name="notify", daemon=True
            ).start()

    def _record(self, m: Meeting) -> None:
        rec = self.recordings[m.key] = MeetingRecording(m, self.args, self.settings, self.out)
        rec.start()

    def _take_notes(self, key: str) -> None:
        """The user answered the question: record that meeting if it still goes on."""
        self._questions.pop(key, None)
        m = next((x for x in self.detector.meetings if x.key == key), None)
        if m is None or key in self.recordings:
            return  # it ended meanwhile, or it is recorded already
        self.out.emit(
            {"type": "take_notes", "app": m.app, "binary": m.binary, "pid": m.pid},
            f"● taking notes of the meeting in {who(m)}",
        )
        self._record(m)

    def _ask(self, m: Meeting) -> None:
        command = f"loopnote record --app {m.pid if m.pid is not None else m.app}"
        reminder = reminder_text(self.settings.disclosure, width=10_000)  # the server wraps
        if self.out.jsonl is None:
            sys.stderr.write(f"  take notes: {command}\n  {reminder}\n")
        notifier = self._notifier
        if notifier is None:
            return
        title = f"Meeting in {m.app} — take notes?"
        body = f"Take notes: {command}\n\n{reminder}"

        def pressed() -> None:  # on the notifier's thread: only hand it to the loop
            self.inbox.put(_TakeNotes(m.key))

        def send() -> None:  # D-Bus may be slow: never in the loop
            result = notifier.ask(title, body, TAKE_NOTES, pressed)
            if not result.ok:
                self.out.warn("notify-failed", result.reason)
            elif result.can_answer:
                self.inbox.put(_Question(m.key, result.handle))

        threading.Thread(target=send, name="notify", daemon=True).start()


def run_watch(args: argparse.Namespace) -> int:
    if args.install or args.uninstall:
        from loopnote.cli.watch_install import install, uninstall

        return install(args) if args.install else uninstall()
    settings = settings_from(args)
    overrides: dict[str, Any] = {}
    if args.allow:
        overrides["watch_allow"] = tuple(args.allow)
    if args.deny:
        overrides["watch_deny"] = tuple(args.deny)
    if args.grace is not None:
        if args.grace < 0:
            raise UsageError("--grace must be zero or more seconds")
        overrides["watch_grace"] = args.grace
    settings = replace(settings, **overrides)
    if settings.watch not in ("ask", "auto"):
        raise UsageError(f'config \'watch\' must be "ask" or "auto", not {settings.watch!r}')
    auto = args.auto or (settings.watch == "auto" and not args.ask)
    out = WatchOutput(args.format == "jsonl")
    rules = WatchRules(
        grace=settings.watch_grace,
        allow=settings.watch_allow,
        deny=settings.watch_deny,
        ignore_pids=frozenset({os.getpid()}),
    )
    for name in unknown_allowed(rules.allow):
        out.warn(
            "unknown-app",
            f"the allow list names {name!r}, not an app known to hold meetings; "
            "watching for it anyway",
        )
    Watch(args, settings, rules, auto, out).run()
    return 0
