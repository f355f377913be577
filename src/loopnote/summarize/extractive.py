"""The default summarizer: no model download, no network, a few milliseconds per node.

``ExtractiveOptions``      filler trimming, sentence length, embedding cache size
``ExtractiveSummarizer``   ``summarize(texts, level, budget_words)``, ``similarity(a, b)``,
                          ``embed(sentences)``, ``clear_cache()``
``load_wordllama()``       the static word embeddings shipped inside the ``wordllama`` wheel
``clean_sentence(s)``      drop fillers and stutters, tidy case and the final stop

The summary of a window is a set of its own sentences, trimmed, in spoken order: the set that
best *covers* the window (greedy facility location on sentence embeddings, under the word
budget). Above the moment level the inputs (moment or section summaries) take turns: each
round adds the sentence that best covers the rest of each input, inputs spread over the
meeting first, while the budget lasts, so no stretch of the meeting goes missing.
Sentence embeddings are the mean of ``wordllama``'s static token embeddings (16 MB, loaded
from the package itself with downloads disabled).
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from loopnote.errors import ModelNotAvailable
from loopnote.summarize.base import split_sentences, word_count
from loopnote.types import SENTENCE_ENDS, SENTENCE_ENDS_FULL_WIDTH, SummaryLevel

Matrix = npt.NDArray[np.float32]

_FILLERS = re.compile(
    r"(?i)(?:^|(?<=\s)|(?<=,))\s*\b(?:u+m+|u+h+|e+r+m+|h+m+|mm+|you know|i mean)\b[,.]?(?=\s|$)"
)
_LEADING = re.compile(r"(?i)^(?:(?:so|well|okay|ok|yeah|right|and|but|alright|anyway)\b[,]?\s+)+")
_STUTTER = re.compile(r"(?i)\b(\w+)(?:\s+\1\b)+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class ExtractiveOptions:
    """``trim`` removes fillers ("um", "you know"), stutters and leading discourse markers;
    sentences longer than ``max_sentence_words`` are cut at a clause boundary;
    ``cache_size`` sentence embeddings are kept (a long meeting re-reads its summaries)."""

    trim: bool = True
    max_sentence_words: int = 30
    min_sentence_words: int = 3
    cache_size: int = 4096


@contextmanager
def _root_logging_kept() -> Iterator[None]:
    """wordllama's import calls ``logging.basicConfig(level=INFO)``: a handler on stderr
    that would print every INFO record of loopnote (whose logger is at INFO for the
    meeting's log) over the user's terminal and live view. Undo it."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for h in root.handlers[:]:
            if h not in handlers:
                root.removeHandler(h)
        root.setLevel(level)


def load_wordllama() -> Any:
    """The wordllama model from the files shipped inside its package; never downloads."""
    try:
        with _root_logging_kept():
            import wordllama
            from wordllama import WordLlama

        root = Path(wordllama.__file__).parent
        return WordLlama.load(cache_dir=root, disable_download=True)
    except Exception as e:  # any import or file problem means the embeddings are unusable
        raise ModelNotAvailable(f"sentence embeddings (wordllama) could not be loaded: {e}") from e


def clean_sentence(sentence: str, *, trim: bool = True) -> str:
    s = _SPACES.sub(" ", sentence).strip()
    if trim:
        s = _FILLERS.sub(" ", s)
        s = _STUTTER.sub(r"\1", s)
        s = _SPACES.sub(" ", s).strip(" ,;")
        s = _LEADING.sub("", s)
    if not s:
        return ""
    s = s[0].upper() + s[1:]
    if s[-1] not in SENTENCE_ENDS + SENTENCE_ENDS_FULL_WIDTH + "\"'»」』":
        s += "."
    return s


def _shorten(sentence: str, max_words: int) -> str:
    """Cut a long sentence at the last clause boundary within ``max_words`` (or hard)."""
    words = sentence.split()
    if len(words) <= max_words:
        return sentence
    head = " ".join(words[:max_words])
    cut = max(head.rfind(","), head.rfind(";"), head.rfind(" - "))
    if cut > 0 and word_count(head[:cut]) >= max(3, max_words // 2):
        head = head[:cut]
    return head.rstrip(" ,;-") + "…"


def _spread(n: int) -> list[int]:
    """0..n-1 in an order that spreads over the range (ends first, then midpoints), so that
    when the budget runs out the inputs that made it in still span the whole meeting."""
    if n <= 2:
        return list(range(n))
    out, queue = [0, n - 1], [(0, n - 1)]
    while queue:
        lo, hi = queue.pop(0)
        if hi - lo < 2:
            continue
        mid = (lo + hi) // 2
        out.append(mid)
        queue += [(lo, mid), (mid, hi)]
    return out


class ExtractiveSummarizer:
    def __init__(self, options: ExtractiveOptions | None = None, model: Any = None) -> None:
        self.options = options or ExtractiveOptions()
        self._model = model
        self._cache: OrderedDict[str, Matrix] = OrderedDict()

    # ------------------------------------------------------------------ embeddings
    def _embedder(self) -> Any:
        if self._model is None:
            self._model = load_wordllama()
        return self._model

    def embed(self, sentences: list[str]) -> Matrix:
        """Unit-length embeddings, one row per sentence (cached by text)."""
        missing = [s for s in dict.fromkeys(sentences) if s not in self._cache]
        if missing:
            vecs = np.asarray(self._embedder().embed(missing), dtype=np.float32)
            norms = np.linalg.norm(vecs, axis=1, keepdims=True)
            vecs = vecs / np.maximum(norms, 1e-9)
            for s, v in zip(missing, vecs, strict=True):
                self._cache[s] = v
        out = np.zeros((len(sentences), self._dim()), dtype=np.float32)
        for i, s in enumerate(sentences):
            out[i] = self._cache[s]
            self._cache.move_to_end(s)
        while len(self._cache) > self.options.cache_size:
            self._cache.popitem(last=False)
        return out

    def clear_cache(self) -> None:
        """Forget cached sentence embeddings (they are recomputed on demand)."""
        self._cache.clear()

    def _dim(self) -> int:
        if self._cache:
            return int(next(iter(self._cache.values())).shape[0])
        return int(self._embedder().embedding.shape[1])

    def similarity(self, a: list[str], b: list[str]) -> float:
        """Cosine of the mean sentence embeddings of two stretches of text."""
        sa = [s for t in a for s in split_sentences(t)]
        sb = [s for t in b for s in split_sentences(t)]
        if not sa or not sb:
            return 1.0
        va = self.embed(sa).mean(axis=0)
        vb = self.embed(sb).mean(axis=0)
        denom = float(np.linalg.norm(va) * np.linalg.norm(vb))
        return float(va @ vb) / denom if denom > 0 else 0.0

    # ------------------------------------------------------------------ summarizing
    def summarize(self, texts: list[str], level: SummaryLevel, budget_words: int) -> str:
        o = self.options
        sents: list[str] = []
        group: list[int] = []
        for gi, t in enumerate(texts):
            for s in split_sentences(t, max_words=60):
                c = _shorten(clean_sentence(s, trim=o.trim), o.max_sentence_words)
                if c:
                    sents.append(c)
                    group.append(gi)
        if not sents:
            return ""
        total = sum(word_count(s) for s in sents)
        if total <= budget_words:
            return " ".join(sents)
        chosen = self._select(sents, group, level, budget_words)
        return " ".join(sents[i] for i in sorted(chosen))

    def _select(
        self, sents: list[str], group: list[int], level: SummaryLevel, budget: int
    ) -> list[int]:
        emb = self.embed(sents)
        sim = np.clip(emb @ emb.T, 0.0, None)
        cost = np.array([word_count(s) for s in sents], dtype=np.float32)
        weight = np.sqrt(cost)
        small = cost < self.options.min_sentence_words
        cover = np.zeros(len(sents), dtype=np.float32)
        chosen: list[int] = []
        left = float(budget)

        def gain(cands: npt.NDArray[np.int64], rows: npt.NDArray[np.int64]) -> Any:
            g = np.maximum(sim[np.ix_(rows, cands)] - cover[rows, None], 0.0)
            return (weight[rows, None] * g).sum(axis=0) / np.sqrt(cost[cands])

        seen: set[str] = set()

        def take(i: int) -> None:
            nonlocal cover, left
            chosen.append(i)
            seen.add(sents[i].lower())
            cover = np.maximum(cover, sim[:, i])
            left -= float(cost[i])

        groups = np.asarray(group)
        picked = True
        while level != "moment" and groups.max() > 0 and picked and left > 0:
            picked = False  # one more sentence from every input per round, while they fit
            for g in _spread(int(groups.max()) + 1):
                rows = np.flatnonzero(groups == g)
                ok = [
                    r
                    for r in rows
                    if cost[r] <= left and not small[r] and sents[r].lower() not in seen
                ]
                cands = np.asarray(ok, dtype=np.int64)
                if cands.size:
                    scores = gain(cands, rows)
                    best = int(np.argmax(scores))
                    if scores[best] > 1e-6:
                        take(int(cands[best]))
                        picked = True
        everyone = np.arange(len(sents))
        while left > 0:
            free = np.array(
                [
                    i
                    for i in everyone
                    if cost[i] <= left and not small[i] and sents[i].lower() not in seen
                ],
                dtype=np.int64,
            )
            if free.size == 0:
                break
            scores = gain(free, everyone)
            best = int(np.argmax(scores))
            if scores[best] <= 1e-6:
                break
            take(int(free[best]))
        if not chosen:  # every sentence is longer than the budget: shorten the best one
            scores = gain(everyone, everyone)
            i = int(np.argmax(scores))
            sents[i] = _shorten(sents[i], max(1, budget))
            chosen.append(i)
        return chosen
