"""The browser app: pages, shipped assets, the library API and the live meeting's feed.

``build_app(access, library, live)``  the ASGI app behind ``AccessGuard``

Pages (``/``, ``/meetings/ID``, ``/live``) are one shipped HTML file that draws them; a
meeting id that is not in the library gets the same page with status 404 (it says so).
Assets are read from the package once, into memory, by name: a request never names a file.
"""

from __future__ import annotations

import asyncio
import html
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from loopnote.errors import LoopnoteError
from loopnote.web.library_api import LibraryApi
from loopnote.web.meetings import LiveSlot, StartRequest, capture_choices
from loopnote.web.security import Access, AccessGuard

ASSETS = {
    "app.js": "text/javascript; charset=utf-8",
    "lines.js": "text/javascript; charset=utf-8",
    "live.js": "text/javascript; charset=utf-8",
    "new.js": "text/javascript; charset=utf-8",
    "app.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
KEEPALIVE_SECONDS = 15.0


def _asset(name: str) -> bytes:
    return (resources.files("loopnote.web") / "static" / name).read_bytes()


class _Pages:
    def __init__(self, access: Access, library: LibraryApi, live: LiveSlot) -> None:
        self.access = access
        self.library = library
        self.live = live
        self.assets = {name: _asset(name) for name in ASSETS}
        self.page = _asset("index.html").decode()

    def _page(self, status: int = 200) -> HTMLResponse:
        body = self.page.replace("{{csrf}}", html.escape(self.access.csrf))
        return HTMLResponse(body, status_code=status)

    async def index(self, request: Request) -> Response:
        return self._page()

    async def meeting_page(self, request: Request) -> Response:
        found = self.library.folder(request.path_params["id"]) is not None
        return self._page(200 if found else 404)

    async def asset(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in self.assets:
            return Response("not found\n", status_code=404, media_type="text/plain")
        return Response(self.assets[name], media_type=ASSETS[name])

    async def not_found(self, request: Request, exc: Exception) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "not found"}, status_code=404)
        return self._page(404)

    # ----- the live meeting -----------------------------------------------------------

    async def live_state(self, request: Request) -> Response:
        hub = self.live.hub
        state: dict[str, Any] = {
            "active": hub is not None,
            "running": self.live.running,
            "can_start": self.live.can_start,
        }
        if hub is not None:
            state.update(
                meeting_id=hub.meeting_id,
                ended=hub.ended,
                paused=bool(hub.control and hub.control.paused),
            )
        return JSONResponse(state)

    async def live_events(self, request: Request) -> Response:
        hub = self.live.hub
        if hub is None:
            return JSONResponse({"error": "no meeting is running"}, status_code=404)
        try:
            after = int(request.headers.get("last-event-id", "0"))
        except ValueError:
            after = 0

        async def stream() -> Any:
            yield b"retry: 1000\n\n"
            async for batch in hub.subscribe(after, idle=KEEPALIVE_SECONDS):
                if not batch:
                    yield b": keep-alive\n\n"  # proxies and browsers keep a quiet stream open
                    continue
                yield "".join(f"id: {seq}\ndata: {text}\n\n" for seq, text in batch).encode()

        return StreamingResponse(
            stream(), media_type="text/event-stream", headers={"x-accel-buffering": "no"}
        )

    async def new_meeting(self, request: Request) -> Response:
        """What the "new meeting" form offers: sources to capture and the consent reminder."""
        if not self.live.can_start:
            return JSONResponse({"error": "this page follows one meeting"}, status_code=409)
        assert self.live.settings is not None
        try:
            sources = await asyncio.to_thread(capture_choices)
            error = ""
        except LoopnoteError as e:
            sources, error = [], str(e)
        return JSONResponse(
            {
                "sources": sources,
                "error": error,
                "consent": self.live.consent_text(),
                "disclosure": self.live.settings.disclosure,
                "headphones": self.live.settings.headphones,
                "running": self.live.running,
            }
        )

    async def start_meeting(self, request: Request) -> Response:
        try:
            body = await request.json()
            start = StartRequest.from_json(body if isinstance(body, dict) else {})
        except ValueError:
            return JSONResponse({"error": "send the form as JSON"}, status_code=400)
        try:
            hub = await asyncio.to_thread(self.live.start, start)
        except LoopnoteError as e:
            return JSONResponse({"error": str(e)}, status_code=400)
        return JSONResponse({"ok": True, "started": hub is not None})

    async def live_control(self, request: Request) -> Response:
        hub = self.live.hub
        control = hub.control if hub else None
        if hub is None or control is None or hub.ended:
            return JSONResponse({"error": "no meeting is running"}, status_code=409)
        action = request.path_params["action"]
        try:
            if action == "pause":
                control.pause()
            elif action == "resume":
                control.resume()
            elif action == "bookmark":
                try:
                    note = str((await request.json()).get("note", ""))[:500]
                except Exception:
                    note = ""
                control.bookmark(note)
            elif action == "end":
                control.stop()
            else:
                return JSONResponse({"error": "unknown action"}, status_code=404)
        except LoopnoteError as e:  # the recording has ended, or the meeting is catching up
            return JSONResponse({"error": str(e)}, status_code=409)
        return JSONResponse({"ok": True, "paused": control.paused})


def build_app(access: Access, library: LibraryApi, live: LiveSlot) -> AccessGuard:
    pages = _Pages(access, library, live)
    routes = [
        Route("/", pages.index),
        Route("/live", pages.index),
        Route("/new", pages.index),
        Route("/meetings/{id}", pages.meeting_page),
        Route("/static/{name}", pages.asset),
        Route("/api/live", pages.live_state),
        Route("/api/live/events", pages.live_events),
        Route("/api/live/new", pages.new_meeting),
        Route("/api/live/start", pages.start_meeting, methods=["POST"]),
        Route("/api/live/{action}", pages.live_control, methods=["POST"]),
        *library.routes(),
    ]
    app = Starlette(routes=routes, exception_handlers={404: pages.not_found})
    return AccessGuard(app, access)
