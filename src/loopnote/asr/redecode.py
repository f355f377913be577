"""One streaming buffer decoded again on the same encoder output (CTranslate2 Whisper).

``Redecoding``    the buffer's encoder output and decoding setup:
                  ``continue_after(head)`` the reading forced to start with ``head``;
                  ``align(reading)`` and ``score(aligned, n)`` its teacher-forced alignment
                  and log-probability; ``plain()`` the reading without the bias (hotwords);
                  ``plain_logprobs(reading)`` each token's log-probability under the plain
                  prompt (``asr.names.verify_bias``)

The encoder ran once for the pass; these calls only run the decoder, and only where the pass
needs them (a name came close, or the bias changed the reading).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from loopnote.asr.names import Logprobs, text_logprob

PLAIN_SLACK = 12  # tokens the plain reading may run past the biased one


@dataclass(frozen=True)
class Redecoding:
    """One buffer's encoder output and decoding setup, to decode and score it again."""

    model: Any  # ctranslate2.models.Whisper
    tok: Any  # faster_whisper Tokenizer
    encoded: Any  # the encoder's output
    prompt: list[int]  # ends with the text prefix ``fixed``
    fixed: list[int]
    frames: int  # mel frames holding the audio
    max_new: int  # tokens a reading may add after ``fixed``
    suppress: list[int]
    plain_prompt: list[int]  # ``prompt`` without the hotwords (ends with ``fixed`` too)

    def continue_after(self, head: list[int]) -> list[int] | None:
        """The reading that starts with ``head`` and goes on as the decoder likes."""
        if len(head) >= self.max_new:
            return None
        out = self.model.generate(
            self.encoded,
            [self.prompt + head],
            beam_size=1,
            max_length=len(self.prompt) + self.max_new,
            suppress_blank=False,
            suppress_tokens=self.suppress,
        )[0]
        ids = [t for t in out.sequences_ids[0] if t < self.tok.eot]
        # the output starts with the text prefix it was given
        return (
            ids[len(self.fixed) :]
            if ids[: len(self.fixed) + len(head)] == self.fixed + head
            else None
        )

    def align(self, reading: list[int]) -> Any:
        return self.model.align(
            self.encoded, self.tok.sot_sequence, [self.fixed + reading], self.frames
        )[0]

    def score(self, aligned: Any, n: int) -> float:
        """Teacher-forced log-probability of the ``n`` tokens after the prefix."""
        start = len(self.fixed)
        return text_logprob(aligned.text_token_probs, start, start + n)

    def plain(self, length: int) -> tuple[Any, list[int]]:
        """The greedy reading without the hotwords, at most ``PLAIN_SLACK`` tokens longer than
        ``length`` (the biased reading's: the same audio; a loop stops there): the generation
        result and its tokens after the prefix (the prefix repeated by the output left out)."""
        new = min(self.max_new, len(self.fixed) + length + PLAIN_SLACK)
        out = self.model.generate(
            self.encoded,
            [self.plain_prompt],
            beam_size=1,
            max_length=len(self.plain_prompt) + new,
            return_scores=True,
            return_no_speech_prob=True,
            suppress_blank=True,
            suppress_tokens=self.suppress,
        )[0]
        ids = [t for t in out.sequences_ids[0] if t < self.tok.eot]
        if self.fixed and ids[: len(self.fixed)] == self.fixed:
            ids = ids[len(self.fixed) :]
        return out, ids

    def plain_logprobs(self, reading: list[int]) -> Logprobs:
        """Each token's teacher-forced log-probability under the plain prompt."""
        start = self.plain_prompt[: len(self.plain_prompt) - len(self.fixed)]
        aligned = self.model.align(self.encoded, start, [self.fixed + reading], self.frames)[0]
        p = np.asarray(aligned.text_token_probs, dtype=np.float64)
        out: Logprobs = np.log(
            np.maximum(p[len(self.fixed) : len(self.fixed) + len(reading)], 1e-12)
        )
        return out
