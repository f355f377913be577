"""Evaluation audio for the recognition benchmark: real speech from Debian packages, joined
into meeting-like files (utterances with pauses between them), split into dev and held-out.

    python benchmarks/evalset.py            # build (or find) the files and list them

Parts (decided by voice and package before any tuning, never by results):
- ``dev``          ``../shared/corpus/long``: one voice (Allison Smith, asterisk-core-sounds-en)
                   saying the prompts the team's corpus has.
- ``held-out``     the same package's prompts that are *not* in the team's corpus (other
                   sentences), and every English recording in ``pocketsphinx-testdata``
                   (other voices: a LibriVox reading of *Sense and Sensibility*, card games,
                   a robot command).

The packages are fetched with ``apt-get download`` (no root needed) and unpacked with
``dpkg -x`` into the cache (``$LOOPNOTE_BENCH_CACHE`` or ``~/.cache/loopnote-bench``); the
joined files are written there too, so they are built once. Pauses are drawn from a seeded
generator: every run sees the same audio.
"""

from __future__ import annotations

import csv
import gzip
import json
import os
import random
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf
import soxr

SR = 16_000
SHARED = Path(__file__).resolve().parents[2] / "shared" / "corpus"
ALLISON = "asterisk-core-sounds-en-wav"
ALLISON_TEXT = "asterisk-core-sounds-en"
SPHINX = "pocketsphinx-testdata"
FILE_SECONDS = 240.0  # each joined file
GAPS = (0.6, 1.4)  # seconds of silence between utterances, drawn uniformly


@dataclass(frozen=True)
class Segment:
    start: float
    end: float
    text: str


@dataclass(frozen=True)
class EvalFile:
    name: str
    part: str  # "dev" | "held-out"
    origin: str  # package(s) the speech comes from
    audio_path: Path
    segments: tuple[Segment, ...]

    @property
    def reference(self) -> str:
        return " ".join(s.text for s in self.segments)


def cache_dir() -> Path:
    root = os.environ.get("LOOPNOTE_BENCH_CACHE") or Path.home() / ".cache" / "loopnote-bench"
    path = Path(root)
    path.mkdir(parents=True, exist_ok=True)
    return path


def package_root(name: str) -> Path:
    """The package unpacked in the cache (not the system's copy: it may be partial)."""
    root = cache_dir() / "debs" / name
    if (root / ".done").is_file():
        return root
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(["apt-get", "download", "-q", name], cwd=root, check=True, capture_output=True)
    (deb,) = root.glob(f"{name}_*.deb")
    subprocess.run(["dpkg", "-x", str(deb), str(root)], check=True)
    deb.unlink()
    (root / ".done").write_text("")
    return root


def read_16k(path: Path, raw: bool = False) -> np.ndarray:
    if raw:  # headerless 16 kHz 16-bit little-endian mono (pocketsphinx's .raw)
        pcm = np.fromfile(path, dtype="<i2").astype(np.float32) / 32768.0
        return pcm
    audio, sr = sf.read(path, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    if sr != SR:
        mono = soxr.resample(mono, sr, SR)
    return np.ascontiguousarray(mono, dtype=np.float32)


def allison_prompts(exclude: set[str]) -> list[tuple[Path, str]]:
    """Prompts with their published text (at least three words, no sound descriptions)."""
    text_root = package_root(ALLISON_TEXT)
    doc = text_root / "usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz"
    with gzip.open(doc, "rt") as f:
        lines = f.read()
    sounds = package_root(ALLISON) / "usr/share/asterisk/sounds/en_US_f_Allison"
    out = []
    for line in lines.splitlines():
        key, sep, text = line.partition(":")
        text = text.strip()
        if not sep or line.startswith(";") or "[" in text or len(text.split()) < 3:
            continue
        path = sounds / f"{key.strip()}.wav"
        if path.is_file() and key.strip() not in exclude:
            out.append((path, text))
    return out


def sphinx_recordings() -> list[tuple[Path, str, bool]]:
    data = package_root(SPHINX) / "usr/share/pocketsphinx/test/data"
    out: list[tuple[Path, str, bool]] = []
    for sub in ("librivox", "cards"):
        for line in (
            (data / sub / f"{'transcription' if sub == 'librivox' else 'cards.transcription'}")
            .read_text()
            .splitlines()
        ):
            m = re.match(r"<s>(.*)</s>\s*\((.+)\)", line.strip())
            if m:
                out.append((data / sub / f"{m.group(2)}.wav", m.group(1).strip(), False))
    out.append((data / "goforward.raw", "go forward ten meters", True))
    return out


def join(
    name: str, part: str, origin: str, pieces: list[tuple[np.ndarray, str]], seed: int
) -> EvalFile:
    """Write the pieces as one file with pauses between them (once; reused afterwards)."""
    path = cache_dir() / f"{name}.flac"
    seg_path = path.with_suffix(".segments.json")
    if not (path.is_file() and seg_path.is_file()):
        rng = random.Random(seed)
        chunks, segs, t = [np.zeros(SR // 2, np.float32)], [], 0.5
        for audio, text in pieces:
            segs.append({"start": round(t, 3), "end": round(t + audio.size / SR, 3), "text": text})
            gap = np.zeros(round(rng.uniform(*GAPS) * SR), np.float32)
            chunks += [audio, gap]
            t += (audio.size + gap.size) / SR
        sf.write(path, np.concatenate(chunks), SR, format="FLAC")
        seg_path.write_text(json.dumps(segs, indent=1))
    segs = json.loads(seg_path.read_text())
    return EvalFile(
        name, part, origin, path, tuple(Segment(s["start"], s["end"], s["text"]) for s in segs)
    )


def shared_dev() -> list[EvalFile]:
    out = []
    for path in sorted((SHARED / "long").glob("*.flac")):
        segs = json.loads(path.with_suffix(".segments.json").read_text())
        out.append(
            EvalFile(
                path.stem,
                "dev",
                ALLISON,
                path,
                tuple(Segment(s["start"], s["end"], s["text"]) for s in segs),
            )
        )
    return out


def build(max_files: int = 3) -> list[EvalFile]:
    """Every evaluation file, dev first; ``max_files`` bounds the new-prompt Allison files."""
    files = shared_dev()
    in_corpus: set[str] = set()
    if (SHARED / "manifest.tsv").is_file():
        rows = csv.DictReader((SHARED / "manifest.tsv").open(), delimiter="\t")
        for r in rows:
            stem = Path(r["file"]).stem
            if stem.startswith("asterisk__"):
                in_corpus.add(stem.removeprefix("asterisk__"))
    prompts = allison_prompts(in_corpus)
    random.Random(16).shuffle(prompts)
    pieces: list[tuple[np.ndarray, str]] = []
    index = 0
    for path, text in prompts:
        pieces.append((read_16k(path), text))
        if sum(a.size for a, _ in pieces) / SR + len(pieces) >= FILE_SECONDS:
            index += 1
            files.append(join(f"allison_new_{index:02d}", "held-out", ALLISON, pieces, index))
            pieces = []
            if index >= max_files:
                break
    if pieces and index < max_files and sum(a.size for a, _ in pieces) / SR >= 60:
        index += 1
        files.append(join(f"allison_new_{index:02d}", "held-out", ALLISON, pieces, index))
    voices = [(read_16k(p, raw), text) for p, text, raw in sphinx_recordings()]
    files.append(join("sphinx_voices", "held-out", SPHINX, voices, 100))
    return files


def main() -> int:
    files = build()
    for f in files:
        info = sf.info(f.audio_path)
        print(
            f"{f.part:8s} {f.name:18s} {info.duration / 60:4.1f} min  "
            f"{len(f.segments):3d} utterances  {f.origin}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
