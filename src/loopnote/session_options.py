"""What a meeting is built from: the options one session needs, and the parts chosen from
the settings (recognition options per source, the live speaker labeller).

``SessionOptions``      what one meeting needs (settings, title, whether to keep its audio)
``recognizer_options``  recognition biased toward the user's names and the meeting's words
``live_labeller``       the speaker labeller of a live meeting, or none without the extra
``settler_for``         the settling pass of a meeting, or none
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from loopnote.asr import RecognizerOptions
from loopnote.asr.engine import Engine
from loopnote.asr.settle import SettleOptions
from loopnote.backlog import Pace
from loopnote.config import Settings, data_dir
from loopnote.errors import ModelNotAvailable, StoreError
from loopnote.live_speakers import SpeakerLabelling
from loopnote.pipeline import Recognizer
from loopnote.settling import LiveSettler, make_settler
from loopnote.store.voices import VoiceStore
from loopnote.types import Source

log = logging.getLogger(__name__)

RecognizerFactory = Callable[[Source, RecognizerOptions], Recognizer]  # tests script one


@dataclass(frozen=True)
class SessionOptions:
    settings: Settings = field(default_factory=Settings)
    title: str = ""
    keep_audio: bool = True  # write each source's audio into the meeting folder
    consent_text: str = ""  # the reminder that was shown before capture started
    origin: str = "live"  # "live" | "file" (what the meeting was made from)
    # the file a replayed meeting's system audio comes from: the speakers' last look reads
    # it there when the meeting keeps no audio of its own
    replayed: Path | None = None
    pace: Pace = field(default_factory=Pace)  # when recognition counts as behind (backlog.py)
    # the settled transcript beside the live one (settling.py); None: none
    settle: SettleOptions | None = field(default_factory=SettleOptions)


def recognizer_options(settings: Settings, source: Source = "system") -> RecognizerOptions:
    """Recognition biased toward the user's names and the meeting's vocabulary; the other
    side (``system``) is also listened to for the user's names (``RecognizerOptions.names``)."""
    # a taught pronunciation ("Shivawn") is biased toward and listened for like a name
    said = (settings.name, *settings.aliases, *settings.sounds_like)
    names = tuple(t for t in said if t.strip())
    terms = tuple(t for t in (*names, *settings.vocab) if t.strip())
    return RecognizerOptions(
        model=settings.model,
        language=settings.language,
        prompt_terms=terms,
        names=names if source == "system" else (),
    )


def live_labeller(settings: Settings) -> SpeakerLabelling | None:
    """The speaker labeller for a live meeting with the remembered voices it may name; none
    without the extra ``loopnote[speakers]`` (or with ``speakers = false``)."""
    if not settings.speakers:
        return None
    from loopnote.speakers import SegmentationModel, UtteranceLabeller, load_embedder

    try:
        embedder = load_embedder()
    except ModelNotAvailable as e:
        log.info("no live speaker labels: %s", e)
        return None
    try:  # finds where the voice changes inside a line, to cut it there
        segmenter: SegmentationModel | None = SegmentationModel.load()
    except ModelNotAvailable as e:
        log.info("live lines are not cut where the speaker changes: %s", e)
        segmenter = None
    try:
        voices = VoiceStore(data_dir()).voices()
    except StoreError as e:
        log.warning("remembered voices are not used: %s", e)
        voices = []
    # the last look diarizes the whole meeting with ECAPA where its weights are installed
    # (one thread: two were slower on two cores)
    whole = partial(load_embedder, 1, "ecapa")
    labeller = UtteranceLabeller(embedder, segmenter=segmenter, whole=whole)
    return SpeakerLabelling(labeller, voices, embedder.name)


def settler_for(
    options: SessionOptions,
    sources: tuple[Source, ...],
    engine: Engine | None,
    *,
    scripted: bool,
) -> LiveSettler | None:
    """The settled transcript's pass (by default the model again, in a child process; with
    ``engine``, that one); none with ``settle = false``, and none for a scripted recognition
    that was given no engine for it."""
    settings = options.settings
    if not settings.settle or options.settle is None or (scripted and engine is None):
        return None
    per_source = {s: recognizer_options(settings, s) for s in sources}
    return make_settler(settings.model, per_source, engine, options.settle)
