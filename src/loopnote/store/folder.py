"""One folder per meeting, crash-safe and readable by the user only.

``MeetingFolder.create(root, meta)``  make a new folder (0700) with a fresh, unique id
``MeetingFolder.open(path)``          open an existing folder (migrating an older format)
``append_utterance/summary/alert``    add one record to its journal (on disk on return)
``append_event/warning/bookmark/source_change``  add to ``events.jsonl``
``write_notes(notes_markdown)``       (re)write ``notes.md`` from the journals
``load_utterances/summaries/alerts/events``  read the journals back (torn lines skipped);
                                      utterances settled where present (``live=True``: as heard)
``append_settled(utterances, replaces, model, how)``  add settled utterances (store/settled.py)
``speaker_book()``, ``load_labelled_utterances()``  speaker labels and names (from events)
``update(...)``, ``finish(...)``      rewrite ``meeting.json`` atomically
``set_language(source, code)``        the language a source was detected to speak
``new_meeting_id(wall)``              "2026-11-22-0105-ab12": sortable, readable
``meeting_dirs(root)``                candidate meeting folders under a root, by name
``holds_files(path)``                 whether a folder holds anything (else: a leftover)

Layout::

    <root>/<id>/meeting.json       metadata (schema_version first)
                transcript.jsonl   one Utterance per line
                summaries.jsonl    SummaryNode revisions, appended
                alerts.jsonl       Alerts
                events.jsonl       warnings, bookmarks, source switches
                settled.jsonl      the settled transcript (store/settled.py)
                notes.md           notes + timestamped transcript
                audio/             recorded audio (written by the recorder)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import secrets
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

from loopnote import host
from loopnote.errors import StoreError
from loopnote.store.journal import (
    DIR_MODE,
    Journal,
    make_private_dir,
    read_jsonl,
    write_atomic,
)
from loopnote.store.notes import render_notes
from loopnote.store.schema import MeetingMeta, Status, migrate
from loopnote.store.settled import SETTLED, apply_settled, settled_record
from loopnote.store.speakers import SpeakerBook
from loopnote.types import Alert, CatchUpCard, SessionWarning, Source, SummaryNode, Utterance

META = "meeting.json"
TRANSCRIPT = "transcript.jsonl"
SUMMARIES = "summaries.jsonl"
ALERTS = "alerts.jsonl"
EVENTS = "events.jsonl"
NOTES = "notes.md"
AUDIO = "audio"


def new_meeting_id(wall: float) -> str:
    """UTC minute of the start plus four random hex digits."""
    when = dt.datetime.fromtimestamp(wall, tz=dt.UTC)
    return f"{when:%Y-%m-%d-%H%M}-{secrets.token_hex(2)}"


def _alert_from_dict(d: dict[str, Any]) -> Alert:
    card = d.get("card")
    return Alert(
        kind="name",
        term=str(d["term"]),
        heard=str(d.get("heard", "")),
        utterance_id=None if d.get("utterance_id") is None else str(d["utterance_id"]),
        t=float(d["t"]),
        score=float(d.get("score", 0.0)),
        card=CatchUpCard.from_dict(card) if isinstance(card, dict) else None,
    )


class MeetingFolder:
    """A meeting on disk. Appends are thread-safe; each journal has one open handle."""

    def __init__(self, path: Path, meta: MeetingMeta) -> None:
        self.path = path
        self._meta = meta
        self._journals: dict[str, Journal] = {}
        self.skipped_lines = 0  # unreadable journal lines seen by the last loads

    # ----- creating and opening -------------------------------------------------------

    @classmethod
    def create(cls, root: Path, meta: MeetingMeta) -> MeetingFolder:
        """A new folder under ``root``; ``meta.id`` is used if set, else a fresh id."""
        try:
            make_private_dir(root)
        except OSError as e:
            raise StoreError(f"cannot create {root}: {e.strerror or e}") from None
        for _ in range(50):
            mid = meta.id or new_meeting_id(meta.started_wall)
            path = root / mid
            try:
                os.mkdir(path, DIR_MODE)
            except FileExistsError:
                if meta.id:
                    raise StoreError(f"a meeting {mid} already exists in {root}") from None
                continue
            except OSError as e:
                raise StoreError(f"cannot create {path}: {e.strerror or e}") from None
            try:
                host.restrict(path, DIR_MODE)
                make_private_dir(path / AUDIO)
                folder = cls(path, replace(meta, id=mid))
                folder._write_meta()
            except BaseException:
                # no folder without its meeting.json: it would be listed as broken forever
                shutil.rmtree(path, ignore_errors=True)
                raise
            return folder
        raise StoreError(f"cannot find a free meeting id in {root}")

    @classmethod
    def open(cls, path: Path) -> MeetingFolder:
        """Open a meeting folder; raises ``StoreError`` if it is not a readable meeting."""
        meta_path = path / META
        try:
            raw = json.loads(meta_path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise StoreError(f"{path.name}: no {META}, not a meeting folder") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise StoreError(f"{path.name}: {META} cannot be read ({e})") from None
        if not isinstance(raw, dict):
            raise StoreError(f"{path.name}: {META} is not an object")
        raw = migrate(path, raw, write=lambda d: write_atomic(meta_path, _dumps(d)))
        meta = MeetingMeta.from_dict(raw)
        if meta.id != path.name:
            meta = replace(meta, id=path.name)  # the folder name is the id
        return cls(path, meta)

    # ----- metadata -------------------------------------------------------------------

    @property
    def id(self) -> str:
        return self._meta.id

    @property
    def meta(self) -> MeetingMeta:
        return self._meta

    @property
    def audio_dir(self) -> Path:
        return self.path / AUDIO

    @property
    def notes_path(self) -> Path:
        return self.path / NOTES

    def _write_meta(self) -> None:
        write_atomic(self.path / META, _dumps(self._meta.to_dict()))

    def update(self, **changes: Any) -> MeetingMeta:
        """Change metadata fields (title, sources, model, consent, …) and save."""
        self._meta = replace(self._meta, **changes)
        self._write_meta()
        return self._meta

    def set_language(self, source: Source, language: str) -> MeetingMeta:
        """Record the language ``source`` speaks (``languages`` in ``meeting.json``; the
        ``language`` setting there may be ``auto``) and save."""
        extra = dict(self._meta.extra)
        extra["languages"] = {**dict(extra.get("languages") or {}), source: language}
        return self.update(extra=extra)

    def set_title(self, title: str) -> MeetingMeta:
        return self.update(title=" ".join(title.split()))

    def finish(
        self, ended_wall: float, duration: float, status: Status = "complete"
    ) -> MeetingMeta:
        """Mark the meeting ended (``status`` "complete" or "interrupted") and save."""
        return self.update(ended_wall=ended_wall, duration=duration, status=status)

    def size_bytes(self) -> int:
        total = 0
        for dirpath, _dirs, files in os.walk(self.path):
            for f in files:
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(dirpath, f)).st_size
        return total

    # ----- writing --------------------------------------------------------------------

    def _journal(self, name: str) -> Journal:
        j = self._journals.get(name)
        if j is None:
            j = self._journals.setdefault(name, Journal(self.path / name))
        return j

    def append_utterance(self, u: Utterance) -> None:
        self._journal(TRANSCRIPT).append(u.to_dict())

    def append_settled(
        self,
        utterances: Sequence[Utterance],
        replaces: Sequence[Sequence[str]],
        model: str,
        how: str,
    ) -> None:
        """Settled utterances, each with the live ids it replaces (``replaces[i]``)."""
        j = self._journal(SETTLED)
        for u, ids in zip(utterances, replaces, strict=True):
            j.append(settled_record(u, ids, model, how))

    def append_summary(self, node: SummaryNode) -> None:
        self._journal(SUMMARIES).append(node.to_dict())

    def append_alert(self, alert: Alert) -> None:
        self._journal(ALERTS).append(alert.to_dict())

    def append_event(
        self, kind: str, data: dict[str, Any] | None = None, t: float | None = None
    ) -> None:
        """A timeline event: ``{"type": kind, "t": t, **data}``."""
        record: dict[str, Any] = {"type": kind}
        if t is not None:
            record["t"] = round(t, 3)
        record.update(data or {})
        self._journal(EVENTS).append(record)

    def append_warning(self, w: SessionWarning) -> None:
        self.append_event("warning", w.to_dict())

    def append_bookmark(self, t: float, note: str = "") -> None:
        self.append_event("bookmark", {"note": note}, t=t)

    def append_source_change(self, source: Source, device: str, t: float) -> None:
        self.append_event("source", {"source": source, "device": device}, t=t)

    def write_notes(self, notes_markdown: str = "") -> Path:
        """Write ``notes.md``: header, consent line, ``notes_markdown``, transcript."""
        text = render_notes(self._meta, notes_markdown, self.load_labelled_utterances())
        write_atomic(self.notes_path, text)
        return self.notes_path

    def close(self) -> None:
        for j in self._journals.values():
            j.close()
        self._journals.clear()

    def __enter__(self) -> MeetingFolder:
        return self

    def __exit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # ----- reading --------------------------------------------------------------------

    def _records(self, name: str) -> tuple[dict[str, Any], ...]:
        contents = read_jsonl(self.path / name)
        self.skipped_lines += contents.skipped
        return contents.records

    def load_utterances(self, *, live: bool = False) -> list[Utterance]:
        """The transcript: settled where a stretch has settled, else as heard live; with
        ``live`` only what was heard live."""
        out: list[Utterance] = []
        for d in self._records(TRANSCRIPT):
            try:
                out.append(Utterance.from_dict(d))
            except (KeyError, TypeError, ValueError):
                self.skipped_lines += 1
        return out if live else apply_settled(out, self._records(SETTLED))

    def settled_ids(self) -> set[str]:
        """Live utterance ids the settled transcript already replaces."""
        return {str(i) for d in self._records(SETTLED) for i in d.get("replaces", ())}

    def load_summaries(self, *, latest: bool = True) -> list[SummaryNode]:
        """Summary nodes; with ``latest`` only the newest revision of each node."""
        nodes: list[SummaryNode] = []
        for d in self._records(SUMMARIES):
            try:
                nodes.append(SummaryNode.from_dict(d))
            except (KeyError, TypeError, ValueError):
                self.skipped_lines += 1
        if not latest:
            return nodes
        newest: dict[str, SummaryNode] = {}
        for n in nodes:  # later lines win a tie: revisions are appended in order
            old = newest.get(n.node_id)
            if old is None or n.revision >= old.revision:
                newest[n.node_id] = n
        return sorted(newest.values(), key=lambda n: (n.start, n.end, n.level))

    def load_alerts(self) -> list[Alert]:
        out: list[Alert] = []
        for d in self._records(ALERTS):
            try:
                out.append(_alert_from_dict(d))
            except (KeyError, TypeError, ValueError):
                self.skipped_lines += 1
        return out

    def load_events(self) -> list[dict[str, Any]]:
        return list(self._records(EVENTS))

    def speaker_book(self) -> SpeakerBook:
        """Speaker labels and names as the events leave them (the journal is never edited)."""
        return SpeakerBook.from_events(self.load_events())

    def load_labelled_utterances(self) -> list[Utterance]:
        """Utterances with ``speaker`` set to what a reader sees ("Marcus", "Speaker 2")."""
        return self.speaker_book().apply(self.load_utterances())

    def read_notes(self) -> str | None:
        try:
            return self.notes_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as e:
            raise StoreError(f"cannot read {self.notes_path}: {e}") from None


def _dumps(d: dict[str, Any]) -> str:
    return json.dumps(d, ensure_ascii=False, indent=2) + "\n"


def holds_files(path: Path) -> bool:
    """Whether a folder holds any file (temp files of an atomic write aside): a folder
    without one, left by a process killed while creating it, holds nothing to keep."""
    for _dirpath, _dirs, files in os.walk(path):
        if any(not (f.startswith(".") and f.endswith(".tmp")) for f in files):
            return True
    return False


def is_meeting_dir(path: Path) -> bool:
    """Whether ``path`` is a meeting's folder (one with its ``meeting.json``); False for a
    path the system cannot look up at all (a name too long, a NUL byte)."""
    try:
        return (path / META).is_file()
    except (OSError, ValueError):
        return False


def meeting_dirs(root: Path) -> list[Path]:
    """Candidate meeting folders under ``root`` (hidden names skipped), sorted by name."""
    try:
        entries = list(root.iterdir())
    except FileNotFoundError:
        return []
    except OSError as e:
        raise StoreError(f"cannot read {root}: {e.strerror or e}") from None
    return sorted(
        (p for p in entries if p.is_dir() and not p.name.startswith(".")), key=lambda p: p.name
    )
