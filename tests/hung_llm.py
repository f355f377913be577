"""An OpenAI-compatible endpoint that accepts connections and never answers: the worst an LLM
can do to a meeting (tests/test_cli_llm_hang.py, benchmarks/llm_hang.py).

``hung_endpoint(list_models)``  yields (its URL, the wall times requests it left hanging
    arrived); with ``list_models`` it answers ``/v1/models``, so the startup check passes and
    summaries are really attempted
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator


@contextlib.contextmanager
def hung_endpoint(list_models: bool = True) -> Iterator[tuple[str, list[float]]]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.2)
    stop = threading.Event()
    held: list[socket.socket] = []
    asked: list[float] = []

    def serve(conn: socket.socket) -> None:
        conn.settimeout(5)
        with contextlib.suppress(OSError):
            head = conn.recv(65536).decode("latin-1").split("\r\n", 1)[0]
            if list_models and " /v1/models" in head:
                body = json.dumps({"data": [{"id": "m"}]}).encode()
                conn.sendall(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                    + body
                )
                conn.close()
                return
            asked.append(time.time())
        held.append(conn)  # never answered

    def loop() -> None:
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    th = threading.Thread(target=loop, daemon=True)
    th.start()
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}", asked
    finally:
        stop.set()
        th.join(2)
        for c in held:
            c.close()
        sock.close()
