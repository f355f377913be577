"""The library over HTTP: list, search, one meeting, its audio, exports, rename, delete,
name a speaker.

``LibraryApi(root, index_path)``  the routes, reading the same store as the CLI

A meeting is named only by its exact id, checked against the library: nothing from a request
becomes a path (``MeetingFolder`` finds the files). Search snippets come back as pieces
``[text, is_hit]`` so the page never has to parse markup.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from loopnote.errors import LoopnoteError, MeetingNotFound, StoreError, UsageError
from loopnote.store import (
    FORMATS,
    Library,
    MeetingFolder,
    SearchIndex,
    export_text,
    index_meeting_safely,
    notes_header,
)
from loopnote.store.notes import display_title
from loopnote.store.speakers import YOU, rename_speakers, speaker_rows
from loopnote.types import SOURCES
from loopnote.web.clip import clip_wav, has_audio

log = logging.getLogger(__name__)
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,80}$")
_HIT_OPEN, _HIT_CLOSE = "\ue000", "\ue001"
MEDIA_TYPES = {
    "md": "text/markdown; charset=utf-8",
    "json": "application/json",
    "srt": "application/x-subrip; charset=utf-8",
    "vtt": "text/vtt; charset=utf-8",
    "txt": "text/plain; charset=utf-8",
}


def snippet_pieces(snippet: str) -> list[tuple[str, bool]]:
    """``a \\ue000b\\ue001 c`` -> [("a ", False), ("b", True), (" c", False)]."""
    out: list[tuple[str, bool]] = []
    for part in re.split(f"({_HIT_OPEN}.*?{_HIT_CLOSE})", snippet):
        if part.startswith(_HIT_OPEN):
            out.append((part[1:-1], True))
        elif part:
            out.append((part, False))
    return out


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class LibraryApi:
    def __init__(self, root: Path, index_path: Path | None = None) -> None:
        self.root = root
        self.index_path = index_path

    def routes(self) -> list[Route]:
        return [
            Route("/api/meetings", self.list_meetings),
            Route("/api/search", self.search),
            Route("/api/meetings/{id}", self.meeting),
            Route("/api/meetings/{id}/audio", self.audio),
            Route("/api/meetings/{id}/export/{fmt}", self.export),
            Route("/api/meetings/{id}/rename", self.rename, methods=["POST"]),
            Route("/api/meetings/{id}/delete", self.delete, methods=["POST"]),
            Route("/api/meetings/{id}/speakers", self.rename_speaker, methods=["POST"]),
        ]

    # ----- helpers --------------------------------------------------------------------

    def folder(self, meeting_id: str) -> MeetingFolder | None:
        """The meeting with exactly this id, or None."""
        if not _ID.match(meeting_id):
            return None
        try:
            folder = Library(self.root).resolve(meeting_id)
        except LoopnoteError:
            return None
        return folder if folder.id == meeting_id else None

    async def _run(self, fn: Callable[[], Any]) -> Any:
        # store calls do file and SQLite I/O: keep them off the event loop
        return await asyncio.to_thread(fn)

    # ----- reading --------------------------------------------------------------------

    async def list_meetings(self, request: Request) -> Response:
        def run() -> tuple[list[dict[str, Any]], list[str]]:
            listing = Library(self.root).listing()
            meetings = []
            for m in listing.meetings:
                d = m.to_dict()
                d["speakers"] = _speakers_heard(m.path)
                d.pop("path", None)
                meetings.append(d)
            return meetings, [r for _, r in listing.skipped]

        meetings, skipped = await self._run(run)
        return JSONResponse({"meetings": meetings, "skipped": skipped})

    async def search(self, request: Request) -> Response:
        query = request.query_params.get("q", "").strip()
        if not query:
            return JSONResponse({"hits": []})

        def run() -> list[dict[str, Any]]:
            with SearchIndex(self.index_path) as index:
                hits = index.search(query, limit=100, mark=(_HIT_OPEN, _HIT_CLOSE))
            out = []
            for h in hits:
                d = h.to_dict()
                d["pieces"] = snippet_pieces(h.snippet)
                d["snippet"] = h.snippet.replace(_HIT_OPEN, "").replace(_HIT_CLOSE, "")
                out.append(d)
            return out

        try:
            hits = await self._run(run)
        except UsageError:
            return JSONResponse({"hits": []})
        except StoreError as e:
            return _error(500, str(e))
        return JSONResponse({"hits": hits})

    async def meeting(self, request: Request) -> Response:
        folder = self.folder(request.path_params["id"])
        if folder is None:
            return _error(404, "no such meeting")
        return JSONResponse(await self._run(lambda: meeting_json(folder)))

    async def audio(self, request: Request) -> Response:
        folder = self.folder(request.path_params["id"])
        if folder is None:
            return _error(404, "no such meeting")
        source = request.query_params.get("source", "")
        try:
            start = float(request.query_params.get("start", "0"))
            end = float(request.query_params.get("end", "0"))
        except ValueError:
            return _error(400, "start and end are seconds")
        if source not in SOURCES or not end > start >= 0:
            return _error(400, "give source=system|mic and 0 <= start < end")
        wav = await self._run(lambda: clip_wav(folder.path, source, start, end))
        if wav is None:
            return _error(404, f"no {source} audio was kept for this meeting")
        return Response(wav, media_type="audio/wav")

    async def export(self, request: Request) -> Response:
        folder = self.folder(request.path_params["id"])
        fmt = request.path_params["fmt"]
        if folder is None:
            return _error(404, "no such meeting")
        if fmt not in FORMATS:
            return _error(404, f"no export format {fmt!r}")
        text = await self._run(lambda: export_text(folder, fmt))
        name = f"{folder.id}.{fmt}"
        return PlainTextResponse(
            text,
            media_type=MEDIA_TYPES[fmt],
            headers={"content-disposition": f'attachment; filename="{name}"'},
        )

    # ----- changes (POST; the guard checked Origin and the page's token) --------------

    async def rename(self, request: Request) -> Response:
        folder = self.folder(request.path_params["id"])
        if folder is None:
            return _error(404, "no such meeting")
        try:
            body = await request.json()
            title = str(body["title"])
        except Exception:
            return _error(400, 'send {"title": "..."}')

        def run() -> str:
            with SearchIndex(self.index_path) as index:
                return Library(self.root, index).rename(folder.id, title).meta.title

        try:
            new_title = await self._run(run)
        except StoreError as e:
            return _error(400, str(e))
        return JSONResponse({"id": folder.id, "title": new_title})

    async def delete(self, request: Request) -> Response:
        folder = self.folder(request.path_params["id"])
        if folder is None:
            return _error(404, "no such meeting")

        def run() -> str:
            with SearchIndex(self.index_path) as index:
                return Library(self.root, index).delete(folder.id)

        try:
            deleted = await self._run(run)
        except (StoreError, MeetingNotFound) as e:
            return _error(400, str(e))
        return JSONResponse({"deleted": deleted})

    async def rename_speaker(self, request: Request) -> Response:
        """``{"speaker": "s2" | "Speaker 2" | a name, "name": "Marcus"}``: the user names one."""
        folder = self.folder(request.path_params["id"])
        if folder is None:
            return _error(404, "no such meeting")
        try:
            body = await request.json()
            old, new = str(body["speaker"]), str(body["name"])
        except Exception:
            return _error(400, 'send {"speaker": "Speaker 2", "name": "..."}')

        def run() -> dict[str, Any]:
            try:
                (done,) = rename_speakers(folder, [(old, new)])
            finally:
                folder.close()
            # search (and search --speaker) find the lines under the new name
            problem = index_meeting_safely(folder.path, index_path=self.index_path)
            if problem is not None:
                log.warning("%s", problem)
            return {"id": done.speaker_id, "name": done.name, "speakers": speaker_rows(folder)}

        try:
            return JSONResponse(await self._run(run))
        except LoopnoteError as e:
            return _error(400, str(e))


def _speakers_heard(path: Path) -> list[str]:
    """The names (or "Speaker N") of a meeting's remote speakers; [] when not told apart."""
    try:
        return MeetingFolder.open(path).speaker_book().labels_heard()
    except StoreError:
        return []


def meeting_json(folder: MeetingFolder) -> dict[str, Any]:
    """One meeting as the meeting page shows it (no word timings: the page needs lines;
    ``settled`` says a line's text is the settled transcript's)."""
    meta = folder.meta
    notes = folder.read_notes() or ""
    events = folder.load_events()
    book = folder.speaker_book()
    settled = folder.settled_ids()  # a settled line keeps the id of the first line it replaces
    utterances = []
    for line in folder.load_utterances():
        for u in book.split([line]):
            d = {k: v for k, v in u.to_dict().items() if k != "words"}
            d["speaker"] = book.display(u)  # what a reader sees: "Marcus", "Speaker 2" or none
            d["speaker_id"] = book.speaker_id(u)
            d["settled"] = line.id in settled  # marked as the live page marks it
            utterances.append(d)
    return {
        "meeting": {**meta.to_dict(), "display_title": display_title(meta)},
        "notes": notes_header(notes).strip(),
        "summaries": [n.to_dict() for n in folder.load_summaries(latest=True)],
        "utterances": utterances,
        # the speakers a user can name ("you" is the microphone, always "You")
        "speakers": [r for r in speaker_rows(folder) if r["id"] != YOU],
        "alerts": [a.to_dict() for a in folder.load_alerts()],
        "bookmarks": [e for e in events if e.get("type") == "bookmark"],
        "audio": {s: has_audio(folder.path, s) for s in SOURCES},
    }
