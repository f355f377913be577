"""Hours of name-free speech, to count name alerts nobody asked for.

    python benchmarks/name_free.py          # build (cached) and print what is there

Real voices first: every spoken Asterisk prompt of four voices and languages (Allison Smith
in English, June in Canadian French, Carlo in Italian, Irina in Russian: a meeting also
holds colleagues speaking other languages, which an English model writes as English-looking
words) and pocketsphinx's LibriVox reading; then espeak-ng voices reading the English prompt
texts (several accents), so the set passes two hours. Pieces are joined with 0.4-1.2 s
pauses into files of ten minutes at most, in a fixed shuffled order (voices mixed).

Name-free: a piece whose text holds a word of any benchmark person's name or alias
(``name_scenes.PEOPLE``) is left out; the foreign prompts carry no such names. Audio is
generated at run time into a cache, never committed.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent))
from name_scenes import CACHE, PEOPLE, RATE, VOICES, _espeak, _trim
from speaker_scenes import voice_clips

VERSION = "1"
FILE_SECONDS = 600.0
MIN_HOURS = 2.05
REAL_VOICES = ("allison", "june", "carlo", "irina", "reader")


def _name_words() -> set[str]:
    words = {w for p in PEOPLE for n in (p.name, *p.aliases) for w in re.findall(r"\w+", n)}
    return {w.lower() for w in words if len(w) > 1}


def _prompt_texts() -> list[str]:
    """The English prompt texts (Asterisk's list), without any benchmark name."""
    path = Path("/usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz")
    if not path.exists():
        return []
    names = _name_words()
    out: list[str] = []
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith(";") or ":" not in line:
                continue
            text = line.split(":", 1)[1].strip()
            words = {w.lower() for w in re.findall(r"\w+", text)}
            if len(text.split()) >= 4 and not words & names and "[" not in text:
                out.append(text)
    return out


def _pieces() -> list[tuple[str, np.ndarray]]:
    out: list[tuple[str, np.ndarray]] = []
    for voice in REAL_VOICES:
        for half in ("dev", "held"):
            out += [(voice, a) for a in voice_clips(voice, half)]
    seconds = sum(len(a) for _, a in out) / RATE
    texts = _prompt_texts()
    k = 0
    while seconds < MIN_HOURS * 3600 and texts:
        voice = VOICES[k % len(VOICES)]
        audio = _trim(_espeak(voice, texts[k % len(texts)], 150 + 7 * (k % 5)))
        out.append((f"espeak:{voice}", audio))
        seconds += len(audio) / RATE
        k += 1
    return out


def files() -> list[dict[str, Any]]:
    """The name-free files (``file``, ``duration_s``, ``voices``), built on first use."""
    folder = CACHE / f"name_free_v{VERSION}"
    folder.mkdir(parents=True, exist_ok=True)
    index = folder / "index.json"
    if index.exists():
        listed: list[dict[str, Any]] = json.loads(index.read_text())
        return listed
    pieces = _pieces()
    rng = np.random.default_rng(20)
    order = rng.permutation(len(pieces))
    listed = []
    parts: list[np.ndarray] = []
    voices: set[str] = set()
    length = 0

    def flush() -> None:
        nonlocal parts, voices, length
        path = folder / f"name_free_{len(listed):02d}.flac"
        sf.write(path, np.concatenate(parts), RATE)
        listed.append(
            {"file": str(path), "duration_s": round(length / RATE, 1), "voices": sorted(voices)}
        )
        parts, voices, length = [], set(), 0

    for i in order:
        voice, audio = pieces[int(i)]
        gap = np.zeros(int(rng.uniform(0.4, 1.2) * RATE), np.float32)
        peak = max(float(np.abs(audio).max()), 1e-6)
        parts += [gap, (0.3 * audio / peak).astype(np.float32)]
        voices.add(voice.split(":")[0])
        length += len(gap) + len(audio)
        if length >= FILE_SECONDS * RATE:
            flush()
    if parts:
        flush()
    index.write_text(json.dumps(listed, indent=1))
    return listed


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.parse_args(argv)
    listed = files()
    hours = sum(f["duration_s"] for f in listed) / 3600
    print(f"{len(listed)} files, {hours:.2f} h of name-free speech")
    for f in listed:
        print(f"{Path(f['file']).name}: {f['duration_s'] / 60:.1f} min, {', '.join(f['voices'])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
