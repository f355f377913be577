"""Serve the browser app on a local port, in a thread of its own.

``ServerOptions``     host, port (0: a free one), browser on/off
``WebServer``         ``start()`` binds (a taken port is one ``UsageError`` line) and serves in a
                      background thread; ``link`` is the URL with the one-time token;
                      ``stop()`` ends it
``open_browser``      open the link; False when no browser could be started

The session (when there is one) keeps the main thread, as with the terminal front ends, so
Ctrl-C and SIGTERM end the meeting the same way.
"""

from __future__ import annotations

import errno
import logging
import socket
import threading
import webbrowser
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from loopnote.errors import UsageError
from loopnote.web.app import build_app
from loopnote.web.hub import LiveHub
from loopnote.web.library_api import LibraryApi
from loopnote.web.meetings import LiveSlot
from loopnote.web.security import Access

log = logging.getLogger(__name__)

LOCAL_HOST = "127.0.0.1"


@dataclass(frozen=True)
class ServerOptions:
    host: str = LOCAL_HOST
    port: int = 0  # 0: any free port
    browser: bool = True


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; a port in use or a host that is not ours is one clear error."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(64)
    except OSError as e:
        sock.close()
        if e.errno == errno.EADDRINUSE:
            raise UsageError(
                f"port {port} is in use; give another with --port, or leave --port out "
                "to take a free one"
            ) from None
        raise UsageError(f"cannot listen on {host}:{port}: {e.strerror or e}") from None
    sock.setblocking(False)
    return sock


class WebServer:
    def __init__(
        self,
        meetings_root: Path,
        options: ServerOptions = ServerOptions(),
        hub: LiveHub | None = None,
        index_path: Path | None = None,
        live: LiveSlot | None = None,
    ) -> None:
        """``hub``: follow that meeting; ``live``: or a slot that starts meetings itself."""
        self.meetings_root = meetings_root
        self.options = options
        self.live = live or LiveSlot(None, hub)
        self.index_path = index_path
        self.access: Access | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        assert self.access is not None, "start() first"
        return self.access.port

    @property
    def thread_id(self) -> int | None:
        """The serving thread's native id (to measure its CPU)."""
        return self._thread.native_id if self._thread is not None else None

    def link(self, path: str = "/") -> str:
        assert self.access is not None, "start() first"
        return self.access.link(path)

    def start(self) -> None:
        sock = bind(self.options.host, self.options.port)
        port = int(sock.getsockname()[1])
        hosts = (
            (LOCAL_HOST, "localhost")
            if self.options.host == LOCAL_HOST
            else (self.options.host, LOCAL_HOST, "localhost")
        )
        self.access = Access(port, hosts)
        app = build_app(self.access, LibraryApi(self.meetings_root, self.index_path), self.live)
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
            server_header=False,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._serve, args=(sock,), name="loopnote-web", daemon=True
        )
        self._thread.start()  # the socket listens already: early requests wait in its queue

    def _serve(self, sock: socket.socket) -> None:
        assert self._server is not None
        try:
            self._server.run(sockets=[sock])
        except Exception:  # the server thread must not die silently
            log.exception("the web server stopped")
        finally:
            sock.close()

    def stop(self) -> None:
        self.live.shutdown()
        if self.live.hub is not None:
            self.live.hub.close()
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(5)


def open_browser(url: str) -> bool:
    try:
        return bool(webbrowser.open(url, new=2))
    except Exception:  # webbrowser raises what its helpers raise
        return False
