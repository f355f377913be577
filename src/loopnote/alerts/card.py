"""The catch-up card: what the user needs to know the moment their name is said. Pure.

``CardOptions``   how much the card holds (documented defaults)
``build_card``    a ``CatchUpCard`` from the recent utterances (both sources), the mention,
                  the partial text not yet committed, and summaries when they exist
``brief``         a short extractive pick of the most central sentences of some utterances
``card_text``     the card as plain text for a terminal
``CardFollower``  keeps an alert's card growing with the heard text until the sentence that
                  addressed the user is whole, then gives the completed card once

The card holds: the sentence that addressed the user (followed by the question put to them
when the naming sentence is not a question itself), the last ~30 s verbatim with who spoke
("Them" is the ``system`` source, or its speaker's label where the utterance carries one;
"You" the microphone), who asked (the speaker of the utterance that named the user, when
known), the last few minutes in brief (the
section summary when there is one, else a pick of sentences), and the meeting so far in one
paragraph (the meeting summary when there is one, else a pick of sentences).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from loopnote.alerts._common_words import COMMON_RANK
from loopnote.alerts.spotter import Mention
from loopnote.types import Alert, CatchUpCard, Utterance

_SENTENCE = re.compile(r"[^.?!…]+(?:[.?!…]+[\"')\]]*|$)")
_WORD = re.compile(r"[a-z][a-z']*")


@dataclass(frozen=True)
class CardOptions:
    verbatim_seconds: float = 30.0  # "the last ~30 s verbatim"
    brief_seconds: float = 300.0  # "the last few minutes in brief"
    brief_sentences: int = 3  # sentences picked for the brief when there is no summary
    so_far_sentences: int = 4  # sentences picked for the meeting so far
    max_verbatim_chars: int = 1500  # the verbatim part keeps its most recent characters
    question_window: float = 15.0  # s after the name in which to look for the question
    them: str = "Them"  # label of the system source
    you: str = "You"  # label of the microphone


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip()]


def _find_sentence(parts: list[str], heard: str, term: str) -> int:
    for needle in (heard, term, term.split()[0] if term.split() else ""):
        if not needle:
            continue
        low = needle.lower()
        for k, s in enumerate(parts):
            if low in s.lower():
                return k
    return len(parts) - 1


def _addressed(mention: Mention, later: Sequence[str]) -> str:
    parts = sentences(mention.text)
    if not parts:
        return mention.heard
    k = _find_sentence(parts, mention.heard, mention.term)
    said = parts[k]
    if said.endswith("?"):
        return said
    following = parts[k + 1 :] + [s for text in later for s in sentences(text)]
    for s in following[:2]:
        if s.endswith("?"):
            return f"{said} {s}"
    return said


def _label(u: Utterance, options: CardOptions) -> str:
    if u.source == "system":
        return u.speaker or options.them
    return options.you


def _verbatim(utts: Sequence[Utterance], partial: str, options: CardOptions) -> str:
    lines: list[str] = []
    last_source = ""
    for u in utts:
        label = _label(u, options)
        if lines and label == last_source:
            lines[-1] += " " + u.text.strip()
        else:
            lines.append(f"{label}: {u.text.strip()}")
        last_source = label
    if partial.strip():
        if lines and last_source == options.them:  # a labelled line may not be its speaker's
            lines[-1] += " " + partial.strip()
        else:
            lines.append(f"{options.them}: {partial.strip()}")
    text = "\n".join(lines)
    if len(text) > options.max_verbatim_chars:
        cut = text[-options.max_verbatim_chars :]
        space = cut.find(" ")
        text = "…" + (cut[space + 1 :] if 0 <= space < 40 else cut)
    return text


def _content_words(sentence: str) -> list[str]:
    return [
        w
        for w in _WORD.findall(sentence.lower())
        if len(w) > 2 and COMMON_RANK.get(w, 10_000) >= 150
    ]


def brief(utterances: Sequence[Utterance], k: int) -> str:
    """The ``k`` sentences that share most words with the rest, in their spoken order.

    A sentence's score is the mean frequency, over the whole stretch, of its content words
    (words outside the 150 most common), so sentences about what the stretch is mostly
    about win; sentences under four words are left out unless nothing else is there.
    """
    found = [s for u in utterances for s in sentences(u.text)]
    if not found or k <= 0:
        return ""
    freq = Counter(w for s in found for w in _content_words(s))
    scored: list[tuple[float, int]] = []
    for idx, s in enumerate(found):
        words = _content_words(s)
        if len(s.split()) < 4 or not words:
            continue
        score = sum(freq[w] for w in words) / math.sqrt(len(words))
        scored.append((score, idx))
    if not scored:
        return " ".join(found[-k:])
    best = sorted(scored, key=lambda p: (-p[0], -p[1]))[:k]
    return " ".join(found[i] for i in sorted(i for _, i in best))


def build_card(
    mention: Mention,
    utterances: Sequence[Utterance],
    *,
    partial: str = "",
    section_summary: str = "",
    meeting_summary: str = "",
    options: CardOptions | None = None,
) -> CatchUpCard:
    """The card for ``mention``, given every utterance so far (both sources, in order)."""
    o = options or CardOptions()
    utts = sorted(utterances, key=lambda u: (u.start, u.end))
    now = max([mention.t, *(u.end for u in utts)])
    if mention.utterance_id is None:
        # Heard in partial text: the newest partial (if it still holds the name) says more.
        if not partial or mention.heard.lower() not in partial.lower():
            partial = mention.text
        mention = replace(mention, text=partial)
        after_name: list[str] = []
    else:
        after_name = [
            u.text
            for u in utts
            if u.source == "system"
            and u.id != mention.utterance_id
            and mention.t <= u.start <= mention.t + o.question_window
        ]
        after_name.append(partial)
    addressed = _addressed(mention, after_name)
    asker = next((u.speaker or "" for u in utts if u.id == mention.utterance_id), "")
    recent = [u for u in utts if u.end > now - o.verbatim_seconds]
    verbatim = _verbatim(recent, partial, o)
    window = [u for u in utts if u.end > now - o.brief_seconds]
    recent_brief = section_summary.strip() or brief(window, o.brief_sentences)
    so_far = meeting_summary.strip()
    if not so_far and utts:
        minutes = max(1, round((now - utts[0].start) / 60))
        picked = brief(utts, o.so_far_sentences)
        so_far = f"{minutes} min so far. {picked}" if picked else ""
    return CatchUpCard(
        addressed=addressed,
        last_verbatim=verbatim,
        recent_brief=recent_brief,
        meeting_so_far=so_far,
        t=now,
        asker=asker,
    )


def sentence_done(text: str) -> bool:
    """``text`` ends a sentence ("?", "!", "."), not with an ellipsis."""
    text = text.rstrip()
    return text.endswith(("?", "!", ".")) and not text.endswith(("..", "…"))


class CardFollower:
    """An alert raised on partial text often comes before the question put to the user has
    been said ("Siobhan, | what do you think about the budget?"). Its card is rebuilt from
    the text heard so far (partials and committed utterances; summaries as they are, never
    waited for) at each new text, and given once, complete, as soon as its addressed
    sentence is whole or the utterance holding the name has committed; one still open after
    ``give_up`` seconds of session time is given as it stands."""

    def __init__(self, give_up: float = 8.0, near: float = 5.0) -> None:
        self.give_up = give_up
        self.near = near  # s: a committed mention this close to the alert is its confirmation
        self._open: list[tuple[Alert, Mention]] = []

    def follow(self, alert: Alert, mention: Mention) -> None:
        """Keep ``alert`` (raised for ``mention``) until its card is complete."""
        if alert.utterance_id is None and not (alert.card and sentence_done(alert.card.addressed)):
            self._open.append((alert, mention))

    def update(
        self,
        now: float,
        build: Callable[[Mention], CatchUpCard],
        confirmed: Sequence[Mention] = (),
    ) -> list[Alert]:
        """The alerts whose card is complete now (``build`` makes a card from what is heard;
        ``confirmed``: mentions first heard in partials, now committed)."""
        out: list[Alert] = []
        for item in list(self._open):
            alert, mention = item
            committed = next((m for m in confirmed if abs(m.t - alert.t) < self.near), None)
            card = build(committed or mention)
            if (
                committed is not None
                or sentence_done(card.addressed)
                or now - alert.t > self.give_up
            ):
                self._open.remove(item)
                out.append(replace(alert, card=card))
        return out


def card_text(card: CatchUpCard) -> str:
    """The card as plain text, one titled part after another (empty parts left out)."""
    parts = [
        (f"{card.asker} asked you" if card.asker else "Asked of you", card.addressed),
        ("Last 30 s", card.last_verbatim),
        ("Last minutes", card.recent_brief),
        ("So far", card.meeting_so_far),
    ]
    out: list[str] = []
    for title, text in parts:
        if not text.strip():
            continue
        body = "\n".join("  " + line for line in text.strip().splitlines())
        out.append(f"{title}:\n{body}")
    return "\n".join(out) if out else "Nothing said yet."
