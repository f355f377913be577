"""Languages: codes, English-only models asked for another language, multilingual models,
and ``--language auto`` settling once per source (a scripted engine: no model)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from loopnote.asr import (
    LANGUAGES,
    EngineRequest,
    EngineSegment,
    GuardOptions,
    is_multilingual,
    resolve_model,
)
from loopnote.asr.guards import guard_segments
from loopnote.asr.languages import (
    LOCK_SECONDS,
    LanguageLock,
    check_language,
    check_model_language,
)
from loopnote.errors import UsageError
from loopnote.types import FloatArray, Word

SR = 16_000


def test_the_codes_are_whispers() -> None:
    from faster_whisper.tokenizer import _LANGUAGE_CODES

    assert set(LANGUAGES) == set(_LANGUAGE_CODES)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("fr", "fr"),
        ("FR", "fr"),
        (" es ", "es"),
        ("French", "fr"),
        ("russian", "ru"),
        ("auto", "auto"),
        ("Auto", "auto"),
        ("haw", "haw"),
    ],
)
def test_a_language_is_a_code_a_name_or_auto(value: str, code: str) -> None:
    assert check_language(value) == code


@pytest.mark.parametrize("value", ["xx", "", "fr-FR", "Klingon", "english only"])
def test_an_unknown_language_is_one_line(value: str) -> None:
    with pytest.raises(UsageError) as e:
        check_language(value)
    assert "\n" not in str(e.value) and "unknown language" in str(e.value)


def test_an_english_only_model_names_the_model_to_use() -> None:
    check_model_language("tiny.en", False, "en")
    check_model_language("base", True, "fr")
    check_model_language("base", True, "auto")
    with pytest.raises(UsageError) as e:
        check_model_language("tiny.en", False, "fr")
    message = str(e.value)
    assert "tiny.en" in message and "French" in message and "--model base" in message
    assert "works offline" in message and "\n" not in message
    with pytest.raises(UsageError, match=r"language detection.*downloaded on first use"):
        check_model_language("small.en", False, "auto", base_offline=False)


def test_which_models_are_multilingual(tmp_path: Path) -> None:
    assert not is_multilingual("") and not is_multilingual("tiny.en")
    assert is_multilingual("base") and is_multilingual("small") and is_multilingual("large-v3")
    assert not is_multilingual("small.en") and not is_multilingual("distil-large-v3")
    assert not is_multilingual(str(resolve_model("").path))  # the bundled folder: English
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "vocabulary.txt").write_text("t\n" * 51865)
    assert is_multilingual(str(folder))
    (folder / "vocabulary.txt").write_text("t\n" * 51864)
    assert not is_multilingual(str(folder))


class DetectingEngine:
    """Scripted: "detects" ``heard`` on every pass asked to detect; records what it was asked."""

    name = "scripted"
    multilingual = True

    def __init__(self, heard: list[tuple[str, float]]) -> None:
        self.heard = list(heard)
        self.asked: list[str | None] = []

    def transcribe(self, samples: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        self.asked.append(request.language)
        if request.language is None:
            language, p = self.heard.pop(0)
        else:
            language, p = request.language, 1.0
        word = Word("mot", 0.0, 0.3)
        return [EngineSegment((word,), 0.1, -0.2, language=language, language_probability=p)]


def audio(seconds: float) -> FloatArray:
    return np.zeros(int(seconds * SR), np.float32)


def test_auto_keeps_detecting_until_a_pass_holds_enough_speech_then_keeps_that_language() -> None:
    engine = DetectingEngine([("it", 0.5), ("fr", 0.6), ("fr", 0.9)])
    lock = LanguageLock(engine)
    auto = EngineRequest(language="auto")
    lock.transcribe(audio(1.0), auto)
    lock.transcribe(audio(2.0), auto)
    assert lock.detected is None and lock.take_detection() is None
    lock.transcribe(audio(LOCK_SECONDS), auto)
    assert lock.detected is not None and lock.detected.language == "fr"
    assert lock.take_detection() == lock.detected and lock.take_detection() is None
    out = lock.transcribe(audio(1.0), auto)
    assert engine.asked == [None, None, None, "fr"] and out[0].language == "fr"


def test_short_stretches_vote_and_one_sure_misreading_does_not_settle_it() -> None:
    # a short Spanish phrase read as Italian, very surely; then Spanish stretches
    engine = DetectingEngine([("it", 0.98), ("es", 0.6), ("es", 0.9), ("es", 0.95)])
    lock = LanguageLock(engine)
    final = EngineRequest(language=None, final=True)
    lock.transcribe(audio(2.7), final)
    assert lock.detected is None
    lock.transcribe(audio(1.0), EngineRequest(language=None))  # the next stretch, still open
    lock.transcribe(audio(2.0), final)  # ... ends (its latest reading votes, once)
    assert lock.detected is None  # 4.7 s heard
    lock.transcribe(audio(2.5), final)
    assert lock.detected is not None and lock.detected.language == "es"
    assert 0.5 < lock.detected.probability < 1.0


def test_a_stream_that_ends_early_settles_on_what_was_heard() -> None:
    engine = DetectingEngine([("ru", 0.9)])
    lock = LanguageLock(engine)
    lock.transcribe(audio(1.5), EngineRequest(language=None, final=True))
    assert lock.detected is None
    lock.settle()
    assert lock.detected is not None and lock.detected.language == "ru"


def test_a_given_language_is_passed_through() -> None:
    engine = DetectingEngine([])
    lock = LanguageLock(engine)
    lock.transcribe(audio(5.0), EngineRequest(language="de"))
    assert engine.asked == ["de"] and lock.detected is None


@pytest.mark.parametrize(
    "said",
    [
        "Sous-titres réalisés para la communauté d'Amara.org",
        "Subtítulos realizados por la comunidad de Amara.org",
        "Продолжение следует...",
        "ご視聴 ありがとう ございました",
    ],
)
@pytest.mark.parametrize(("mean_prob", "kept"), [(0.3, False), (0.9, True)])
def test_what_whisper_writes_over_silence_in_other_languages_is_dropped_there(
    said: str, mean_prob: float, kept: bool
) -> None:
    """A frame or two near speech (peak 0.6), the rest not speech (mean ``mean_prob``)."""
    words = tuple(Word(t, 0.3 * k, 0.3 * k + 0.25) for k, t in enumerate(said.split()))
    segment = EngineSegment(words, 0.1, -0.3)
    out = guard_segments(
        [segment], GuardOptions(), lambda a, b, mean=False: mean_prob if mean else 0.6
    )
    assert bool(out) is kept


def test_offline_words_keep_elisions_whole() -> None:
    from types import SimpleNamespace

    from loopnote.asr.whisper import _segment

    said = [(" Dès", 0.0, 0.3), (" l", 0.3, 0.4), ("'arrivée", 0.4, 0.9), (" d", 1.0, 1.1)]
    said += [("'Anna,", 1.1, 1.5), (" 'bonjour'", 1.6, 2.0), (" dell", 2.1, 2.3)]
    said += [("'operatore", 2.3, 2.8)]
    seg = SimpleNamespace(
        words=[SimpleNamespace(word=t, start=a, end=b, probability=0.9) for t, a, b in said],
        no_speech_prob=0.1,
        avg_logprob=-0.2,
        compression_ratio=1.2,
    )
    words = _segment(seg, 3.0).words
    assert [w.text for w in words] == ["Dès", "l'arrivée", "d'Anna,", "'bonjour'", "dell'operatore"]
    assert (words[1].start, words[1].end) == (0.3, 0.9)
