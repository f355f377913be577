"""Cannot-links from the segmentation model's local speakers, and the clusterer's veto:
pure, with scripted model output and embeddings."""

from __future__ import annotations

import numpy as np

from loopnote.speakers import ClusterOptions, OnlineClusterer
from loopnote.speakers.links import cannot_links, window_slots
from loopnote.speakers.segment import FRAME_FIELD, FRAME_HOP, Chunk

RATE = 16000


def chunk(start: float, who: list[tuple[float, float, int]], length: float = 10.0) -> Chunk:
    """A chunk whose model output is certain: class ``1 + slot`` over each (a, b, slot)."""
    n = (int(length * RATE) - FRAME_FIELD) // FRAME_HOP + 1
    times = (np.arange(n) * FRAME_HOP + FRAME_FIELD / 2) / RATE
    probs = np.zeros((n, 7), np.float32)
    probs[:, 0] = 1.0  # nobody
    for a, b, slot in who:
        inside = (times >= a) & (times < b)
        probs[inside] = 0.0
        probs[inside, 1 + slot] = 1.0
    return Chunk(start, length, probs)


def test_a_window_is_held_by_the_local_speaker_who_fills_it() -> None:
    c = chunk(0.0, [(0.0, 5.0, 0), (5.0, 10.0, 1)])
    spans = [(1.0, 2.5), (6.0, 7.5), (4.25, 5.75)]  # slot 0, slot 1, straddling both
    assert window_slots(spans, [c]) == [[(0, 0)], [(0, 1)], []]


def test_a_short_phantom_voice_holds_nothing() -> None:
    c = chunk(0.0, [(0.0, 8.5, 0), (8.5, 10.0, 1)])  # 1.5 s of "another" voice: music, noise
    assert window_slots([(1.0, 2.5), (8.5, 10.0)], [c]) == [[(0, 0)], []]


def test_windows_near_a_chunks_inner_edge_are_judged_by_the_next_chunk() -> None:
    chunks = [chunk(0.0, [(0.0, 10.0, 0)]), chunk(5.0, [(0.0, 10.0, 2)])]
    slots = window_slots([(9.0, 10.0)], chunks)
    assert slots == [[(1, 2)]]


def test_cannot_links_join_other_local_speakers_of_one_chunk_only() -> None:
    # windows 0, 1 by slot 0 and window 2 by slot 1 of chunk 0; window 3 alone in chunk 1
    slots = [[(0, 0)], [(0, 0)], [(0, 1)], [(1, 1)]]
    assert cannot_links(slots) == [set(), set(), {0, 1}, set()]


def two_close_voices(seed: int = 3) -> tuple[np.ndarray, list[int]]:
    """Two voices whose windows are more alike than ``join`` (one phone line, one room)."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal(64)
    a = base + rng.standard_normal(64) * 0.4
    b = base + rng.standard_normal(64) * 0.4
    order = [0] * 8 + [1] * 8
    rows = np.stack([(a if v == 0 else b) + rng.standard_normal(64) * 0.05 for v in order])
    return rows, order


def test_a_window_heard_as_another_person_does_not_join_that_speaker() -> None:
    rows, order = two_close_voices()
    options = ClusterOptions(merge_ratio=None, merge=0.99)  # only the veto may split them
    merged = OnlineClusterer(options)
    for e in rows:
        merged.add(e, 1.5)
    assert len(merged.speakers) == 1  # without the model's word, one voice

    kept = OnlineClusterer(options)
    for i, e in enumerate(rows):
        # voice 1's windows share chunks with voice 0's last four, held by another slot
        cannot = {4, 5, 6, 7} if order[i] == 1 and i < 12 else set()
        kept.add(e, 1.5, cannot)
    labels = kept.labels()
    assert len(kept.speakers) == 2
    assert len(set(labels[:8])) == 1 and len(set(labels[8:])) == 1
    assert labels[0] != labels[8]


def test_one_stray_link_vetoes_nothing() -> None:
    rows, _ = two_close_voices()
    c = OnlineClusterer(ClusterOptions(merge_ratio=None, merge=0.99))  # veto: 2 links
    for i, e in enumerate(rows):
        c.add(e, 1.5, {7} if i >= 8 else set())
    assert len(c.speakers) == 1
