"""The live meeting the browser shows: one given by the command line, or one started from the
page.

``LiveSlot``       the current meeting's ``LiveHub`` (or none); ``LiveSlot.fixed(hub)`` for
                   ``record --ui``, ``LiveSlot(settings)`` for ``loopnote ui``, which can start
                   meetings
``StartRequest``   what the page's "new meeting" form asks for
``capture_choices``  the outputs, microphones and apps playing audio, for that form

A meeting started here is what ``loopnote record`` runs (``loopnote.live``): the platform's
capture back end opens the sources, the consent reminder is recorded with the meeting, each
source's audio goes to the meeting folder, and ``Session`` runs it (in a thread, since the
server's loop must not wait).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

from loopnote.capture import get_backend
from loopnote.capture.base import CaptureRequest
from loopnote.config import Settings, data_dir
from loopnote.errors import LoopnoteError, UsageError
from loopnote.events import SessionEnded, WarningRaised
from loopnote.live import consent_shown, open_live_meeting
from loopnote.session import Session
from loopnote.store import ConsentState, reminder_text
from loopnote.store.voices import consent_voices
from loopnote.types import SessionWarning
from loopnote.web.hub import LiveHub

log = logging.getLogger(__name__)

_UNWRAPPED = 100_000  # the consent reminder's width: the page wraps it to its own


@dataclass(frozen=True)
class StartRequest:
    system: str = "default"  # "default" | "app:ID" | "source:ID" | "none"
    mic: str = "default"  # "default" | "none" | a microphone's id
    headphones: bool = False
    title: str = ""
    consent: bool = False  # the user confirmed they told the participants

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> StartRequest:
        return cls(
            system=str(d.get("system", "default")),
            mic=str(d.get("mic", "default")),
            headphones=bool(d.get("headphones", False)),
            title=" ".join(str(d.get("title", "")).split())[:200],
            consent=d.get("consent") is True,
        )

    def capture(self) -> CaptureRequest:
        app = self.system[4:] if self.system.startswith("app:") else None
        source = self.system[7:] if self.system.startswith("source:") else None
        return CaptureRequest(
            app=app,
            system_source=source,
            mic=None if self.mic in ("default", "none") else self.mic,
            no_mic=self.mic == "none",
            no_system=self.system == "none",
        )


def capture_choices() -> list[dict[str, Any]]:
    """What can be captured now (``loopnote sources --json``'s entries)."""
    return [s.to_dict() for s in get_backend().list_sources()]


class LiveSlot:
    def __init__(self, settings: Settings | None = None, hub: LiveHub | None = None) -> None:
        self.settings = settings  # None: meetings cannot be started from the page
        self.hub = hub
        self._lock = threading.Lock()
        self._session: Session | None = None
        self._thread: threading.Thread | None = None

    @classmethod
    def fixed(cls, hub: LiveHub) -> LiveSlot:
        return cls(None, hub)

    @property
    def can_start(self) -> bool:
        return self.settings is not None

    @property
    def running(self) -> bool:
        return self.hub is not None and not self.hub.ended

    def consent_text(self) -> str:
        assert self.settings is not None
        first = ConsentState(data_dir()).first_time()
        voices = consent_voices(self.settings)
        return reminder_text(
            self.settings.disclosure, first_time=first, width=_UNWRAPPED, voices=voices
        )

    def start(self, request: StartRequest) -> LiveHub:
        """Open the sources and start the meeting; a capture problem is one ``LoopnoteError``."""
        if self.settings is None:
            raise UsageError("this page cannot start meetings (it follows one already)")
        if not request.consent:
            raise UsageError("confirm that the participants know the meeting is recorded")
        if request.system == "none" and request.mic == "none":
            raise UsageError("choose at least one thing to record")
        with self._lock:
            if self.running:
                raise UsageError("a meeting is running already")
            settings = dataclasses.replace(self.settings, headphones=request.headphones)
            live = open_live_meeting(
                settings, request.capture(), request.title, lambda s: consent_shown(s, _UNWRAPPED)
            )
            old, hub = self.hub, LiveHub()
            session = live.build()
            hub.attach(session)
            self.hub, self._session = hub, session
            self._thread = threading.Thread(
                target=self._run, args=(session, hub), name="loopnote-meeting", daemon=False
            )
            self._thread.start()
        if old is not None:
            old.close()  # pages that followed the last meeting move on
        return hub

    @staticmethod
    def _run(session: Session, hub: LiveHub) -> None:
        try:
            session.run(hub.publish)
        except (LoopnoteError, OSError) as e:
            # the page must learn why its meeting stopped; the folder keeps what was captured
            log.error("the meeting stopped: %s", e)
            hub.publish(WarningRaised(SessionWarning("session-failed", str(e)), time.time()))
            if not hub.ended:
                hub.publish(SessionEnded(time.time()))

    def shutdown(self, timeout: float = 60.0) -> None:
        """End a meeting the page started (its notes are written) before the server stops."""
        with self._lock:
            session, thread = self._session, self._thread
        if session is not None and thread is not None and thread.is_alive():
            session.stop()
            thread.join(timeout)
