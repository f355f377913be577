"""Exports of one meeting: Markdown, JSON, SubRip, WebVTT, plain text.

``FORMATS``           ("md", "json", "srt", "vtt", "txt")
``export_text``       a meeting folder -> the text of one format
``export_json``       the JSON export as a dict (meeting, utterances with words, the newest
                      revision of every summary node, alerts, events)
``export_schema``     the JSON Schema the JSON export follows (shipped in loopnote/data)
``write_export``      write an export to a file; an unwritable path is one ``StoreError`` line
``EXPORT_VERSION``    version of the JSON export format
"""

from __future__ import annotations

import datetime as dt
import json
from importlib import resources
from pathlib import Path
from typing import Any, cast

from loopnote.errors import StoreError, UsageError
from loopnote.store.folder import MeetingFolder
from loopnote.store.journal import write_atomic
from loopnote.store.notes import display_title, render_notes, transcript_lines
from loopnote.store.subtitles import SubtitleOptions, make_cues, to_srt, to_vtt

FORMATS: tuple[str, ...] = ("md", "json", "srt", "vtt", "txt")
EXPORT_VERSION = 1
SCHEMA_RESOURCE = "meeting-export.schema.json"


def export_schema() -> dict[str, Any]:
    text = resources.files("loopnote").joinpath("data", SCHEMA_RESOURCE).read_text("utf-8")
    return cast(dict[str, Any], json.loads(text))


def _utterance_dicts(folder: MeetingFolder) -> list[dict[str, Any]]:
    """Utterances with their final ``speaker`` id and ``speaker_name`` (relabels and names
    from the events applied)."""
    book = folder.speaker_book()
    out = []
    for u in book.split(folder.load_utterances()):
        d = u.to_dict()
        sid = book.speaker_id(u)
        if sid is not None:
            d["speaker"] = sid
            d["speaker_name"] = book.name(sid)
        out.append(d)
    return out


def export_json(folder: MeetingFolder) -> dict[str, Any]:
    return {
        "format": "loopnote-meeting",
        "export_version": EXPORT_VERSION,
        "meeting": folder.meta.to_dict(),
        "utterances": _utterance_dicts(folder),
        "summaries": [n.to_dict() for n in folder.load_summaries(latest=True)],
        "alerts": [a.to_dict() for a in folder.load_alerts()],
        "events": folder.load_events(),
    }


def _plain_text(folder: MeetingFolder) -> str:
    meta = folder.meta
    when = dt.datetime.fromtimestamp(meta.started_wall, tz=dt.UTC)
    lines = transcript_lines(folder.load_labelled_utterances())
    return f"{display_title(meta)}\n{when:%Y-%m-%d %H:%M} UTC\n\n" + "".join(
        line + "\n" for line in lines
    )


def export_text(folder: MeetingFolder, fmt: str, subtitles: SubtitleOptions | None = None) -> str:
    """The meeting in format ``fmt`` (one of ``FORMATS``)."""
    if fmt == "md":
        notes = folder.read_notes()
        return notes if notes else render_notes(folder.meta, "", folder.load_labelled_utterances())
    if fmt == "json":
        return json.dumps(export_json(folder), ensure_ascii=False, indent=2) + "\n"
    if fmt == "srt":
        return to_srt(make_cues(folder.load_labelled_utterances(), subtitles))
    if fmt == "vtt":
        return to_vtt(make_cues(folder.load_labelled_utterances(), subtitles))
    if fmt == "txt":
        return _plain_text(folder)
    raise UsageError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")


def write_export(text: str, path: Path) -> None:
    """Write ``text`` to ``path`` (readable by the user only), replacing any old file."""
    if path.is_dir():
        raise StoreError(f"cannot write {path}: it is a directory")
    if not path.parent.is_dir():
        raise StoreError(f"cannot write {path}: folder {path.parent} does not exist")
    write_atomic(path, text)
