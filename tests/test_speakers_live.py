"""Utterances labelled as they commit, with a scripted embedder (no model): each voice is
a constant level in the audio, and the embedder maps a level to that voice's direction."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
import soundfile as sf

from loopnote.errors import ModelNotAvailable
from loopnote.speakers.live import UtteranceLabeller
from loopnote.speakers.segment import Changes
from loopnote.types import Word

RATE = 16000
AUDIO = Path(__file__).parent / "fixtures" / "audio"


class LevelEmbedder:
    """A fake model: the clip's level picks one of a few fixed directions, plus noise."""

    name = "fake-levels"

    def __init__(self) -> None:
        rng = np.random.default_rng(0)
        self.directions = rng.standard_normal((5, 32))
        self.rng = rng

    def embed(self, clips: Sequence[npt.NDArray[np.float32]]) -> npt.NDArray[np.float32]:
        rows = []
        for c in clips:
            voice = round(float(np.mean(c)) * 10) - 1
            rows.append(self.directions[voice] + self.rng.standard_normal(32) * 0.05)
        return np.array(rows, np.float32)


def test_each_utterance_gets_its_voice_and_early_guesses_are_corrected() -> None:
    lab = UtteranceLabeller(LevelEmbedder(), keep_seconds=30.0)
    script = [0, 1, 0, 1, 2, 0, 2, 1] * 3  # voices taking turns of 3 s
    t = 0.0
    got: dict[str, str | None] = {}
    corrections = 0
    for i, voice in enumerate(script):
        lab.feed(np.full(3 * RATE, (voice + 1) / 10, np.float32), t)
        speaker, changed = lab.label(f"u{i}", t, t + 3.0)
        got[f"u{i}"] = speaker
        for uid, spk in changed:
            got[uid] = spk
            corrections += 1
        t += 3.0
    by_voice: dict[int, set[str | None]] = {}
    for i, voice in enumerate(script):
        by_voice.setdefault(voice, set()).add(got[f"u{i}"])
    assert all(len(v) == 1 for v in by_voice.values()), by_voice
    assert len({next(iter(v)) for v in by_voice.values()}) == 3
    assert corrections > 0  # a new voice's first turn was first given to a known speaker


def test_audio_older_than_the_ring_is_not_kept() -> None:
    lab = UtteranceLabeller(LevelEmbedder(), keep_seconds=10.0)
    for k in range(10):
        lab.feed(np.full(3 * RATE, 0.1, np.float32), 3.0 * k)
    assert len(lab._audio) == 10 * RATE
    speaker, _ = lab.label("old", 0.0, 3.0)  # its audio is gone: no guess
    assert speaker is None
    speaker, _ = lab.label("new", 27.0, 30.0)
    assert speaker == "s1"


class LevelChanges:
    """A scripted segmenter: a change wherever the audio's level steps."""

    def changes(self, clip: npt.NDArray[np.float32]) -> Changes:
        steps = np.nonzero(np.abs(np.diff(clip)) > 0.05)[0]
        return Changes(times=[(k + 1) / RATE for k in steps])


def test_an_utterance_holding_two_voices_is_cut_at_the_word_and_each_part_labelled() -> None:
    lab = UtteranceLabeller(LevelEmbedder(), keep_seconds=60.0, segmenter=LevelChanges())  # type: ignore[arg-type]
    t = 0.0
    for i, voice in enumerate([0, 1, 0, 1]):  # both voices known first
        lab.feed(np.full(4 * RATE, (voice + 1) / 10, np.float32), t)
        lab.label(f"u{i}", t, t + 4.0)
        t += 4.0
    # one utterance: voice 0 for 3 s, then voice 1 for 3 s
    lab.feed(np.concatenate([np.full(3 * RATE, 0.1), np.full(3 * RATE, 0.2)]).astype(np.float32), t)
    words = [Word(f"w{k}", t + 0.1 + 0.4 * k, t + 0.4 + 0.4 * k) for k in range(15)]
    parts, _ = lab.label_parts("u4", t, t + 6.0, words)
    assert len(parts) == 2
    assert parts[1].start == words[parts[1].first_word].start
    assert abs(parts[1].start - (t + 3.0)) <= 0.4
    assert parts[0].speaker == lab._labels[0] and parts[1].speaker == lab._labels[1]
    # without word timestamps an utterance is never cut
    lab.feed(np.full(6 * RATE, 0.1, np.float32), t + 6.0)
    parts, _ = lab.label_parts("u5", t + 6.0, t + 12.0, [])
    assert len(parts) == 1


def test_a_change_the_labeller_hears_as_one_voice_does_not_cut_the_utterance() -> None:
    lab = UtteranceLabeller(LevelEmbedder(), keep_seconds=60.0, segmenter=LevelChanges())  # type: ignore[arg-type]
    t = 0.0
    for i, voice in enumerate([0, 1, 0, 1]):
        lab.feed(np.full(4 * RATE, (voice + 1) / 10, np.float32), t)
        lab.label(f"u{i}", t, t + 4.0)
        t += 4.0
    # the level steps (the segmenter hears a change) but both sides are voice 0
    lab.feed(
        np.concatenate([np.full(3 * RATE, 0.08), np.full(3 * RATE, 0.14)]).astype(np.float32), t
    )
    words = [Word(f"w{k}", t + 0.1 + 0.4 * k, t + 0.4 + 0.4 * k) for k in range(15)]
    assert lab._changes(t, t + 6.0)  # the segmenter did hear one
    parts, _ = lab.label_parts("u4", t, t + 6.0, words)
    assert [(p.speaker, p.first_word, p.end_word) for p in parts] == [(lab._labels[0], 0, 15)]
    # the next utterance, of the other voice, is cut as before and named u5, u5.2
    lab.feed(
        np.concatenate([np.full(3 * RATE, 0.2), np.full(3 * RATE, 0.1)]).astype(np.float32), t + 6
    )
    words = [Word(f"w{k}", t + 6.1 + 0.4 * k, t + 6.4 + 0.4 * k) for k in range(15)]
    parts, _ = lab.label_parts("u5", t + 6.0, t + 12.0, words)
    assert [p.speaker for p in parts] == [lab._labels[1], lab._labels[0]]
    assert "u5.2" in lab._utterances and "u4.2" not in lab._utterances


class CountingEmbedder:
    """A fake model that counts the clips it is given (one direction for every clip)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.clips = 0

    def embed(self, clips: Sequence[npt.NDArray[np.float32]]) -> npt.NDArray[np.float32]:
        self.clips += len(clips)
        return np.ones((len(clips), 8), np.float32)


def _speech() -> npt.NDArray[np.float32]:
    """Real speech (the VAD finds the regions the windows are cut from), at 16 kHz."""
    audio, rate = sf.read(AUDIO / "moonshine__two_cities_10s.flac", dtype="float32")
    assert rate == RATE
    return np.asarray(audio, np.float32)


def test_the_whole_recording_is_diarized_with_the_whole_recording_model() -> None:
    live, whole = CountingEmbedder("live"), CountingEmbedder("whole")
    lab = UtteranceLabeller(live, whole=lambda: whole)
    turns = lab.diarize(_speech())
    assert turns and whole.clips > 0 and live.clips == 0


def test_without_the_whole_recording_model_the_live_one_diarizes() -> None:
    def missing() -> CountingEmbedder:
        raise ModelNotAvailable("the ECAPA speaker model needs its weights")

    live = CountingEmbedder("live")
    lab = UtteranceLabeller(live, whole=missing)
    assert lab.diarize(_speech()) and live.clips > 0
