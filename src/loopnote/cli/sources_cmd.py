"""``loopnote sources``: what can be captured here.

Lists outputs and their monitors, inputs (microphones) and the applications playing audio
right now, defaults marked with ``*``; ``--json`` prints one JSON array of the same entries
(``kind``, ``id``, ``name``, ``default`` and, for apps, ``binary``, ``pid``, ``sink``,
``stream``, ``paused``).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from loopnote.capture import get_backend
from loopnote.capture.base import SourceInfo

ORDER = {"output": 0, "monitor": 1, "input": 2, "app": 3}


def register(sub: Any) -> None:
    p = sub.add_parser(
        "sources",
        help="list outputs, monitors, microphones and apps playing audio",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
    )
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def _details(s: SourceInfo) -> str:
    d = s.details
    if s.kind == "app":
        parts = [
            f"pid {d['pid']}" if d.get("pid") is not None else "",
            str(d.get("binary") or ""),
            f"-> {d.get('sink', '')}",
            "(paused)" if d.get("paused") else "",
        ]
        return " ".join(p for p in parts if p)
    if s.kind == "output":
        return f"monitor {d.get('monitor', '')}"
    if s.kind == "monitor":
        return f"of {d.get('sink', '')}"
    return ""


def format_table(sources: list[SourceInfo]) -> str:
    rows = [("KIND", "ID", "NAME", "DEFAULT", "DETAILS")]
    for s in sorted(sources, key=lambda s: ORDER.get(s.kind, 9)):
        rows.append((s.kind, s.id, s.name, "*" if s.is_default else "", _details(s)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4]
        for r in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def run(args: argparse.Namespace) -> int:
    sources = get_backend().list_sources()
    if args.json:
        sys.stdout.write(json.dumps([s.to_dict() for s in sources], indent=2) + "\n")
    else:
        sys.stdout.write(format_table(sources) + "\n")
        if not any(s.kind == "app" for s in sources):
            sys.stdout.write("(no application is playing audio right now)\n")
    return 0
