"""Voice activity detection: Silero VAD (the ONNX file in the faster-whisper wheel), streamed.

``VadOptions``      threshold, silence that ends speech, padding kept around speech
``SileroVad``       stateful model: ``probabilities(samples)`` -> one speech probability per
                    512-sample frame (32 ms at 16 kHz); carries the LSTM state and the 64-sample
                    context between calls, and keeps a partial frame for the next call
``VadSegmenter``    pure state machine over those probabilities: says when speech starts and
                    when it has ended (after ``min_silence`` below the lower threshold)
``FRAME``           samples per frame (512)

The frame grid is fixed by the sample count from the start of the stream, so the decisions do
not depend on how the audio was cut into chunks.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from loopnote.errors import ModelNotAvailable
from loopnote.types import FloatArray

FRAME = 512
CONTEXT = 64
SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class VadOptions:
    """How speech is told from silence.

    ``threshold``     frame probability at or above which speech starts (Silero's usual 0.5)
    ``neg_threshold`` below this a frame counts as silence; ``None`` = ``threshold - 0.15``
    ``min_silence``   seconds of silence that end a stretch of speech
    ``speech_pad``    seconds of audio kept before speech starts and after it ends
    """

    threshold: float = 0.5
    neg_threshold: float | None = None
    min_silence: float = 0.5
    speech_pad: float = 0.4

    @property
    def low(self) -> float:
        if self.neg_threshold is not None:
            return self.neg_threshold
        return max(self.threshold - 0.15, 0.01)


def model_path() -> Path:
    from faster_whisper.utils import get_assets_path

    return Path(get_assets_path()) / "silero_vad_v6.onnx"


@functools.lru_cache(maxsize=1)
def _session() -> Any:
    """One ONNX session per process (it is read-only and thread-safe for ``run``)."""
    try:
        import onnxruntime
    except ImportError as e:
        raise ModelNotAvailable(f"voice activity detection needs onnxruntime: {e}") from None
    path = model_path()
    if not path.is_file():
        raise ModelNotAvailable(f"Silero VAD model missing: {path}")
    opts = onnxruntime.SessionOptions()
    opts.inter_op_num_threads = 1
    opts.intra_op_num_threads = 1
    opts.enable_cpu_mem_arena = False
    opts.log_severity_level = 4
    return onnxruntime.InferenceSession(
        str(path), providers=["CPUExecutionProvider"], sess_options=opts
    )


class SileroVad:
    """Speech probability per 512-sample frame of a 16 kHz stream."""

    def __init__(self) -> None:
        self._session = _session()
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)

    def probabilities(self, samples: FloatArray) -> npt.NDArray[np.float32]:
        """Probabilities of the whole frames completed by ``samples`` (may be empty)."""
        audio = np.concatenate([self._pending, np.asarray(samples, dtype=np.float32)])
        n = audio.size // FRAME
        self._pending = audio[n * FRAME :].copy()
        if n == 0:
            return np.zeros(0, dtype=np.float32)
        frames = audio[: n * FRAME].reshape(n, FRAME)
        contexts = np.empty((n, CONTEXT), dtype=np.float32)
        contexts[0] = self._context
        contexts[1:] = frames[:-1, -CONTEXT:]
        batch = np.concatenate([contexts, frames], axis=1)
        out, self._h, self._c = self._session.run(
            None, {"input": batch, "h": self._h, "c": self._c}
        )
        self._context = frames[-1, -CONTEXT:].copy()
        return np.asarray(out, dtype=np.float32).reshape(-1)


class VadEvent(Enum):
    NONE = 0
    START = 1  # this frame starts speech
    END = 2  # speech ended ``min_silence`` ago (at ``VadSegmenter.speech_end``)


class VadSegmenter:
    """Hysteresis over frame probabilities, as in Silero's own ``get_speech_timestamps``."""

    def __init__(self, options: VadOptions) -> None:
        self.options = options
        self.in_speech = False
        self.frame = 0  # index of the next frame
        self.speech_end = 0  # frame index (exclusive) where the last speech ended
        self._silence_from: int | None = None
        self._min_silence = max(1, round(options.min_silence * SAMPLE_RATE / FRAME))

    def update(self, prob: float) -> VadEvent:
        i = self.frame
        self.frame += 1
        o = self.options
        if not self.in_speech:
            if prob >= o.threshold:
                self.in_speech = True
                self._silence_from = None
                return VadEvent.START
            return VadEvent.NONE
        if prob >= o.threshold:
            self._silence_from = None
        elif prob < o.low and self._silence_from is None:
            self._silence_from = i
        if self._silence_from is not None and i + 1 - self._silence_from >= self._min_silence:
            self.in_speech = False
            self.speech_end = self._silence_from
            self._silence_from = None
            return VadEvent.END
        return VadEvent.NONE
