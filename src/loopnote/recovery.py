"""Finish a meeting that was interrupted (power loss, kill -9).

``find_interrupted``  the meetings whose folder still says "recording"
``recover_meeting``   repair the audio files, transcribe the audio after each source's last
                      committed utterance, then summarize and write the notes as a normal end
                      of meeting would
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np

from loopnote.asr.engine import Engine
from loopnote.audio.recorder import read_source, repair, segments
from loopnote.capture.base import AudioInput
from loopnote.capture.file import ArrayInput
from loopnote.errors import StoreError
from loopnote.events import Event
from loopnote.session import Session, SessionOptions
from loopnote.session_options import RecognizerFactory
from loopnote.store import MeetingFolder, meeting_dirs
from loopnote.types import SOURCES, Source


def find_interrupted(root: Path) -> list[Path]:
    """Folders under ``root`` whose meeting never ended, oldest first."""
    out: list[Path] = []
    for path in meeting_dirs(root):
        try:
            if MeetingFolder.open(path).meta.status == "recording":
                out.append(path)
        except StoreError:
            continue
    return out


def recover_meeting(
    path: Path,
    options: SessionOptions,
    on_event: Callable[[Event], None],
    *,
    recognizer_factory: RecognizerFactory | None = None,
    settle_engine: Engine | None = None,
) -> Path:
    """Bring an interrupted meeting to a normal end; returns its folder.
    ``recognizer_factory`` replaces the recognizer (tests script it), ``settle_engine`` the
    settling pass's engine; stretches the interrupted meeting left unsettled settle at its
    end, from the recorded audio."""
    folder = MeetingFolder.open(path)
    repair(path)
    done: dict[Source, float] = {}
    first_index: dict[Source, int] = {}
    for u in folder.load_utterances(live=True):
        done[u.source] = max(done.get(u.source, 0.0), u.end)
        # ids are numbered per source; some numbers were used by lines never stored (mic
        # lines dropped as speaker bleed), so the next is the highest stored + 1, not a count
        first_index[u.source] = max(first_index.get(u.source, 1), _number(u.id) + 1)
    inputs: list[AudioInput] = []
    for source in SOURCES:
        if not segments(path, source):
            continue
        samples, rate = read_source(path, source)
        start = done.get(source, 0.0)  # the last committed word of this source ended here
        begin = int(start * rate)
        rest = samples[begin:]
        if rest.shape[0] < rate // 10:
            continue
        inputs.append(ArrayInput(np.ascontiguousarray(rest), rate, source, begin / rate))
    if not inputs:
        # nothing left to transcribe: close the meeting with what it has
        inputs = [ArrayInput(np.zeros((0, 1), np.float32), 16_000, "system", 0.0)]
    session = Session.build(
        inputs,
        options,
        folder=folder,
        first_index=first_index,
        recognizer_factory=recognizer_factory,
        settle_engine=settle_engine,
    )
    return session.run(on_event)


def _number(utterance_id: str) -> int:
    """The running number of an utterance id (``s00012`` → 12; 0 if it has none)."""
    digits = utterance_id[1:]
    return int(digits) if digits.isdigit() else 0
