"""Run one meeting from the command line: pick the front end, handle Ctrl-C and SIGTERM.

``run_meeting``  build the Session for the given inputs (model, folder, LLM check) and run
                 it with the front end the flags and the terminal call for (live view, plain
                 lines, or JSON Lines)
``stop_signals`` while a block runs, the signals that end a meeting (Ctrl-C, SIGTERM,
                 Ctrl-Break) go to a handler
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

from loopnote.capture.base import AudioInput
from loopnote.cli.progress import end_progress
from loopnote.config import Settings
from loopnote.events import Event
from loopnote.pipeline import AudioWriter
from loopnote.session import Session, SessionOptions
from loopnote.types import Source

log = logging.getLogger(__name__)


def _wants_live_view(args: argparse.Namespace) -> bool:
    return args.format == "text" and not args.plain and sys.stdout.isatty() and sys.stdin.isatty()


def run_meeting(
    args: argparse.Namespace,
    settings: Settings,
    inputs: Sequence[AudioInput],
    options: SessionOptions,
    recorder_factory: Callable[[Path, Source], AudioWriter] | None = None,
) -> tuple[Path, bool]:
    """Run the meeting; returns its folder and whether the user interrupted it."""
    if getattr(args, "ui", False):
        from loopnote.cli.ui_cmd import run_with_browser

        return run_with_browser(args, inputs, options, recorder_factory)
    session = Session.build(inputs, options, recorder_factory=recorder_factory)
    if args.format == "jsonl":
        from loopnote.cli.output import JsonlPrinter

        handler: Callable[[Event], None] = JsonlPrinter(sys.stdout).handle
    elif _wants_live_view(args):
        return _run_with_live_view(session)
    else:
        from loopnote.cli.plain import PlainPrinter

        handler = PlainPrinter(sys.stdout).handle
    interrupted = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # end the meeting cleanly; a second Ctrl-C skips the slow passes at the end (the
        # meeting is still saved), a third interrupts for real
        log.info("asked to end by %s", signal.Signals(signum).name)  # the meeting log says why
        if signum == signal.SIGINT and interrupted.is_set():
            session.hurry()
            _say("Skipping what is left to do; saving the meeting as it stands.")
            signal.signal(signal.SIGINT, signal.default_int_handler)
            return
        if signum == signal.SIGINT:
            interrupted.set()
            _say("Ending the meeting (Ctrl-C again skips the passes at the end).")
        session.stop(interrupted=options.origin == "file")

    with stop_signals(on_signal):
        try:
            folder = session.run(end_progress(handler))
        except KeyboardInterrupt:
            return session.folder, True
    return folder, interrupted.is_set()


def _say(line: str) -> None:
    """A line on stderr from a signal handler: straight to the file descriptor, as the
    handler may run while the main thread is inside a write to ``sys.stderr``."""
    try:
        os.write(sys.stderr.fileno(), (line + "\n").encode())
    except (AttributeError, OSError, ValueError):  # no real stderr (io.UnsupportedOperation)
        log.info("%s (not shown: no stderr)", line)


@contextmanager
def stop_signals(handler: Callable[[int, FrameType | None], None]) -> Iterator[None]:
    """SIGINT and SIGTERM end the meeting through ``handler`` while the block runs; so does
    SIGBREAK where it exists (a Windows console's Ctrl-Break; its Ctrl-C arrives as SIGINT)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stops = [signal.SIGINT, signal.SIGTERM]
    ctrl_break = getattr(signal, "SIGBREAK", None)
    if ctrl_break is not None:
        stops.append(ctrl_break)
    previous = {s: signal.getsignal(s) for s in stops}
    for s in previous:
        signal.signal(s, handler)
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def _run_with_live_view(session: Session) -> tuple[Path, bool]:
    from loopnote.tui import run_live

    def start(on_event: Callable[[Event], None]) -> None:
        session.run(on_event)

    run_live(session, start)
    return session.folder, False
