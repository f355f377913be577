"""``loopnote catchup [MEETING]``: print the catch-up card of a meeting in progress or finished.

``register(sub)``  adds the subcommand

The card is built from what the meeting folder holds now: the transcript, the newest section
and meeting summaries, and the last name alert (or, when none was saved, the last time the
configured name appears in the other side's speech). A meeting still being recorded is read
as far as its journals go.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from loopnote.alerts import Mention, NameSpotter, SpotterOptions, build_card, card_text
from loopnote.cli.library_cmd import add_out_option, open_library
from loopnote.config import load_settings
from loopnote.summarize import latest_text
from loopnote.types import Alert, Utterance


def register(sub: Any) -> None:
    p = sub.add_parser(
        "catchup",
        help="print the catch-up card of a meeting",
        description="Print what you need to know right now about a meeting in progress or "
        "finished: the question put to you, the last 30 s verbatim, the last minutes in "
        "brief, and the meeting so far.",
    )
    p.add_argument(
        "meeting",
        metavar="MEETING",
        nargs="?",
        default="last",
        help='meeting id, unique prefix, title, or "last" (default)',
    )
    p.add_argument("--name", metavar="NAME", help="your name (when no alert was saved)")
    p.add_argument(
        "--alias", metavar="NAME", action="append", dest="aliases", help="another name of yours"
    )
    p.add_argument("--json", action="store_true", help="print the card as one JSON object")
    add_out_option(p)
    p.set_defaults(func=run)


def _mention(
    alerts: list[Alert],
    utterances: list[Utterance],
    options: SpotterOptions,
) -> Mention | None:
    """The last time the user was addressed: the last saved alert, else the transcript."""
    by_id = {u.id: u for u in utterances}

    def holding(a: Alert) -> Utterance | None:
        if a.utterance_id in by_id:
            return by_id[a.utterance_id]
        # an alert raised on partial text: the system utterance committed around its time
        near = [u for u in utterances if u.source == "system" and u.start - 1 <= a.t <= u.end + 1]
        return near[0] if near else None

    spotted: list[Mention] = []
    if options.name or options.aliases:
        spotter = NameSpotter(options)
        for utt in utterances:
            spotted.extend(spotter.on_utterance(utt))
    saved: list[Mention] = []
    for a in alerts:
        held = holding(a)
        uid, text = (held.id, held.text) if held is not None else (None, a.heard)
        saved.append(Mention(a.term, a.heard, uid, a.t, a.score, "", text))
    found = saved + spotted
    return max(found, key=lambda m: m.t) if found else None


def run(args: argparse.Namespace) -> int:
    settings = load_settings(
        {"out": args.out, "name": args.name, "aliases": tuple(args.aliases or ())}
    )
    folder = open_library(args).resolve(args.meeting)
    utterances = sorted(folder.load_utterances(), key=lambda u: (u.start, u.end))
    nodes = folder.load_summaries()
    options = SpotterOptions(name=settings.name, aliases=settings.aliases)
    mention = _mention(folder.load_alerts(), utterances, options)
    now = utterances[-1].end if utterances else 0.0
    addressed = mention is not None
    if mention is None:
        mention = Mention("", "", None, now, 0.0)
    card = build_card(
        mention,
        utterances,
        section_summary=latest_text(nodes, "section"),
        meeting_summary=latest_text(nodes, "meeting"),
    )
    if args.json:
        out = {"meeting_id": folder.id, "addressed_you": addressed, **card.to_dict()}
        sys.stdout.write(json.dumps(out) + "\n")
        return 0
    title = f" — {folder.meta.title}" if folder.meta.title else ""
    status = "in progress" if folder.meta.status == "recording" else folder.meta.status
    minutes, seconds = divmod(int(now), 60)
    sys.stdout.write(f"Catch-up: {folder.id}{title} ({status}, at {minutes}:{seconds:02d})\n")
    if not addressed:
        sys.stdout.write("Nobody has said your name.\n")
    sys.stdout.write(card_text(card) + "\n")
    return 0
