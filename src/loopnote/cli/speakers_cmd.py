"""``loopnote speakers MEETING``: who said what in a finished meeting.

``register(sub)``  adds the subcommand

The first run diarizes the meeting's recorded system audio (the mic is "you"), labels each
of "their" utterances with a speaker (``relabel`` events), and records the names the
conversation supports (``speaker`` events, ``how: "conversation"``). Later runs list the
speakers; ``--again`` diarizes anew (speaker ids follow the old ones where the same
utterances agree). ``--rename "Speaker 2=Marcus"`` names a speaker (``how: "user"``); with
``--remember`` the voice is kept in the data dir (opt-in, local), and later diarizations
name a speaker whose voice clearly matches (``how: "voiceprint"``). ``--voices`` lists the
remembered voices (``--voices --rename "Marcus=Marcus Lee"`` renames one), ``--forget NAME``
deletes one. The transcript journal is never rewritten: readers apply the events.
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from typing import Any

import numpy as np

from loopnote.audio.recorder import read_source_mono
from loopnote.cli.library_cmd import add_out_option, open_library, settings_of, warn
from loopnote.cli.progress import share_line
from loopnote.config import data_dir
from loopnote.errors import AudioDecodeError, UsageError
from loopnote.store import MeetingFolder, index_meeting_safely
from loopnote.store.speakers import (
    clean_speaker_name,
    follow_ids,
    part_id,
    plan_speaker_renames,
    record_speaker_renames,
    refresh_notes_transcript,
    speaker_rows,
)
from loopnote.store.voices import (
    VOICE_MARGIN,
    VOICE_MATCH,
    Voice,
    VoiceStore,
    load_meeting_voiceprints,
    save_meeting_voiceprints,
)

log = logging.getLogger(__name__)


def register(sub: Any) -> None:
    p = sub.add_parser(
        "speakers",
        help="tell the voices of a meeting apart and name them",
        description="Label who said what in a finished meeting (from its recorded audio), "
        "name speakers from the conversation, and rename them. Needs the optional extra "
        "loopnote[speakers].",
    )
    p.add_argument(
        "meeting", metavar="MEETING", nargs="?", help='meeting id, unique prefix, or "last"'
    )
    p.add_argument(
        "--rename",
        metavar='"OLD=NEW"',
        action="append",
        default=[],
        help='name a speaker, e.g. "Speaker 2=Marcus" (repeatable)',
    )
    p.add_argument("--again", action="store_true", help="diarize again from the audio")
    p.add_argument(
        "--remember",
        action="store_true",
        help="with --rename: keep the voice (in your data dir, on this machine) so later "
        "meetings know it",
    )
    p.add_argument(
        "--voices",
        action="store_true",
        help="list the remembered voices (with --rename: rename one)",
    )
    p.add_argument("--forget", metavar="NAME", help="delete a remembered voice")
    p.add_argument("--json", action="store_true", help="the speakers as JSON")
    add_out_option(p)
    p.set_defaults(func=run)


def _parse_renames(items: list[str]) -> list[tuple[str, str]]:
    out = []
    for item in items:
        old, sep, new = item.partition("=")
        if not sep or not old.strip():
            raise UsageError(f'--rename wants "OLD=NEW" (e.g. "Speaker 2=Marcus"), not {item!r}')
        try:
            new = clean_speaker_name(new)
        except UsageError as e:
            raise UsageError(f"--rename {item!r}: {e}") from None
        out.append((old.strip(), new))
    return out


def _rename(
    folder: MeetingFolder, renames: list[tuple[str, str]], remember: VoiceStore | None
) -> None:
    plan = plan_speaker_renames(folder, renames)  # every rename is checked before any is kept
    model, prints = load_meeting_voiceprints(folder.path)
    if remember is not None:
        missing = [r.name for r in plan if r.speaker_id not in prints]
        if missing:
            raise UsageError(
                f"no voiceprint of {', '.join(missing)} in {folder.id}; run "
                f"'loopnote speakers {folder.id} --again' first"
            )
        for r in plan:
            remember.remember(Voice(r.name, prints[r.speaker_id], model, time.time()))
    record_speaker_renames(folder, plan)


def _diarize(folder: MeetingFolder) -> None:
    from loopnote.speakers import (
        SegmentationModel,
        Turn,
        cut_times,
        diarize,
        load_embedder,
        propose_names,
        split_by_speaker,
    )

    embedder = load_embedder()  # before reading audio: a missing extra fails fast
    segmenter = SegmentationModel.load()
    try:
        mono = read_source_mono(folder.path, "system")
    except AudioDecodeError:
        raise UsageError(
            f"{folder.id} has no recorded system audio to tell speakers apart "
            "(recorded without --keep-audio, or its audio was deleted)"
        ) from None
    progress = share_line(f"Telling the speakers of {folder.id} apart")
    result = diarize(mono, embedder, segmenter=segmenter, progress=progress)
    voices = VoiceStore(data_dir())
    old = folder.speaker_book()
    utterances = folder.load_utterances()
    wall = time.time()
    fresh: dict[str, str] = {}  # utterance (or part) id -> speaker
    for u in utterances:
        if u.source != "system":
            continue
        parts = split_by_speaker(u.start, u.end, u.words, result.turns)
        cuts = cut_times(parts)
        if cuts != old.splits.get(u.id, []):  # one speaker per utterance, to a word
            folder.append_event("split", {"utterance_id": u.id, "at": cuts, "wall": wall})
        for k, part in enumerate(parts):
            if part.speaker is not None:
                fresh[part_id(u.id, k)] = part.speaker
    mapping = follow_ids(fresh, old.labels)
    for uid, spk in fresh.items():
        sid = mapping.get(spk, spk)
        if old.labels.get(uid) != sid:
            folder.append_event("relabel", {"utterance_id": uid, "speaker": sid, "wall": wall})
    save_meeting_voiceprints(
        folder.path,
        embedder.name,
        {mapping.get(k, k): v for k, v in result.centroids.items()},
    )
    book = folder.speaker_book()
    for spk, centroid in result.centroids.items():
        sid = mapping.get(spk, spk)
        hit = voices.match(
            centroid.astype(np.float32), embedder.name, at_least=VOICE_MATCH, margin=VOICE_MARGIN
        )
        if hit is not None and book.names.get(sid) is None:
            folder.append_event(
                "speaker",
                {
                    "id": sid,
                    "name": hit[0],
                    "how": "voiceprint",
                    "score": round(hit[1], 3),
                    "wall": wall,
                },
            )
    book = folder.speaker_book()
    turns = [
        Turn(u.id, who, u.text)
        for u in sorted(book.split(utterances), key=lambda u: u.start)
        if (who := book.speaker_id(u)) is not None
    ]
    for p in propose_names(turns):
        if book.names.get(p.speaker) is None:  # a name the user gave is never replaced
            folder.append_event(
                "speaker",
                {
                    "id": p.speaker,
                    "name": p.name,
                    "how": "conversation",
                    "score": p.score,
                    "wall": wall,
                },
            )


def _voices(args: argparse.Namespace, renames: list[tuple[str, str]]) -> int:
    store = VoiceStore(data_dir())
    if args.forget is not None:
        if not store.forget(args.forget.strip()):
            raise UsageError(f"no remembered voice {args.forget!r}")
        print(f"Forgot {args.forget.strip()}'s voice.")
        return 0
    for old, new in renames:
        if not store.rename(old, new):
            raise UsageError(f"no remembered voice {old!r}")
    voices = store.voices()
    if args.json:
        print(
            json.dumps([{"name": v.name, "model": v.model, "updated": v.updated} for v in voices])
        )
    elif not voices:
        print("No remembered voices (opt in with --rename ... --remember).")
    for v in voices if not args.json else []:
        print(f"{v.name}  (remembered {time.strftime('%Y-%m-%d', time.localtime(v.updated))})")
    return 0


def run(args: argparse.Namespace) -> int:
    renames = _parse_renames(args.rename)
    if args.voices or args.forget is not None:
        return _voices(args, renames)
    if args.meeting is None:
        raise UsageError('which meeting? give its id, a unique prefix or "last"')
    if args.remember and not renames:
        raise UsageError('--remember goes with --rename "Speaker 2=Marcus"')
    folder = open_library(args).resolve(args.meeting)
    if renames:
        _rename(folder, renames, VoiceStore(data_dir()) if args.remember else None)
    elif args.again or not folder.speaker_book().diarized:
        _diarize(folder)
    refresh_notes_transcript(folder)
    folder.close()
    if (problem := index_meeting_safely(folder.path, settings_of(args))) is not None:
        warn(problem)
    rows = speaker_rows(folder)
    if args.json:
        print(json.dumps(rows, indent=2, ensure_ascii=False))
        return 0
    for r in rows:
        how = f" ({r['how']})" if r["how"] and r["how"] != "user" else ""
        print(f"{r['id']:>4}  {r['label']}{how}  {r['utterances']} utterances, {r['seconds']} s")
    return 0
