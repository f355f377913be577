"""Speaker bleed, in one place: without headphones the microphone hears the other side.

``SpeakerBleed.for_meeting(sources, headphones=, live=)``  what a meeting needs, or ``None``
    when only one source runs or the user wears headphones. The session wires it once:
    audio side (pipeline):
        ``reference(chunk)``     the system source's captured audio (enqueue only)
        ``clean(mono, start)``   the mic's 16 kHz audio with the speakers' sound removed
        ``drain()``              the mic audio the canceller still holds, at the end
    transcript side (downstream):
        ``offer(u)`` / ``advance(t, settled)`` / ``flush()``  mic lines that repeat the system
                                 source are dropped (the second line of defence)
    status:
        ``detected_warning(t)``  once, when the canceller finds the speakers in the mic

First line: the canceller (audio/echo.py) fed by a ``ReferenceFeeder`` thread, live meetings
only (replays have no acoustic path). Second line: ``CrossSourceDedup`` on committed text.
"""

from __future__ import annotations

import logging

import numpy as np

from loopnote.asr.dedup import CrossSourceDedup
from loopnote.audio.echo import BleedCanceller
from loopnote.audio.reference import ReferenceFeeder
from loopnote.types import AudioChunk, FloatArray, SessionWarning, Source, Utterance

log = logging.getLogger(__name__)


class SpeakerBleed:
    def __init__(self, canceller: BleedCanceller | None, dedup: CrossSourceDedup) -> None:
        self._canceller = canceller
        self._feeder = ReferenceFeeder(canceller) if canceller is not None else None
        self._dedup = dedup
        self._warned = False
        self._failed: SessionWarning | None = None

    @classmethod
    def for_meeting(
        cls, sources: tuple[Source, ...], *, headphones: bool, live: bool
    ) -> SpeakerBleed | None:
        if headphones or not {"mic", "system"} <= set(sources):
            return None
        return cls(BleedCanceller() if live else None, CrossSourceDedup())

    # -- audio side ---------------------------------------------------------------------------
    def start(self) -> None:
        if self._feeder is not None:
            self._feeder.start()

    def reference(self, chunk: AudioChunk) -> None:
        """Called from the system source's capture thread: enqueue only."""
        if self._feeder is not None:
            self._feeder.put(chunk)

    def end_reference(self) -> None:
        if self._feeder is not None:
            self._feeder.finish()

    @property
    def latency(self) -> float:
        return self._canceller.latency if self._canceller is not None else 0.0

    def clean(self, mono: FloatArray, start: float) -> tuple[FloatArray, float]:
        """The mic's audio without the speakers; it lags by the canceller's latency. If the
        canceller fails, the raw audio passes from then on and ``take_failure`` says why."""
        if self._canceller is None:
            return mono, start
        try:
            return self._canceller.process(mono, start), start - self._canceller.latency
        except Exception as e:  # bleed removal failing must not stop the transcript
            log.exception("speaker-bleed removal failed")
            self._canceller = None
            self._failed = SessionWarning(
                "bleed-failed", f"speaker-bleed removal stopped: {e}", "mic", start
            )
            return mono, start

    def take_failure(self) -> SessionWarning | None:
        out, self._failed = self._failed, None
        return out

    def drain(self) -> FloatArray:
        if self._canceller is None:
            return np.zeros(0, dtype=np.float32)
        return self._canceller.drain()

    # -- transcript side ----------------------------------------------------------------------
    def offer(self, u: Utterance) -> list[Utterance]:
        return self._dedup.offer(u)

    def advance(self, t: float, system_settled: float | None) -> list[Utterance]:
        return self._dedup.advance(t, system_settled)

    def flush(self) -> list[Utterance]:
        return self._dedup.flush()

    # -- status -------------------------------------------------------------------------------
    def detected_warning(self, t: float) -> SessionWarning | None:
        if self._warned or self._canceller is None:
            return None
        status = self._canceller.status()
        if not status.detected:
            return None
        self._warned = True
        return SessionWarning(
            "bleed-detected",
            "the microphone hears the speakers: their voices are removed from your lines "
            "(headphones avoid this; --headphones turns it off)",
            "mic",
            t,
            extra={"bleed": status.to_dict()},
        )


__all__ = ["SpeakerBleed"]
