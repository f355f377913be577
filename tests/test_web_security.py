"""Who may talk to the local web app: only the browser that opened the printed link.

Raw HTTP (http.client sends whatever Host, Origin and Cookie we say) for each rule, and a real
browser for the attacks a web page can make: another origin posting to the app, and DNS
rebinding (a foreign name resolved to 127.0.0.1).
"""

from __future__ import annotations

import http.client
import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser import launch, make_meeting, needs_browser, shot, wait_until
from loopnote.web import ServerOptions, WebServer
from loopnote.web.security import CSRF_HEADER


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[WebServer, str, Path]]:
    made = make_meeting(tmp_path / "m", tmp_path / "i.sqlite3", "Secret plans", audio=False)
    server = WebServer(tmp_path / "m", ServerOptions(browser=False), index_path=tmp_path / "i")
    server.start()
    yield server, made.folder.id, made.folder.path
    server.stop()


def request(
    server: WebServer, method: str, path: str, headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    h = {"Host": f"127.0.0.1:{server.port}", **(headers or {})}
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    for k, v in h.items():
        conn.putheader(k, v)
    conn.endheaders(b"{}" if method == "POST" else None)
    r = conn.getresponse()
    body = r.read().decode("utf-8", "replace")
    conn.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


def login(server: WebServer) -> str:
    """The cookie the printed link gives."""
    assert server.access is not None
    status, headers, _ = request(server, "GET", f"/?token={server.access.link_token}")
    assert status == 303
    return headers["set-cookie"].split(";")[0]


def test_listens_on_loopback_only(served: tuple[WebServer, str, Path]) -> None:
    server, _, _ = served
    assert server.link().startswith(f"http://127.0.0.1:{server.port}/?token=")
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a local address
        own = probe.getsockname()[0]
    finally:
        probe.close()
    if own.startswith("127."):
        pytest.skip("no non-loopback address on this machine")
    with pytest.raises(OSError):
        socket.create_connection((own, server.port), timeout=2).close()


def test_without_the_token_nothing_but_401(served: tuple[WebServer, str, Path]) -> None:
    server, mid, _ = served
    for path in (
        "/",
        "/live",
        "/static/app.js",
        "/api/meetings",
        f"/api/meetings/{mid}",
        f"/api/meetings/{mid}/export/md",
        "/api/search?q=plans",
        "/api/live/events",
        "/no/such/page",
    ):
        status, headers, body = request(server, "GET", path)
        assert status == 401, path
        assert "Secret" not in body and "csrf" not in body
        assert headers["content-type"].startswith("text/plain")
    status, _, _ = request(server, "GET", "/", {"Cookie": "loopnote_1=forged"})
    assert status == 401


def test_the_link_gives_a_strict_httponly_cookie_once(
    served: tuple[WebServer, str, Path],
) -> None:
    server, _, _ = served
    assert server.access is not None
    token = server.access.link_token
    status, _, _ = request(server, "GET", "/?token=wrong")
    assert status == 403
    status, headers, _ = request(server, "GET", f"/meetings/x?token={token}&t=3")
    assert status == 303
    assert headers["location"] == "/meetings/x?t=3"  # the token leaves the address bar
    cookie = headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    status, _, body = request(server, "GET", f"/?token={token}")
    assert status == 403 and "used already" in body  # one time only
    status, _, body = request(server, "GET", "/", {"Cookie": cookie.split(";")[0]})
    assert status == 200 and "loopnote" in body
    status, headers, _ = request(server, "GET", "/api/meetings", {"Cookie": cookie.split(";")[0]})
    assert status == 200 and headers["cache-control"] == "no-store"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]


def test_host_and_origin_are_checked(served: tuple[WebServer, str, Path]) -> None:
    server, _, _ = served
    cookie = login(server)
    ok = {"Cookie": cookie}
    assert request(server, "GET", "/api/meetings", ok)[0] == 200
    assert (
        request(server, "GET", "/api/meetings", {**ok, "Host": f"localhost:{server.port}"})[0]
        == 200
    )
    for bad_host in ("evil.example", f"evil.example:{server.port}", "127.0.0.1:1", ""):
        status, _, body = request(server, "GET", "/api/meetings", {**ok, "Host": bad_host})
        assert status == 403 and "Host" in body, bad_host
    for origin in ("http://evil.example", f"http://127.0.0.1:{server.port + 1}", "null"):
        status, _, _ = request(server, "GET", "/api/meetings", {**ok, "Origin": origin})
        assert status == 403, origin
    for site in ("cross-site", "same-site"):
        status, _, _ = request(server, "GET", "/api/meetings", {**ok, "Sec-Fetch-Site": site})
        assert status == 403, site
    for site in ("same-origin", "none"):
        status, _, _ = request(server, "GET", "/api/meetings", {**ok, "Sec-Fetch-Site": site})
        assert status == 200, site


def test_changes_need_post_the_page_token_and_our_origin(
    served: tuple[WebServer, str, Path],
) -> None:
    server, mid, path = served
    assert server.access is not None
    cookie = login(server)
    origin = f"http://127.0.0.1:{server.port}"
    token = server.access.csrf
    url = f"/api/meetings/{mid}/delete"
    attempts = [
        ("POST", {"Cookie": cookie, "Origin": origin}),  # no page token
        ("POST", {"Cookie": cookie, CSRF_HEADER: token}),  # no Origin
        ("POST", {"Cookie": cookie, CSRF_HEADER: "guess", "Origin": origin}),
        ("POST", {"Cookie": cookie, CSRF_HEADER: token, "Origin": "http://evil.example"}),
        ("PUT", {"Cookie": cookie, CSRF_HEADER: token, "Origin": origin}),
        ("DELETE", {"Cookie": cookie, CSRF_HEADER: token, "Origin": origin}),
        ("POST", {CSRF_HEADER: token, "Origin": origin}),  # no cookie
    ]
    for method, headers in attempts:
        status, _, _ = request(server, method, url, headers)
        assert status in (401, 403), (method, headers)
        assert path.exists()
    assert request(server, "GET", url, {"Cookie": cookie})[0] == 405
    status, _, _ = request(
        server, "POST", url, {"Cookie": cookie, CSRF_HEADER: token, "Origin": origin}
    )
    assert status == 200 and not path.exists()


def test_no_path_from_a_request_reaches_the_filesystem(
    served: tuple[WebServer, str, Path],
) -> None:
    server, mid, _ = served
    ok = {"Cookie": login(server)}
    for path in (
        "/api/meetings/..%2F..%2Fetc/export/md",
        "/api/meetings/%2E%2E/export/txt",
        "/api/meetings/../../pyproject.toml",
        f"/api/meetings/{mid[:10]}/export/md",  # a prefix is not an id here
        f"/api/meetings/{mid}/export/..%2Fmeeting.json",
        "/static/..%2Findex.html",
        "/static/%2E%2E%2F__init__.py",
        "/api/meetings/last",
    ):
        status, _, body = request(server, "GET", path, ok)
        assert status == 404, path
        assert "Secret plans" not in body
    status, _, _ = request(
        server, "GET", f"/api/meetings/{mid}/audio?source=../x&start=0&end=1", ok
    )
    assert status == 400


# ----- attacks from web pages, in a real browser ----------------------------------------

ATTACK = """<!doctype html><script>
window.results = {};
fetch("http://127.0.0.1:PORT/api/meetings/MID/delete", {method: "POST", mode: "no-cors",
  credentials: "include", body: "{}"})
  .then(r => results.post = r.type, e => results.post = "error");
fetch("http://127.0.0.1:PORT/api/meetings", {credentials: "include"})
  .then(r => r.text()).then(t => results.read = t, e => results.read = "blocked");
</script><form id=f method=post action="http://127.0.0.1:PORT/api/meetings/MID/delete"></form>
"""


@needs_browser
def test_pages_of_other_origins_cannot_read_or_drive_it(
    served: tuple[WebServer, str, Path], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    server, mid, path = served
    page_html = ATTACK.replace("PORT", str(server.port)).replace("MID", mid).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "text/html")
            self.end_headers()
            self.wfile.write(page_html)

        def log_message(self, *args: Any) -> None:
            pass

    evil = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    rules = "--host-resolver-rules=MAP rebind.test 127.0.0.1"
    try:
        with sync_playwright() as p:
            browser = launch(p, [rules])
            page = browser.new_page()
            page.goto(server.link("/"))  # the user is logged in: the browser holds the cookie
            page.wait_for_selector(".meeting-row")
            # another origin on the same machine (same site, so the cookie goes along)
            page.goto(f"http://127.0.0.1:{evil.server_address[1]}/")
            wait_until(page, "window.results.post && window.results.read")
            assert page.evaluate("window.results.read") == "blocked"
            with page.expect_navigation() as nav:
                page.evaluate("document.getElementById('f').submit()")
            assert nav.value is not None and nav.value.status == 403
            assert "other sites are refused" in page.content()
            assert path.exists()
            # DNS rebinding: a foreign name that now resolves to 127.0.0.1
            resp = page.goto(f"http://rebind.test:{server.port}/api/meetings")
            assert resp is not None and resp.status == 403
            assert "Secret plans" not in page.content()
            shot(page, "security-rebinding")
            browser.close()
    finally:
        evil.shutdown()
        evil.server_close()
    assert path.exists()
