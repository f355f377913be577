"""Minor speakers: a small cluster that is another speaker's voice once the meeting is heard.

The online clusterer opens a speaker for a voice heard in an unusual stretch (a pause, a
phrase in another language, a line's noise) and, deciding as it goes, keeps it when the
evidence for one voice comes later. Once the meeting is over, a speaker holding under
``share`` of the speech is tested against every other speaker: when its windows are alike
to one speaker's at ``ratio`` of how alike the two speakers' own windows are (a test
relative to the recording, as the clusterer's merges), it is that speaker. A small cluster
needs this looser test because a few windows give a noisy picture of a voice; a real quiet
participant stays, since their windows are unlike everyone else's. On the dev scenes, real
speakers holding under a fifth of the speech measured 0.12-0.41 of that ratio (the higher
ones in a shared room and with more than a tenth of the speech), split-off parts of one
voice 0.44-0.66. A speaker of a single window (the first voice heard is a speaker at once,
and a meeting that opens with a fragment of a word gives it one odd window) has no
likeness of its own, so the other speaker's stands for both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from loopnote.speakers.cluster import relative_likeness


@dataclass(frozen=True)
class MinorOptions:
    share: float = 0.1  # a speaker with less of the meeting's speech is tested
    ratio: float = 0.4  # across-similarity as a share of the two within-similarities


def absorb_minor_speakers(
    embeddings: npt.NDArray[np.floating],
    seconds: Sequence[float],
    labels: Sequence[str | None],
    options: MinorOptions | None = None,
) -> list[str | None]:
    """``labels`` (one per window, None for none) with each minor speaker that is another's
    voice relabelled as that speaker; the smallest first, until none is."""
    opts = options or MinorOptions()
    out = list(labels)
    if len({s for s in out if s is not None}) < 2:  # nothing to absorb into
        return out
    rows = np.asarray(embeddings, np.float64).reshape(len(labels), -1)
    rows = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-12)
    durations = np.asarray(seconds, np.float64)
    while True:
        speakers = list(dict.fromkeys(s for s in out if s is not None))
        members = {s: np.array([lab == s for lab in out]) for s in speakers}
        held = {s: float(durations[members[s]].sum()) for s in speakers}
        total = sum(held.values())
        sets = {s: (rows[members[s]].sum(0), int(members[s].sum())) for s in speakers}
        for minor in sorted(speakers, key=held.__getitem__):
            if held[minor] >= opts.share * total:
                return out
            target = _same_voice_as(minor, sets, opts.ratio)
            if target is not None:
                out = [target if lab == minor else lab for lab in out]
                break
        else:
            return out


def _same_voice_as(
    minor: str, sets: dict[str, tuple[npt.NDArray[np.float64], int]], ratio: float
) -> str | None:
    """The speaker ``minor``'s windows are most alike to, relative to how alike each
    one's own windows are (``sets``: each speaker's sum of unit rows and their number), if
    that reaches ``ratio``."""
    best, best_score = None, ratio
    for other, (raw, n) in sets.items():
        if other == minor:
            continue
        score = relative_likeness(*sets[minor], raw, n)
        if score is not None and score >= best_score:
            best, best_score = other, score
    return best
