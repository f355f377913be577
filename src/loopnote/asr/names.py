"""Listening for the user's names in a decoded buffer: the reading with a name, when the model
nearly heard one.

``name_forms``        the written forms to listen for: each name, and the first word of a
                      name of several words (people are called by their first name)
``NameCandidate``     where a name could stand in a hypothesis: the token index, the name's
                      tokens, and the log-probability the decoder gave the name's token where
                      the hypothesis left it
``name_candidates``   pure: the positions where the name came close (``gate``): its first
                      token, or, where the hypothesis began the name, the token it strayed at
``log_softmax``       per-step log-probabilities from raw decoder logits
``text_logprob``      the summed log-probability of a token run (teacher-forced)
``read_with_name``    the choice: try the candidates, keep the first reading with a name that
                      scores within ``margin`` of the free reading (the decoding and the
                      scoring are the engine's, passed in)

Recognizers mangle names into ordinary words ("Alex owns" heard as "I like songs"): the
greedy decoder took another word, but the name was among its close choices at that step.
Long names are several tokens, and the decoder often writes the first ones and strays after
("Oluwaseun" → "Olu was soon"): there the token it left the name at is the one checked.
The engine then decodes again with the name forced at that step, lets the decoder continue
freely, and scores both readings of the same audio by teacher forcing. When the reading with
the name explains the audio almost as well (within ``margin`` nats over the whole buffer),
it is the reading kept: the user told us the name matters, and a decoder that put the name
there and then continued with an equally likely sentence most probably heard it. A name the
decoder did not consider (``gate``), or one that makes the rest of the sentence improbable,
is never forced in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Logprobs = npt.NDArray[np.float64]

NAME_GATE = -4.0  # log-probability the name's first token needs at a step to be tried there
# ... at the first step of the text: a name often opens a sentence ("Siobhan, what do you
# think?"), where the decoder, with no words before it, is least sure and often skips it.
OPENING_GATE = -6.0
NAME_MARGIN = 4.0  # nats the reading with the name may lose against the free reading
MAX_TRIES = 2  # candidates tried per buffer (the closest first)


@dataclass(frozen=True)
class NameCandidate:
    index: int  # token index in the hypothesis where the name would start
    name: tuple[int, ...]  # the name's tokens
    logprob: float  # the decoder's log-probability of the name's first token there


def name_forms(names: Sequence[str]) -> list[str]:
    """Each name, and the first word of a name of several words, once each, in order."""
    out: list[str] = []
    for name in names:
        words = name.split()
        for form in (" ".join(words), *words[:1]):
            if form and form not in out:
                out.append(form)
    return out


def log_softmax(logits: npt.ArrayLike) -> Logprobs:
    x = np.asarray(logits, dtype=np.float64)
    top = x.max(axis=-1, keepdims=True)
    out: Logprobs = x - (top + np.log(np.exp(x - top).sum(axis=-1, keepdims=True)))
    return out


def name_candidates(
    logprobs: Logprobs,
    tokens: Sequence[int],
    names: Sequence[Sequence[int]],
    word_starts: Sequence[bool],
    *,
    gate: float = NAME_GATE,
    opening_gate: float = OPENING_GATE,
    limit: int = MAX_TRIES,
) -> list[NameCandidate]:
    """Places where a name could start although the decoder wrote something else, closest
    first, at most ``limit``: the name's token where the hypothesis left the name (its first
    token, or a later one where the hypothesis began the name) scored at least ``gate``
    (``opening_gate`` at the text's first token, where the name would open it).

    ``logprobs[i]`` is the distribution the decoder chose ``tokens[i]`` from; a name may only
    start where a word starts (``word_starts[i]``), and not where one is already written.
    """
    found: dict[int, NameCandidate] = {}
    steps = min(len(tokens), logprobs.shape[0])
    named = [tuple(n) for n in names if n]
    for i in range(steps):
        if not word_starts[i]:
            continue
        if any(tuple(tokens[i : i + len(n)]) == n for n in named):  # a name is written here
            continue
        for name in named:
            k = 0  # tokens of the name the hypothesis already wrote here
            while k < len(name) and i + k < steps and tokens[i + k] == name[k]:
                k += 1
            if i + k >= steps:
                continue
            lp = float(logprobs[i + k, name[k]])
            if lp >= (opening_gate if i + k == 0 else gate) and (
                i not in found or lp > found[i].logprob
            ):
                found[i] = NameCandidate(i, name, lp)
    return sorted(found.values(), key=lambda c: -c.logprob)[:limit]


def text_logprob(token_probs: Sequence[float], start: int, stop: int) -> float:
    """Sum of the log-probabilities of tokens ``start:stop`` (probabilities from alignment)."""
    p = np.asarray(token_probs, dtype=np.float64)[start:stop]
    return float(np.sum(np.log(np.maximum(p, 1e-12))))


def read_with_name(
    tokens: Sequence[int],
    logprobs: Logprobs,
    names: Sequence[Sequence[int]],
    word_starts: Sequence[bool],
    *,
    free_score: float,
    continue_after: Callable[[list[int]], list[int] | None],
    score: Callable[[list[int]], float],
    margin: float = NAME_MARGIN,
) -> list[int] | None:
    """The reading to keep instead of ``tokens`` (scored ``free_score``), or None.

    ``continue_after(head)`` decodes the buffer again after the forced tokens ``head`` and
    returns the whole reading (``head`` first), or None; ``score(reading)`` is its
    teacher-forced log-probability on the same audio.
    """
    for cand in name_candidates(logprobs, tokens, names, word_starts):
        reading = continue_after([*tokens[: cand.index], *cand.name])
        if reading is not None and score(reading) >= free_score - margin:
            return reading
    return None
