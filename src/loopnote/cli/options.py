"""Options shared by the commands that run a meeting (transcribe, demo, record, recover).

``add_meeting_options``  recognition, identity, summary, output and storage flags
``settings_from``        Settings from the config file, the environment and these flags
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from typing import Any

from loopnote.asr import (
    base_offline,
    check_language,
    check_model_language,
    is_multilingual,
    resolve_model,
)
from loopnote.config import Settings, load_settings


def add_meeting_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("recognition")
    g.add_argument(
        "--model",
        metavar="NAME_OR_PATH",
        help="faster-whisper model name (e.g. small.en) or a CTranslate2 folder; "
        "default: the bundled Whisper tiny.en",
    )
    g.add_argument(
        "--language",
        metavar="CODE",
        help="spoken language: a Whisper code (en, es, fr, de, ru, zh, ...) or auto to detect "
        "it once per source from the first speech (default: en; other languages need a "
        "multilingual model, e.g. --model base)",
    )
    g.add_argument(
        "--vocab",
        metavar="WORD",
        nargs="+",
        action="extend",
        help="meeting terms to bias recognition toward",
    )
    g.add_argument(
        "--no-settle",
        action="store_true",
        help="no settled transcript: no second decoding of each stretch (less CPU, no extra "
        "model process, no pass at the meeting's end); notes and exports use the live "
        "transcript, 'loopnote retranscribe' can settle it later",
    )
    g = p.add_argument_group("you (name alerts)")
    g.add_argument("--name", metavar="NAME", help='your name, e.g. "Alex Morgan"')
    g.add_argument(
        "--alias",
        metavar="NAME",
        action="append",
        dest="aliases",
        help="another name people call you (repeatable)",
    )
    g.add_argument(
        "--sounds-like",
        metavar="SPELLING",
        action="append",
        dest="sounds_like",
        help='how your name sounds, spelled as English reads, e.g. "Shivawn" (repeatable)',
    )
    g = p.add_argument_group("summary")
    add_llm_options(g)
    g = p.add_argument_group("output")
    g.add_argument(
        "--format",
        choices=["text", "jsonl"],
        default="text",
        help="text (live view or plain lines) or jsonl (one JSON event per line)",
    )
    g.add_argument(
        "--plain", action="store_true", help="plain line output even in a terminal (no live view)"
    )
    g.add_argument("--out", metavar="DIR", help="where meeting folders go")
    g.add_argument("--title", help="the meeting's title")
    g.add_argument("--no-notify", action="store_true", help="no desktop notifications")


def add_llm_options(g: argparse._ActionsContainer) -> None:
    g.add_argument(
        "--llm",
        metavar="URL",
        help="OpenAI-compatible endpoint for summaries (Ollama, LM Studio, llama.cpp, vLLM), "
        "or 'auto' to use one running on this machine (default: local extractive)",
    )
    g.add_argument(
        "--llm-model",
        metavar="NAME_OR_FILE",
        help="the model's name at the --llm endpoint; without --llm, a .gguf file or a name "
        "from 'loopnote models pull', served on 127.0.0.1 for the meeting "
        "(pip install 'loopnote[llm]')",
    )


def settings_from(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        "model": args.model,
        "language": args.language,
        "vocab": tuple(args.vocab or ()),
        "name": args.name,
        "aliases": tuple(args.aliases or ()),
        "sounds_like": tuple(getattr(args, "sounds_like", None) or ()),
        "llm": args.llm,
        "llm_model": args.llm_model,
        "out": args.out,
    }
    if getattr(args, "no_notify", False):
        overrides["notify"] = False
    if getattr(args, "keep_audio", None):
        overrides["keep_audio"] = args.keep_audio
    if getattr(args, "headphones", False):
        overrides["headphones"] = True
    if getattr(args, "no_settle", False):
        overrides["settle"] = False
    settings = load_settings(overrides)
    return check_recognition(settings)


def check_recognition(settings: Settings) -> Settings:
    """The language checked, and checked against the model, before anything starts: an
    unknown code or an English-only model asked for French is one line and exit 2."""
    language = check_language(settings.language)
    check_model_language(
        settings.model or "tiny.en",
        is_multilingual(settings.model),
        language,
        base_offline=base_offline(),
    )
    if settings.model.strip() == "base" and base_offline():
        # joined from its two packages on first use, with a progress line: before a live
        # view takes the terminal
        resolve_model("base")
    return replace(settings, language=language)
