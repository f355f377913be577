"""``loopnote export MEETING --to md|json|srt|vtt|txt [-o FILE]``: take a meeting elsewhere.

``register(sub)``  adds the subcommand
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from loopnote.cli.library_cmd import add_out_option, open_library
from loopnote.store import FORMATS, export_text, write_export


def register(sub: Any) -> None:
    p = sub.add_parser(
        "export",
        help="export a meeting as Markdown, JSON, subtitles or text",
        description="Export a meeting: md (notes), json (everything, with a JSON Schema), "
        "srt / vtt (subtitles), txt (plain transcript).",
    )
    p.add_argument("meeting", metavar="MEETING", help='meeting id, unique prefix, or "last"')
    p.add_argument("--to", dest="fmt", choices=FORMATS, default="md", help="format (md)")
    p.add_argument(
        "-o", "--output", metavar="FILE", help="write to FILE (default or '-': standard output)"
    )
    add_out_option(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    folder = open_library(args).resolve(args.meeting)
    text = export_text(folder, args.fmt)
    if args.output in (None, "-"):
        sys.stdout.write(text)
        return 0
    path = Path(args.output).expanduser()
    write_export(text, path)
    sys.stderr.write(f"Wrote {path}\n")
    return 0
