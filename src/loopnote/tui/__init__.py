"""Front ends that show a running meeting in a terminal.

``LiveView``        the Textual live view (transcript, summaries, meters, alerts, keys)
``LiveOptions``     what the view shows besides events
``SessionControl``  what the view asks of a running session (pause, resume, bookmark, stop)
``run_live``        run a session in a worker thread behind the live view
``PlainPrinter``    one line per utterance / alert / warning, for pipes and ``--plain``
"""

from loopnote.events import SessionControl
from loopnote.tui.app import LiveOptions, LiveView, run_live
from loopnote.tui.plain import PlainPrinter

__all__ = ["LiveOptions", "LiveView", "PlainPrinter", "SessionControl", "run_live"]
