"""``--llm auto``: find an OpenAI-compatible server already running on this machine.

``LOCAL_PORTS``                  the ports local LLM servers listen on by default
``find_local_endpoint(ports)``   the first that answers ``/v1/models`` with at least one
                                 model: ``(base URL, model id)``, or None

Only 127.0.0.1 is probed, never another host: asking for "auto" must not send a meeting
anywhere.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Sequence

LOCAL_PORTS: tuple[tuple[int, str], ...] = (
    (11434, "Ollama"),
    (1234, "LM Studio"),
    (8080, "llama.cpp server"),
    (8000, "vLLM"),
    (5001, "KoboldCpp"),
)


def _models(base: str, timeout: float) -> list[str]:
    req = urllib.request.Request(base + "/v1/models", headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            listing = json.loads(resp.read(1 << 20).decode("utf-8"))
    except (OSError, ValueError):  # refused, timed out, HTTP error, not JSON
        return []
    data = listing.get("data") if isinstance(listing, dict) else None
    return [str(m["id"]) for m in data or [] if isinstance(m, dict) and m.get("id")]


def find_local_endpoint(
    ports: Sequence[int] | None = None, timeout: float = 1.0
) -> tuple[str, str] | None:
    for port in ports if ports is not None else [p for p, _ in LOCAL_PORTS]:
        base = f"http://127.0.0.1:{int(port)}"
        models = _models(base, timeout)
        if models:
            return base, models[0]
    return None
