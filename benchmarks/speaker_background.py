"""Make the speaker embedder's background mean (src/loopnote/data/speaker-background-ge2e.json).

    python benchmarks/speaker_background.py

GE2E embeddings all share a large common part (ReLU outputs: every pair of voices is
similar), so speakers are compared after subtracting the mean embedding of many voices.
That mean is a property of the model, taken from real recorded voices: the other
pocketsphinx-testdata readers (cards, numbers, go forward) and the dev half of the scene
voices' recordings (held-out scenes use the other half of the recordings, but the same
voices: the pyannote sample's two voices, in no part of it, are the check on unseen
voices). Synthetic espeak-ng voices were tried and left the mean too far from real speech
to help. One 1.5 s window (the diarizer's length) per recording.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import soundfile as sf

from loopnote.speakers.embed import GE2EEmbedder

sys.path.insert(0, str(Path(__file__).resolve().parent))
import speaker_scenes

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "loopnote" / "data" / "speaker-background-ge2e.json"
PS = Path("/usr/share/pocketsphinx/test/data")


def clips() -> list[np.ndarray]:
    out: list[np.ndarray] = []
    for wav in sorted((PS / "cards").glob("*.wav")):
        out.append(sf.read(wav, dtype="float32")[0])
    for raw in ("numbers.raw", "goforward.raw", "something.raw"):
        out.append(np.fromfile(PS / raw, dtype="<i2").astype(np.float32) / 32768.0)
    for voice in ("allison", "june", "carlo", "irina", "reader"):
        out.extend(speaker_scenes.voice_clips(voice, "dev")[:40])
    return out


def main() -> None:
    windows = []
    for c in clips():  # one 1.5 s window from the middle of each clip: clips weigh alike
        start = max(0, (len(c) - 24000) // 2)
        if len(c) >= 16000:
            windows.append(c[start : start + 24000])
    embedder = GE2EEmbedder.load(centred=False)
    emb = np.concatenate([embedder.embed(windows[i : i + 32]) for i in range(0, len(windows), 32)])
    mean = emb.mean(axis=0)
    OUT.write_text(
        json.dumps(
            {
                "model": embedder.name,
                "windows": len(windows),
                "mean": [round(float(x), 6) for x in mean],
            }
        )
        + "\n"
    )
    print(f"{len(windows)} windows -> {OUT}")


if __name__ == "__main__":
    main()
