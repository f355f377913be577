"""faster-whisper (CTranslate2) behind the ``Engine`` protocol.

``WhisperEngine``        a loaded model; ``transcribe(samples, request)`` -> ``EngineSegment``s
``load_engine(model)``   resolve ``--model`` (see ``models``) and load it, int8 on the CPU
``default_cpu_threads``  the thread count used when none is given

One model serves every source: calls are serialized by a lock, so the system and mic
recognizers may share an engine from two threads. Streaming buffers are decoded without
timestamp tokens, without faster-whisper's own VAD (the caller gates with Silero VAD) and
without conditioning on earlier windows; the caller passes context as the prompt instead.
Segments come back raw (no skipping on no-speech), so the streaming guards decide.
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np

from loopnote.asr.engine import SAMPLE_RATE, EngineRequest, EngineSegment
from loopnote.asr.models import resolve_model
from loopnote.errors import ModelNotAvailable
from loopnote.types import FloatArray, Word


def default_cpu_threads() -> int:
    """All cores up to four: decoding one pass at a time gains little beyond that."""
    return max(1, min(4, os.cpu_count() or 1))


class WhisperEngine:
    """A faster-whisper model loaded once, shared by all sources."""

    def __init__(self, model: Any, name: str, multilingual: bool) -> None:
        self._model = model
        self._name = name
        self._multilingual = multilingual
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    @property
    def multilingual(self) -> bool:
        return self._multilingual

    def transcribe(self, samples: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        audio = np.ascontiguousarray(samples, dtype=np.float32).reshape(-1)
        if audio.size == 0:
            return []
        duration = audio.size / SAMPLE_RATE
        language = request.language if self._multilingual else "en"
        long_form = request.long_form
        with self._lock:
            segments, _info = self._model.transcribe(
                audio,
                language=language,
                beam_size=request.beam_size,
                initial_prompt=request.prompt or None,
                hotwords=request.hotwords or None,
                word_timestamps=True,
                without_timestamps=not long_form,
                condition_on_previous_text=long_form,
                vad_filter=False,
                temperature=[0.0, 0.2, 0.4, 0.6, 0.8, 1.0] if long_form else 0.0,
                no_speech_threshold=0.6 if long_form else None,
                log_prob_threshold=-1.0 if long_form else None,
                log_progress=False,
            )
            out = [_segment(s, duration) for s in segments]
        return [s for s in out if s.words]


def _segment(seg: Any, duration: float) -> EngineSegment:
    words: list[Word] = []
    last = 0.0
    for w in seg.words or ():
        text = str(w.word).strip()
        if not text:
            continue
        start = min(max(float(w.start), last), duration)
        end = min(max(float(w.end), start), duration)
        words.append(Word(text, start, end, float(w.probability)))
        last = end
    return EngineSegment(
        words=tuple(words),
        no_speech_prob=float(seg.no_speech_prob),
        avg_logprob=float(seg.avg_logprob),
        compression_ratio=float(seg.compression_ratio),
    )


def load_engine(model: str = "", *, cpu_threads: int = 0,
                compute_type: str = "int8") -> WhisperEngine:
    """Load ``model`` ("" = bundled tiny.en) or raise ``ModelNotAvailable`` (one line)."""
    resolved = resolve_model(model)
    try:
        from faster_whisper import WhisperModel

        loaded = WhisperModel(
            str(resolved.path),
            device="cpu",
            compute_type=compute_type,
            cpu_threads=cpu_threads or default_cpu_threads(),
            num_workers=1,
        )
    except (RuntimeError, ValueError, OSError) as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise ModelNotAvailable(f"model {resolved.name!r} could not be loaded: {first}") from None
    return WhisperEngine(loaded, resolved.name, bool(loaded.model.is_multilingual))
