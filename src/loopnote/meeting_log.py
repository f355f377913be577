"""The meeting's log file: what went wrong, with tracebacks, next to its transcript."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from loopnote.store.journal import FILE_MODE

LOG_NAME = "session.log"  # the meeting's log (warnings, failures with their tracebacks)


def open_meeting_log(folder: Path) -> logging.Handler:
    """Attach the meeting's log file (private, appended) to the ``loopnote`` logger; the
    caller removes and closes the handler when the meeting ends."""
    path = folder / LOG_NAME
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE))  # private
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setLevel(logging.INFO)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    )
    logger = logging.getLogger("loopnote")
    if not logger.isEnabledFor(logging.INFO):
        logger.setLevel(logging.INFO)  # else the root's default (warnings) drops the log's INFO
    logger.addHandler(handler)
    return handler
