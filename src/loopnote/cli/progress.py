"""Progress of a long step on stderr (stdout stays the transcript or the JSON lines).

``progress_line(label, done, total)``  a bar updated in place on a terminal; elsewhere only
                                       the first and the last line
``share_line(label)``                  a callback for a step that reports shares done: the
                                       bar, once per percent
``end_progress(handler)``              ``handler`` plus the progress of the passes at the end
                                       of a meeting: settling (its ``settled`` events'
                                       done/total) and the speakers' last look (``progress``)
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TextIO

from loopnote.events import Event, StepProgress, TranscriptSettled

BAR = 24  # characters


def progress_line(label: str, done: int, total: int, stream: TextIO | None = None) -> None:
    out = stream or sys.stderr
    try:
        tty = out.isatty()
    except (AttributeError, ValueError):
        tty = False
    if total <= 0 or (not tty and 1 < done < total):
        return
    filled = BAR * done // total
    line = f"{label}: [{'#' * filled}{'.' * (BAR - filled)}] {done}/{total}"
    end = "\n" if done >= total else ""
    out.write(("\r" + line + end) if tty else line + "\n")
    out.flush()


def share_line(label: str) -> Callable[[float], None]:
    """A progress callback that hears shares done (0 to 1) and draws ``progress_line`` in
    percent, once per percent (a step reports far more often than that)."""
    shown = [-1]

    def show(share: float) -> None:
        percent = min(100, int(share * 100))
        if percent != shown[0]:
            shown[0] = percent
            progress_line(label, percent, 100)

    return show


def end_progress(handler: Callable[[Event], None]) -> Callable[[Event], None]:
    def handle(event: Event) -> None:
        handler(event)
        if isinstance(event, TranscriptSettled) and event.total:
            progress_line("Settling the transcript", event.done, event.total)
        elif isinstance(event, StepProgress):
            progress_line(event.label, event.done, event.total)

    return handle


__all__ = ["end_progress", "progress_line", "share_line"]
