"""Who may talk to the local server: the browser that opened the printed link, nobody else.

``Access``          the one-time link token, the session cookie and the CSRF token of one server
``AccessGuard``     ASGI middleware that checks every request before the app sees it

Rules, in order:
1. The Host header must name this server (``127.0.0.1:PORT``, ``localhost:PORT`` or the
   ``--host`` given): a page from another site that re-points its DNS name at 127.0.0.1
   (DNS rebinding) sends its own name and gets 403.
2. An Origin header, when sent, must be this server's origin, and ``Sec-Fetch-Site``, when
   sent, ``same-origin`` or ``none``: other sites' pages, even one on another port of this
   machine, can neither drive nor read the app, nor embed its audio (403).
3. ``?token=`` with the one-time link token sets an HttpOnly SameSite=Strict cookie and
   redirects to the same page without the token; the token is spent once exchanged.
4. Every other request needs the cookie (401 without it).
5. A state change is a POST with the CSRF token (in the page, never in a URL) in a header and
   a matching Origin.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CSRF_HEADER = "x-loopnote-csrf"

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"cache-control", b"no-store"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"media-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        b"form-action 'self'",
    ),
)


def _secret() -> str:
    return secrets.token_urlsafe(32)


@dataclass
class Access:
    """The secrets of one server run. ``hosts`` are the names the server answers to."""

    port: int
    hosts: tuple[str, ...] = ("127.0.0.1", "localhost")
    link_token: str = field(default_factory=_secret)
    session: str = field(default_factory=_secret)
    csrf: str = field(default_factory=_secret)
    link_spent: bool = False

    @property
    def cookie_name(self) -> str:
        # cookies are shared by every port of a host: one name per server
        return f"loopnote_{self.port}"

    def allowed_hosts(self) -> set[str]:
        out: set[str] = set()
        for h in self.hosts:
            name = f"[{h}]" if ":" in h and not h.startswith("[") else h
            out.add(f"{name}:{self.port}".lower())
        return out

    def allowed_origins(self) -> set[str]:
        return {f"http://{h}" for h in self.allowed_hosts()}

    def link(self, path: str = "/") -> str:
        host = self.hosts[0]
        name = f"[{host}]" if ":" in host else host
        base, _, fragment = path.partition("#")
        sep = "&" if "?" in base else "?"
        url = f"http://{name}:{self.port}{base}{sep}token={self.link_token}"
        return f"{url}#{fragment}" if fragment else url

    def spend(self, token: str) -> bool:
        """True if ``token`` is the link token and was not exchanged before."""
        if self.link_spent or not hmac.compare_digest(token, self.link_token):
            return False
        self.link_spent = True
        return True

    def has_session(self, cookie_header: str) -> bool:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(cookie_header)
        except Exception:  # a malformed Cookie header is the same as none
            return False
        morsel = jar.get(self.cookie_name)
        return morsel is not None and hmac.compare_digest(morsel.value, self.session)

    def csrf_ok(self, value: str) -> bool:
        return bool(value) and hmac.compare_digest(value, self.csrf)


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


async def _plain(send: Send, status: int, text: str, extra: list[tuple[bytes, bytes]]) -> None:
    body = (text + "\n").encode()
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        *SECURITY_HEADERS,
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class AccessGuard:
    """See the module docstring. Wraps the whole app; adds the security headers."""

    def __init__(self, app: ASGIApp, access: Access) -> None:
        self.app = app
        self.access = access

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, receive, send)
            return
        if scope["type"] != "http":
            return  # no websockets: events go by server-sent events
        refusal = self._check(scope)
        if refusal is not None:
            await _plain(send, refusal[0], refusal[1], [])
            return
        query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
        if "token" in query:
            await self._exchange(scope, send, query)
            return
        if not self.access.has_session(_headers(scope).get("cookie", "")):
            await _plain(
                send,
                401,
                "loopnote: open the link that `loopnote ui` printed (it holds the access token)",
                [],
            )
            return
        if scope["method"] not in ("GET", "HEAD"):
            denied = self._check_change(scope)
            if denied is not None:
                await _plain(send, 403, denied, [])
                return

        async def send_secured(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *SECURITY_HEADERS]
            await send(message)

        await self.app(scope, receive, send_secured)

    def _check(self, scope: Scope) -> tuple[int, str] | None:
        h = _headers(scope)
        if h.get("host", "").lower() not in self.access.allowed_hosts():
            return 403, "loopnote: wrong Host (this server answers only to its own address)"
        origin = h.get("origin")
        if origin is not None and origin.lower() not in self.access.allowed_origins():
            return 403, "loopnote: requests from other sites are refused"
        # browsers say where a request comes from: only this origin, or the user (a typed or
        # pasted link: "none"); another port of this host is "same-site" and refused too
        if h.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
            return 403, "loopnote: requests from other sites are refused"
        return None

    def _check_change(self, scope: Scope) -> str | None:
        h = _headers(scope)
        if scope["method"] != "POST":
            return "loopnote: changes are POST requests"
        if h.get("origin", "").lower() not in self.access.allowed_origins():
            return "loopnote: a change needs the page's own Origin"
        if not self.access.csrf_ok(h.get(CSRF_HEADER, "")):
            return "loopnote: a change needs the page's token"
        return None

    async def _exchange(self, scope: Scope, send: Send, query: dict[str, str]) -> None:
        token = query.pop("token")
        has_cookie = self.access.has_session(_headers(scope).get("cookie", ""))
        if not self.access.spend(token) and not has_cookie:
            await _plain(
                send,
                403,
                "loopnote: this link was used already; restart `loopnote ui` for a new one",
                [],
            )
            return
        rest = urlencode(query)
        location = scope.get("path", "/") + (f"?{rest}" if rest else "")
        cookie = (
            f"{self.access.cookie_name}={self.access.session}; Path=/; HttpOnly; SameSite=Strict"
        )
        await _plain(
            send,
            303,
            "see other",
            [(b"location", location.encode()), (b"set-cookie", cookie.encode())],
        )
