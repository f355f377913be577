"""Choosing between the live view and plain lines for a command that runs a meeting.

``PlainPrinter``  one line per committed utterance, alerts and warnings on their own lines
                  (defined in ``loopnote.tui.plain``, shared with the live view's helpers)
``wants_plain``   True when ``--plain`` was given or ``stream`` is not a terminal
"""

from __future__ import annotations

import os
from typing import TextIO

from loopnote.tui.plain import PlainPrinter

__all__ = ["PlainPrinter", "wants_plain"]


def wants_plain(plain_flag: bool, stream: TextIO) -> bool:
    """The live view needs a terminal on ``stream`` (and one that is not ``TERM=dumb``)."""
    if plain_flag:
        return True
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        return True
    return not tty or os.environ.get("TERM", "") == "dumb"
