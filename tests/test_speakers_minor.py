"""Minor speakers after settling, without a model: windows drawn around voice directions with
about the within-voice similarity the speaker model gives (0.4)."""

from __future__ import annotations

import numpy as np

from loopnote.speakers.minor import MinorOptions, absorb_minor_speakers

DIM = 64
SPREAD = 0.15  # two windows of one voice: cosine about 1 / (1 + SPREAD**2 * DIM) = 0.4


def direction(rng: np.random.Generator, near: np.ndarray | None = None) -> np.ndarray:
    v = rng.standard_normal(DIM)
    v /= np.linalg.norm(v)
    if near is not None:  # the same voice in another mood: mostly that voice
        v = 0.85 * near + 0.15 * v
    return v / np.linalg.norm(v)


def meeting(
    rng: np.random.Generator, parts: list[tuple[str, np.ndarray, int]]
) -> tuple[np.ndarray, list[str | None]]:
    rows, labels = [], []
    for label, centre, n in parts:
        rows += [centre + rng.standard_normal(DIM) * SPREAD for _ in range(n)]
        labels += [label] * n
    return np.array(rows), labels


def absorb(rows: np.ndarray, labels: list[str | None]) -> list[str | None]:
    return absorb_minor_speakers(rows, [1.5] * len(labels), labels)


def test_a_small_split_off_part_of_a_voice_becomes_that_voice() -> None:
    rng = np.random.default_rng(0)
    a, b = direction(rng), direction(rng)
    rows, labels = meeting(rng, [("s1", a, 40), ("s2", b, 40), ("s3", direction(rng, a), 5)])
    out = absorb(rows, labels)
    assert out == ["s1"] * 40 + ["s2"] * 40 + ["s1"] * 5


def test_a_quiet_participant_with_a_voice_of_their_own_stays() -> None:
    rng = np.random.default_rng(1)
    rows, labels = meeting(
        rng, [("s1", direction(rng), 40), ("s2", direction(rng), 40), ("s3", direction(rng), 5)]
    )
    assert absorb(rows, labels) == labels


def test_a_speaker_with_a_fair_share_of_the_speech_is_left_to_the_clusterer() -> None:
    rng = np.random.default_rng(2)
    a = direction(rng)
    rows, labels = meeting(rng, [("s1", a, 40), ("s2", direction(rng, a), 20)])
    assert absorb(rows, labels) == labels
    looser = MinorOptions(share=0.5)
    assert absorb_minor_speakers(rows, [1.5] * 60, labels, looser) == ["s1"] * 60


def test_two_split_off_parts_each_find_their_voice() -> None:
    rng = np.random.default_rng(3)
    a, b = direction(rng), direction(rng)
    rows, labels = meeting(
        rng,
        [
            ("s1", a, 40),
            ("s2", b, 40),
            ("s3", direction(rng, b), 4),
            ("s4", direction(rng, a), 6),
        ],
    )
    assert absorb(rows, labels) == ["s1"] * 40 + ["s2"] * 44 + ["s1"] * 6


def test_a_lone_window_of_a_voice_becomes_that_voice() -> None:
    # one window has no likeness of its own to compare with: the other voice's stands in
    rng = np.random.default_rng(5)
    a = direction(rng)
    rows, labels = meeting(rng, [("s1", a, 1), ("s2", a, 30)])
    assert absorb(rows, labels) == ["s2"] * 31


def test_a_lone_window_of_another_voice_stays() -> None:
    rng = np.random.default_rng(6)
    rows, labels = meeting(rng, [("s1", direction(rng), 30), ("s2", direction(rng), 1)])
    assert absorb(rows, labels) == labels


def test_unlabelled_windows_and_a_single_speaker_are_kept() -> None:
    rng = np.random.default_rng(4)
    rows, labels = meeting(rng, [("s1", direction(rng), 10)])
    with_gaps: list[str | None] = [None, *labels[1:]]
    assert absorb(rows, with_gaps) == with_gaps
    assert absorb(np.zeros((0, DIM)), []) == []
