"""The settled transcript: each stretch of speech decoded again with the audio that follows
it, stored next to the live transcript (``transcript.jsonl`` is never rewritten).

``settled.jsonl`` holds one record per settled utterance, appended (fsync'ed) as each
stretch settles::

    {"id": "s00012", "source": "system", "start": ..., "end": ..., "text": ..., "words": [...],
     "speaker": ..., "replaces": ["s00012"], "model": "tiny.en", "pass": "live"|"end"|...}

``replaces`` lists the live utterance ids the record stands for; a record with empty text
takes its live utterances out (the live pass heard words the settled one did not). A later
record for a live id wins over an earlier one, so ``loopnote retranscribe`` appends a new
tier rather than editing the old one, and a tier cut short by a crash is still a transcript.

``settled_record(u, replaces, model, how)``  the journal record of one settled utterance
``apply_settled(live, records)``            the transcript a reader sees: settled where
                                            present, live otherwise, in the live order
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from loopnote.types import Utterance

SETTLED = "settled.jsonl"


def settled_record(u: Utterance, replaces: Sequence[str], model: str, how: str) -> dict[str, Any]:
    return {**u.to_dict(), "replaces": list(replaces), "model": model, "pass": how}


def apply_settled(live: Sequence[Utterance], records: Iterable[dict[str, Any]]) -> list[Utterance]:
    """``live`` with each utterance a settled record replaces swapped for that record (the
    newest one naming it); records that do not parse are skipped."""
    owner: dict[str, tuple[int, Utterance]] = {}
    for n, d in enumerate(records):
        try:
            u = Utterance.from_dict(d)
            replaces = [str(x) for x in d.get("replaces", [u.id])]
        except (KeyError, TypeError, ValueError):
            continue
        for lid in replaces:
            owner[lid] = (n, u)
    if not owner:
        return list(live)
    out: list[Utterance] = []
    shown: set[int] = set()
    for u in live:
        hit = owner.get(u.id)
        if hit is None:
            out.append(u)
            continue
        n, settled = hit
        if n in shown:
            continue
        shown.add(n)
        if settled.text.strip():
            # the live id and speaker: anchors, labels and names apply by the live id
            out.append(replace(settled, id=u.id, source=u.source, speaker=u.speaker))
    return out


__all__ = ["SETTLED", "apply_settled", "settled_record"]
