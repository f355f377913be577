"""Progress of a long step on stderr (stdout stays the transcript or the JSON lines).

``progress_line(label, done, total)``  a bar updated in place on a terminal; elsewhere only
                                       the first and the last line
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


def end_progress(handler: Callable[[Event], None]) -> Callable[[Event], None]:
    def handle(event: Event) -> None:
        handler(event)
        if isinstance(event, TranscriptSettled) and event.total:
            progress_line("Settling the transcript", event.done, event.total)
        elif isinstance(event, StepProgress):
            progress_line(event.label, event.done, event.total)

    return handle


__all__ = ["end_progress", "progress_line"]
