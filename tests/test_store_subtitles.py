"""Subtitle cues: timing from word times, line limits, parse with pysrt and webvtt-py."""

from __future__ import annotations

import io
import itertools
import random

import pysrt
import webvtt

from loopnote.store import SubtitleOptions, make_cues, to_srt, to_vtt
from loopnote.store.subtitles import timestamp, wrap
from loopnote.types import Utterance, Word

VOCAB = (
    "budget",
    "freeze",
    "we",
    "should",
    "consider",
    "the",
    "quarterly",
    "numbers",
    "internationalization",
    "a",
    "of",
    "roadmap",
    "and",
    "ok.",
    "right?",
    "yes!",
)


def random_utterances(seed: int, n: int = 40) -> list[Utterance]:
    rng = random.Random(seed)
    t = 0.0
    out = []
    for i in range(n):
        words = []
        for _ in range(rng.randint(1, 45)):
            d = rng.uniform(0.1, 0.6)
            words.append(Word(rng.choice(VOCAB), round(t, 3), round(t + d, 3)))
            t += d + rng.uniform(0.0, 0.3)
        out.append(
            Utterance(
                f"u{i}",
                rng.choice(["system", "mic"]),
                words[0].start,
                words[-1].end,
                " ".join(w.text for w in words),
                tuple(words),
            )
        )
        t += rng.uniform(0, 3)
    return out


def test_timestamp_formats() -> None:
    assert timestamp(3723.4567) == "01:02:03,457"
    assert timestamp(0.0016, ".") == "00:00:00.002"
    assert timestamp(-1) == "00:00:00,000"


def test_wrap_is_balanced_and_bounded() -> None:
    assert wrap(["short"], 42, 2) == ("short",)
    lines = wrap(
        ["we", "need", "a", "budget", "freeze", "until", "March", "because", "numbers"], 42, 2
    )
    assert lines == ("we need a budget freeze", "until March because numbers")
    assert wrap(["x" * 30, "y" * 30, "z" * 30], 42, 2) is None


def test_every_cue_fits_and_times_follow_words() -> None:
    for seed in range(5):
        us = random_utterances(seed)
        cues = make_cues(us)
        words = [w for u in us for w in u.words]
        starts = {w.start for w in words}
        for c in cues:
            assert 1 <= len(c.lines) <= 2
            assert all(0 < len(line) <= 42 for line in c.lines), c.lines
            assert c.end > c.start
            assert c.start in starts  # a cue starts where a word starts
            assert c.end - c.start <= 7.0 + 0.6
        assert [c.start for c in cues] == sorted(c.start for c in cues)
        # no word is lost or duplicated
        cue_words = [
            t for c in cues for line in c.lines for t in line.split() if t not in ("Them:", "You:")
        ]
        assert sorted(cue_words) == sorted(w.text for w in words)


def test_long_utterance_split_by_word_times() -> None:
    words = tuple(Word(f"w{i}", i * 0.5, i * 0.5 + 0.4) for i in range(40))
    u = Utterance("u", "system", 0, 20, " ".join(w.text for w in words), words)
    cues = make_cues([u])
    assert len(cues) > 1
    assert cues[0].start == 0.0 and abs(cues[-1].end - 19.9) < 1e-9
    for a, b in itertools.pairwise(cues):
        assert a.end <= b.start


def test_words_missing_are_spread_over_the_utterance() -> None:
    u = Utterance(
        "u",
        "mic",
        10.0,
        20.0,
        "one two three four five six seven eight nine ten "
        "eleven twelve thirteen fourteen fifteen sixteen",
    )
    cues = make_cues([u])
    assert cues[0].start == 10.0 and cues[-1].end <= 20.0 + 1e-9
    assert all(len(line) <= 42 for c in cues for line in c.lines)


def test_overlong_token_is_cut_to_the_line_width() -> None:
    u = Utterance("u", "system", 0, 3, "see https://example.com/" + "a" * 100)
    cues = make_cues([u], SubtitleOptions(label=True))
    assert all(len(line) <= 42 for c in cues for line in c.lines)


def test_srt_parses_with_pysrt() -> None:
    us = random_utterances(7)
    cues = make_cues(us)
    subs = pysrt.from_string(to_srt(cues))
    assert len(subs) == len(cues)
    for s, c in zip(subs, cues, strict=True):
        assert abs(s.start.ordinal / 1000 - c.start) <= 0.0005 + 1e-9
        assert abs(s.end.ordinal / 1000 - c.end) <= 0.0005 + 1e-9
        assert s.text.split("\n") == list(c.lines)


def test_vtt_parses_with_webvtt_and_escapes() -> None:
    us = [*random_utterances(3), Utterance("x", "system", 500, 502, "a < b & c -> d")]
    cues = make_cues(us)
    text = to_vtt(cues)
    parsed = webvtt.from_buffer(io.StringIO(text))
    assert len(parsed.captions) == len(cues)
    for cap, c in zip(parsed.captions, cues, strict=True):
        assert abs(cap.start_in_seconds + cap.start_time.milliseconds / 1000 - c.start) < 0.002
        assert cap.raw_text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").split(
            "\n"
        ) == list(c.lines)
    assert "a &lt; b &amp; c -&gt; d" in text


def test_single_source_has_no_labels_both_sources_do() -> None:
    one = [Utterance("a", "system", 0, 1, "hello")]
    assert make_cues(one)[0].lines == ("hello",)
    two = [*one, Utterance("b", "mic", 2, 3, "hi")]
    assert [c.lines for c in make_cues(two)] == [("Them: hello",), ("You: hi",)]


def test_empty_meeting_gives_valid_empty_files() -> None:
    assert to_srt([]) == ""
    assert webvtt.from_buffer(io.StringIO(to_vtt([]))).captions == []
