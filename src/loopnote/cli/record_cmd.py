"""``loopnote record`` (a live meeting) and ``loopnote recover`` (finish an interrupted one)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from loopnote.capture.base import CaptureRequest
from loopnote.cli.options import add_meeting_options, settings_from
from loopnote.cli.output import JsonlPrinter
from loopnote.cli.plain import PlainPrinter
from loopnote.cli.run_meeting import run_meeting
from loopnote.cli.ui_cmd import add_ui_option
from loopnote.config import Settings
from loopnote.errors import MeetingNotFound
from loopnote.live import consent_shown, open_live_meeting, record_to_folder
from loopnote.recovery import find_interrupted, recover_meeting
from loopnote.session import SessionOptions
from loopnote.store import Library


def register(sub: Any) -> None:
    p = sub.add_parser(
        "record",
        help="take notes of a live meeting (system audio + microphone)",
        description="Capture what this computer plays (the meeting: 'them') and the "
        "microphone ('you'), transcribe both live, summarize, and alert you when "
        "your name is said. q or Ctrl-C ends the meeting.",
    )
    g = p.add_argument_group("capture")
    what = g.add_mutually_exclusive_group()
    what.add_argument(
        "--app", metavar="NAME|PID", help="only this application's audio (see `loopnote sources`)"
    )
    what.add_argument(
        "--source",
        metavar="NAME",
        dest="system_source",
        help="any output monitor or input as the system audio",
    )
    mic = g.add_mutually_exclusive_group()
    mic.add_argument("--mic", metavar="NAME", help="microphone (default: the default input)")
    mic.add_argument("--no-mic", action="store_true", help="do not capture the microphone")
    g.add_argument(
        "--headphones",
        action="store_true",
        help="you wear headphones: no speaker-bleed handling on the microphone",
    )
    g.add_argument(
        "--keep-audio",
        metavar="no|forever|days:N",
        help="keep the meeting's audio (default: forever)",
    )
    add_meeting_options(p)
    add_ui_option(p)
    p.set_defaults(func=run_record)

    r = sub.add_parser(
        "recover",
        help="finish a meeting that was interrupted",
        description="Close the audio files of an interrupted meeting (power "
        "loss, kill -9), transcribe what was not transcribed yet, "
        "and write its notes.",
    )
    r.add_argument("meeting", nargs="?", help="meeting id (default: every interrupted one)")
    add_meeting_options(r)
    r.set_defaults(func=run_recover)


def consent_reminder(settings: Settings, stream: Any = sys.stderr) -> str:
    """Show the reminder (the long one the first time ever); returns what was shown."""
    text = consent_shown(settings)
    stream.write(f"● REC  {text}\n\n")
    stream.flush()
    return text


def run_record(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    capture = CaptureRequest(
        app=args.app, system_source=args.system_source, mic=args.mic, no_mic=args.no_mic
    )
    live = open_live_meeting(settings, capture, args.title or "", consent_reminder)
    folder, _ = run_meeting(
        args, settings, live.inputs, live.options, recorder_factory=record_to_folder
    )
    if args.format != "jsonl":
        sys.stderr.write(f"meeting saved in {folder}\n")
    return 0


def run_recover(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    root = settings.meetings_root()
    if args.meeting:
        targets = [Library(root).resolve(args.meeting).path]
    else:
        targets = find_interrupted(root)
        if not targets:
            raise MeetingNotFound(f"no interrupted meeting in {root}")
    for path in targets:
        options = SessionOptions(settings=settings, keep_audio=False, origin="file")
        handler = (
            JsonlPrinter(sys.stdout).handle
            if args.format == "jsonl"
            else PlainPrinter(sys.stdout).handle
        )
        folder = recover_meeting(path, options, handler)
        if args.format != "jsonl":
            sys.stderr.write(f"recovered {folder}\n")
    return 0
