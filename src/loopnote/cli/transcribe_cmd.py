"""``loopnote transcribe FILE`` and ``loopnote demo``: a recording through the live pipeline."""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path
from typing import Any

from loopnote.capture.file import FileInput
from loopnote.cli.options import add_meeting_options, settings_from
from loopnote.cli.run_meeting import run_meeting
from loopnote.cli.ui_cmd import add_ui_option
from loopnote.session import SessionOptions
from loopnote.store import notes_header
from loopnote.types import Source

DEMO_FILE = "demo.flac"


def register(sub: Any) -> None:
    p = sub.add_parser(
        "transcribe",
        help="replay a recording through the live pipeline and take notes",
        description="Replay an audio file (wav, flac, ogg/opus, mp3, m4a/aac; any rate and "
        "channels) exactly as a live meeting would deliver it, and write a "
        "meeting folder with the transcript, summary and notes.",
    )
    p.add_argument("file", type=Path, help="the recording")
    p.add_argument(
        "--fast",
        action="store_true",
        help="feed the file as fast as recognition keeps up (same transcript)",
    )
    p.add_argument(
        "--source",
        choices=["system", "mic"],
        default="system",
        help="whose voice the file holds: system (them, default) or mic (you)",
    )
    add_meeting_options(p)
    add_ui_option(p)
    p.set_defaults(func=run_transcribe)

    d = sub.add_parser(
        "demo",
        help="run the whole pipeline on the bundled speech sample",
        description="Transcribe and summarize the bundled real-speech sample "
        "(no arguments, no network).",
    )
    d.add_argument(
        "--realtime",
        action="store_true",
        help="pace the sample in real time, as live capture would (default: fast)",
    )
    add_meeting_options(d)
    add_ui_option(d)
    d.set_defaults(func=run_demo)


def demo_path() -> Path:
    return Path(str(resources.files("loopnote") / "data" / DEMO_FILE))


def _transcribe(args: argparse.Namespace, path: Path, realtime: bool) -> int:
    settings = settings_from(args)
    source: Source = "mic" if getattr(args, "source", "system") == "mic" else "system"
    inp = FileInput(path, source=source, realtime=realtime)
    options = SessionOptions(
        settings=settings,
        title=args.title or path.stem,
        keep_audio=False,
        origin="file",
        replayed=path if source == "system" else None,
    )
    folder, interrupted = run_meeting(args, settings, [inp], options)
    if inp.error is not None:
        sys.stderr.write(f"loopnote: {inp.error} (transcript so far kept in {folder})\n")
        return 1
    if args.format != "jsonl":
        if not sys.stdout.isatty() or args.plain:
            _print_notes(folder)
        sys.stderr.write(f"meeting saved in {folder}\n")
    return 130 if interrupted else 0


def _print_notes(folder: Path) -> None:
    """After plain output, the notes above the transcript: what a reader wants first."""
    notes = folder / "notes.md"
    if notes.exists():
        head = notes_header(notes.read_text(encoding="utf-8")).rstrip()
        sys.stdout.write(f"\n{head}\n")


def run_transcribe(args: argparse.Namespace) -> int:
    return _transcribe(args, args.file, realtime=not args.fast)


def run_demo(args: argparse.Namespace) -> int:
    return _transcribe(args, demo_path(), realtime=args.realtime)
