"""Multi-speaker scenes with exact turn truth, built from real, distinct voices.

Voices (each a different person, recorded professionally, from Debian packages):

- ``allison``: asterisk-core-sounds-en (female, US English)
- ``june``: asterisk-core-sounds-fr (female, Canadian French)
- ``carlo``: asterisk-core-sounds-it (male, Italian)
- ``irina``: asterisk-core-sounds-ru (female, Russian)
- ``reader``: pocketsphinx-testdata, LibriVox reading (female, English)
- espeak-ng voices as extra, synthetic speakers (``synth-m``, ``synth-f``), only where a
  scene needs more men than the recordings have.
- ``allison-es``: asterisk-core-sounds-es, Allison again in Spanish: the same person as
  ``allison`` (a one-speaker scene where she changes language must stay one speaker).
- ``narrator``: the LibriVox reading of ../shared (male, English), a real voice used only
  in held-out scenes, so no tuning ever heard it.

Only prompts with a transcript in the package's list are used (others are tones or music).
The Spanish package is Allison again (same voice, other language), so it never stands for
another speaker. Every voice's prompts are split in two halves by a stable hash of the file
name: ``dev`` scenes take one half, ``held`` scenes the other, so held-out figures come from
audio never heard while the method was tuned. Held-out scenes also have scenes of their own
(``HELD_ONLY_PLAN``, with the narrator's voice). ``fresh`` scenes (``FRESH_PLAN``) are more
held-out scenes from the held-out recordings: new combinations and new calls.

Real calls pass every voice through one channel (a phone line, a room), which makes voices
more alike than recordings from different studios are; ``channel`` lays one over the mix.

A scene is a list of turns laid on a timeline (short gaps, some overlaps), mixed to 16 kHz
mono, with the truth as (start, end, speaker) turns; ``rttm()`` writes it as RTTM.
"""

from __future__ import annotations

import gzip
import hashlib
import subprocess
import zlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import av
import numpy as np
import soxr

RATE = 16000
ASTERISK = Path("/usr/share/asterisk/sounds")
POCKETSPHINX = Path("/usr/share/pocketsphinx/test/data")
ASTERISK_VOICES = {
    "allison": "en",
    "june": "fr",
    "carlo": "it",
    "irina": "ru",
    "allison-es": "es",
}
PERSON = {"allison-es": "allison"}  # voices that are one person
NARRATOR = Path(__file__).resolve().parents[2] / "shared/corpus/clips/moonshine__two_cities.flac"
GENDER = {
    "allison": "f",
    "june": "f",
    "carlo": "m",
    "irina": "f",
    "reader": "f",
    "synth-m": "m",
    "synth-f": "f",
    "allison-es": "f",
    "narrator": "m",
}
ESPEAK = {"synth-m": "en-us+m3", "synth-f": "en+f4"}
ESPEAK_LINES = [
    "The numbers for the third quarter look better than we expected.",
    "I think we should move the launch to the second week of March.",
    "Could you send me the slides before the call tomorrow?",
    "We still have two open bugs in the billing service.",
    "Let me check with the design team and get back to you.",
    "The customer asked for a demo of the new dashboard.",
    "Our budget covers one more contractor until the end of June.",
    "I will write the summary and share it in the channel.",
    "The test servers were down for an hour this morning.",
    "We agreed to review the contract again next Tuesday.",
    "Please keep the meeting short, I have another one at four.",
    "The migration finished without any data loss.",
]


def available() -> bool:
    """Whether the voice packages are installed (scenes need them)."""
    return (
        all((ASTERISK / lang).is_dir() for lang in ASTERISK_VOICES.values())
        and (POCKETSPHINX / "librivox").is_dir()
    )


def _decode(path: Path) -> np.ndarray:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        parts = [frame.to_ndarray().reshape(-1) for frame in container.decode(stream)]
    audio = np.concatenate(parts).astype(np.float32)
    if audio.dtype.kind != "f" or np.abs(audio).max() > 1.5:
        audio = audio / 32768.0
    if rate != RATE:
        audio = soxr.resample(audio, rate, RATE).astype(np.float32)
    return audio


def _spoken(lang: str) -> set[str]:
    """Prompts with a transcript in the package's list: speech (tones, music and silence
    files have none)."""
    path = Path(f"/usr/share/doc/asterisk-core-sounds-{lang}/core-sounds-{lang}.txt.gz")
    if not path.exists():
        return set()
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        return {
            line.split(":", 1)[0].strip()
            for line in f
            if ":" in line and not line.startswith(";") and len(line.split(":", 1)[1].strip()) > 3
        }


def _half(name: str) -> str:
    return "dev" if zlib.crc32(name.encode()) % 2 == 0 else "held"


def _trim(audio: np.ndarray) -> np.ndarray:
    """Cut leading and trailing silence (prompts carry some)."""
    frame = 160
    n = len(audio) // frame
    if n == 0:
        return audio
    energy = (audio[: n * frame].reshape(n, frame) ** 2).mean(axis=1)
    loud = np.nonzero(energy > max(energy.max() * 1e-3, 1e-7))[0]
    if len(loud) == 0:
        return audio[:0]
    return audio[loud[0] * frame : (loud[-1] + 1) * frame]


@cache
def voice_clips(voice: str, half: str, min_seconds: float = 1.2) -> tuple[np.ndarray, ...]:
    """The voice's recordings of one half (``dev``/``held``), trimmed, 16 kHz mono, sorted."""
    if voice in ASTERISK_VOICES:
        spoken = _spoken(ASTERISK_VOICES[voice])
        by_stem = {  # the -gsm or the -wav flavour of the package, whichever is installed
            f.stem: f
            for ext in ("wav", "gsm")
            for f in (ASTERISK / ASTERISK_VOICES[voice]).glob(f"*.{ext}")
            if f.stem in spoken
        }
        files = [by_stem[k] for k in sorted(by_stem)]
    elif voice == "reader":
        files = sorted((POCKETSPHINX / "librivox").glob("*.wav"))
    elif voice == "narrator":  # held-out only: every piece, whichever half is asked for
        audio = _decode(NARRATOR)
        step = 5 * RATE
        pieces = [_trim(audio[k : k + step]) for k in range(0, len(audio) - 2 * RATE, step)]
        return tuple(p for p in pieces if len(p) >= min_seconds * RATE)
    elif voice in ESPEAK:
        return tuple(_espeak(voice, i) for i in range(len(ESPEAK_LINES)) if _half(str(i)) == half)
    else:
        raise KeyError(voice)
    if voice == "reader":
        # Five long readings: cut them into 3-7 s pieces, halves by piece.
        pieces: list[np.ndarray] = []
        for f in files:
            audio = _decode(f)
            step = 5 * RATE
            for k, start in enumerate(range(0, len(audio) - 2 * RATE, step)):
                if _half(f"{f.name}:{k}") == half:
                    pieces.append(_trim(audio[start : start + step]))
        return tuple(p for p in pieces if len(p) >= min_seconds * RATE)
    out = []
    for f in files:
        if _half(f.name) != half:
            continue
        try:
            audio = _trim(_decode(f))
        except (av.error.FFmpegError, ValueError):  # a few prompts are empty files
            continue
        if len(audio) >= min_seconds * RATE:
            out.append(audio)
    return tuple(out)


def _espeak(voice: str, index: int) -> np.ndarray:
    raw = subprocess.run(
        ["espeak-ng", "-v", ESPEAK[voice], "-s", "165", "--stdout", ESPEAK_LINES[index]],
        check=True,
        capture_output=True,
    ).stdout
    pcm = np.frombuffer(raw[44:], dtype=np.int16).astype(np.float32) / 32768.0
    return _trim(soxr.resample(pcm, 22050, RATE).astype(np.float32))


@dataclass
class Turn:
    start: float
    end: float
    speaker: str
    text: str = ""  # what is said (naming scenes); the audio does not carry it


@dataclass
class Scene:
    name: str
    audio: np.ndarray
    turns: list[Turn]
    speakers: list[str]
    names: dict[str, str] = field(default_factory=dict)  # voice -> the person's name (naming)

    def rttm(self) -> str:
        return "".join(
            f"SPEAKER {self.name} 1 {t.start:.3f} {t.end - t.start:.3f} <NA> <NA> {t.speaker} "
            "<NA> <NA>\n"
            for t in self.turns
        )


def build_scene(
    name: str,
    voices: list[str],
    half: str,
    turns: int,
    *,
    overlap_share: float = 0.15,
    short_share: float = 0.25,
    noise: str | None = None,
    snr_db: float = 20.0,
    channel: str | None = None,
) -> Scene:
    """Turns by ``voices`` in a seeded random order (no voice twice in a row), short gaps,
    about ``overlap_share`` of changes overlapping by 0.3-1.0 s, ``short_share`` of turns cut
    to 0.8-1.5 s. ``noise``: "noise" (pink-ish) or "music" (chords) under the whole scene.
    ``channel``: "phone" (300-3400 Hz), "line8k" (8 kHz mu-law) or "room" (a small room's
    reverberation) over all."""
    seed = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")
    rng = np.random.default_rng(seed)
    clips = {v: list(voice_clips(v, half)) for v in voices}
    order: list[str] = []
    for i in range(turns):
        choices = [v for v in voices if not order or v != order[-1]] or voices
        # every voice speaks within the first len(voices) turns
        unused = [v for v in voices if v not in order]
        order.append(unused[0] if unused and i < len(voices) else str(rng.choice(choices)))
    pieces: list[tuple[float, np.ndarray, str]] = []
    t = 0.3
    for i, voice in enumerate(order):
        pool = clips[voice]
        clip = pool[int(rng.integers(len(pool)))]
        if rng.random() < short_share:
            length = int(rng.uniform(0.8, 1.5) * RATE)
            clip = clip[:length]
        if i > 0 and rng.random() < overlap_share:
            t -= float(rng.uniform(0.3, min(1.0, len(pieces[-1][1]) / RATE * 0.5)))
        else:
            t += float(rng.uniform(0.15, 0.8))
        pieces.append((t, clip, voice))
        t += len(clip) / RATE
    total = int((t + 0.5) * RATE)
    mix = np.zeros(total, np.float32)
    out_turns: list[Turn] = []
    for start, clip, voice in pieces:
        gain = 0.25 / max(float(np.sqrt(np.mean(clip**2))), 1e-4) * float(rng.uniform(0.6, 1.0))
        s = int(start * RATE)
        mix[s : s + len(clip)] += clip * min(gain, 20.0) * 0.3
        out_turns.append(Turn(start, start + len(clip) / RATE, PERSON.get(voice, voice)))
    if channel:
        mix = through_channel(channel, mix, rng)
    if noise:
        mix += _background(noise, total, rng, float(np.sqrt(np.mean(mix**2))), snr_db)
    return Scene(
        name, np.clip(mix, -1, 1), out_turns, list(dict.fromkeys(PERSON.get(v, v) for v in voices))
    )


def through_channel(kind: str, mix: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    if kind == "phone":
        spec = np.fft.rfft(mix)
        freqs = np.fft.rfftfreq(len(mix), 1 / RATE)
        spec[(freqs < 300) | (freqs > 3400)] = 0
        out = np.fft.irfft(spec, len(mix))
        return (np.tanh(out * 2.0) / 2.0).astype(np.float32)  # a line's soft limiting
    if kind == "room":
        n = int(0.35 * RATE)  # RT60 about 0.35 s
        decay = np.exp(-6.9 * np.arange(n) / n)
        ir = rng.standard_normal(n) * decay * 0.08
        ir[0] = 1.0
        wet = np.fft.irfft(np.fft.rfft(mix, len(mix) + n) * np.fft.rfft(ir, len(mix) + n))
        return (wet[: len(mix)] / max(float(np.abs(wet).max()), 1e-6) * 0.9).astype(np.float32)
    if kind == "line8k":  # a narrowband call: 8 kHz, mu-law, a line's soft limiting
        narrow = soxr.resample(mix, RATE, 8000)
        mu = 255.0
        x = np.clip(narrow * 2.0, -1, 1)
        law = np.sign(x) * np.log1p(mu * np.abs(x)) / np.log1p(mu)
        law = np.round(law * 127) / 127  # 8-bit codes
        back = np.sign(law) * np.expm1(np.abs(law) * np.log1p(mu)) / mu / 2.0
        return soxr.resample(back, 8000, RATE)[: len(mix)].astype(np.float32)
    raise ValueError(kind)


def _background(
    kind: str, n: int, rng: np.random.Generator, level: float, snr_db: float
) -> np.ndarray:
    if kind == "noise":
        white = rng.standard_normal(n)
        spec = np.fft.rfft(white)
        spec /= np.sqrt(np.maximum(np.arange(len(spec)), 1))  # pink
        bg = np.fft.irfft(spec, n)
    elif kind == "music":
        t = np.arange(n) / RATE
        bg = np.zeros(n)
        chords = [(220.0, 277.2, 329.6), (196.0, 246.9, 293.7), (174.6, 220.0, 261.6)]
        for k in range(0, n, 2 * RATE):
            chord = chords[(k // (2 * RATE)) % len(chords)]
            seg = slice(k, min(n, k + 2 * RATE))
            for f in chord:
                for h in (1, 2, 3):
                    bg[seg] += np.sin(2 * np.pi * f * h * t[seg]) / h
    else:
        raise ValueError(kind)
    bg *= level / max(float(np.sqrt(np.mean(bg**2))), 1e-9) * 10 ** (-snr_db / 20)
    return bg.astype(np.float32)


# The scene sets: each half gets scenes of 2, 3 and 4 speakers (one pair of same-gender
# voices at least), short turns and overlaps, and one-speaker scenes under noise and music.
SCENE_PLAN: list[tuple[str, list[str], int, dict[str, object]]] = [
    ("two-f", ["allison", "june"], 14, {}),
    ("two-mf", ["carlo", "irina"], 14, {}),
    ("two-f-reader", ["reader", "allison"], 12, {}),
    ("three", ["allison", "carlo", "june"], 18, {}),
    ("three-f", ["irina", "june", "reader"], 18, {}),
    ("four", ["allison", "carlo", "irina", "june"], 24, {}),
    ("four-synth", ["june", "carlo", "synth-m", "reader"], 24, {}),
    ("two-short", ["allison", "irina"], 20, {"short_share": 0.6, "overlap_share": 0.3}),
    ("one-noise", ["june"], 10, {"noise": "noise", "snr_db": 10.0}),
    ("one-music", ["carlo"], 10, {"noise": "music", "snr_db": 12.0}),
    ("one-clean", ["allison"], 10, {}),
    ("five", ["allison", "carlo", "irina", "june", "reader"], 30, {}),
    ("two-f-phone", ["june", "irina"], 14, {"channel": "phone"}),
    ("three-room", ["allison", "carlo", "reader"], 18, {"channel": "room"}),
    ("four-f-room", ["allison", "june", "irina", "reader"], 24, {"channel": "room"}),
    ("two-overlap", ["reader", "allison"], 16, {"overlap_share": 0.5}),
    ("three-short-phone", ["carlo", "june", "irina"], 24, {"short_share": 0.6, "channel": "phone"}),
    ("one-bilingual", ["allison", "allison-es"], 12, {}),
    ("one-phone-noise", ["irina"], 10, {"channel": "phone", "noise": "noise", "snr_db": 15.0}),
]
# Scenes only the held-out half has: a voice no dev scene holds.
HELD_ONLY_PLAN: list[tuple[str, list[str], int, dict[str, object]]] = [
    ("two-m-narrator", ["carlo", "narrator"], 14, {}),
    ("three-narrator-room", ["june", "narrator", "allison"], 18, {"channel": "room"}),
    ("one-narrator-music", ["narrator"], 8, {"noise": "music", "snr_db": 12.0}),
]


# Fresh held-out scenes: new combinations of the held-out recordings, new calls (an 8 kHz
# mu-law line, phone and room over 3-5 voices), built before the clustering's end-of-meeting
# pass was designed and never used to choose it.
FRESH_PLAN: list[tuple[str, list[str], int, dict[str, object]]] = [
    ("two-m-phone", ["carlo", "synth-m"], 14, {"channel": "phone"}),
    ("two-f-room", ["june", "reader"], 14, {"channel": "room"}),
    ("two-line", ["irina", "allison"], 14, {"channel": "line8k"}),
    ("two-overlap-room", ["carlo", "june"], 16, {"overlap_share": 0.4, "channel": "room"}),
    ("three-phone", ["allison", "carlo", "irina"], 18, {"channel": "phone"}),
    ("three-f-short", ["allison", "irina", "reader"], 20, {"short_share": 0.5}),
    ("three-line", ["june", "carlo", "reader"], 18, {"channel": "line8k"}),
    ("three-f-phone", ["allison", "june", "reader"], 18, {"channel": "phone"}),
    ("four-phone", ["allison", "carlo", "june", "irina"], 24, {"channel": "phone"}),
    ("four-synth-room", ["synth-f", "irina", "carlo", "reader"], 24, {"channel": "room"}),
    ("five-short", ["allison", "carlo", "irina", "june", "reader"], 30, {"short_share": 0.4}),
    ("one-phone", ["june"], 10, {"channel": "phone"}),
    ("one-room-noise", ["reader"], 10, {"channel": "room", "noise": "noise", "snr_db": 15.0}),
    ("one-bilingual-phone", ["allison", "allison-es"], 12, {"channel": "phone"}),
    ("one-line-music", ["carlo"], 10, {"channel": "line8k", "noise": "music", "snr_db": 12.0}),
    ("one-irina-room", ["irina"], 10, {"channel": "room"}),
]
FRESH_NARRATOR_PLAN: list[tuple[str, list[str], int, dict[str, object]]] = [
    ("two-m-narrator-line", ["narrator", "carlo"], 14, {"channel": "line8k"}),
    ("four-narrator-room", ["narrator", "irina", "june", "reader"], 24, {"channel": "room"}),
    ("one-narrator-phone", ["narrator"], 8, {"channel": "phone"}),
]


def scenes(part: str) -> list[Scene]:
    """The scenes of ``part``: ``dev``, ``held`` or ``fresh`` (held-out recordings)."""
    if part == "fresh":
        plan = FRESH_PLAN + (FRESH_NARRATOR_PLAN if NARRATOR.exists() else [])
        half = "held"
    else:
        plan = list(SCENE_PLAN)
        if part == "held" and NARRATOR.exists():
            plan += HELD_ONLY_PLAN
        half = part
    return [
        build_scene(f"{part}-{name}", voices, half, turns, **opts)  # type: ignore[arg-type]
        for name, voices, turns, opts in plan
    ]
