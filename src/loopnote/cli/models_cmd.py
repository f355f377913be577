"""``loopnote models``: the recognition models loopnote can use, where each comes from, and
which speak every Whisper language (``--language``) rather than English only."""

from __future__ import annotations

import argparse
import json
from typing import Any

from loopnote.asr import list_models


def register(sub: Any) -> None:
    p = sub.add_parser("models", help="list the recognition models and where each comes from")
    p.add_argument("--json", action="store_true", help="one JSON array for scripts")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    models = list_models()
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "name": m.name,
                        "origin": m.origin,
                        "available": m.available,
                        "path": m.path,
                        "default": m.default,
                        "multilingual": m.multilingual,
                    }
                    for m in models
                ],
                indent=2,
            )
        )
        return 0
    width = max((len(m.name) for m in models), default=4)
    for m in models:
        mark = "available" if m.available else "needs download"
        star = "*" if m.default else " "
        speaks = "multilingual" if m.multilingual else "English only"
        print(f"{star} {m.name:<{width}}  {mark:<14}  {speaks:<12}  {m.origin}")
    print(
        "\n* the default. Multilingual models speak every Whisper language: give "
        "--language CODE, or --language auto to detect it."
    )
    return 0
