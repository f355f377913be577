"""The meeting library: every meeting folder under one root.

``Library(root, index=None)``  the meetings under ``root``; an optional ``SearchIndex`` is
                               kept in step on delete and rename
``MeetingInfo``                one line of the listing (date, duration, title, sources, size)
``Listing``                    meetings newest first, plus the folders skipped and why
``Library.listing()``          every readable meeting (unreadable folders are skipped)
``Library.resolve(ref)``       id, unique id prefix, "last" or exact title -> MeetingFolder;
                               unknown -> ``MeetingNotFound`` naming close matches
``Library.delete(ref)``        remove the folder (audio included) and its index rows
``Library.rename(ref, title)`` new title in meeting.json, notes.md and the index
``Library.apply_retention(keep_audio, now)``  delete audio of complete meetings past the
                               ``Settings.keep_audio`` limit ("forever" | "no" | "days:N")
"""

from __future__ import annotations

import difflib
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loopnote.config import check_keep_audio
from loopnote.errors import MeetingNotFound, StoreError
from loopnote.store.folder import MeetingFolder, holds_files, is_meeting_dir, meeting_dirs
from loopnote.store.index import SearchIndex
from loopnote.store.journal import write_atomic
from loopnote.store.notes import display_title
from loopnote.types import Source


@dataclass(frozen=True)
class MeetingInfo:
    id: str
    title: str
    started_wall: float
    started: str  # ISO 8601 UTC
    duration: float | None
    sources: tuple[Source, ...]
    size_bytes: int
    status: str
    path: Path

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "started": self.started,
            "started_wall": self.started_wall,
            "duration": None if self.duration is None else round(self.duration, 3),
            "sources": list(self.sources),
            "size_bytes": self.size_bytes,
            "status": self.status,
            "path": str(self.path),
        }


@dataclass(frozen=True)
class Listing:
    meetings: tuple[MeetingInfo, ...]  # newest first
    skipped: tuple[tuple[str, str], ...]  # (folder name, reason)


def _info(folder: MeetingFolder) -> MeetingInfo:
    m = folder.meta
    return MeetingInfo(
        m.id,
        m.title,
        m.started_wall,
        m.started,
        m.duration,
        m.sources,
        folder.size_bytes(),
        m.status,
        folder.path,
    )


def _is_folder_name(ref: str) -> bool:
    """A plain folder name: no separator of any platform (Windows takes "\\" as one too),
    no drive, not hidden, so that root / ref stays under the root."""
    return bool(ref) and not ref.startswith(".") and not any(c in ref for c in "/\\:")


class Library:
    def __init__(self, root: Path, index: SearchIndex | None = None) -> None:
        self.root = root
        self.index = index

    def _open_all(self) -> tuple[list[MeetingFolder], list[tuple[str, str]]]:
        folders: list[MeetingFolder] = []
        skipped: list[tuple[str, str]] = []
        for path in meeting_dirs(self.root):
            try:
                folders.append(MeetingFolder.open(path))
            except StoreError as e:
                if not holds_files(path):
                    continue  # an empty leftover of an interrupted start: nothing to show
                reason = str(e)
                skipped.append(
                    (path.name, reason if path.name in reason else f"{path.name}: {reason}")
                )
        folders.sort(key=lambda f: (f.meta.started_wall, f.id), reverse=True)
        return folders, skipped

    def listing(self) -> Listing:
        folders, skipped = self._open_all()
        return Listing(tuple(_info(f) for f in folders), tuple(skipped))

    def resolve(self, ref: str) -> MeetingFolder:
        """The meeting named by ``ref``: "last", an id, a unique id prefix or a title."""
        ref = ref.strip()
        path = self.root / ref
        if _is_folder_name(ref) and is_meeting_dir(path):
            return MeetingFolder.open(path)
        folders, _ = self._open_all()
        if ref == "last":
            if not folders:
                raise MeetingNotFound(f"no meetings yet in {self.root}")
            return folders[0]
        by_prefix = [f for f in folders if ref and f.id.startswith(ref)]
        if len(by_prefix) == 1:
            return by_prefix[0]
        if len(by_prefix) > 1:
            ids = ", ".join(f.id for f in by_prefix[:5])
            raise MeetingNotFound(
                f"'{ref}' matches {len(by_prefix)} meetings ({ids}); give more of the id"
            )
        by_title = [f for f in folders if f.meta.title and f.meta.title.lower() == ref.lower()]
        if len(by_title) == 1:
            return by_title[0]
        all_ids = [f.id for f in folders]
        close = difflib.get_close_matches(ref, all_ids, n=3, cutoff=0.6)
        titles = {f.meta.title: f.id for f in folders if f.meta.title}
        close += [
            titles[t]
            for t in difflib.get_close_matches(ref, list(titles), n=3, cutoff=0.6)
            if titles[t] not in close
        ]
        hint = f"; did you mean {', '.join(close[:3])}?" if close else ""
        given = Path(ref).expanduser()
        if is_meeting_dir(given):  # a meeting folder's path, not its name
            hint = f"; to open that folder, give its name and --out {given.resolve().parent}"
        elif not folders:
            hint = f"; there are no meetings in {self.root}"
        elif not close:
            hint = "; 'loopnote meetings' lists them"
        raise MeetingNotFound(f"no meeting '{ref}'{hint}")

    def delete(self, ref: str) -> str:
        """Remove a meeting completely; returns its id. A folder too damaged to open can
        still be deleted by its exact name."""
        try:
            folder = self.resolve(ref)
            path, mid = folder.path, folder.id
        except MeetingNotFound:
            raise
        except StoreError:
            path, mid = self.root / ref, ref
            if not _is_folder_name(ref) or not path.is_dir():
                raise
        try:
            shutil.rmtree(path)
        except OSError as e:
            raise StoreError(f"cannot delete {path}: {e.strerror or e}") from None
        if self.index is not None:
            self.index.remove_meeting(mid)
        return mid

    def rename(self, ref: str, title: str) -> MeetingFolder:
        title = " ".join(title.split())
        if not title:
            raise StoreError("a title needs at least one word")
        folder = self.resolve(ref)
        old = display_title(folder.meta)
        folder.set_title(title)
        notes = folder.read_notes()
        if notes is not None and notes.startswith(f"# {old}\n"):
            write_atomic(folder.notes_path, f"# {title}\n" + notes[len(old) + 3 :])
        if self.index is not None:
            self.index.set_title(folder.id, title)
        return folder

    def apply_retention(self, keep_audio: str, now_wall: float) -> list[str]:
        """Delete ``audio/`` of finished meetings older than the limit; returns their ids."""
        days = check_keep_audio(keep_audio)
        if days is None:
            return []
        pruned: list[str] = []
        folders, _ = self._open_all()
        for f in folders:
            m = f.meta
            if m.status != "complete" or not f.audio_dir.exists():  # recover needs the rest
                continue
            ended = m.ended_wall if m.ended_wall is not None else m.started_wall
            if now_wall - ended >= days * 86400:
                try:
                    shutil.rmtree(f.audio_dir)
                except OSError as e:
                    raise StoreError(f"cannot delete {f.audio_dir}: {e.strerror or e}") from None
                pruned.append(f.id)
        return pruned


def format_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
