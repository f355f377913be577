"""The ``loopnote`` command: parses arguments, runs one subcommand, turns errors into one line.

Each subcommand lives in its own module of this package with ``register(sub)``, which adds
its parser and sets ``func`` to a function ``(args) -> int``.
"""

from __future__ import annotations

import argparse
import codecs
import importlib
import io
import sys
from collections.abc import Sequence

from loopnote import __version__
from loopnote.errors import LoopnoteError

# Modules of this package that define subcommands, in the order `--help` lists them.
COMMANDS: tuple[str, ...] = (
    "transcribe_cmd",
    "record_cmd",
    "models_cmd",
    "sources_cmd",
    "capture_cmd",
    "library_cmd",
    "search_cmd",
    "export_cmd",
    "consent_cmd",
    "notes_cmd",
    "catchup_cmd",
    "ui_cmd",
    "speakers_cmd",
    "retranscribe_cmd",
    "watch_cmd",
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports a bad option as one line and exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        sys.stderr.write(f"loopnote: {message}\n")
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="loopnote", description="Local, bot-free meeting notes.")
    parser.add_argument("--version", action="version", version=f"loopnote {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMANDS:
        importlib.import_module(f"loopnote.cli.{name}").register(sub)
    return parser


def utf8_output() -> None:
    """Output that is not a terminal (a pipe, a file) is UTF-8 with "\n" line ends whatever
    the platform, so its bytes are the same everywhere (an export to stdout equals one
    written with -o): Windows would give a redirected stdout its ANSI code page, which cannot
    write most names, and "\r\n". A terminal keeps its encoding (Windows consoles take
    Unicode anyway); what it cannot show is replaced rather than raising."""
    for stream in (sys.stdout, sys.stderr):
        if not isinstance(stream, io.TextIOWrapper):
            continue
        try:
            tty = stream.isatty()
        except ValueError:  # closed
            continue
        if not tty:
            stream.reconfigure(encoding="utf-8", newline="\n")
        elif codecs.lookup(stream.encoding).name != "utf-8" and stream.errors == "strict":
            stream.reconfigure(errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    utf8_output()
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args))
    except LoopnoteError as e:
        sys.stderr.write(f"loopnote: {e}\n")
        return e.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("loopnote: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
