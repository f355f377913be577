"""loopnote.audio: what happens to samples between capture and recognition.

``Recorder``, ``RecorderOptions``, ``WavWriter``, ``repair``, ``read_source``, ``read_gaps``,
``segments``: crash-safe per-source audio files of a meeting (see audio/recorder.py).
"""

from loopnote.audio.recorder import (
    Recorder,
    RecorderOptions,
    WavWriter,
    read_gaps,
    read_source,
    repair,
    segments,
)

__all__ = [
    "Recorder",
    "RecorderOptions",
    "WavWriter",
    "read_gaps",
    "read_source",
    "repair",
    "segments",
]
