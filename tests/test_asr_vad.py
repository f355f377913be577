"""Silero VAD streamed frame by frame, on real speech and on silence and noise."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from loopnote.asr.vad import FRAME, SileroVad, VadEvent, VadOptions, VadSegmenter

CLIP = Path(__file__).parent / "fixtures" / "audio" / "asterisk__vm-sorry.flac"
SR = 16_000


def speech() -> np.ndarray:
    audio, sr = sf.read(CLIP, dtype="float32")
    assert sr == SR
    return np.asarray(audio, dtype=np.float32)


def events(audio: np.ndarray, options: VadOptions) -> list[tuple[VadEvent, int, int]]:
    vad, seg = SileroVad(), VadSegmenter(options)
    out = []
    for i, p in enumerate(vad.probabilities(audio)):
        e = seg.update(float(p))
        if e is not VadEvent.NONE:
            out.append((e, i, seg.speech_end))
    return out


def test_probabilities_do_not_depend_on_chunking() -> None:
    audio = np.concatenate([np.zeros(SR, np.float32), speech()])
    whole = SileroVad().probabilities(audio)
    vad = SileroVad()
    rng = np.random.default_rng(1)
    parts, i = [], 0
    while i < audio.size:
        n = int(rng.integers(1, 4000))
        parts.append(vad.probabilities(audio[i : i + n]))
        i += n
    assert whole.size == audio.size // FRAME
    np.testing.assert_array_equal(np.concatenate(parts), whole)


def test_speech_starts_and_ends_around_the_clip() -> None:
    clip = speech()
    audio = np.concatenate([np.zeros(SR, np.float32), clip, np.zeros(SR, np.float32)])
    evs = events(audio, VadOptions(min_silence=0.5))
    kinds = [e for e, _, _ in evs]
    assert kinds[0] is VadEvent.START and kinds[-1] is VadEvent.END
    start_s = evs[0][1] * FRAME / SR
    end_s = evs[-1][2] * FRAME / SR
    assert 0.9 <= start_s <= 1.6  # the prompt starts right after the leading second
    assert 1.0 + clip.size / SR - 1.0 <= end_s <= 1.0 + clip.size / SR + 0.1
    # the end is only declared once min_silence has passed
    assert (evs[-1][1] + 1 - evs[-1][2]) * FRAME / SR >= 0.5 - FRAME / SR


def test_silence_and_noise_never_start_speech() -> None:
    rng = np.random.default_rng(7)
    silence = np.zeros(5 * SR, np.float32)
    hiss = (0.01 * rng.standard_normal(5 * SR)).astype(np.float32)
    t = np.arange(5 * SR) / SR
    hum = (0.05 * np.sin(2 * np.pi * 50 * t)).astype(np.float32)
    for audio in (silence, hiss, hum):
        assert events(audio, VadOptions()) == []
