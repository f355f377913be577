"""The name spotter: pure and clock-free; it hears the user's names in recognized text.

``SpotterOptions``  who the user is, how the name sounds, and how eager the spotter is
``Mention``         one time the name was heard (term, heard text, where, when, score, cue)
``NameSpotter``     ``on_partial(PartialText)`` and ``on_utterance(Utterance)`` return the new
                    mentions to alert on; ``take_confirmations()`` returns the committed form
                    of mentions first alerted from partial text
``name_warnings``   the warnings to show for a name setup (empty name, ordinary-word names)
``to_alert``        the ``Alert`` for a mention (with its catch-up card)

Only the ``system`` source alerts: the user saying their own name is not an alert.

How a mention is found: each configured term (name, aliases, and the first word of a
multi-word name) is compared with every run of 1 to len(term)+1 heard words, so a name split
by the recognizer ("Ingrid" → "King Grid") is still found. The score mixes spelling and
sound similarity (see ``matching``). A run alerts when its score reaches ``threshold``, or
``cue_threshold`` when a cue of direct address is present ("Priya, what do you think",
"over to you, Alex", "can we hear from Jon"). Runs made only of common English words used
as ordinary words need ``common_threshold`` unless a cue is present. Names that are
ordinary words themselves ("Will", "May") or shorter than three letters alert only with cues.

Partial text wins latency: a name in a partial alerts once two passes in a row held it,
whatever its reading in each ("Xiaoming" then "Xiaoming Li"): the k-th mention in a partial
is held when the pass before held k mentions or more. One pass is not enough: biased
decoding, and the recognizer's own listening for the names, write a name into one pass over
speech it cannot read (another language, mumbling), and the next pass, with half a second more
audio, drops it. With ``one_pass`` a single pass alerts when another word follows the name,
or the decoder closed it with punctuation ("over to you, Aoife.") and it scores what alerts
without a cue.
Its time is estimated from the partial's end and the characters after the name (never before
the end of the last utterance, which the partial text follows). The same
mention later committed in an utterance does not alert again: alerts within ``cooldown``
seconds of an earlier alert are one mention, and a partial alert is confirmed by the first
utterance of the system source that holds a match near it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from loopnote.alerts.matching import (
    Term,
    Token,
    find_cue,
    is_ordinary,
    make_term,
    similarity,
    tokenize,
)
from loopnote.alerts.spelling import said_guesses
from loopnote.types import Alert, CatchUpCard, PartialText, Utterance, Word


@dataclass(frozen=True)
class SpotterOptions:
    name: str = ""  # the user's name, e.g. "Alex Morgan"
    aliases: tuple[str, ...] = ()  # nicknames and other spellings, e.g. ("Al",)
    cooldown: float = 5.0  # s of session time: mentions closer than this alert once
    threshold: float = 0.85  # score that alerts without a cue of address
    cue_threshold: float = 0.68  # score that alerts with a cue of address
    common_threshold: float = 0.97  # score for heard words that are ordinary words, no cue
    common_cue_threshold: float = 0.8  # score for heard words that are ordinary words, with a cue
    require_cue: bool | None = None  # None: only for ordinary-word names; True/False: all
    first_name: bool = True  # also listen for the first word of a multi-word name
    chars_per_second: float = 14.0  # speaking rate used to place a name inside a partial
    bare_min_p: float = 0.1  # an utterance that is only the name needs this word probability
    # How the name sounds, spelled as English reads ("Shivawn" for "Siobhan"): heard words
    # are also compared with these spellings; a match alerts under the configured name.
    sounds_like: tuple[str, ...] = ()
    # One pass settles a name in partial text (when a word follows it, or punctuation closes
    # it with ``settle_on_close``): about 0.3 s sooner, at several false alarms an hour.
    one_pass: bool = False
    settle_on_close: bool = True  # with ``one_pass``: a name closed by punctuation alerts
    # Also listen for how the spelling is probably said, by its orthography's rules
    # ("Caoimhe" as "keeva"; ``spelling.said_guesses``), as for a taught pronunciation.
    guess_sounds: bool = True


@dataclass(frozen=True)
class Mention:
    term: str  # the configured name or alias that matched
    heard: str  # the words as recognized
    utterance_id: str | None  # None when heard in partial text
    t: float  # session time of the end of the name
    score: float
    cue: str = ""  # kind of direct-address cue, "" when none
    text: str = ""  # the utterance or partial text it was heard in


def to_alert(mention: Mention, card: CatchUpCard | None = None) -> Alert:
    """The ``Alert`` a session publishes for ``mention``."""
    return Alert(
        "name", mention.term, mention.heard, mention.utterance_id, mention.t, mention.score, card
    )


def _terms(options: SpotterOptions) -> list[Term]:
    labels = [options.name, *options.aliases]
    if options.first_name:
        first = options.name.strip().split()
        if len(first) > 1:
            labels.append(first[0])
    spelled = [(s, options.name.strip() or s) for s in options.sounds_like]
    if options.guess_sounds:
        spelled += [(g, label) for label in labels for g in said_guesses(label)]
    out: list[Term] = []
    seen: set[str] = set()
    for spelling, label in [*((x, x) for x in labels), *spelled]:
        term = make_term(spelling)
        if term is not None and term.joined not in seen:
            seen.add(term.joined)
            out.append(replace(term, label=label.strip()))
    return out


def name_warnings(options: SpotterOptions) -> list[str]:
    """One line per problem with the configured names; empty when all is well."""
    terms = _terms(replace(options, guess_sounds=False))  # what the user wrote
    if not terms:
        return ["no name is set (use --name): name alerts are off"]
    out: list[str] = []
    for term in terms:
        if term.is_common:
            out.append(
                f"the name {term.label!r} is a common word or very short: it alerts only when "
                f'someone addresses you directly ("{term.label}, what do you think?"), and '
                "false alarms will be more frequent"
            )
    return out


@dataclass(frozen=True)
class _Hit:
    term: Term
    i: int
    j: int
    score: float
    cue: str


def _alone(h: _Hit, tokens: list[Token]) -> bool:
    """The name is all the text holds."""
    return h.i == 0 and h.j == len(tokens)


@dataclass
class _Pending:
    t: float
    mention: Mention


class NameSpotter:
    """Feed it partials and utterances in order; it returns mentions to alert on."""

    def __init__(self, options: SpotterOptions) -> None:
        self.options = options
        self.terms = _terms(options)
        self._names_before = 0  # how many mentions of the names the previous partial held
        self._alerted: list[float] = []
        self._pending: list[_Pending] = []
        self._confirmations: list[Mention] = []
        self._committed_until = 0.0  # end of the last system utterance

    def _needs_cue(self, term: Term) -> bool:
        if self.options.require_cue is not None:
            return self.options.require_cue
        return term.is_common

    def find(self, text: str) -> tuple[list[Token], list[_Hit]]:
        """All non-overlapping matches in ``text`` that reach their threshold, best first."""
        tokens = tokenize(text)
        o = self.options
        hits: list[_Hit] = []
        for term in self.terms:
            longest = len(term.tokens) + 1
            initials = any(len(t) == 1 for t in term.tokens)
            for i in range(len(tokens)):
                if not initials and len(tokens[i].norm) < 2:
                    continue
                for j in range(i + 1, min(len(tokens), i + longest) + 1):
                    if j - i > 1 and not initials and len(tokens[j - 1].norm) < 2:
                        break
                    heard = "".join(t.norm for t in tokens[i:j])
                    score = similarity(heard, term)
                    if score < o.cue_threshold:
                        continue
                    cue = find_cue(text, tokens, i, j)
                    ordinary = heard != term.joined and is_ordinary(tokens[i:j])
                    if not cue and self._needs_cue(term):
                        continue
                    if cue:
                        need = o.common_cue_threshold if ordinary else o.cue_threshold
                    else:
                        need = o.common_threshold if ordinary else o.threshold
                    if score >= need:
                        hits.append(_Hit(term, i, j, score, cue))
        # Best first; a longer configured name that still matches well describes more.
        hits.sort(key=lambda h: (-(h.score + 0.1 * (len(h.term.tokens) - 1)), -(h.j - h.i)))
        chosen: list[_Hit] = []
        for h in hits:
            if all(h.j <= c.i or h.i >= c.j for c in chosen):
                chosen.append(h)
        return tokens, chosen

    def _closed(self, h: _Hit, text: str, tokens: list[Token]) -> bool:
        """The name ends the partial closed by punctuation ("over to you, X.") and scores
        what alerts without a cue: the decoder ended the word, so the next pass is not
        waited for. A name cut off at the end of the audio has no punctuation after it."""
        if not self.options.settle_on_close or h.score < self.options.threshold:
            return False
        return text[tokens[h.j - 1].end :].strip()[:1] in {".", "?", "!", ","}

    def _near_alert(self, t: float) -> bool:
        return any(abs(t - a) < self.options.cooldown for a in self._alerted)

    def on_partial(self, partial: PartialText) -> list[Mention]:
        if partial.source != "system":
            return []
        tokens, hits = self.find(partial.text)
        out: list[Mention] = []
        # the k-th mention in the text is held when the previous pass held k mentions or more
        for k, h in enumerate(sorted(hits, key=lambda h: h.i)):
            heard = partial.text[tokens[h.i].start : tokens[h.j - 1].end]
            # One pass does not take a partial that is the name alone on its punctuation:
            # biased decoding writes a bias word, closed ("Jonathan,"), from the first
            # fraction of a second of a line; the next pass says whether the name stays.
            settled = k < self._names_before or (
                self.options.one_pass
                and (
                    h.j < len(tokens)
                    or (not _alone(h, tokens) and self._closed(h, partial.text, tokens))
                )
            )
            if not settled:
                continue
            after = partial.text[tokens[h.j - 1].end :].strip()
            t = partial.t - len(after) / self.options.chars_per_second
            # Partial text follows the last utterance: a name in it cannot end before that
            # (a long partial, e.g. a repeated phrase, would otherwise place it far too early).
            t = min(max(t, self._committed_until, 0.0), partial.t)
            if self._near_alert(t):
                continue
            m = Mention(h.term.label, heard, None, t, h.score, h.cue, partial.text)
            self._alerted.append(t)
            self._pending.append(_Pending(t, m))
            out.append(m)
        self._names_before = len(hits)
        return out

    def on_utterance(self, utterance: Utterance) -> list[Mention]:
        if utterance.source != "system":
            return []
        self._names_before = 0
        self._committed_until = max(self._committed_until, utterance.end)
        tokens, hits = self.find(utterance.text)
        if len(hits) == 1 and _alone(hits[0], tokens) and not hits[0].cue:
            # Only the name, said to nobody, with no confidence: biased decoding invents the
            # bias words from a short noise; such a bare name is not taken.
            probs = [w.p for w in utterance.words]
            if probs and max(probs) < self.options.bare_min_p:
                return []
        ends = _token_end_times(utterance, tokens)
        out: list[Mention] = []
        for h in sorted(hits, key=lambda h: h.i):
            heard = utterance.text[tokens[h.i].start : tokens[h.j - 1].end]
            m = Mention(
                h.term.label, heard, utterance.id, ends[h.j - 1], h.score, h.cue, utterance.text
            )
            pending = self._claim_pending(utterance, m.t)
            if pending is not None:
                # From now on the mention is known by its exact time, not the estimate.
                self._alerted = [a for a in self._alerted if a != pending.t] + [m.t]
                self._confirmations.append(m)
                continue
            if self._near_alert(m.t):
                continue
            self._alerted.append(m.t)
            out.append(m)
        slack = self.options.cooldown
        self._pending = [p for p in self._pending if p.t >= utterance.start - slack]
        self._alerted = [a for a in self._alerted if a >= utterance.end - 10 * slack]
        return out

    def _claim_pending(self, utterance: Utterance, t: float) -> _Pending | None:
        slack = self.options.cooldown
        for p in self._pending:
            near = abs(p.t - t) < slack
            inside = utterance.start - slack <= p.t <= utterance.end + slack
            if near or inside:
                self._pending.remove(p)
                return p
        return None

    def take_confirmations(self) -> list[Mention]:
        """Mentions first alerted from a partial, now committed (utterance id, exact time)."""
        out, self._confirmations = self._confirmations, []
        return out


def _token_end_times(utterance: Utterance, tokens: list[Token]) -> list[float]:
    """Session time of the end of each token, from the words' times when there are any."""
    if not tokens:
        return []
    words: tuple[Word, ...] = utterance.words
    if words:
        # Place the words in the text, in order, to give each token the end of its word.
        spans: list[tuple[int, float]] = []
        pos = 0
        text = utterance.text
        for w in words:
            piece = w.text.strip()
            k = text.find(piece, pos) if piece else -1
            if k < 0:
                continue
            pos = k + len(piece)
            spans.append((pos, w.end))
        if spans:
            out: list[float] = []
            for tok in tokens:
                end = next((e for p, e in spans if p >= tok.end), spans[-1][1])
                out.append(end)
            return out
    # No word times: spread the utterance over its characters.
    span = max(utterance.end - utterance.start, 0.0)
    n = max(len(utterance.text), 1)
    return [utterance.start + span * tok.end / n for tok in tokens]
