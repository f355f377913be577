"""Utterances labelled as they commit, with a scripted embedder (no model): each voice is
a constant level in the audio, and the embedder maps a level to that voice's direction."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from loopnote.speakers.live import UtteranceLabeller

RATE = 16000


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
