"""The languages Whisper speaks, checking a ``--language`` value against the model, and
detecting a source's language once from its first speech.

``LANGUAGES``             Whisper's language codes and their English names
``AUTO``                  the ``--language`` value that asks for detection
``check_language(v)``     a code (or English name, any case) -> the code; ``UsageError`` else
``check_model_language``  ``UsageError`` naming a multilingual model when an English-only
                          model is asked for another language
``LanguageLock``          an engine wrapper for one source: with ``language=None`` (auto) it
                          lets the model detect the language until a pass holds enough speech,
                          then keeps that language for every later pass
``Detection``             what ``LanguageLock`` settled on
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from loopnote.asr.engine import SAMPLE_RATE, Engine, EngineRequest, EngineSegment
from loopnote.errors import UsageError
from loopnote.types import FloatArray

AUTO = "auto"
MULTILINGUAL_OFFLINE = "base"  # the multilingual model that works offline

LANGUAGES: dict[str, str] = {
    "en": "English", "zh": "Chinese", "de": "German", "es": "Spanish", "ru": "Russian",
    "ko": "Korean", "fr": "French", "ja": "Japanese", "pt": "Portuguese", "tr": "Turkish",
    "pl": "Polish", "ca": "Catalan", "nl": "Dutch", "ar": "Arabic", "sv": "Swedish",
    "it": "Italian", "id": "Indonesian", "hi": "Hindi", "fi": "Finnish", "vi": "Vietnamese",
    "he": "Hebrew", "uk": "Ukrainian", "el": "Greek", "ms": "Malay", "cs": "Czech",
    "ro": "Romanian", "da": "Danish", "hu": "Hungarian", "ta": "Tamil", "no": "Norwegian",
    "th": "Thai", "ur": "Urdu", "hr": "Croatian", "bg": "Bulgarian", "lt": "Lithuanian",
    "la": "Latin", "mi": "Maori", "ml": "Malayalam", "cy": "Welsh", "sk": "Slovak",
    "te": "Telugu", "fa": "Persian", "lv": "Latvian", "bn": "Bengali", "sr": "Serbian",
    "az": "Azerbaijani", "sl": "Slovenian", "kn": "Kannada", "et": "Estonian",
    "mk": "Macedonian", "br": "Breton", "eu": "Basque", "is": "Icelandic", "hy": "Armenian",
    "ne": "Nepali", "mn": "Mongolian", "bs": "Bosnian", "kk": "Kazakh", "sq": "Albanian",
    "sw": "Swahili", "gl": "Galician", "mr": "Marathi", "pa": "Punjabi", "si": "Sinhala",
    "km": "Khmer", "sn": "Shona", "yo": "Yoruba", "so": "Somali", "af": "Afrikaans",
    "oc": "Occitan", "ka": "Georgian", "be": "Belarusian", "tg": "Tajik", "sd": "Sindhi",
    "gu": "Gujarati", "am": "Amharic", "yi": "Yiddish", "lo": "Lao", "uz": "Uzbek",
    "fo": "Faroese", "ht": "Haitian Creole", "ps": "Pashto", "tk": "Turkmen", "nn": "Nynorsk",
    "mt": "Maltese", "sa": "Sanskrit", "lb": "Luxembourgish", "my": "Myanmar", "bo": "Tibetan",
    "tl": "Tagalog", "mg": "Malagasy", "as": "Assamese", "tt": "Tatar", "haw": "Hawaiian",
    "ln": "Lingala", "ha": "Hausa", "ba": "Bashkir", "jw": "Javanese", "su": "Sundanese",
    "yue": "Cantonese",
}  # fmt: skip
_BY_NAME = {name.lower(): code for code, name in LANGUAGES.items()}

# Seconds of speech, over one stretch or several, whose detections settle the language: one
# short phrase is often taken for a neighbouring language, and surely (Spanish for Italian)
LOCK_SECONDS = 6.0


def language_name(code: str) -> str:
    return "automatic detection" if code == AUTO else LANGUAGES.get(code, code)


def check_language(value: str) -> str:
    """``value`` as a Whisper code (``fr``, ``French`` and ``FR`` all give ``fr``), or
    ``auto``; anything else is a ``UsageError`` with one line."""
    v = value.strip().lower()
    if v == AUTO or v in LANGUAGES:
        return v
    if v in _BY_NAME:
        return _BY_NAME[v]
    raise UsageError(
        f"unknown language {value!r}: give a code Whisper knows (en, es, fr, de, it, ru, zh, "
        f"... {len(LANGUAGES)} in all) or 'auto' to detect it"
    )


def check_model_language(
    model: str, multilingual: bool, language: str, *, base_offline: bool = True
) -> None:
    """An English-only model asked for another language (or detection) is a ``UsageError``
    that names the model to use instead (``base_offline``: its packages are installed)."""
    if multilingual or language == "en":
        return
    wanted = "language detection" if language == AUTO else f"{language_name(language)} ({language})"
    where = "works offline" if base_offline else "downloaded on first use"
    raise UsageError(
        f"model {model!r} only knows English; for {wanted} use a multilingual model: "
        f"--model {MULTILINGUAL_OFFLINE} ({where}; `loopnote models` lists the others)"
    )


@dataclass(frozen=True)
class Detection:
    language: str
    probability: float


class LanguageLock:
    """One source's engine with detection settled once: passes asking for ``None`` (auto)
    let the model detect until ``LOCK_SECONDS`` of speech were heard, then every pass decodes
    the language that most of that speech was detected in (weighted by the model's
    confidence), so the text of a source does not switch language from one pass to the next.

    Each stretch of speech votes once, with its latest (longest) reading; a stretch still
    open counts too, so one long stretch settles it on its own."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.detected: Detection | None = None
        self._announced = False
        self._votes: dict[str, float] = {}  # confidence-weighted seconds of ended stretches
        self._heard = 0.0  # seconds of ended stretches
        self._open: tuple[str, float, float] | None = None  # open stretch: language, p, s

    @property
    def name(self) -> str:
        return self._engine.name

    @property
    def multilingual(self) -> bool:
        return self._engine.multilingual

    def transcribe(self, samples: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        if request.language not in (None, AUTO):
            return self._engine.transcribe(samples, request)
        if self.detected is not None:
            return self._engine.transcribe(
                samples, replace(request, language=self.detected.language)
            )
        segments = self._engine.transcribe(samples, replace(request, language=None))
        heard = [s for s in segments if s.language]
        if heard:
            best = max(heard, key=lambda s: s.language_probability)
            seconds = samples.size / SAMPLE_RATE
            self._open = (best.language, best.language_probability, seconds)
        if request.final or request.long_form:
            self._close_stretch()
        self._settle(force=request.long_form)
        return segments

    def settle(self) -> None:
        """The stream ended: settle on what was heard, however little."""
        if self.detected is None:
            self._close_stretch()
            self._settle(force=True)

    def _close_stretch(self) -> None:
        if self._open is not None:
            language, p, seconds = self._open
            self._votes[language] = self._votes.get(language, 0.0) + p * seconds
            self._heard += seconds
            self._open = None

    def _settle(self, *, force: bool) -> None:
        votes = dict(self._votes)
        heard = self._heard
        if self._open is not None:
            language, p, seconds = self._open
            votes[language] = votes.get(language, 0.0) + p * seconds
            heard += seconds
        if votes and (heard >= LOCK_SECONDS or force):
            language = max(votes, key=lambda k: votes[k])
            self.detected = Detection(language, votes[language] / heard if heard else 0.0)

    def take_detection(self) -> Detection | None:
        """The detection, the first time it is asked for after it settled (to announce it)."""
        if self.detected is None or self._announced:
            return None
        self._announced = True
        return self.detected
