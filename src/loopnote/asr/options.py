"""The recognition stage's options, one frozen dataclass with documented defaults.

``RecognizerOptions``  model, language, decoding, pass schedule, buffer bounds, VAD, guards,
                       and the words to bias recognition toward
``GuardOptions``       hallucination guards applied to every pass
``SILENCE_PHRASES``    what Whisper tends to "hear" in silence or noise
"""

from __future__ import annotations

from dataclasses import dataclass, field

from loopnote.asr.vad import VadOptions

SILENCE_PHRASES: tuple[str, ...] = (
    "you",
    "thank you",
    "thank you very much",
    "thanks",
    "thanks for watching",
    "thank you for watching",
    "thanks for watching and see you next time",
    "thank you so much for watching",
    "please subscribe",
    "subscribe",
    "like and subscribe",
    "bye",
    "bye bye",
    "okay",
    "oh",
    "so",
    "uh",
    "um",
    "hmm",
    "the end",
    "silence",
    "music",
    "applause",
    # other languages: what Whisper writes over silence, mostly subtitle credits it learned
    "merci",
    "merci beaucoup",
    "Sous-titres réalisés para la communauté d'Amara.org",
    "Sous-titrage ST' 501",
    "gracias",
    "muchas gracias",
    "Subtítulos realizados por la comunidad de Amara.org",
    "grazie",
    "grazie a tutti",
    "Sottotitoli creati dalla comunità Amara.org",
    "danke",
    "vielen dank",
    "Untertitel der Amara.org-Community",
    "спасибо",
    "продолжение следует",
    "Субтитры сделал DimaTorzok",
    "Редактор субтитров А.Семкин Корректор А.Егорова",
    "ご視聴ありがとうございました",
    "谢谢观看",
    "字幕by索兰娅",
)


@dataclass(frozen=True)
class GuardOptions:
    """Hallucination guards.

    ``no_speech_prob``   a segment is dropped when its no-speech probability is above this ...
    ``logprob``          ... and its average log-probability is below this (Whisper's rule)
    ``min_logprob``      a segment whose average log-probability is below this is dropped
    ``max_repeats``      a word or word pair repeated more often than this in a row is cut
                         (a 3-4 word phrase is cut at its first repetition)
    ``speech_prob``      a span whose VAD probability never reaches this "was not speech":
                         silence phrases there are dropped, and segments lying wholly in it
    ``silence_phrases``  phrases dropped when the audio under them was not speech
    ``min_speech``       seconds of speech frames a buffer needs to be decoded at all (a
                         buffer holding only the tail of words already committed is skipped)
    """

    no_speech_prob: float = 0.6
    logprob: float = -1.0
    min_logprob: float = -2.0
    max_repeats: int = 2
    speech_prob: float = 0.5
    silence_phrases: tuple[str, ...] = SILENCE_PHRASES
    min_speech: float = 0.25


@dataclass(frozen=True)
class RecognizerOptions:
    """How one source is recognized.

    ``model``          ``--model`` value: "" = bundled tiny.en, a name, or a folder
    ``language``       ISO code for multilingual models (English-only models ignore it)
    ``beam_size``      1 = greedy, fastest
    ``step``           seconds of new speech audio between two decoding passes
    ``first_step``     seconds of speech before the first pass (earliest partial text)
    ``commit_after``   seconds of buffered audio before anything is committed mid-speech
                       (words decoded from very short buffers are often wrong)
    ``trim_after``     buffer length past which it is cut after the last committed sentence
    ``max_buffer``     buffer length past which it is cut after the last committed word
    ``max_utterance``  seconds after which committed words are emitted even without a
                       sentence end
    ``context_chars``  committed text passed to the decoder as the prompt (continuity)
    ``prompt_terms``   the user's name, aliases and meeting vocabulary: passed as hotwords
                       on every pass, to bias recognition toward their spelling
    ``names``          the user's name and aliases: where the decoder nearly heard one, the
                       reading with it is preferred when it explains the audio as well
                       (``asr.names``); only worth it on the source that can say them
    ``first_index``    number of the first utterance id (``recover`` continues numbering)
    ``vad``            voice activity detection (``VadOptions``)
    ``guards``         hallucination guards (``GuardOptions``)
    """

    model: str = ""
    language: str = "en"
    beam_size: int = 1
    step: float = 0.5
    first_step: float = 0.3
    commit_after: float = 2.0
    trim_after: float = 8.0
    max_buffer: float = 12.0
    max_utterance: float = 30.0
    context_chars: int = 200
    prompt_terms: tuple[str, ...] = ()
    names: tuple[str, ...] = ()
    first_index: int = 1
    vad: VadOptions = field(default_factory=VadOptions)
    guards: GuardOptions = field(default_factory=GuardOptions)

    def hotwords(self) -> str | None:
        terms = [t.strip() for t in self.prompt_terms if t.strip()]
        return ", ".join(dict.fromkeys(terms)) or None
