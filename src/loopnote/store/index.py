"""The search index: SQLite FTS5 over every meeting's transcript, summaries, notes and title.

``SearchIndex(path)``        open (or create) the index; one writer at a time (a lock here,
                             WAL + busy timeout across processes)
``index_meeting(folder)``    (re)index one meeting from its folder
``add_utterance(folder, u)`` incremental: one utterance as it is committed
``add_summary(folder, n)``   incremental: a summary node's newest revision replaces the old
``set_title``, ``remove_meeting``  keep the index in step with the library
``search(query)``            ``SearchHit``s (meeting, time, snippet), best first
``rebuild(root)``            drop everything and index every folder under ``root``
``default_index_path()``     ``<data dir>/index.sqlite3``
``index_meeting_safely(path)``  index a finished meeting; a warning line instead of raising
``fts_query(text)``          user text -> a safe FTS5 query (words ANDed, "quoted phrases",
                             ``word*`` prefixes)

The folders are the source of truth: the index is disposable. A damaged index file is
replaced by an empty one (``SearchIndex.warnings`` says so); ``reindex`` fills it again.
"""

from __future__ import annotations

import contextlib
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loopnote.config import Settings, data_dir
from loopnote.errors import StoreError, UsageError
from loopnote.store.folder import MeetingFolder, meeting_dirs
from loopnote.store.journal import make_private_dir
from loopnote.store.notes import notes_header
from loopnote.types import SummaryNode, Utterance

INDEX_VERSION = 1
INDEX_FILE = "index.sqlite3"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meetings(
    id TEXT PRIMARY KEY, title TEXT NOT NULL, started_wall REAL NOT NULL, folder TEXT NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS docs USING fts5(
    text, meeting_id UNINDEXED, kind UNINDEXED, ref UNINDEXED, t UNINDEXED, source UNINDEXED,
    tokenize = 'porter unicode61 remove_diacritics 2');
"""

# a time written in the notes: "(0:02)", "[01:02:03]", "(12:34)"
_CLOCK = re.compile(r"[\[(](?:(\d{1,2}):)?(\d{1,3}):([0-5]\d)[\])]")


def default_index_path() -> Path:
    return data_dir() / INDEX_FILE


@dataclass(frozen=True)
class SearchHit:
    meeting_id: str
    title: str
    started_wall: float
    kind: str  # "transcript" | "summary" | "notes" | "title"
    t: float | None  # session seconds of the hit, when it has a time
    snippet: str  # the matching text around the hit, matches marked
    ref: str = ""  # utterance id or summary node id
    source: str = ""  # "system" | "mic" for transcript hits

    def to_dict(self) -> dict[str, Any]:
        return {
            "meeting_id": self.meeting_id,
            "title": self.title,
            "started_wall": self.started_wall,
            "kind": self.kind,
            "t": None if self.t is None else round(self.t, 3),
            "snippet": self.snippet,
            "ref": self.ref,
            "source": self.source,
        }


@dataclass(frozen=True)
class ReindexReport:
    indexed: int
    skipped: tuple[tuple[str, str], ...]  # (folder name, reason)


def fts_query(text: str) -> str:
    """Words are ANDed; "double quotes" keep a phrase; a trailing * matches a prefix."""
    parts: list[str] = []
    for phrase, bare in re.findall(r'"([^"]*)"|(\S+)', text):
        words = re.findall(r"\w+", phrase or bare)
        if not words:
            continue
        quoted = '"' + " ".join(words) + '"'
        if bare and bare.endswith("*"):
            quoted += "*"
        parts.append(quoted)
    if not parts:
        raise UsageError("search needs at least one word")
    return " ".join(parts)


def _note_rows(text: str) -> Iterator[tuple[str, float | None]]:
    """Paragraphs of the notes above the transcript, with a time if one is written."""
    for para in re.split(r"\n\s*\n|\n(?=\s*[-*] |\s*\d+\. |#)", notes_header(text)):
        p = para.strip()
        if not p or p.startswith("# ") or p.startswith("> Recorded with loopnote"):
            continue
        m = _CLOCK.search(p)
        t = None if m is None else int(m[1] or 0) * 3600 + int(m[2]) * 60 + int(m[3])
        yield p, None if t is None else float(t)


class SearchIndex:
    """One SQLite file; safe to share between threads (writes are serialized)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or default_index_path()
        self.warnings: list[str] = []
        self._lock = threading.Lock()
        self._db = self._connect()

    def _connect(self) -> sqlite3.Connection:
        try:
            make_private_dir(self.path.parent)
        except OSError as e:
            raise StoreError(f"cannot create {self.path.parent}: {e.strerror or e}") from None
        for attempt in range(2):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                os.close(fd)
                db = sqlite3.connect(
                    self.path, timeout=10.0, check_same_thread=False, isolation_level=None
                )
                db.execute("PRAGMA journal_mode=WAL")
                version = db.execute("PRAGMA user_version").fetchone()[0]
                if version not in (0, INDEX_VERSION):
                    db.executescript("DROP TABLE IF EXISTS docs; DROP TABLE IF EXISTS meetings;")
                db.executescript(_SCHEMA)
                db.execute(f"PRAGMA user_version = {INDEX_VERSION}")
                return db
            except sqlite3.DatabaseError as e:
                if attempt:
                    raise StoreError(f"cannot open the search index {self.path}: {e}") from None
                self.warnings.append(
                    f"the search index was damaged ({e}); it was reset, "
                    "run 'loopnote reindex' to fill it again"
                )
                with contextlib.suppress(NameError):
                    db.close()
                for suffix in ("", "-wal", "-shm"):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(f"{self.path}{suffix}")
            except OSError as e:
                raise StoreError(
                    f"cannot open the search index {self.path}: {e.strerror or e}"
                ) from None
        raise AssertionError("unreachable")

    # ----- writing --------------------------------------------------------------------

    def _write(self, statements: Iterable[tuple[str, tuple[Any, ...]]]) -> None:
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    for sql, params in statements:
                        self._db.execute(sql, params)
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            except sqlite3.Error as e:
                raise StoreError(f"cannot write the search index {self.path}: {e}") from None

    @staticmethod
    def _meeting_row(folder: MeetingFolder) -> tuple[str, tuple[Any, ...]]:
        m = folder.meta
        return (
            "INSERT OR REPLACE INTO meetings(id, title, started_wall, folder) VALUES (?, ?, ?, ?)",
            (m.id, m.title, m.started_wall, str(folder.path)),
        )

    @staticmethod
    def _doc(
        mid: str, kind: str, text: str, ref: str = "", t: float | None = None, source: str = ""
    ) -> tuple[str, tuple[Any, ...]]:
        return (
            "INSERT INTO docs(text, meeting_id, kind, ref, t, source) VALUES (?, ?, ?, ?, ?, ?)",
            (text, mid, kind, ref, t, source),
        )

    def _meeting_statements(self, folder: MeetingFolder) -> list[tuple[str, tuple[Any, ...]]]:
        mid = folder.id
        out = [("DELETE FROM docs WHERE meeting_id = ?", (mid,)), self._meeting_row(folder)]
        if folder.meta.title:
            out.append(self._doc(mid, "title", folder.meta.title))
        # a line cut where the speaker changes is one hit per part, each with its speaker
        for u in folder.speaker_book().split(folder.load_utterances()):
            out.append(self._doc(mid, "transcript", u.text, u.id, u.start, u.source))
        for n in folder.load_summaries():
            out.append(self._doc(mid, "summary", n.text, n.node_id, n.start))
        notes = folder.read_notes()
        if notes:
            for text, t in _note_rows(notes):
                out.append(self._doc(mid, "notes", text, "", t))
        return out

    def index_meeting(self, folder: MeetingFolder) -> None:
        """Replace everything the index holds about this meeting with the folder's content."""
        self._write(self._meeting_statements(folder))

    def add_utterance(self, folder: MeetingFolder, u: Utterance) -> None:
        self._write(
            [
                self._meeting_row(folder),
                (
                    "DELETE FROM docs WHERE meeting_id = ? AND kind = 'transcript' AND ref = ?",
                    (folder.id, u.id),
                ),
                self._doc(folder.id, "transcript", u.text, u.id, u.start, u.source),
            ]
        )

    def add_summary(self, folder: MeetingFolder, node: SummaryNode) -> None:
        self._write(
            [
                self._meeting_row(folder),
                (
                    "DELETE FROM docs WHERE meeting_id = ? AND kind = 'summary' AND ref = ?",
                    (folder.id, node.node_id),
                ),
                self._doc(folder.id, "summary", node.text, node.node_id, node.start),
            ]
        )

    def set_title(self, meeting_id: str, title: str) -> None:
        stmts = [
            ("UPDATE meetings SET title = ? WHERE id = ?", (title, meeting_id)),
            ("DELETE FROM docs WHERE meeting_id = ? AND kind = 'title'", (meeting_id,)),
        ]
        if title:
            stmts.append(self._doc(meeting_id, "title", title))
        self._write(stmts)

    def remove_meeting(self, meeting_id: str) -> None:
        self._write(
            [
                ("DELETE FROM docs WHERE meeting_id = ?", (meeting_id,)),
                ("DELETE FROM meetings WHERE id = ?", (meeting_id,)),
            ]
        )

    def rebuild(self, root: Path) -> ReindexReport:
        """Empty the index and index every readable meeting folder under ``root``."""
        stmts: list[tuple[str, tuple[Any, ...]]] = [
            ("DELETE FROM docs", ()),
            ("DELETE FROM meetings", ()),
        ]
        skipped: list[tuple[str, str]] = []
        indexed = 0
        for path in meeting_dirs(root):
            try:
                stmts.extend(self._meeting_statements(MeetingFolder.open(path)))
                indexed += 1
            except StoreError as e:
                reason = str(e)
                skipped.append(
                    (path.name, reason if path.name in reason else f"{path.name}: {reason}")
                )
        self._write(stmts)
        return ReindexReport(indexed, tuple(skipped))

    # ----- reading --------------------------------------------------------------------

    def meeting_ids(self) -> set[str]:
        with self._lock:
            return {r[0] for r in self._db.execute("SELECT id FROM meetings")}

    def count(self, meeting_id: str) -> int:
        with self._lock:
            row = self._db.execute(
                "SELECT count(*) FROM docs WHERE meeting_id = ?", (meeting_id,)
            ).fetchone()
        return int(row[0])

    def search(
        self,
        query: str,
        *,
        limit: int = 50,
        meeting_id: str | None = None,
        mark: tuple[str, str] = ("**", "**"),
    ) -> list[SearchHit]:
        """Hits for ``query`` (see ``fts_query``), best first; meetings whose folder is
        gone are left out."""
        sql = (
            "SELECT d.meeting_id, m.title, m.started_wall, d.kind, d.t, "
            "snippet(docs, 0, ?, ?, '…', 16), d.ref, d.source, m.folder "
            "FROM docs d JOIN meetings m ON m.id = d.meeting_id WHERE docs MATCH ?"
        )
        params: list[Any] = [mark[0], mark[1], fts_query(query)]
        if meeting_id is not None:
            sql += " AND d.meeting_id = ?"
            params.append(meeting_id)
        sql += " ORDER BY rank LIMIT ?"
        params.append(limit)
        with self._lock:
            try:
                rows = self._db.execute(sql, params).fetchall()
            except sqlite3.Error as e:
                raise StoreError(f"search failed: {e}") from None
        hits: list[SearchHit] = []
        seen: set[tuple[str, str]] = set()
        for r in rows:
            if r[3] != "transcript" and (r[0], r[5]) in seen:
                continue  # a summary level or a note repeating the same text adds nothing
            seen.add((r[0], r[5]))
            if Path(r[8]).is_dir():
                hits.append(SearchHit(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]))
        return hits

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def index_meeting_safely(
    folder: Path, settings: Settings | None = None, *, index_path: Path | None = None
) -> str | None:
    """Index one finished meeting; returns a warning line instead of raising.

    The index lives in the data dir whatever ``settings`` say (it is accepted so callers
    can pass what they have); a failure never loses the meeting, ``reindex`` can redo it.
    """
    del settings
    try:
        with SearchIndex(index_path) as index:
            index.index_meeting(MeetingFolder.open(folder))
    except StoreError as e:
        return f"the search index was not updated ({e}); run 'loopnote reindex'"
    return None
