"""Who cannot be whom: segmentation-3.0's local speakers as clustering constraints.

In each 10 s chunk the segmentation model (``segment.py``) separates up to three *local*
speakers. Their numbers mean nothing across chunks, but inside one chunk two of them are
two people. So two embedding windows that lie in the same chunk, each held by a different
local speaker, are different people: a *cannot-link*. The clusterer then never lets a
window join a speaker that already holds windows it is cannot-linked to (``ClusterOptions.
veto``), which keeps two similar voices (a shared room, one line) from melting into one.

Only clear evidence counts, because the model also hears a second "speaker" in music, a
change of language or room noise: a window must be held by one local speaker for
``dominance`` of its speech frames, and that local speaker must speak ``min_slot_seconds``
in the chunk (a short phantom voice links nothing). The converse, two windows of one local
speaker are one person (a *must-link*), is not used: measured on the dev scenes, such pairs
were different people 15-30 % of the time (the model often keeps two voices in one slot).

``window_slots``   per window, the (chunk, local speaker) pairs that clearly hold it
``cannot_links``   per window, the earlier windows it cannot be the same person as
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from loopnote.speakers.embed import RATE
from loopnote.speakers.segment import FRAME_FIELD, FRAME_HOP, Chunk, dominant

Slot = tuple[int, int]  # (chunk index, local speaker)


@dataclass(frozen=True)
class LinkOptions:
    dominance: float = 0.9  # share of a window's speech frames its local speaker must hold
    min_speech: float = 0.5  # share of a window's frames that must be speech at all
    min_slot_seconds: float = 3.0  # speech a local speaker needs in the chunk to count
    edge: float = 0.5  # a window this close to a chunk's inner edge is not judged there


def window_slots(
    spans: Sequence[tuple[float, float]],
    chunks: Sequence[Chunk],
    options: LinkOptions | None = None,
) -> list[list[Slot]]:
    """For each window (start, end in seconds), the local speakers that clearly hold it:
    at most one per chunk, none where the chunk cannot tell."""
    opts = options or LinkOptions()
    out: list[list[Slot]] = [[] for _ in spans]
    starts = np.array([s for s, _ in spans])
    ends = np.array([e for _, e in spans])
    end_of_audio = max((c.start + c.length for c in chunks), default=0.0)
    for ci, chunk in enumerate(chunks):
        who = dominant(chunk.probs)
        if len(who) == 0:
            continue
        slot_seconds = np.bincount(who[who >= 0], minlength=3) * FRAME_HOP / RATE
        times = chunk.start + (np.arange(len(who)) * FRAME_HOP + FRAME_FIELD / 2) / RATE
        lo = chunk.start + (opts.edge if chunk.start > 0 else 0.0)
        last = chunk.start + chunk.length
        hi = last - (opts.edge if last < end_of_audio else 0.0)
        inside = np.flatnonzero((starts >= lo) & (ends <= hi))
        for wi in inside:
            heard = who[(times >= starts[wi]) & (times < ends[wi])]
            speech = heard[heard >= 0]
            if len(heard) == 0 or len(speech) < opts.min_speech * len(heard):
                continue
            counts = np.bincount(speech, minlength=3)
            k = int(np.argmax(counts))
            if counts[k] >= opts.dominance * len(speech) and slot_seconds[k] >= (
                opts.min_slot_seconds
            ):
                out[wi].append((ci, k))
    return out


def cannot_links(slots: Sequence[Sequence[Slot]]) -> list[set[int]]:
    """For each window, the earlier windows held by another local speaker of a chunk that
    holds it too (links go backward in time, as the clusterer places windows in order)."""
    by_chunk: dict[int, dict[int, list[int]]] = {}
    for wi, held in enumerate(slots):
        for ci, k in held:
            by_chunk.setdefault(ci, {}).setdefault(k, []).append(wi)
    pairs: set[tuple[int, int]] = set()
    for speakers in by_chunk.values():
        for a, b in itertools.combinations(speakers.values(), 2):
            pairs.update((min(x, y), max(x, y)) for x in a for y in b if x != y)
    out: list[set[int]] = [set() for _ in slots]
    for x, y in pairs:
        out[y].add(x)
    return out
