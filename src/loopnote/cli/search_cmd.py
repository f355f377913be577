"""``loopnote search QUERY`` and ``loopnote reindex``: full-text search across meetings.

``register(sub)``  adds both subcommands
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from loopnote.cli.library_cmd import add_out_option, local_time, settings_of, warn
from loopnote.store import SearchHit, SearchIndex, clock_time

KIND = {"system": "Them", "mic": "You", "summary": "summary", "notes": "notes", "title": "title"}


def register(sub: Any) -> None:
    p = sub.add_parser(
        "search",
        help="search every meeting's transcript, summaries and notes",
        description='Search all meetings. Words are ANDed; "quote a phrase"; word* matches '
        "a prefix. Exit status 1 when nothing matches.",
    )
    p.add_argument("query", metavar="QUERY", nargs="+", help="what to look for")
    p.add_argument("--json", action="store_true", help="one JSON array of hits for scripts")
    p.add_argument("--limit", type=int, default=50, metavar="N", help="at most N hits (50)")
    add_out_option(p)
    p.set_defaults(func=run_search)

    p = sub.add_parser(
        "reindex",
        help="rebuild the search index from the meeting folders",
        description="Rebuild the search index from the meeting folders (the "
        "folders are the source of truth; the index is disposable).",
    )
    add_out_option(p)
    p.set_defaults(func=run_reindex)


def _open_index() -> SearchIndex:
    index = SearchIndex()
    for w in index.warnings:
        warn(w)
    return index


def _label(hit: SearchHit) -> str:
    return KIND.get(hit.source if hit.kind == "transcript" else hit.kind, hit.kind)


def run_search(args: argparse.Namespace) -> int:
    root = settings_of(args).meetings_root()
    query = " ".join(args.query)
    with _open_index() as index:
        if not index.meeting_ids() and root.is_dir() and any(root.iterdir()):
            report = index.rebuild(root)  # an empty index next to meetings: fill it first
            for _name, reason in report.skipped:
                warn(f"skipped {reason}")
        tty = sys.stdout.isatty() and not args.json
        mark = ("\x1b[1m", "\x1b[0m") if tty else ("**", "**")
        hits = index.search(query, limit=max(1, args.limit), mark=mark)
    if args.json:
        print(json.dumps([h.to_dict() for h in hits], indent=2, ensure_ascii=False))
        return 0 if hits else 1
    if not hits:
        warn(f"no matches for {query!r}")
        return 1
    shown: str | None = None
    for h in sorted(hits, key=lambda h: [x.meeting_id for x in hits].index(h.meeting_id)):
        if h.meeting_id != shown:
            shown = h.meeting_id
            print(f"{h.meeting_id}  {local_time(h.started_wall)}  {h.title or ''}".rstrip())
        when = clock_time(h.t) if h.t is not None else "--:--:--"
        print(f"  [{when}] {_label(h)}: {' '.join(h.snippet.split())}")
    return 0


def run_reindex(args: argparse.Namespace) -> int:
    root = settings_of(args).meetings_root()
    with _open_index() as index:
        report = index.rebuild(root)
    for _name, reason in report.skipped:
        warn(f"skipped {reason}")
    print(f"Indexed {report.indexed} meeting{'s' if report.indexed != 1 else ''} from {root}.")
    return 0
