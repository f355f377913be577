"""Real-browser helpers for the web app's tests: Debian's Chromium driven by Playwright, and a
small library of meetings written through the real store.

Playwright's own browser download needs the internet; the system Chromium is used instead
(``/usr/bin/chromium``, or ``LOOPNOTE_CHROMIUM``). Tests skip when neither is there.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from loopnote.audio.recorder import Recorder, RecorderOptions
from loopnote.store import Consent, MeetingFolder, MeetingMeta, SearchIndex
from loopnote.types import AudioChunk, SummaryNode, Utterance
from recording import cli_env

CHROMIUM = os.environ.get("LOOPNOTE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
FIXTURES = Path(__file__).parent / "fixtures"
SHOTS = Path(os.environ.get("LOOPNOTE_SCREENSHOTS", "/tmp/loopnote-web-shots"))

needs_browser = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)"
)


def launch(playwright: Any, extra_args: list[str] | None = None) -> Any:
    return playwright.chromium.launch(
        executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *(extra_args or [])]
    )


def shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


@dataclass(frozen=True)
class Made:
    folder: MeetingFolder
    utterances: list[Utterance]


LINES = [
    ("system", "Good morning everyone, let's start with the quarterly budget."),
    ("mic", "Sure, I have the spreadsheet open on my side."),
    ("system", "The marketing line went over by twelve percent this quarter."),
    ("system", "We should move the launch review to next Thursday afternoon."),
    ("mic", "I can send the revised numbers to the finance team tomorrow."),
    ("system", "Great, then the hiring plan is the last item on the agenda."),
]


def make_meeting(
    root: Path,
    index_path: Path,
    title: str,
    lines: list[tuple[str, str]] = LINES,
    *,
    started: float | None = None,
    seconds_per_line: float = 1.8,
    audio: bool = True,
) -> Made:
    """A finished meeting written through the store: transcript, summaries, notes, index,
    and (``audio``) both sources' audio as the recorder writes it (short segments)."""
    wall = started if started is not None else time.time() - 3600
    meta = MeetingMeta(
        id="",
        started_wall=wall,
        sources=("system", "mic"),
        title=title,
        consent=Consent(True, "This meeting is recorded and transcribed by loopnote."),
    )
    folder = MeetingFolder.create(root, meta)
    utterances = []
    for i, (source, text) in enumerate(lines):
        start = i * seconds_per_line
        u = Utterance(f"u{i:04d}", source, start, start + seconds_per_line - 0.2, text)  # type: ignore[arg-type]
        folder.append_utterance(u)
        utterances.append(u)
    end = len(lines) * seconds_per_line
    folder.append_summary(
        SummaryNode("s0001", "section", 0.0, end, f"{title}: budget, launch review.", ())
    )
    folder.append_summary(
        SummaryNode("m0001", "meeting", 0.0, end, f"The team went over {title.lower()}.", ())
    )
    folder.append_bookmark(3.0, "numbers")
    if audio:
        speech, rate = sf.read(FIXTURES / "speech_confbridge_mute.flac", dtype="float32")
        speech = np.resize(speech, int(end * rate))  # repeat to cover the meeting
        for source in ("system", "mic"):
            rec = Recorder(folder.path, source, RecorderOptions(segment_seconds=4.0))  # type: ignore[arg-type]
            step = rate // 10
            for k in range(0, len(speech), step):
                block = speech[k : k + step].reshape(-1, 1)
                rec.write(AudioChunk(source, block, rate, k / rate))  # type: ignore[arg-type]
            rec.close()
    folder.finish(wall + end, end)
    folder.write_notes(
        f"## Summary\n\nThe team went over {title.lower()}.\n\n## Action items\n\n"
        "- Send the revised numbers (0:07)"
    )
    folder.close()
    opened = MeetingFolder.open(folder.path)
    with SearchIndex(index_path) as index:
        index.index_meeting(opened)
    return Made(opened, utterances)


def wait_until(page: Any, expression: str, timeout: float = 20.0) -> Any:
    """Poll ``expression`` in the page until it is truthy (the app's CSP forbids the string
    evaluation ``wait_for_function`` uses)."""
    deadline = time.monotonic() + timeout
    while True:
        value = page.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s: {expression}")
        page.wait_for_timeout(100)


class UiRun:
    """``loopnote ... --ui --no-browser`` in a subprocess, its link read from stderr."""

    def __init__(self, data: Path, *args: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "loopnote", *args, "--ui", "--no-browser"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=cli_env(data),
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def link(self, timeout: float = 120.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if line.startswith("loopnote is at "):
                    return line.split()[-1]
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError("no link printed: " + "".join(self.lines))

    def interrupt(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=60)
        self._reader.join(5)
        return code
