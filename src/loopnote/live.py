"""Starting a live meeting: one way for ``loopnote record``, ``loopnote watch`` and the web app.

``open_live_meeting(settings, capture, title, show_consent)``  open the capture inputs the
        request names (the platform's back end), then take the consent reminder, and return
        a ``LiveMeeting``: what ``Session.build`` needs, audio kept as the settings say
``LiveMeeting.build()``   the ``Session`` (its model loads here), each source recorded
        to the meeting folder
``consent_shown(settings, width)``  the consent reminder's text (the long one the first time
        ever), counted as shown

The inputs open before the reminder is taken, so a capture that fails shows no reminder and
does not use up the first-time text.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from loopnote.audio.recorder import Recorder
from loopnote.capture import get_backend
from loopnote.capture.base import AudioInput, CaptureRequest
from loopnote.config import Settings, data_dir
from loopnote.session import Session, SessionOptions
from loopnote.store import ConsentState, reminder_text
from loopnote.store.voices import consent_voices
from loopnote.types import Source


def record_to_folder(folder: Path, source: Source) -> Recorder:
    """Each live source's audio goes to the meeting folder as it arrives."""
    return Recorder(folder, source)


@dataclass(frozen=True)
class LiveMeeting:
    inputs: Sequence[AudioInput]
    options: SessionOptions

    def build(self) -> Session:
        return Session.build(self.inputs, self.options, recorder_factory=record_to_folder)


def consent_shown(settings: Settings, width: int | None = None) -> str:
    """The reminder to show now; the first time ever it is the long one."""
    state = ConsentState(data_dir())
    first = state.first_time()
    voices = consent_voices(settings)
    if width is None:
        text = reminder_text(settings.disclosure, first_time=first, voices=voices)
    else:
        text = reminder_text(settings.disclosure, first_time=first, width=width, voices=voices)
    if first:
        state.mark_shown(time.time())  # keeps when the long one was first shown
    return text


def open_live_meeting(
    settings: Settings,
    capture: CaptureRequest,
    title: str,
    show_consent: Callable[[Settings], str],
) -> LiveMeeting:
    """Open the sources (a capture problem raises one ``LoopnoteError``), then the reminder."""
    inputs = get_backend().open(capture)
    options = SessionOptions(
        settings=settings,
        title=title,
        keep_audio=settings.keep_audio != "no",
        consent_text=show_consent(settings),
        origin="live",
    )
    return LiveMeeting(inputs, options)
