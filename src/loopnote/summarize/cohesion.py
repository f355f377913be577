"""Where a conversation moves to another subject, found from its words alone (lexical cohesion,
after Hearst's TextTiling): the words of the few sentences before each gap are compared with
those of the few after it, and the gaps where that similarity dips deepest are the cuts.

``cuts(bags, window, min_size)``   the indexes where a new stretch begins (0 always first)

It needs no announced agenda ("Next topic, …"), so a meeting that drifts from the venue to the
budget to the agenda still gets one stretch per subject, whatever words it uses.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Sequence


def _cosine(a: Counter[str], b: Counter[str]) -> float:
    dot = sum(n * b[w] for w, n in a.items())
    na = math.sqrt(sum(n * n for n in a.values()))
    nb = math.sqrt(sum(n * n for n in b.values()))
    return dot / (na * nb) if na and nb else 0.0


def _depths(sims: list[float]) -> list[float]:
    """How far each gap's similarity lies below the peaks on either side of it."""
    out = []
    for i, s in enumerate(sims):
        left = s
        for v in reversed(sims[:i]):
            if v < left:
                break
            left = v
        right = s
        for v in sims[i + 1 :]:
            if v < right:
                break
            right = v
        out.append((left - s) + (right - s))
    return out


def cuts(bags: Sequence[set[str]], window: int = 3, min_size: int = 3) -> list[int]:
    """Start indexes of the stretches of ``bags`` (one set of content words per sentence)."""
    n = len(bags)
    if n < 2 * min_size:
        return [0]
    sims = []
    for gap in range(1, n):
        before: Counter[str] = Counter(w for b in bags[max(0, gap - window) : gap] for w in b)
        after: Counter[str] = Counter(w for b in bags[gap : gap + window] for w in b)
        sims.append(_cosine(before, after))
    depths = _depths(sims)
    # TextTiling's cut-off: deeper than the mean depth less half its spread
    cutoff = statistics.mean(depths) - statistics.pstdev(depths) / 2
    starts = [0]
    for gap in sorted(range(1, n), key=lambda g: -depths[g - 1]):
        d = depths[gap - 1]
        if d <= 0 or d < cutoff:
            break
        if all(abs(gap - s) >= min_size for s in starts) and n - gap >= min_size:
            starts.append(gap)
    return sorted(starts)
