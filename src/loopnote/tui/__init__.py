"""Front ends that show a running meeting in a terminal.

``LiveView``        the Textual live view (transcript, summaries, meters, alerts, keys)
``LiveOptions``     what the view shows besides events
``SessionControl``  what the view asks of a running session (pause, resume, bookmark, stop)
``run_live``        run a session in a worker thread behind the live view
``PlainPrinter``    one line per utterance / alert / warning, for pipes and ``--plain``

The live view's names are imported on first use: Textual is heavy, and the plain commands
(which reach ``loopnote.tui.plain``, and so this package) must not pay for it at start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from loopnote.events import SessionControl
from loopnote.tui.plain import PlainPrinter

if TYPE_CHECKING:
    from loopnote.tui.app import LiveOptions, LiveView
    from loopnote.tui.run import run_live

__all__ = ["LiveOptions", "LiveView", "PlainPrinter", "SessionControl", "run_live"]

_LIVE = {
    "LiveOptions": "loopnote.tui.app",
    "LiveView": "loopnote.tui.app",
    "run_live": "loopnote.tui.run",
}


def __getattr__(name: str) -> Any:
    if name in _LIVE:
        return getattr(importlib.import_module(_LIVE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
