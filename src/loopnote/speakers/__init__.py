"""Who said what: speaker embeddings, online clustering, names from the conversation.

``load_embedder``       the speaker-embedding model (extra ``loopnote[speakers]``)
``OnlineClusterer``     unknown number of speakers, bounded cost, self-correcting labels
``diarize``             speaker turns of a stretch of audio; ``speaker_of`` for an utterance
``absorb_minor_speakers`` small speakers alike to another, once a meeting is heard
``propose_names``       names from conversation cues (pure rules, precision first)
``UtteranceLabeller``   speakers of utterances as they commit (for a live session)
``SegmentationModel``   where the voice changes and where two speak at once (ONNX)
``split_by_speaker``    an utterance cut where its voice changes, at a word boundary
"""

from loopnote.speakers.cluster import ClusterOptions, OnlineClusterer, Relabel
from loopnote.speakers.diarize import (
    Diarization,
    DiarizeOptions,
    SpeakerTurn,
    diarize,
    speaker_of,
    speech_regions,
)
from loopnote.speakers.embed import Embedder, load_embedder
from loopnote.speakers.live import UtteranceLabeller
from loopnote.speakers.minor import MinorOptions, absorb_minor_speakers
from loopnote.speakers.naming import (
    Cue,
    NameProposal,
    NamingOptions,
    Turn,
    find_cues,
    propose_names,
)
from loopnote.speakers.segment import ChangeOptions, Changes, SegmentationModel, split_regions
from loopnote.speakers.split import UtterancePart, cut_times, split_by_speaker, word_cuts

__all__ = [
    "ChangeOptions",
    "Changes",
    "ClusterOptions",
    "Cue",
    "Diarization",
    "DiarizeOptions",
    "Embedder",
    "MinorOptions",
    "NameProposal",
    "NamingOptions",
    "OnlineClusterer",
    "Relabel",
    "SegmentationModel",
    "SpeakerTurn",
    "Turn",
    "UtteranceLabeller",
    "UtterancePart",
    "absorb_minor_speakers",
    "cut_times",
    "diarize",
    "find_cues",
    "load_embedder",
    "propose_names",
    "speaker_of",
    "speech_regions",
    "split_by_speaker",
    "split_regions",
    "word_cuts",
]
