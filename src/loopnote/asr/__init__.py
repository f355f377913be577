"""Speech recognition: Silero VAD, a streaming commit policy, and engine adapters.

``StreamingRecognizer``  one source's live recognizer: ``feed(samples, start)``, ``finish()``
``RecognizerOptions``    its options (model, language, step, buffer, VAD, guards, bias terms)
``load_engine(model)``   load a faster-whisper model ("" = bundled tiny.en), shareable
``list_models()``        the models ``loopnote models`` lists (``ModelInfo``)
``check_language``       a ``--language`` value checked (Whisper codes, names, ``auto``)
``check_model_language`` an English-only model asked for another language: one clear error
``transcribe_offline``   the same model over a whole recording at once
``Engine``               the engine protocol a new back end implements
"""

from loopnote.asr.engine import Engine, EngineRequest, EngineSegment, ModelInfo
from loopnote.asr.languages import AUTO, LANGUAGES, check_language, check_model_language
from loopnote.asr.models import base_offline, is_multilingual, list_models, resolve_model
from loopnote.asr.options import GuardOptions, RecognizerOptions
from loopnote.asr.recognizer import StreamingRecognizer, transcribe_offline
from loopnote.asr.vad import VadOptions
from loopnote.asr.whisper import load_engine

__all__ = [
    "AUTO",
    "LANGUAGES",
    "Engine",
    "EngineRequest",
    "EngineSegment",
    "GuardOptions",
    "ModelInfo",
    "RecognizerOptions",
    "StreamingRecognizer",
    "VadOptions",
    "base_offline",
    "check_language",
    "check_model_language",
    "is_multilingual",
    "list_models",
    "load_engine",
    "resolve_model",
    "transcribe_offline",
]
