"""``loopnote ui``, and the browser as the front end of ``record``/``transcribe``/``demo --ui``.

``add_server_options``  ``--port``, ``--host``, ``--no-browser``
``add_ui_option``       ``--ui`` for record, transcribe and demo
``run_ui``              serve the library until Ctrl-C
``run_with_browser``    run one meeting with the live page as its front end; the page (and the
                        library) stay served after the meeting ends, until Ctrl-C
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

from loopnote.capture.base import AudioInput
from loopnote.cli.library_cmd import add_out_option, settings_of
from loopnote.pipeline import AudioWriter
from loopnote.session import Session, SessionOptions
from loopnote.types import Source
from loopnote.web import LiveHub, LiveSlot, ServerOptions, WebServer, open_browser
from loopnote.web.server import LOCAL_HOST


def add_server_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("browser app")
    g.add_argument("--port", type=int, default=0, help="port to serve on (default: a free one)")
    g.add_argument(
        "--host",
        default=None,
        help="address to serve on (default: 127.0.0.1, this computer only); another one "
        "lets other computers ask for the page",
    )
    g.add_argument("--no-browser", action="store_true", help="print the link, do not open it")


def add_ui_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--ui", action="store_true", help="show the meeting in the browser (see `loopnote ui`)"
    )
    add_server_options(p)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "ui",
        help="open loopnote in the browser",
        description="Serve the meeting library (and a live meeting) as a local web app on "
        "127.0.0.1 and open it in the browser. Ctrl-C stops it.",
    )
    add_server_options(p)
    add_out_option(p)
    p.set_defaults(func=run_ui)


def _options(args: argparse.Namespace) -> ServerOptions:
    host = args.host or LOCAL_HOST
    if args.host and args.host != LOCAL_HOST:
        sys.stderr.write(
            f"loopnote: warning: serving on {host}: other computers that reach it can ask for "
            "the page (they still need the link's token)\n"
        )
    if not 0 <= args.port <= 65535:
        from loopnote.errors import UsageError

        raise UsageError(f"--port {args.port} is not a port (0-65535)")
    return ServerOptions(host=host, port=args.port, browser=not args.no_browser)


def _announce(server: WebServer, path: str) -> None:
    link = server.link(path)
    sys.stderr.write(f"loopnote is at {link}\n")
    if server.options.browser and not open_browser(link):
        sys.stderr.write("loopnote: could not open a browser; open the link above yourself\n")
    sys.stderr.flush()


@contextmanager
def _until_signal(on_signal: Callable[[], None]) -> Iterator[threading.Event]:
    """SIGINT and SIGTERM call ``on_signal`` and set the yielded event."""
    done = threading.Event()

    def handler(signum: int, frame: FrameType | None) -> None:
        done.set()
        on_signal()

    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    for s in previous:
        signal.signal(s, handler)
    try:
        yield done
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def run_ui(args: argparse.Namespace) -> int:
    settings = settings_of(args)
    server = WebServer(settings.meetings_root(), _options(args), live=LiveSlot(settings))
    server.start()
    try:
        with _until_signal(lambda: None) as done:  # before the link: Ctrl-C always ends cleanly
            _announce(server, "/")
            sys.stderr.write("Ctrl-C stops it.\n")
            while not done.wait(0.5):
                pass
    finally:
        server.stop()  # a meeting started from the page ends first, its notes written
    return 0


def run_with_browser(
    args: argparse.Namespace,
    inputs: Sequence[AudioInput],
    options: SessionOptions,
    recorder_factory: Callable[[Path, Source], AudioWriter] | None = None,
) -> tuple[Path, bool]:
    """The meeting runs on this thread, as with the other front ends; returns its folder
    and whether it was interrupted."""
    hub = LiveHub()
    server = WebServer(options.settings.meetings_root(), _options(args), hub=hub)
    server.start()
    session = Session.build(inputs, options, recorder_factory=recorder_factory)
    hub.attach(session)
    interrupted = threading.Event()
    meeting_running = threading.Event()
    meeting_running.set()

    def on_signal() -> None:
        # during the meeting a signal ends it, and a second one while it is being saved skips
        # the slow passes at its end; once the page has ended it (its notes may still be
        # being written) or afterwards, a signal only stops serving the page
        if meeting_running.is_set() and not session.stopping:
            interrupted.set()
            session.stop(interrupted=options.origin == "file")
        elif meeting_running.is_set() and interrupted.is_set():
            session.hurry()

    try:
        with _until_signal(on_signal) as done:
            _announce(server, "/live")
            folder = session.run(hub.publish)
            meeting_running.clear()
            if not interrupted.is_set():
                sys.stderr.write("the meeting ended; its page stays served until Ctrl-C\n")
                sys.stderr.flush()
                while not done.wait(0.5):
                    pass
    finally:
        server.stop()
    return folder, interrupted.is_set()
