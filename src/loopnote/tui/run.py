"""Run a session in a worker thread behind the live view (the CLI's ``record`` and
``transcribe --live`` go through it)."""

from __future__ import annotations

from loopnote.clock import Clock
from loopnote.events import SessionControl
from loopnote.tui.app import LiveOptions, LiveView, SessionFn
from loopnote.tui.keys import STOP_RETRY_SECONDS


def run_live(
    control: SessionControl,
    start_session: SessionFn,
    options: LiveOptions | None = None,
    *,
    clock: Clock | None = None,
    headless: bool = False,
) -> int:
    """Run ``start_session`` in a worker thread while the live view shows its events.

    When the view closes first (the user quit), the session is stopped and awaited. A session
    error is re-raised here, after the terminal is restored, so the CLI can print one line.
    ``headless`` runs without a terminal (for automation).
    """
    app = LiveView(control, options, session=start_session, clock=clock)
    rc = app.run(headless=headless, size=(120, 40) if headless else None)
    thread = app.session_thread
    while thread is not None and thread.is_alive():
        control.stop()
        thread.join(STOP_RETRY_SECONDS)
    if app.session_error is not None:
        raise app.session_error
    return rc if rc is not None else 0
