"""``loopnote meetings | show | delete | rename``: the meeting library.

``register(sub)``     adds the four subcommands
``add_out_option``    ``--out DIR`` (the meetings root), shared with search/export
``open_library``      Settings -> Library (with the search index when asked)
``warn``              one "loopnote: ..." line on stderr
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from typing import Any

from loopnote.config import Settings, load_settings
from loopnote.errors import UsageError
from loopnote.store import Library, MeetingFolder, SearchIndex, format_size, render_notes
from loopnote.store.notes import format_duration

WHO = {"system": "Them", "mic": "You"}


def warn(message: str) -> None:
    sys.stderr.write(f"loopnote: {message}\n")


def add_out_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--out",
        metavar="DIR",
        help="the meetings folder (default: LOOPNOTE_OUT, the config file, or the "
        "platform's data dir)",
    )


def settings_of(args: argparse.Namespace) -> Settings:
    return load_settings({"out": getattr(args, "out", None)})


def open_library(args: argparse.Namespace, *, with_index: bool = False) -> Library:
    settings = settings_of(args)
    index = SearchIndex() if with_index else None
    if index is not None:
        for w in index.warnings:
            warn(w)
    return Library(settings.meetings_root(), index)


def local_time(wall: float) -> str:
    return dt.datetime.fromtimestamp(wall).astimezone().strftime("%Y-%m-%d %H:%M")


def register(sub: Any) -> None:
    p = sub.add_parser(
        "meetings", help="list past meetings", description="List past meetings, newest first."
    )
    p.add_argument("--json", action="store_true", help="one JSON array for scripts")
    add_out_option(p)
    p.set_defaults(func=run_meetings)

    p = sub.add_parser(
        "show",
        help="print a meeting's notes",
        description="Print a meeting's notes and transcript (Markdown).",
    )
    p.add_argument("meeting", metavar="MEETING", help='meeting id, unique prefix, or "last"')
    add_out_option(p)
    p.set_defaults(func=run_show)

    p = sub.add_parser(
        "delete",
        help="delete a meeting and its audio",
        description="Delete a meeting folder (audio included) and its search "
        "entries. Asks first; --yes for scripts.",
    )
    p.add_argument("meeting", metavar="MEETING", help='meeting id, unique prefix, or "last"')
    p.add_argument("--yes", "-y", action="store_true", help="do not ask")
    add_out_option(p)
    p.set_defaults(func=run_delete)

    p = sub.add_parser("rename", help="give a meeting a new title")
    p.add_argument("meeting", metavar="MEETING", help='meeting id, unique prefix, or "last"')
    p.add_argument("title", metavar="TITLE", nargs="+", help="the new title")
    add_out_option(p)
    p.set_defaults(func=run_rename)


def run_meetings(args: argparse.Namespace) -> int:
    listing = open_library(args).listing()
    for _name, reason in listing.skipped:
        warn(f"skipped {reason}")
    if args.json:
        print(json.dumps([m.to_dict() for m in listing.meetings], indent=2, ensure_ascii=False))
        return 0
    if not listing.meetings:
        print("No meetings yet.")
        return 0
    rows = [
        (
            m.id,
            local_time(m.started_wall),
            format_duration(m.duration),
            "+".join(WHO[s] for s in m.sources),
            format_size(m.size_bytes),
            m.title + ("" if m.status == "complete" else f" ({m.status})"),
        )
        for m in listing.meetings
    ]
    head = ("ID", "DATE", "DURATION", "SOURCES", "SIZE", "TITLE")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(5)]
    for r in [head, *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(r[:5], widths, strict=True)) + "  " + r[5])
    return 0


def notes_of(folder: MeetingFolder) -> str:
    notes = folder.read_notes()
    return notes if notes else render_notes(folder.meta, "", folder.load_labelled_utterances())


def run_show(args: argparse.Namespace) -> int:
    folder = open_library(args).resolve(args.meeting)
    sys.stdout.write(notes_of(folder))
    return 0


def run_delete(args: argparse.Namespace) -> int:
    lib = open_library(args, with_index=True)
    folder = lib.resolve(args.meeting)
    if not args.yes:
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            raise UsageError(f"not deleting {folder.id} without --yes (no terminal to ask)")
        title = folder.meta.title or "untitled"
        answer = input(
            f"Delete meeting {folder.id} ({title}, "
            f"{local_time(folder.meta.started_wall)}) and its audio? [y/N] "
        )
        if answer.strip().lower() not in {"y", "yes"}:
            print("Kept.")
            return 1
    deleted = lib.delete(folder.id)
    print(f"Deleted {deleted}.")
    return 0


def run_rename(args: argparse.Namespace) -> int:
    folder = open_library(args, with_index=True).rename(args.meeting, " ".join(args.title))
    print(f"{folder.id}: {folder.meta.title}")
    return 0
