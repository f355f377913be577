"""Listening for the user's names: the pure candidate search (asr/names.py), and the real
engine preferring the reading with a name only where the model nearly heard it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from loopnote.asr import EngineRequest, load_engine
from loopnote.asr.names import (
    log_softmax,
    name_candidates,
    name_forms,
    read_with_name,
    text_logprob,
)
from loopnote.config import Settings
from loopnote.session import recognizer_options
from loopnote.types import FloatArray

FIXTURES = Path(__file__).parent / "fixtures" / "audio"
SHARED = Path(__file__).parents[2] / "shared"
SR = 16_000

VOCAB = 50
ALEX, MOR, GAN, EYE, LIKE, THE = 7, 8, 9, 10, 11, 12


def steps(*rows: dict[int, float]) -> np.ndarray:
    """Log-probability rows: the given tokens at the given values, the rest far below."""
    out = np.full((len(rows), VOCAB), -30.0)
    for k, row in enumerate(rows):
        for token, lp in row.items():
            out[k, token] = lp
    return out


def test_log_softmax_normalizes_each_step() -> None:
    lp = log_softmax(np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]))
    assert np.allclose(np.exp(lp).sum(axis=1), 1.0)
    assert np.isclose(lp[1, 0], np.log(1 / 3))


def test_text_logprob_sums_the_span() -> None:
    assert np.isclose(text_logprob([0.5, 0.25, 1.0], 0, 2), np.log(0.5) + np.log(0.25))
    assert text_logprob([0.0], 0, 1) < -20  # a zero probability stays finite


def test_candidates_where_the_name_came_close_closest_first() -> None:
    tokens = [EYE, LIKE, THE]
    lp = steps({EYE: -0.2, ALEX: -1.5}, {LIKE: -0.1, ALEX: -3.0}, {THE: -0.1, ALEX: -9.0})
    found = name_candidates(lp, tokens, [(ALEX,), (ALEX, MOR, GAN)], [True] * 3, gate=-4.0)
    assert [(c.index, c.name, c.logprob) for c in found] == [(0, (ALEX,), -1.5), (1, (ALEX,), -3.0)]
    assert len(name_candidates(lp, tokens, [(ALEX,)], [True] * 3, gate=-4.0, limit=1)) == 1
    assert name_candidates(lp, tokens, [(ALEX,)], [True] * 3, gate=-1.0, opening_gate=-1.0) == []


def test_a_name_opening_the_text_is_tried_from_further_down() -> None:
    tokens = [EYE, LIKE, THE]
    lp = steps({EYE: -0.2, ALEX: -5.0}, {LIKE: -0.1, ALEX: -5.0}, {THE: -0.1, ALEX: -9.0})
    found = name_candidates(lp, tokens, [(ALEX,)], [True] * 3, gate=-4.0, opening_gate=-6.0)
    assert [(c.index, c.logprob) for c in found] == [(0, -5.0)]


def test_no_candidate_inside_a_word_or_where_a_name_is_written() -> None:
    tokens = [ALEX, LIKE, THE]
    lp = steps({ALEX: -0.1}, {LIKE: -0.5, ALEX: -1.0}, {THE: -0.5, ALEX: -1.0})
    # step 0 holds the name already; step 1 continues a word; step 2 may start a name
    found = name_candidates(lp, tokens, [(ALEX,)], [True, False, True], gate=-4.0)
    assert [c.index for c in found] == [2]


def test_a_name_begun_and_left_is_tried_at_the_token_it_was_left() -> None:
    # the hypothesis wrote the name's first token, then strayed ("Alex" + "like" for
    # "Alex Morgan"): the name's next token was close at the step it strayed
    tokens = [ALEX, LIKE, THE]
    lp = steps({ALEX: -0.1}, {LIKE: -0.5, MOR: -2.0}, {THE: -0.1})
    found = name_candidates(lp, tokens, [(ALEX, MOR, GAN)], [True, False, True], gate=-4.0)
    assert [(c.index, c.name, c.logprob) for c in found] == [(0, (ALEX, MOR, GAN), -2.0)]
    far = steps({ALEX: -0.1}, {LIKE: -0.5, MOR: -9.0}, {THE: -0.1})
    assert name_candidates(far, tokens, [(ALEX, MOR, GAN)], [True, False, True]) == []
    # where a shorter form of the name is written whole, nothing is tried
    assert name_candidates(lp, tokens, [(ALEX,), (ALEX, MOR, GAN)], [True, False, True]) == []


def test_first_names_are_listened_for_too() -> None:
    assert name_forms(["Siobhan  Kelly", "Shiv", "Siobhan", " "]) == [
        "Siobhan Kelly",
        "Siobhan",
        "Shiv",
    ]


def test_the_first_reading_with_a_name_within_the_margin_is_kept() -> None:
    tokens = [EYE, LIKE, THE]
    lp = steps({EYE: -0.2, ALEX: -1.0}, {LIKE: -0.1}, {THE: -0.1, ALEX: -2.0})
    tried: list[list[int]] = []
    readings = {  # what the decoder goes on with after each forced head, and its score
        (ALEX,): ([ALEX, MOR], -20.0),  # the rest of the sentence became improbable
        (EYE, LIKE, ALEX): ([EYE, LIKE, ALEX], -13.5),
    }

    def continue_after(head: list[int]) -> list[int] | None:
        tried.append(head)
        return readings[tuple(head)][0]

    def score(reading: list[int]) -> float:
        return next(s for r, s in readings.values() if r == reading)

    kw = {"continue_after": continue_after, "score": score, "margin": 4.0}
    got = read_with_name(tokens, lp, [(ALEX,)], [True] * 3, free_score=-10.0, **kw)
    assert got == [EYE, LIKE, ALEX] and tried == [[ALEX], [EYE, LIKE, ALEX]]
    assert read_with_name(tokens, lp, [(ALEX,)], [True] * 3, free_score=-9.0, **kw) is None


def test_no_decode_without_a_candidate_and_none_when_the_decoder_strays() -> None:
    tokens = [EYE, LIKE]
    far = steps({EYE: -0.1, ALEX: -9.0}, {LIKE: -0.1, ALEX: -9.0})

    def never(head: list[int]) -> list[int] | None:
        raise AssertionError("decoded again without a candidate")

    assert (
        read_with_name(
            tokens,
            far,
            [(ALEX,)],
            [True, True],
            free_score=-1.0,
            continue_after=never,
            score=lambda r: 0.0,
        )
        is None
    )
    close = steps({EYE: -0.1, ALEX: -1.0}, {LIKE: -0.1})
    assert (
        read_with_name(
            tokens,
            close,
            [(ALEX,)],
            [True, True],
            free_score=-1.0,
            continue_after=lambda head: None,
            score=lambda r: 0.0,
        )
        is None
    )


def test_only_the_other_side_is_listened_to_for_names() -> None:
    s = Settings(name="Alex Morgan", aliases=("Al", " "), vocab=("Kubernetes", ""))
    system, mic = recognizer_options(s, "system"), recognizer_options(s, "mic")
    assert system.names == ("Alex Morgan", "Al") and mic.names == ()
    assert system.prompt_terms == mic.prompt_terms == ("Alex Morgan", "Al", "Kubernetes")
    taught = recognizer_options(Settings(name="Aoife Byrne", sounds_like=("Eefa",)), "system")
    assert taught.names == taught.prompt_terms == ("Aoife Byrne", "Eefa")
    # untaught, guesses of how the name is said stay out of the recognizer
    untaught = recognizer_options(Settings(name="Aoife Byrne"), "system")
    assert untaught.names == untaught.prompt_terms == ("Aoife Byrne",)


@pytest.fixture(scope="module")
def engine():  # type: ignore[no-untyped-def]
    return load_engine("")


def _text(engine, audio: FloatArray, **kw: object) -> str:  # type: ignore[no-untyped-def]
    segs = engine.transcribe(audio, EngineRequest(**kw))  # type: ignore[arg-type]
    return " ".join(w.text for s in segs for w in s.words)


@pytest.mark.model
def test_a_name_the_model_never_considered_changes_nothing(engine) -> None:  # type: ignore[no-untyped-def]
    audio, sr = sf.read(FIXTURES / "asterisk__pls-hold-while-try.flac", dtype="float32")
    assert sr == SR
    free = _text(engine, audio)
    assert free
    assert _text(engine, audio, names=("Zebulon Okonkwo",)) == free


@pytest.mark.model
@pytest.mark.shared
@pytest.mark.skipif(not SHARED.exists(), reason="needs ../shared (the corpus)")
def test_a_mangled_name_is_read_back_where_the_model_nearly_heard_it(engine) -> None:  # type: ignore[no-untyped-def]
    # a scene line whose name the free reading turns into ordinary words
    import json

    scenes = SHARED / "corpus" / "names"
    truth = json.loads((scenes / "truth.json").read_text())
    recovered = 0
    for scene in truth:
        audio, sr = sf.read(SHARED / "corpus" / scene["file"], dtype="float32")
        for m in scene["mentions"]:
            clip = audio[int((m["start"] - 0.3) * sr) : int((m["end"] + 0.3) * sr)]
            hot = ", ".join((scene["person"], *scene["aliases"]))
            free = _text(engine, clip, hotwords=hot)
            named = _text(engine, clip, hotwords=hot, names=(scene["person"], *scene["aliases"]))
            first = scene["person"].split()[0].lower()
            if first not in free.lower():
                recovered += first in named.lower()
            else:  # a name already heard is left as it was
                assert first in named.lower()
    assert recovered >= 1
