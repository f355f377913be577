"""Remembered voices (opt-in, local only): a named speaker's voiceprint in the data dir.

``voices.json`` (readable by the user only) maps a name to the mean speaker embedding of
that person in the meeting where the user named them, and the model that made it. Nothing
is kept unless the user asks (``loopnote speakers MEETING --rename "Speaker 2=Marcus"
--remember``); ``forget`` deletes the voiceprint from the file (the file goes when empty).

A meeting's own voiceprints (one per speaker, from its diarization) are kept beside its
transcript in ``voiceprints.json`` so a later rename can remember that voice.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from loopnote.config import Settings, data_dir
from loopnote.errors import StoreError
from loopnote.store.journal import write_atomic

VOICES = "voices.json"
# Cosine similarity of a meeting's speaker to a remembered voice that names it, and the lead
# it needs over the next voice: one voice's means from two sets of recordings measured
# 0.78-0.95, two voices' at most 0.44 (benchmarks/speaker_scenes.py voices).
VOICE_MATCH = 0.65
VOICE_MARGIN = 0.1
MEETING_VOICEPRINTS = "voiceprints.json"


@dataclass(frozen=True)
class Voice:
    name: str
    embedding: npt.NDArray[np.float32]
    model: str
    updated: float


def _read(path: Path) -> dict[str, object]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise StoreError(f"cannot read {path}: {e}") from None
    return raw if isinstance(raw, dict) else {}


class VoiceStore:
    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / VOICES

    def voices(self) -> list[Voice]:
        out = []
        for name, d in _read(self.path).items():
            if isinstance(d, dict) and isinstance(d.get("embedding"), list):
                out.append(
                    Voice(
                        name,
                        np.asarray(d["embedding"], np.float32),
                        str(d.get("model", "")),
                        float(d.get("updated", 0.0)),
                    )
                )
        return sorted(out, key=lambda v: v.name.lower())

    def _write(self, voices: list[Voice]) -> None:
        if not voices:
            self.path.unlink(missing_ok=True)
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        data = {
            v.name: {
                "embedding": [round(float(x), 6) for x in v.embedding],
                "model": v.model,
                "updated": v.updated,
            }
            for v in voices
        }
        write_atomic(self.path, json.dumps(data, ensure_ascii=False) + "\n")
        os.chmod(self.path, 0o600)

    def remember(self, voice: Voice) -> None:
        self._write([v for v in self.voices() if v.name != voice.name] + [voice])

    def forget(self, name: str) -> bool:
        voices = self.voices()
        kept = [v for v in voices if v.name.lower() != name.lower()]
        self._write(kept)
        return len(kept) < len(voices)

    def rename(self, old: str, new: str) -> bool:
        voices = self.voices()
        hit = [v for v in voices if v.name.lower() == old.lower()]
        if not hit:
            return False
        rest = [v for v in voices if v.name.lower() not in (old.lower(), new.lower())]
        v = hit[0]
        self._write([*rest, Voice(new, v.embedding, v.model, v.updated)])
        return True

    def match(
        self, embedding: npt.NDArray[np.float32], model: str, *, at_least: float, margin: float
    ) -> tuple[str, float] | None:
        """The remembered voice this embedding is, if one is clearly closest."""
        return match_voice(self.voices(), embedding, model, at_least=at_least, margin=margin)


def match_voice(
    voices: list[Voice],
    embedding: npt.NDArray[np.float32],
    model: str,
    *,
    at_least: float = VOICE_MATCH,
    margin: float = VOICE_MARGIN,
) -> tuple[str, float] | None:
    """The name of the voice in ``voices`` this embedding clearly is, and its similarity."""
    scored = sorted(
        ((float(v.embedding @ embedding), v.name) for v in voices if v.model == model),
        reverse=True,
    )
    if not scored or scored[0][0] < at_least:
        return None
    if len(scored) > 1 and scored[0][0] - scored[1][0] < margin:
        return None
    return scored[0][1], scored[0][0]


def consent_voices(settings: Settings) -> list[str]:
    """The remembered voices a meeting with these settings may recognize (the consent text
    names them); none when live speaker labels are off or the file cannot be read."""
    if not settings.speakers:
        return []
    try:
        return [v.name for v in VoiceStore(data_dir()).voices()]
    except StoreError:
        return []


def save_meeting_voiceprints(
    folder: Path, model: str, prints: dict[str, npt.NDArray[np.float64]]
) -> None:
    data = {
        "model": model,
        "speakers": {k: [round(float(x), 6) for x in v] for k, v in prints.items()},
    }
    write_atomic(folder / MEETING_VOICEPRINTS, json.dumps(data) + "\n")


def load_meeting_voiceprints(folder: Path) -> tuple[str, dict[str, npt.NDArray[np.float32]]]:
    raw = _read(folder / MEETING_VOICEPRINTS)
    speakers = raw.get("speakers")
    if not isinstance(speakers, dict):
        return "", {}
    return str(raw.get("model", "")), {
        k: np.asarray(v, np.float32) for k, v in speakers.items() if isinstance(v, list)
    }
