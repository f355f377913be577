"""``loopnote notes MEETING [--llm URL --llm-model NAME]``: regenerate a meeting's notes.md.

``register(sub)``  adds the subcommand

Without ``--llm`` (and ``--resummarize``) the summaries saved during the meeting are reused and
only the notes (decisions, action items, questions, asked of you) are rebuilt. With ``--llm``
or ``--resummarize`` the whole summary tree is made again from the transcript, each node
once, with the chosen summarizer (an LLM falls back to extractive node by node, with a
warning). The transcript and the saved summaries are never changed.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from loopnote.cli.library_cmd import add_out_option, open_library
from loopnote.config import load_settings
from loopnote.store import index_meeting_safely
from loopnote.summarize import (
    build_notes,
    make_summarizer,
    render_notes_markdown,
    summarize_meeting,
)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "notes",
        help="regenerate a meeting's notes (optionally with an LLM)",
        description="Rebuild notes.md of a meeting: title, summary, decisions, action items, "
        "open questions, things asked of you, and the transcript.",
    )
    p.add_argument("meeting", metavar="MEETING", help='meeting id, unique prefix, or "last"')
    p.add_argument("--llm", metavar="URL", help="OpenAI-compatible endpoint for the summary")
    p.add_argument("--llm-model", metavar="NAME", help="model name at the --llm endpoint")
    p.add_argument(
        "--resummarize",
        action="store_true",
        help="summarize the transcript again even without --llm (extractive)",
    )
    p.add_argument("--name", metavar="NAME", help="your name (for 'asked of you')")
    p.add_argument(
        "--alias", metavar="NAME", action="append", dest="aliases", help="another name of yours"
    )
    p.add_argument("--print", action="store_true", help="also print the notes")
    add_out_option(p)
    p.set_defaults(func=run)


def _warn(text: str) -> None:
    sys.stderr.write(f"loopnote: warning: {text}\n")


def run(args: argparse.Namespace) -> int:
    settings = load_settings(
        {
            "out": args.out,
            "llm": args.llm,
            "llm_model": args.llm_model,
            "name": args.name,
            "aliases": tuple(args.aliases or ()),
        }
    )
    folder = open_library(args).resolve(args.meeting)
    utterances = folder.load_labelled_utterances()  # speakers' names, where known
    nodes = folder.load_summaries()
    if args.llm or args.resummarize or not nodes:
        summarizer, warnings = make_summarizer(settings)
        for w in warnings:
            _warn(w.message)
        nodes, warnings = summarize_meeting(utterances, summarizer)
        for w in warnings:
            _warn(w.message)
    names = tuple(n for n in (settings.name, *settings.aliases) if n)
    notes = build_notes(utterances, nodes, user_names=names, title=folder.meta.title)
    if not folder.meta.title and notes.title and not notes.empty:
        folder.set_title(notes.title)  # the page header shows it, above the notes
    path = folder.write_notes(render_notes_markdown(notes, title=False))
    folder.close()
    if (problem := index_meeting_safely(folder.path, settings)) is not None:
        _warn(problem)
    if args.print:
        sys.stdout.write(path.read_text(encoding="utf-8"))
    sys.stderr.write(f"Wrote {path}\n")
    return 0
