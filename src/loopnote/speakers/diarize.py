"""Who spoke when in a stretch of audio: speech regions, windows, embeddings, clustering.

Speech is found with Silero VAD (the ONNX file faster-whisper ships). Each speech region is
cut into ``window``-second windows every ``hop`` seconds (a region shorter than a window is
one window, if it lasts ``min_window``). The windows are embedded and placed one by one, in
time order, by the online clusterer, so the same code serves a finished meeting and, fed
as the audio arrives, a live one. Every 10 ms of speech then takes the speaker of the
window centred nearest to it, and runs of one speaker become turns.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from loopnote.speakers.cluster import ClusterOptions, OnlineClusterer
from loopnote.speakers.ecapa import ECAPA_NAME
from loopnote.speakers.embed import RATE, Embedder
from loopnote.speakers.links import LinkOptions, cannot_links, window_slots
from loopnote.speakers.minor import MinorOptions, absorb_minor_speakers
from loopnote.speakers.segment import SegmentationModel, split_regions

log = logging.getLogger(__name__)
FRAME = 0.01
# The segmentation pass's share of diarize's work with a segmenter (CPU seconds on 504 s of
# scenes: segmentation 6.1, embeddings 11.1), so its progress moves evenly.
SEGMENT_SHARE = 0.35


@dataclass(frozen=True)
class SpeakerTurn:
    start: float
    end: float
    speaker: str


@dataclass(frozen=True)
class DiarizeOptions:
    window: float = 1.5
    hop: float = 0.75
    min_window: float = 0.5
    vad_threshold: float = 0.5
    settle: bool = True  # a last pass gives each window its nearest final speaker
    cluster: ClusterOptions = field(default_factory=ClusterOptions)
    # windows the segmentation model hears as two people in one chunk (None: not used)
    links: LinkOptions | None = field(default_factory=LinkOptions)
    # after settling, a small speaker alike to another is that voice (None: not used)
    minor: MinorOptions | None = field(default_factory=MinorOptions)


# Clustering thresholds are similarities, and each embedder has its own scale: ECAPA's
# (ecapa.py) were chosen on the dev scenes by a grid over join, merge, merge_ratio, the
# minor rule's ratio and confirm_seconds (benchmarks/speaker_sweep.py). The point chosen
# sits on a plateau (DER 8.9 %, 15 of 19 counts right for merge 0.6-0.65 and merge_ratio
# 0.7-0.75); join 0.5 scored 7.1 % and 17 alone, its neighbours 12-15, and it heard a man
# whose 1.5 s windows are 0.44 alike as no new speaker at all. GE2E's thresholds gave
# ECAPA 13.0 %, 14; GE2E's are the defaults above.
TUNED: dict[str, DiarizeOptions] = {
    ECAPA_NAME: DiarizeOptions(
        cluster=ClusterOptions(join=0.45, merge=0.6, merge_ratio=0.7),
        minor=MinorOptions(ratio=0.4),
    ),
}


def options_for(embedder: Embedder) -> DiarizeOptions:
    """The diarization options fitted for ``embedder``'s similarities (the defaults when
    none were)."""
    return TUNED.get(embedder.name, DiarizeOptions())


@dataclass
class Diarization:
    turns: list[SpeakerTurn]
    speakers: list[str]
    windows: int
    relabels: int  # window labels changed after they were first given
    centroids: dict[str, npt.NDArray[np.float64]]


def speech_regions(
    audio: npt.NDArray[np.float32], threshold: float = 0.5
) -> list[tuple[float, float]]:
    """Stretches of speech in 16 kHz mono audio, in seconds."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    stamps = get_speech_timestamps(
        audio,
        VadOptions(
            threshold=threshold,
            min_speech_duration_ms=250,
            min_silence_duration_ms=300,
            speech_pad_ms=60,
        ),
    )
    return [(s["start"] / RATE, s["end"] / RATE) for s in stamps]


def windows(
    regions: Sequence[tuple[float, float]], opts: DiarizeOptions
) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for start, end in regions:
        length = end - start
        if length < opts.min_window:
            continue
        if length <= opts.window:
            out.append((start, end))
            continue
        t = start
        while t + opts.window <= end + 1e-6:
            out.append((t, t + opts.window))
            t += opts.hop
        if out[-1][1] < end - opts.hop / 2:  # the region's tail gets its own window
            out.append((end - opts.window, end))
    return out


def embed_windows(
    audio: npt.NDArray[np.float32],
    embedder: Embedder,
    spans: Sequence[tuple[float, float]],
    *,
    progress: Callable[[float], None] | None = None,
) -> npt.NDArray[np.float32]:
    """One embedding per window of ``audio`` (in batches, so memory stays small)."""
    rows: list[npt.NDArray[np.float32]] = []
    batch = 16
    for i in range(0, len(spans), batch):
        chunk = spans[i : i + batch]
        rows.append(embedder.embed([audio[int(s * RATE) : int(e * RATE)] for s, e in chunk]))
        if progress is not None:
            progress(min(1.0, (i + batch) / len(spans)))
    return np.concatenate(rows) if rows else np.zeros((0, 1), np.float32)


def cluster_windows(
    spans: Sequence[tuple[float, float]],
    embeddings: npt.NDArray[np.float32],
    regions: Sequence[tuple[float, float]],
    options: DiarizeOptions | None = None,
    cannot: Sequence[Collection[int]] | None = None,
) -> Diarization:
    """Place the windows in time order with the online clusterer, then settle: once the
    whole meeting is heard, each window goes to the speaker whose centroid it is nearest
    (what the online pass gave it before a later voice was known may be wrong), and a
    small speaker alike to another is that speaker (``minor.py``).
    ``cannot``: per window, the earlier windows heard as another person."""
    opts = options or DiarizeOptions()
    clusterer = OnlineClusterer(opts.cluster)
    relabels = 0
    for i, ((s, e), emb) in enumerate(zip(spans, embeddings, strict=True)):
        _, changed = clusterer.add(emb, e - s, cannot[i] if cannot is not None else ())
        relabels += len(changed)
    labels = clusterer.labels()
    if opts.settle:
        settled = clusterer.settle(embeddings)
        relabels += sum(a != b for a, b in zip(labels, settled, strict=True))
        labels = settled
        if opts.minor is not None:
            absorbed = absorb_minor_speakers(
                embeddings, [e - s for s, e in spans], labels, opts.minor
            )
            relabels += sum(a != b for a, b in zip(labels, absorbed, strict=True))
            labels = absorbed
    turns = _turns(spans, labels, regions)
    speakers = [s for s in clusterer.speakers if any(t.speaker == s for t in turns)]
    centroids = {s: c for s in speakers if (c := clusterer.centroid(s)) is not None}
    return Diarization(turns, speakers, len(spans), relabels, centroids)


@dataclass
class SpeechWindows:
    """What diarization computes before clustering: the speech regions (cut where the
    voice changes), their windows, one embedding per window and, per window, the earlier
    windows heard as another person (None without the segmenter or links)."""

    regions: Sequence[tuple[float, float]]
    spans: list[tuple[float, float]]
    embeddings: npt.NDArray[np.float32]
    cannot: Sequence[Collection[int]] | None


def embed_speech(
    audio: npt.NDArray[np.float32],
    embedder: Embedder,
    options: DiarizeOptions | None = None,
    *,
    regions: Sequence[tuple[float, float]] | None = None,
    segmenter: SegmentationModel | None = None,
    progress: Callable[[float], None] | None = None,
) -> SpeechWindows:
    """The windows of 16 kHz mono ``audio``'s speech and their embeddings (``regions``:
    speech, found here if None). With a ``segmenter``, speech is first cut where the voice
    changes, so no window mixes two voices (a mixed window pulls a speaker's centroid
    toward the other voice), and windows it hears as two people in one chunk are kept apart
    (``links.py``). ``progress`` hears the share of the work done (0 to 1), now and then."""
    opts = options or DiarizeOptions()
    report = progress or (lambda share: None)
    report(0.0)
    if regions is None:
        regions = speech_regions(audio, opts.vad_threshold)
    chunks = []
    first = 0.0  # the share the segmentation pass takes
    if segmenter is not None:
        first = SEGMENT_SHARE
        chunks = segmenter.chunks(audio, progress=lambda share: report(first * share))
        regions = split_regions(regions, segmenter.changes(audio, chunks=chunks).times)
    spans = windows(regions, opts)
    embeddings = embed_windows(
        audio, embedder, spans, progress=lambda share: report(first + (1 - first) * share)
    )
    report(1.0)
    cannot = None
    if chunks and opts.links is not None:
        cannot = cannot_links(window_slots(spans, chunks, opts.links))
    return SpeechWindows(regions, spans, embeddings, cannot)


def diarize(
    audio: npt.NDArray[np.float32],
    embedder: Embedder,
    options: DiarizeOptions | None = None,
    *,
    regions: Sequence[tuple[float, float]] | None = None,
    segmenter: SegmentationModel | None = None,
    progress: Callable[[float], None] | None = None,
) -> Diarization:
    """Speaker turns of 16 kHz mono ``audio``: ``embed_speech``, then ``cluster_windows``."""
    w = embed_speech(
        audio, embedder, options, regions=regions, segmenter=segmenter, progress=progress
    )
    return cluster_windows(w.spans, w.embeddings, w.regions, options, w.cannot)


def _turns(
    spans: Sequence[tuple[float, float]],
    labels: Sequence[str | None],
    regions: Sequence[tuple[float, float]],
) -> list[SpeakerTurn]:
    labelled = [(s, e, lab) for (s, e), lab in zip(spans, labels, strict=True) if lab is not None]
    if not labelled:
        return []
    centres = np.array([(s + e) / 2 for s, e, _ in labelled])
    turns: list[SpeakerTurn] = []
    for start, end in regions:
        n = max(1, round((end - start) / FRAME))
        times = start + (np.arange(n) + 0.5) * FRAME
        idx = np.clip(np.searchsorted(centres, times), 1, len(centres) - 1)
        left_closer = np.abs(times - centres[idx - 1]) <= np.abs(times - centres[idx])
        nearest = np.where(left_closer, idx - 1, idx) if len(centres) > 1 else np.zeros(n, int)
        run_start = 0
        for k in range(1, n + 1):
            if k == n or labelled[nearest[k]][2] != labelled[nearest[run_start]][2]:
                speaker = labelled[nearest[run_start]][2]
                assert speaker is not None
                t0 = start + run_start * FRAME
                t1 = start + k * FRAME if k < n else end
                if turns and turns[-1].speaker == speaker and t0 - turns[-1].end < 0.05:
                    turns[-1] = SpeakerTurn(turns[-1].start, t1, speaker)
                else:
                    turns.append(SpeakerTurn(t0, t1, speaker))
                run_start = k
    return turns


def speaker_of(start: float, end: float, turns: Sequence[SpeakerTurn]) -> str | None:
    """The speaker who fills most of [start, end), or None if nobody speaks in it."""
    share: dict[str, float] = {}
    for t in turns:
        overlap = min(end, t.end) - max(start, t.start)
        if overlap > 0:
            share[t.speaker] = share.get(t.speaker, 0.0) + overlap
    return max(share, key=lambda s: share[s]) if share else None
