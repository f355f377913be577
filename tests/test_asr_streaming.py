"""The pure streaming policy, driven by a scripted engine (no model needed).

The fake engine reads the buffer's session time from the samples themselves (each sample
holds its own index), and "hears" the scripted words whose audio the buffer fully contains;
the word still being spoken comes back misheard, as a real recognizer does with cut-off audio.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable

import numpy as np
import pytest

from loopnote.asr.engine import SAMPLE_RATE, EngineRequest, EngineSegment
from loopnote.asr.guards import (
    cut_repetitions,
    ends_sentence,
    guard_segments,
    join_words,
    normalize,
)
from loopnote.asr.options import GuardOptions, RecognizerOptions
from loopnote.asr.streaming import (
    LONGEST_STRIDE,
    WAITING_EDGE,
    StreamingPolicy,
    agreed_prefix,
)
from loopnote.asr.vad import FRAME
from loopnote.types import FloatArray, Word

SCALE = 2.0**-24


def timeline(seconds: float, t0: float = 0.0) -> FloatArray:
    first = round(t0 * SAMPLE_RATE)
    return (np.arange(first, first + round(seconds * SAMPLE_RATE)) * SCALE).astype(np.float32)


class ScriptEngine:
    name = "script"
    multilingual = False

    def __init__(self, script: list[tuple[str, float, float]], *, no_speech: float = 0.0) -> None:
        self.script = script
        self.calls: list[tuple[float, float, EngineRequest]] = []
        self.no_speech = no_speech

    def transcribe(self, samples: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        t0 = float(samples[0]) / SCALE / SAMPLE_RATE
        t1 = t0 + samples.size / SAMPLE_RATE
        self.calls.append((t0, t1, request))
        words = []
        for text, start, end in self.script:
            if start < t0 - 0.05:
                continue
            if end <= t1:
                words.append(Word(text, start - t0, end - t0))
            elif start < t1 - 0.1:
                words.append(Word(text[::-1] + "~", start - t0, t1 - t0))  # cut off: misheard
                break
        if request.prefix:  # the buffer's committed words: return only what follows them
            given = request.prefix.split()
            assert [normalize(w.text) for w in words[: len(given)]] == [normalize(g) for g in given]
            words = words[len(given) :]
        return [EngineSegment(tuple(words), self.no_speech, -0.2)] if words else []


SCRIPT = [
    ("Hello", 0.3, 0.6),
    ("there,", 0.7, 1.0),
    ("how", 1.1, 1.3),
    ("are", 1.35, 1.5),
    ("you?", 1.55, 1.9),
    ("I", 2.4, 2.5),
    ("am", 2.55, 2.7),
    ("fine,", 2.8, 3.1),
    ("thanks", 3.2, 3.6),
    ("a", 3.7, 3.75),
    ("lot.", 3.8, 4.2),
    ("See", 4.8, 5.0),
    ("you", 5.05, 5.2),
    ("later", 5.3, 5.7),
]


def run(
    policy: StreamingPolicy,
    seconds: float,
    chunk: int,
    waiting: Callable[[float], float] = lambda _t: 0.0,
) -> list[Word]:
    """Append ``seconds`` of speech in ``chunk``-sample pieces; ``waiting(t)``: the live audio
    waiting behind each piece, ``t`` the seconds appended before it."""
    audio = timeline(seconds)
    probs = np.ones(1, dtype=np.float32)
    policy.begin(0.0, audio[:FRAME], probs)
    committed: list[Word] = []
    for i in range(FRAME, audio.size, chunk):
        piece = audio[i : i + chunk]
        policy.waiting = waiting(i / SAMPLE_RATE)
        result = policy.append(piece, np.ones(max(1, piece.size // FRAME), dtype=np.float32))
        if result:
            committed.extend(result.committed)
    committed.extend(policy.end(seconds).committed)
    return committed


def test_agreed_prefix_ignores_case_and_punctuation() -> None:
    a = [Word("Hello,", 0, 1), Word("world", 1, 2), Word("x", 2, 3)]
    b = [Word("hello", 0, 1), Word("World.", 1, 2), Word("y", 2, 3)]
    assert agreed_prefix(a, b) == 2
    assert agreed_prefix([], b) == 0


def test_commits_only_what_two_passes_agree_on_and_never_changes_it() -> None:
    engine = ScriptEngine(SCRIPT)
    policy = StreamingPolicy(engine, RecognizerOptions(step=0.5, first_step=0.3))
    audio = timeline(6.0)
    one = np.ones(1, dtype=np.float32)
    policy.begin(0.0, audio[:FRAME], one)
    committed: list[Word] = []
    seen_tentative: list[tuple[Word, ...]] = []
    for i in range(FRAME, audio.size, FRAME):
        result = policy.append(audio[i : i + FRAME], one)
        if result is None:
            continue
        # a committed word was in the previous pass's tentative text, unchanged in spelling
        for w in result.committed:
            assert any(normalize(w.text) == normalize(t.text) for t in seen_tentative[-1])
            assert "~" not in w.text
        committed.extend(result.committed)
        seen_tentative.append(result.tentative)
    final = policy.end(6.0)
    assert final.final and final.tentative == ()
    committed.extend(final.committed)
    assert [w.text for w in committed] == [s[0] for s in SCRIPT]
    starts = [w.start for w in committed]
    assert starts == sorted(starts)
    assert all(a.end <= b.start + 1e-9 for a, b in itertools.pairwise(committed))


def test_pass_schedule_and_result_depend_on_audio_not_chunking() -> None:
    results = []
    for chunk in (FRAME, 3 * FRAME, 7 * FRAME):
        engine = ScriptEngine(SCRIPT)
        words = run(StreamingPolicy(engine, RecognizerOptions(step=0.5)), 6.0, chunk)
        results.append(([(w.text, w.start, w.end) for w in words], len(engine.calls)))
    # the same text whatever the chunking; frames are the policy's clock
    assert results[0][0] == results[1][0] == results[2][0]
    assert [s[0] for s in SCRIPT] == [w[0] for w in results[0][0]]


def test_a_pass_waits_for_audio_already_waiting_and_then_covers_it() -> None:
    """Live, a costly pass leaves audio waiting: the next pass comes once the waiting audio
    is appended (one pass over all of it), not one pass per step of stale audio."""
    engine = ScriptEngine(SCRIPT)
    policy = StreamingPolicy(engine, RecognizerOptions(step=0.5, first_step=0.3))
    # 1.6 s behind when the stretch begins, drained as it is appended
    committed = run(policy, 6.0, FRAME, waiting=lambda t: max(0.0, 1.6 - t))
    ran_at = [t1 for _, t1, request in engine.calls if not request.final]
    # nothing ran while more than the live edge waited; then a pass every step again
    assert ran_at[0] >= 1.6 - WAITING_EDGE
    assert all(b - a <= 0.5 + FRAME / SAMPLE_RATE for a, b in itertools.pairwise(ran_at))
    assert [w.text for w in committed] == [s[0] for s in SCRIPT]


class LoopingEngine(ScriptEngine):
    """The script, read by passes that loop (their text compresses too well) while the
    buffer ends between ``loop_from`` and ``loop_to`` seconds."""

    def __init__(self, script: list[tuple[str, float, float]], loop_from: float, loop_to: float):
        super().__init__(script)
        self.loop = (loop_from, loop_to)

    def transcribe(self, samples: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        segments = super().transcribe(samples, request)
        t1 = float(samples[-1]) / SCALE / SAMPLE_RATE
        if request.final or not self.loop[0] <= t1 <= self.loop[1]:
            return segments
        return [dataclasses.replace(s, compression_ratio=9.9) for s in segments]


def test_a_pass_that_loops_commits_nothing_and_is_no_partner_for_the_next() -> None:
    engine = LoopingEngine(SCRIPT, 2.6, 3.5)
    policy = StreamingPolicy(engine, RecognizerOptions(step=0.5, first_step=0.3))
    audio = timeline(6.0)
    policy.begin(0.0, audio[:FRAME], np.ones(1, dtype=np.float32))
    by_pass: list[tuple[float, tuple[Word, ...]]] = []
    for i in range(FRAME, audio.size, FRAME):
        result = policy.append(audio[i : i + FRAME], np.ones(1, dtype=np.float32))
        if result:
            by_pass.append((result.t, result.committed))
    final = policy.end(6.0)
    looping = [c for t, c in by_pass if 2.6 <= t <= 3.5]
    assert len(looping) >= 2 and not any(looping)  # two looping passes agreed: not taken
    after = [c for t, c in by_pass if t > 3.5]
    assert any(after), "the pass after the loop did not agree with the one before it"
    words = [w for _, c in by_pass for w in c] + list(final.committed)
    assert [w.text for w in words] == [s[0] for s in SCRIPT]


def test_audio_that_always_waits_still_gets_a_pass_every_longest_stride() -> None:
    engine = ScriptEngine(SCRIPT)
    policy = StreamingPolicy(engine, RecognizerOptions(step=0.5, first_step=0.3))
    # a machine far too slow: the pace of passes has a floor
    committed = run(policy, 14.0, FRAME, waiting=lambda _t: 100.0)
    ends = [t1 for _, t1, _ in engine.calls]
    strides = [b - a for a, b in itertools.pairwise([0.0, *ends])]
    assert len(ends) >= 3  # two mid-speech passes and the final one
    assert all(s <= LONGEST_STRIDE + 2 * FRAME / SAMPLE_RATE for s in strides)  # + begin
    assert [w.text for w in committed] == [s[0] for s in SCRIPT]


def test_buffer_is_cut_at_sentence_ends_and_text_becomes_prompt() -> None:
    engine = ScriptEngine(SCRIPT)
    policy = StreamingPolicy(engine, RecognizerOptions(step=0.5, trim_after=1.0))
    run(policy, 6.0, FRAME)
    starts = [c[0] for c in engine.calls]
    # cut at the start of "you?" (kept as the prefix), then at the start of "lot."
    assert 1.5 <= min(s for s in starts if s > 0) <= 1.56
    assert 3.75 <= max(starts) <= 3.81
    last = engine.calls[-1][2]
    assert last.prompt and last.prompt.endswith("fine, thanks a")
    assert last.prefix and last.prefix.startswith("lot.")
    assert all(t1 - t0 <= 4.5 for t0, t1, _ in engine.calls)


def test_max_buffer_bounds_every_pass_without_punctuation() -> None:
    words = [(f"w{i}", 0.2 + 0.4 * i, 0.5 + 0.4 * i) for i in range(190)]
    engine = ScriptEngine(words)
    opts = RecognizerOptions(step=0.5, max_buffer=5.0)
    committed = run(StreamingPolicy(engine, opts), 80.0, 4 * FRAME)
    assert max(t1 - t0 for t0, t1, _ in engine.calls) <= 5.0 + opts.step + 0.1
    assert [w.text for w in committed] == [w[0] for w in words]


def test_only_the_pass_that_ends_a_stretch_is_final() -> None:
    engine = ScriptEngine(SCRIPT)
    run(StreamingPolicy(engine, RecognizerOptions(step=0.5)), 6.0, FRAME)
    flags = [c[2].final for c in engine.calls]
    assert len(flags) > 3 and flags[-1] and not any(flags[:-1])


def test_hotwords_come_from_prompt_terms() -> None:
    engine = ScriptEngine(SCRIPT)
    run(
        StreamingPolicy(engine, RecognizerOptions(prompt_terms=("Alex Morgan", "Kubernetes"))),
        2.0,
        FRAME,
    )
    assert {c[2].hotwords for c in engine.calls} == {"Alex Morgan, Kubernetes"}


def test_no_speech_segments_are_dropped() -> None:
    engine = ScriptEngine(SCRIPT, no_speech=0.9)
    policy = StreamingPolicy(engine, RecognizerOptions(guards=GuardOptions(logprob=0.0)))
    assert run(policy, 3.0, FRAME) == []


def w(text: str, start: float = 0.0, end: float = 0.5) -> Word:
    return Word(text, start, end)


def test_repetition_is_cut() -> None:
    words = [
        w(t) for t in ["so", "we", "go", "the", "end", "the", "end", "the", "end", "the", "end"]
    ]
    kept = cut_repetitions(words, 2)
    assert [x.text for x in kept] == ["so", "we", "go", "the", "end", "the", "end"]
    fine = [w(t) for t in ["no", "no", "we", "will"]]
    assert cut_repetitions(fine, 2) == fine


@pytest.mark.parametrize(("prob", "kept"), [(0.05, False), (0.9, True)])
def test_silence_phrase_dropped_only_when_audio_was_not_speech(prob: float, kept: bool) -> None:
    seg = EngineSegment((w("Thank", 0.0, 0.3), w("you.", 0.3, 0.6)), 0.1, -0.3)
    out = guard_segments([seg], GuardOptions(), lambda a, b, mean=False: prob)
    assert bool(out) is kept


def test_trailing_silence_phrase_is_stripped_over_silence() -> None:
    seg = EngineSegment(
        (w("Call", 0.0, 0.3), w("me.", 0.3, 0.6), w("Thank", 1.0, 1.2), w("you.", 1.2, 1.4)),
        0.1,
        -0.3,
    )
    out = guard_segments([seg], GuardOptions(), lambda a, b, mean=False: 0.9 if a < 0.7 else 0.1)
    assert [x.text for x in out] == ["Call", "me."]


class TailGuessEngine(ScriptEngine):
    """Also "hears" a word crammed into the last instant of every buffer, as a decoder
    running past its audio does."""

    def transcribe(self, samples: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        segs = super().transcribe(samples, request)
        end = samples.size / SAMPLE_RATE
        words = [*(segs[0].words if segs else ()), Word("Bye.", end - 0.01, end)]
        return [EngineSegment(tuple(words), self.no_speech, -0.2)]


@pytest.mark.parametrize("t0", [0.0, 3600.0])
def test_words_squeezed_into_the_buffer_end_are_dropped_late_in_a_meeting_too(t0: float) -> None:
    script = [(text, start + t0, end + t0) for text, start, end in SCRIPT]
    policy = StreamingPolicy(TailGuessEngine(script), RecognizerOptions())
    audio = timeline(6.0, t0)
    one = np.ones(1, dtype=np.float32)
    policy.begin(t0, audio[:FRAME], one)
    committed: list[Word] = []
    for i in range(FRAME, audio.size, FRAME):
        result = policy.append(audio[i : i + FRAME], one)
        if result:
            committed.extend(result.committed)
            assert all(w.text != "Bye." for w in result.tentative)
    committed.extend(policy.end(t0 + 6.0).committed)
    assert [w.text for w in committed] == [s[0] for s in SCRIPT]


@pytest.mark.parametrize(
    ("text", "ends"),
    [
        ("lot.", True),
        ("you?", True),
        ("Mr.", False),
        ("Mrs.", False),
        ("Dr.", False),
        ("(e.g.", False),
        ("fine,", False),
        ("U.S.", True),
        ("好。", True),
        ("吗？", True),
        ("ですね！", True),
        ("「はい。」", True),
        ("عرفت؟", True),
        ("है।", True),
        ("Так.", True),
        ("你好，", False),
        ("«Non»", False),
    ],
)
def test_a_title_with_a_period_does_not_end_a_sentence(text: str, ends: bool) -> None:
    assert ends_sentence(w(text)) is ends


def test_the_halves_of_a_hyphenated_word_stay_joined() -> None:
    words = [w("an"), w("ill"), w("-disposed"), w("man,"), w("-"), w("well")]
    assert join_words(words) == "an ill-disposed man, - well"
    assert join_words([]) == ""


def test_words_of_scripts_without_spaces_are_joined_without_spaces() -> None:
    words = [w("我们"), w("下"), w("周一"), w("发布"), w("。"), w("OK"), w("good.")]
    assert join_words(words) == "我们下周一发布。 OK good."
    assert join_words([w("会議を"), w("始めます"), w("、"), w("Loopnote"), w("で")]) == (
        "会議を始めます、 Loopnote で"
    )


def test_a_title_does_not_cut_the_buffer() -> None:
    script = [
        ("And", 0.3, 0.5),
        ("Mr.", 0.6, 0.9),
        ("John", 1.0, 1.3),
        ("Dashwood", 1.4, 1.9),
        ("had", 2.0, 2.2),
        ("then", 2.3, 2.5),
        ("leisure", 2.6, 3.0),
        ("to", 3.1, 3.2),
        ("consider", 3.3, 3.8),
    ]
    engine = ScriptEngine(script)
    run(StreamingPolicy(engine, RecognizerOptions(step=0.5, trim_after=1.0)), 4.5, FRAME)
    assert all(c[0] < 0.6 or c[0] > 2.0 for c in engine.calls[1:]), "cut after a title"


def test_until_a_stretch_commits_a_word_its_committing_passes_use_the_wide_window() -> None:
    engine = ScriptEngine(SCRIPT)
    run(StreamingPolicy(engine, RecognizerOptions(step=0.5, commit_after=2.0)), 6.0, FRAME)
    for t0, t1, request in engine.calls:
        if request.final:
            assert request.wide_window
        elif request.prefix:  # words of this stretch are committed already
            assert not request.wide_window
        else:
            assert request.wide_window == (t1 - t0 >= 2.0)
    assert any(r.wide_window and not r.final for _, _, r in engine.calls)
    assert any(r.prefix and not r.wide_window for _, _, r in engine.calls)
