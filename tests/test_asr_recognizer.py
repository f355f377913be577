"""The live recognizer with the real shipped model on real speech (tests/fixtures/audio)."""

from __future__ import annotations

import itertools
import re
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import jiwer
import numpy as np
import pytest
import soundfile as sf

from loopnote.asr import (
    EngineRequest,
    EngineSegment,
    RecognizerOptions,
    StreamingRecognizer,
    load_engine,
    transcribe_offline,
)
from loopnote.asr.whisper import WINDOW_FULL, WINDOW_WIDE, WhisperEngine
from loopnote.types import FloatArray, PartialText, Source, Utterance

pytestmark = pytest.mark.model

FIXTURES = Path(__file__).parent / "fixtures"
SR = 16_000
REFS = dict(
    line.split("\t", 1)
    for line in (FIXTURES / "audio" / "references.tsv").read_text().splitlines()
    if line.strip()
)


def norm(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[^\w\s']", " ", text.lower())).strip()


def load(name: str, pad: float = 0.5) -> FloatArray:
    audio, sr = sf.read(FIXTURES / "audio" / name, dtype="float32")
    assert sr == SR
    z = np.zeros(int(pad * SR), np.float32)
    return np.concatenate([z, np.asarray(audio, np.float32), z])


class CountingEngine:
    """The real engine, counting calls and the longest buffer it was given."""

    def __init__(self, inner: WhisperEngine) -> None:
        self.inner = inner
        self.calls = 0
        self.longest = 0.0
        self.name = inner.name
        self.multilingual = inner.multilingual

    def transcribe(self, samples: FloatArray, request: EngineRequest) -> list[EngineSegment]:
        self.calls += 1
        self.longest = max(self.longest, samples.size / SR)
        return self.inner.transcribe(samples, request)


@pytest.fixture(scope="module")
def engine() -> WhisperEngine:
    return load_engine("")


def chunks(audio: FloatArray, sizes: Iterator[int] | int, t0: float) -> Iterator[tuple]:
    i = 0
    while i < audio.size:
        n = sizes if isinstance(sizes, int) else next(sizes)
        yield audio[i : i + n], t0 + i / SR
        i += n


def run(
    engine: object,
    audio: FloatArray,
    *,
    chunk: Iterator[int] | int = 1600,
    t0: float = 0.0,
    source: Source = "system",
    options: RecognizerOptions | None = None,
    pace: float = 0.0,
) -> tuple[list[Utterance], list[PartialText], StreamingRecognizer]:
    rec = StreamingRecognizer(engine, source, options)  # type: ignore[arg-type]
    out: list[Utterance | PartialText] = []
    history = ""
    began = time.monotonic()
    for piece, start in chunks(audio, chunk, t0):
        if pace:
            time.sleep(max(0.0, began + (start - t0) / pace - time.monotonic()))
        new = rec.feed(piece, start)
        out.extend(new)
        # committed text only ever grows: emitted utterances + settled words
        now = " ".join(
            [u.text for u in out if isinstance(u, Utterance)] + [w.text for w in rec.settled]
        )
        assert now.startswith(history)
        history = now
        for p in new:
            if isinstance(p, PartialText):
                assert p.text.startswith(" ".join(w.text for w in rec.settled))
    out.extend(rec.finish())
    check_committed(out)
    utts = [u for u in out if isinstance(u, Utterance)]
    return utts, [p for p in out if isinstance(p, PartialText)], rec


def check_committed(events: list[Utterance | PartialText]) -> int:
    """The live contract: a partial's ``committed`` text only grows until its utterance is
    emitted, and is exactly the start of that utterance's text; ``text`` is ``committed`` then
    ``tentative``. Returns how many partials showed committed words before their utterance."""
    shown = 0
    committed = ""
    for e in events:
        if isinstance(e, Utterance):
            assert e.text.startswith(committed), (committed, e.text)
            committed = ""
            continue
        assert e.committed.startswith(committed), (committed, e.committed)
        assert e.text.startswith(e.committed) and e.text.endswith(e.tentative)
        assert e.text == f"{e.committed} {e.tentative}".strip() or e.tentative.startswith("-")
        committed = e.committed
        shown += bool(committed)
    assert committed == "", "committed words never emitted"
    return shown


@pytest.mark.parametrize("name", sorted(REFS))
def test_clip_is_recognized_with_valid_word_times(engine: WhisperEngine, name: str) -> None:
    audio = load(name)
    t0 = 100.0
    utts, partials, _ = run(engine, audio, t0=t0)
    text = " ".join(u.text for u in utts)
    assert jiwer.wer(norm(REFS[name]), norm(text)) <= 0.25, text
    words = [w for u in utts for w in u.words]
    assert words
    for a, b in itertools.pairwise(words):
        assert a.start <= a.end <= b.start
    assert t0 <= words[0].start and words[-1].end <= t0 + audio.size / SR
    assert [u.id for u in utts] == [f"s{i:05d}" for i in range(1, len(utts) + 1)]
    for u in utts:
        assert u.text == " ".join(w.text for w in u.words)
        assert (u.start, u.end) == (u.words[0].start, u.words[-1].end)
    assert partials and all(t0 <= p.t <= t0 + audio.size / SR for p in partials)


def test_chunk_size_and_pacing_do_not_change_the_result(engine: WhisperEngine) -> None:
    audio = load("asterisk__pls-hold-while-try.flac")
    rng = np.random.default_rng(3)
    runs = [
        run(engine, audio, chunk=160)[0],
        run(engine, audio, chunk=3200)[0],
        run(engine, audio, chunk=iter(lambda: int(rng.integers(50, 4000)), None))[0],
        run(engine, audio, chunk=1600, pace=1.0)[0],  # real time, as live capture
    ]
    assert runs[0]
    assert all(r == runs[0] for r in runs[1:])


def test_long_speech_keeps_the_buffer_bounded(engine: WhisperEngine) -> None:
    audio, _ = sf.read(FIXTURES / "speech_confbridge_mute.flac", dtype="float32")
    audio = np.concatenate([audio, np.zeros(SR // 2, np.float32), audio]).astype(np.float32)
    counting = CountingEngine(engine)
    opts = RecognizerOptions(max_buffer=6.0)
    utts, _, rec = run(counting, audio, options=opts)
    assert counting.longest <= opts.max_buffer + 2 * opts.step + 0.1
    assert rec.buffered == 0.0
    ref = norm(
        "to mute, or unmute yourself. When you are muted you can not send audio to other "
        "participants. However you will still hear audio from other unmuted participants."
    )
    assert jiwer.wer(ref + " " + ref, norm(" ".join(u.text for u in utts))) <= 0.25


def test_silence_costs_nothing_and_noise_yields_no_text(engine: WhisperEngine) -> None:
    counting = CountingEngine(engine)
    utts, partials, _ = run(counting, np.zeros(20 * SR, np.float32))
    assert (utts, partials, counting.calls) == ([], [], 0)
    rng = np.random.default_rng(5)
    t = np.arange(10 * SR) / SR
    noise = 0.02 * rng.standard_normal(t.size) + 0.05 * np.sin(2 * np.pi * 60 * t)
    utts, partials, _ = run(counting, noise.astype(np.float32))
    assert utts == [] and all(not p.text for p in partials)


def test_memory_is_released_after_speech_ends(engine: WhisperEngine) -> None:
    audio = np.concatenate([load("asterisk__vm-sorry.flac"), np.zeros(3 * SR, np.float32)])
    rec = StreamingRecognizer(engine, "mic", RecognizerOptions(first_index=7))
    out = []
    for piece, start in chunks(audio, 1600, 0.0):
        out.extend(rec.feed(piece, start))
    # VAD end closed the stretch: only the pre-roll kept before a next onset is held
    assert rec.buffered <= RecognizerOptions().vad.speech_pad + 0.1
    utts = [u for u in out if isinstance(u, Utterance)]
    assert utts and utts[0].id == "m00007" and utts[0].source == "mic"
    assert rec.finish() == []


def test_two_sources_share_one_engine_from_two_threads(engine: WhisperEngine) -> None:
    a = load("asterisk__vm-sorry.flac")
    b = load("asterisk__feature-not-avail-line.flac")
    alone = (run(engine, a)[0], run(engine, b, source="mic")[0])
    results: dict[str, list[Utterance]] = {}

    def work(key: str, audio: FloatArray, source: Source) -> None:
        results[key] = run(engine, audio, source=source)[0]

    threads = [
        threading.Thread(target=work, args=("a", a, "system")),
        threading.Thread(target=work, args=("b", b, "mic")),
    ]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert (results["a"], results["b"]) == alone


def test_offline_transcription_of_a_whole_file(engine: WhisperEngine) -> None:
    audio = load("asterisk__confbridge-lock-no-join.flac")
    words = transcribe_offline(engine, audio)
    ref = REFS["asterisk__confbridge-lock-no-join.flac"]
    assert jiwer.wer(norm(ref), norm(" ".join(w.text for w in words))) <= 0.2
    assert all(0 <= w.start <= w.end <= audio.size / SR for w in words)


def test_a_pass_asked_for_the_wide_window_decodes_in_it(engine: WhisperEngine) -> None:
    """A short buffer gets a short encoder window on streaming passes, but a pass asked for
    the wide window (the streaming policy asks for it on a stretch's final pass) gets it:
    exactly what an engine whose shortest window is that wide decodes, and not what the full
    30 s window gives."""
    audio = load("asterisk__pls-hold-while-try.flac")
    wide = load_engine("", min_window=WINDOW_WIDE)
    final = engine.transcribe(audio, EngineRequest(final=True, wide_window=True))
    step = engine.transcribe(audio, EngineRequest())
    reference = wide.transcribe(audio, EngineRequest())
    full = load_engine("", min_window=WINDOW_FULL).transcribe(audio, EngineRequest())
    assert final and step and reference and full
    assert full[0].avg_logprob != pytest.approx(final[0].avg_logprob, abs=1e-6)
    assert final[0].text == reference[0].text
    assert final[0].avg_logprob == pytest.approx(reference[0].avg_logprob, abs=1e-6)
    assert [(w.start, w.end) for w in final[0].words] == [
        (w.start, w.end) for w in reference[0].words
    ]
    # the streaming pass really used another window (the decoder's confidence differs)
    assert step[0].avg_logprob != pytest.approx(reference[0].avg_logprob, abs=1e-6)


def test_partials_say_which_words_are_final(engine: WhisperEngine) -> None:
    # two stretches of speech, the second long enough to commit words before its end
    gap = np.zeros(SR, np.float32)
    audio = np.concatenate(
        [load("asterisk__vm-sorry.flac"), gap, load("moonshine__two_cities_10s.flac")]
    )
    rec = StreamingRecognizer(engine, "system")
    events: list[Utterance | PartialText] = []
    for piece, start in chunks(audio, 1600, 0.0):
        events += rec.feed(piece, start)
    events += rec.finish()
    shown = check_committed(events)
    assert shown > 0, "no partial showed a final word before its utterance"
    utts = [e for e in events if isinstance(e, Utterance)]
    assert len(utts) >= 2


def test_a_reading_that_loops_is_decoded_again_by_sampling(
    engine: WhisperEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The greedy reading is taken for a loop (its compression ratio made too high): the pass
    is decoded again by sampling, which gives a real reading, the same on every run."""
    from loopnote.asr import whisper

    name = "asterisk__pls-hold-while-try.flac"
    audio = load(name)
    greedy = engine.transcribe(audio, EngineRequest(final=True))
    assert greedy
    real_ratio = whisper._compression_ratio
    readings = []

    def first_loops(calls: list[str]) -> Callable[[str], float]:
        def ratio(text: str) -> float:
            calls.append(text)
            return 9.9 if len(calls) == 1 else real_ratio(text)

        return ratio

    for _ in range(2):
        calls: list[str] = []
        monkeypatch.setattr(whisper, "_compression_ratio", first_loops(calls))
        segments = engine.transcribe(audio, EngineRequest(final=True))
        assert len(calls) >= 2, "no second decode"
        readings.append(" ".join(w.text for s in segments for w in s.words))
    assert readings[0] == readings[1]
    assert jiwer.wer(norm(REFS[name]), norm(readings[0])) <= 0.3
    # nothing better than the loop: the greedy reading stays (the guards cut the repeats)
    monkeypatch.setattr(whisper, "_compression_ratio", lambda text: 9.9)
    assert engine.transcribe(audio, EngineRequest(final=True))[0].text == greedy[0].text


def test_a_pass_that_is_not_final_keeps_its_loop_for_the_guards(
    engine: WhisperEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass before the final one shows tentative words only: a loop there is not decoded
    again (25 sampled readings cost seconds live); its greedy reading comes back as read."""
    from loopnote.asr import whisper

    audio = load("asterisk__pls-hold-while-try.flac")
    greedy = engine.transcribe(audio, EngineRequest())
    calls: list[str] = []

    def loops(text: str) -> float:
        calls.append(text)
        return 9.9

    monkeypatch.setattr(whisper, "_compression_ratio", loops)
    segments = engine.transcribe(audio, EngineRequest(final=False))
    assert segments[0].text == greedy[0].text
    # only the returned segment's own figure: the greedy reading is not checked for a loop,
    # and no sampled reading is made
    assert len(calls) == 1
