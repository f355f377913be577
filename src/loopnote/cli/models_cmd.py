"""``loopnote models``: the recognition models loopnote can use, where each comes from, and
which speak every Whisper language (``--language``) rather than English only;
``loopnote models pull NAME``: download a recommended local LLM for summaries."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from loopnote.asr import list_models
from loopnote.errors import UsageError
from loopnote.summarize.catalog import CATALOG, pull, pulled_path


def register(sub: Any) -> None:
    p = sub.add_parser("models", help="list the recognition models and where each comes from")
    p.add_argument("--json", action="store_true", help="one JSON array for scripts")
    p.set_defaults(func=run)
    actions = p.add_subparsers(dest="action", metavar="ACTION")
    pp = actions.add_parser(
        "pull",
        help="download a recommended small instruct model for LLM summaries",
        description="Download a GGUF model for --llm-model NAME (resumes, checks SHA-256). "
        "Without NAME, list them.",
    )
    pp.add_argument("name", metavar="NAME", nargs="?", help=", ".join(CATALOG))
    pp.set_defaults(func=run_pull)


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


def run_pull(args: argparse.Namespace) -> int:
    if not args.name:
        for m in CATALOG.values():
            size = f"{m.size / 1e9:.1f} GB" if m.size else ""
            mark = "pulled" if pulled_path(m.name) else ""
            print(f"{m.name:<14} {size:>7}  {mark:<6}  {m.repo}  ({m.licence}; {m.note})")
        return 0
    model = CATALOG.get(args.name)
    if model is None:
        raise UsageError(f"unknown model {args.name!r}; choose one of: {', '.join(CATALOG)}")
    shown = [-1]

    def progress(done: int, total: int) -> None:
        pct = int(100 * done / total) if total else -1
        step = pct if sys.stderr.isatty() else pct // 10 * 10  # a log gets a line per 10 %
        if step == shown[0]:
            return
        shown[0] = step
        of = f" of {total / 1e6:.0f} MB ({pct}%)" if total else ""
        end = "\r" if sys.stderr.isatty() else "\n"
        sys.stderr.write(f"{model.name}: {done / 1e6:.0f} MB{of}{end}")
        sys.stderr.flush()

    sys.stderr.write(f"Downloading {model.name} from {model.url()}\n")
    path = pull(model, progress)
    sys.stderr.write("\n" if sys.stderr.isatty() else "")
    print(path)
    sys.stderr.write(f"Use it with: --llm-model {model.name}\n")
    return 0
