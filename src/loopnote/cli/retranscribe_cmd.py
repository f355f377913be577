"""``loopnote retranscribe MEETING [--model NAME]``: settle a stored meeting again from its
saved audio, e.g. with a bigger model after the meeting.

Each stretch of speech is decoded again with the audio that follows it (settling.py), and
the result is appended to ``settled.jsonl`` as a new settled tier (the live transcript is
never touched; the newest tier is what notes, exports and search read). Refused, with one
line and nothing changed: a meeting without saved audio, one still recording, a model that
does not load, a model that cannot speak the meeting's language.

``register(sub)``  adds the subcommand
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from loopnote.asr import load_engine
from loopnote.asr.languages import check_language, check_model_language
from loopnote.asr.models import base_offline, is_multilingual
from loopnote.asr.options import RecognizerOptions
from loopnote.audio.recorder import segments
from loopnote.cli.library_cmd import add_out_option, open_library, settings_of, warn
from loopnote.cli.progress import progress_line
from loopnote.errors import UsageError
from loopnote.settling import AudioTap, LiveSettler, Settled, recorded_16k
from loopnote.store import MeetingFolder, index_meeting_safely
from loopnote.store.speakers import refresh_notes_transcript
from loopnote.types import SessionWarning, Source


def register(sub: Any) -> None:
    p = sub.add_parser(
        "retranscribe",
        help="settle a meeting's transcript again from its saved audio",
        description="Decode a stored meeting's saved audio again, stretch by stretch with "
        "the audio that follows each, and keep the result as its settled transcript (the "
        "live transcript stays as it was). Needs the meeting's audio (audio retention on).",
    )
    p.add_argument("meeting", metavar="MEETING", help='meeting id, unique prefix, or "last"')
    p.add_argument(
        "--model", default=None, help="recognition model (default: the meeting's own model)"
    )
    add_out_option(p)
    p.set_defaults(func=run)


def _languages(folder: MeetingFolder, sources: list[Source]) -> dict[Source, str]:
    """Each source's language: as detected during the meeting, else as it was asked for."""
    extra = folder.meta.extra
    detected = extra.get("languages") or {}
    asked = str(extra.get("language") or "en")
    return {s: check_language(str(detected.get(s) or asked)) for s in sources}


def run(args: argparse.Namespace) -> int:
    folder = open_library(args).resolve(args.meeting)
    sources: list[Source] = [s for s in folder.meta.sources if segments(folder.path, s)]
    if not sources:
        raise UsageError(
            f"{folder.id} has no saved audio to decode again "
            "(recorded with audio retention off, or its audio was deleted)"
        )
    if folder.meta.status == "recording":
        raise UsageError(
            f"{folder.id} is still recording (if it was cut short: loopnote recover first)"
        )
    model = args.model if args.model is not None else folder.meta.model
    model = "" if model == "scripted" else model
    languages = _languages(folder, sources)
    for language in set(languages.values()):
        check_model_language(
            model or "tiny.en", is_multilingual(model), language, base_offline=base_offline()
        )
    engine = load_engine(model)  # an unknown model is one line, before anything is written
    live = [u for u in folder.load_utterances(live=True) if u.source in sources]
    options = {s: RecognizerOptions(language=lang) for s, lang in languages.items()}
    results: list[Settled | SessionWarning] = []

    def deliver(item: Settled | SessionWarning) -> None:
        results.append(item)
        if isinstance(item, Settled):  # stored as it comes: a tier cut short still reads
            folder.append_settled(item.utterances, item.replaces, item.model, "retranscribe")
            progress_line(f"Decoding {folder.id} with {engine.name}", item.done, item.total)
        else:
            warn(item.message)

    settler = LiveSettler(engine, options, AudioTap(0.0), deliver)
    settler.start()
    settler.finish(live, set(), lambda s: recorded_16k(folder.path, s))
    refresh_notes_transcript(folder)
    folder.close()
    if (problem := index_meeting_safely(folder.path, settings_of(args))) is not None:
        warn(problem)
    settled = sum(1 for r in results if isinstance(r, Settled))
    sys.stdout.write(f"{folder.id}: {settled} stretches settled with {engine.name}\n")
    return 0
