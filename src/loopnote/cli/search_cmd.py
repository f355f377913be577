"""``loopnote search QUERY`` and ``loopnote reindex``: full-text search across meetings.

``register(sub)``  adds both subcommands
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from loopnote.cli.library_cmd import add_out_option, local_time, settings_of, warn
from loopnote.errors import LoopnoteError
from loopnote.store import MeetingFolder, SearchHit, SearchIndex, clock_time

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
    p.add_argument(
        "--speaker",
        metavar="NAME",
        help='only what this speaker said: a name, "Speaker 2", "you" or "them"',
    )
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


def _label(hit: SearchHit, labels: dict[tuple[str, str], str] | None = None) -> str:
    if labels and (hit.meeting_id, hit.ref) in labels:
        return labels[(hit.meeting_id, hit.ref)]
    return KIND.get(hit.source if hit.kind == "transcript" else hit.kind, hit.kind)


def _speaker_labels(root: Path, hits: list[SearchHit]) -> dict[tuple[str, str], str]:
    """(meeting, utterance) -> the speaker label a reader sees, for diarized meetings."""
    out: dict[tuple[str, str], str] = {}
    for mid in {h.meeting_id for h in hits if h.kind == "transcript"}:
        try:
            folder = MeetingFolder.open(root / mid)
        except LoopnoteError:
            continue
        for u in folder.load_labelled_utterances():
            if u.speaker:
                out[(mid, u.id)] = u.speaker
    return out


def _said_by(hit: SearchHit, labels: dict[tuple[str, str], str], who: str) -> bool:
    if hit.kind != "transcript":
        return False
    want = " ".join(who.split()).lower()
    label = _label(hit, labels).lower()
    return want == label or (want in ("you", "them") and want == KIND[hit.source].lower())


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
        limit = max(1, args.limit)
        hits = index.search(query, limit=limit * 20 if args.speaker else limit, mark=mark)
    labels = _speaker_labels(root, hits)
    if args.speaker:
        hits = [h for h in hits if _said_by(h, labels, args.speaker)][:limit]
    if args.json:
        rows = [
            {**h.to_dict(), "speaker": labels.get((h.meeting_id, h.ref))}
            if (h.meeting_id, h.ref) in labels
            else h.to_dict()
            for h in hits
        ]
        print(json.dumps(rows, indent=2, ensure_ascii=False))
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
        print(f"  [{when}] {_label(h, labels)}: {' '.join(h.snippet.split())}")
    return 0


def run_reindex(args: argparse.Namespace) -> int:
    root = settings_of(args).meetings_root()
    with _open_index() as index:
        report = index.rebuild(root)
    for _name, reason in report.skipped:
        warn(f"skipped {reason}")
    print(f"Indexed {report.indexed} meeting{'s' if report.indexed != 1 else ''} from {root}.")
    return 0
