"""Where events go in a terminal-less run: JSON Lines for tools, or plain lines for people."""

from __future__ import annotations

import json
import threading
from typing import Any, TextIO

from loopnote.events import Event


class JsonlPrinter:
    """The public ``--format jsonl`` contract: one JSON object per event, flushed per line."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def handle(self, event: Event) -> None:
        self.write(event.to_json())

    def write(self, obj: dict[str, Any]) -> None:
        """One JSON line of anything (e.g. the watcher's decisions between meetings)."""
        line = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()
