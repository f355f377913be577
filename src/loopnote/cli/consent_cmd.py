"""``loopnote consent [--copy]``: the consent reminder and the disclosure line for the chat.

``register(sub)``  adds the subcommand
"""

from __future__ import annotations

import argparse
from typing import Any

from loopnote.config import load_settings
from loopnote.store import copy_to_clipboard, reminder_text
from loopnote.store.voices import consent_voices


def register(sub: Any) -> None:
    p = sub.add_parser(
        "consent",
        help="show the consent reminder and the disclosure line",
        description="Print the reminder to tell participants they are recorded, and the "
        "disclosure line to paste in the meeting chat (set it with 'disclosure' "
        "in the config file or LOOPNOTE_DISCLOSURE).",
    )
    p.add_argument("--copy", action="store_true", help="put the disclosure line on the clipboard")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings()
    disclosure = settings.disclosure
    print(reminder_text(disclosure, first_time=True, voices=consent_voices(settings)))
    if args.copy:
        tool = copy_to_clipboard(disclosure)
        print(f"\nCopied the disclosure line to the clipboard ({tool}).")
    return 0
