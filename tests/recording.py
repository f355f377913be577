"""A `loopnote record --format jsonl` process for tests, and the events it printed."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any


def cli_env(data: Path) -> dict[str, str]:
    """The environment of a loopnote run whose meetings and config live in ``data``."""
    return {
        **os.environ,
        "LOOPNOTE_DATA_DIR": str(data),
        "LOOPNOTE_CONFIG": str(data / "none.toml"),
    }


def norm_words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]", " ", text.lower()).split()


class Recording:
    def __init__(self, data: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "loopnote", "record", "--format", "jsonl", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_env(data),
        )
        self.events: list[dict[str, Any]] = []

    def wait_for(
        self, kind: str, timeout: float = 90.0, source: str | None = None
    ) -> dict[str, Any]:
        """Read events until one of ``kind`` (of ``source``, if given; returned) or the
        timeout."""
        assert self.proc.stdout is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.events.append(json.loads(line))
            ev = self.events[-1]
            if ev["type"] == kind and source in (None, ev.get("source")):
                return ev
        stderr = ""
        if self.proc.poll() is not None and self.proc.stderr is not None:
            stderr = self.proc.stderr.read()
        raise AssertionError(f"no {kind!r} event; stderr: {stderr or '(still running)'}")

    def end(self) -> tuple[int, str]:
        """Ctrl-C, as a user ends a meeting; returns the exit status and stderr."""
        self.proc.send_signal(signal.SIGINT)
        out, err = self.proc.communicate(timeout=180)
        self.events += [json.loads(x) for x in out.splitlines() if x.strip()]
        return self.proc.returncode, err

    def words(self, source: str) -> list[str]:
        return [
            w
            for e in self.events
            if e["type"] == "utterance" and e["source"] == source
            for w in norm_words(e["text"])
        ]

    def text(self, source: str) -> str:
        return " ".join(self.words(source))
