"""The library commands end to end: meetings, show, delete, search, reindex, export, rename,
consent; real files and a real SQLite index in a temporary data dir."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import pysrt
import pytest
import webvtt

from loopnote.cli import main as cli_main
from loopnote.store import MeetingFolder, MeetingMeta, SearchIndex
from loopnote.types import SummaryNode, Utterance, Word

MINE = ("library_cmd", "search_cmd", "export_cmd", "consent_cmd")

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOOPNOTE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LOOPNOTE_CONFIG", str(tmp_path / "no-config.toml"))
    for k in ("LOOPNOTE_OUT", "LOOPNOTE_DISCLOSURE", "LOOPNOTE_KEEP_AUDIO"):
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setattr(cli_main, "COMMANDS", MINE)  # only the commands under test
    return tmp_path / "data"


@pytest.fixture
def run(data: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    def go(*argv: str) -> tuple[int, str, str]:
        code = cli_main.main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    return go


def record(
    root: Path, title: str, wall: float, lines: list[tuple[str, float, str]]
) -> MeetingFolder:
    """A finished meeting written the way a session writes one."""
    f = MeetingFolder.create(
        root, MeetingMeta(id="", started_wall=wall, title=title, sources=("system", "mic"))
    )
    index = SearchIndex()
    for i, (src, t, text) in enumerate(lines):
        words = tuple(
            Word(w, round(t + k * 0.3, 3), round(t + k * 0.3 + 0.25, 3))
            for k, w in enumerate(text.split())
        )
        u = Utterance(f"u{i}", src, t, words[-1].end, text, words)  # type: ignore[arg-type]
        f.append_utterance(u)
        index.add_utterance(f, u)
    f.append_summary(SummaryNode("s0", "section", 0, 300, f"{title} discussed.", ("u0",)))
    f.finish(wall + 300, 300.0)
    f.write_notes(f"## Summary\n\n{title} discussed.")
    index.index_meeting(f)
    index.close()
    return f


@pytest.fixture
def two(data: Path) -> tuple[MeetingFolder, MeetingFolder]:
    root = data / "meetings"
    a = record(
        root,
        "Budget review",
        1.8e9,
        [("system", 12.5, "we need a budget freeze now"), ("mic", 20.0, "agreed on the freeze")],
    )
    b = record(root, "Hiring sync", 1.8e9 + 86400, [("system", 3.0, "two new hires in March")])
    return a, b


def test_my_commands_are_registered() -> None:
    assert set(MINE) <= set(cli_main.COMMANDS)


def test_meetings_table_and_json_skip_corrupt(
    run: Run, two: tuple[MeetingFolder, ...], data: Path
) -> None:
    (data / "meetings" / "broken").mkdir()
    (data / "meetings" / "broken" / "meeting.json").write_text("{")
    code, out, err = run("meetings")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["ID", "DATE", "DURATION"]
    assert lines[1].startswith(two[1].id) and lines[1].endswith("Hiring sync")
    assert "5 min" in lines[2] and "Them+You" in lines[2]
    assert err.startswith("loopnote: skipped broken:") and err.count("\n") == 1
    code, out, _ = run("meetings", "--json")
    rows = json.loads(out)
    assert [r["id"] for r in rows] == [two[1].id, two[0].id]
    assert rows[0]["duration"] == 300.0 and rows[0]["size_bytes"] > 0


def test_meetings_empty_and_out_option(run: Run, tmp_path: Path) -> None:
    assert run("meetings")[1] == "No meetings yet.\n"
    other = tmp_path / "elsewhere"
    record(other, "Offsite", 1.8e9, [("system", 1.0, "hello")])
    _code, out, _ = run("meetings", "--out", str(other), "--json")
    assert [r["title"] for r in json.loads(out)] == ["Offsite"]


def test_show_prints_notes(run: Run, two: tuple[MeetingFolder, ...]) -> None:
    code, out, _ = run("show", "last")
    assert code == 0 and out == two[1].notes_path.read_text()
    code, out, _ = run("show", two[0].id[:-2])
    assert "[00:00:12] Them: we need a budget freeze now" in out


def test_unknown_meeting_suggests_close_match(run: Run, two: tuple[MeetingFolder, ...]) -> None:
    wrong = two[0].id[:-1] + ("0" if two[0].id[-1] != "0" else "1")
    code, out, err = run("show", wrong)
    assert code == 1 and out == ""
    assert err.startswith(f"loopnote: no meeting '{wrong}'; did you mean ")
    assert two[0].id in err and err.count("\n") == 1


def test_search_hits_with_time_and_json(run: Run, two: tuple[MeetingFolder, ...]) -> None:
    code, out, _ = run("search", "freeze")
    assert code == 0
    assert out.splitlines()[0].startswith(two[0].id)
    assert "  [00:00:12] Them: we need a budget **freeze** now" in out
    assert "  [00:00:20] You: agreed on the **freeze**" in out
    code, out, _ = run("search", "budget", "freeze", "--json")
    hits = json.loads(out)
    assert {(h["meeting_id"], h["kind"], h["t"]) for h in hits} >= {(two[0].id, "transcript", 12.5)}
    code, out, err = run("search", "nonexistentword")
    assert code == 1 and out == "" and "no matches" in err


def test_reindex_after_deleting_index_gives_same_results(
    run: Run, data: Path, two: tuple[MeetingFolder, ...]
) -> None:
    before = run("search", "freeze", "--json")[1]
    for p in data.glob("index.sqlite3*"):
        p.unlink()
    code, out, _ = run("reindex")
    assert code == 0 and out.startswith("Indexed 2 meetings")
    assert run("search", "freeze", "--json")[1] == before


def test_search_fills_an_empty_index_by_itself(
    run: Run, data: Path, two: tuple[MeetingFolder, ...]
) -> None:
    for p in data.glob("index.sqlite3*"):
        p.unlink()
    code, out, _ = run("search", "hires")
    assert code == 0 and two[1].id in out


def test_delete_refuses_without_tty_or_yes(
    run: Run, two: tuple[MeetingFolder, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code, _, err = run("delete", two[0].id)
    assert code == 2 and "without --yes" in err and err.count("\n") == 1
    assert two[0].path.exists()


def test_delete_yes_removes_folder_and_search_rows(
    run: Run, data: Path, two: tuple[MeetingFolder, ...]
) -> None:
    code, out, _ = run("delete", two[0].id, "--yes")
    assert code == 0 and out == f"Deleted {two[0].id}.\n"
    assert not two[0].path.exists()
    assert sorted(p.name for p in (data / "meetings").iterdir()) == [two[1].id]
    assert SearchIndex().count(two[0].id) == 0
    assert run("search", "freeze")[0] == 1


@pytest.mark.parametrize(("answer", "deleted"), [("n\n", False), ("yes\n", True)])
def test_delete_asks_on_a_terminal(
    run: Run,
    two: tuple[MeetingFolder, ...],
    answer: str,
    deleted: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Tty(answer))
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    code, out, _ = run("delete", "last")
    assert "Delete meeting" in out and "and its audio? [y/N]" in out
    assert two[1].path.exists() != deleted and code == (0 if deleted else 1)


def test_export_formats_to_files_and_stdout(
    run: Run, tmp_path: Path, two: tuple[MeetingFolder, ...]
) -> None:
    for fmt in ("md", "json", "srt", "vtt", "txt"):
        out_file = tmp_path / f"x.{fmt}"
        code, _, err = run("export", two[0].id, "--to", fmt, "-o", str(out_file))
        assert code == 0 and err == f"Wrote {out_file}\n"
    assert json.loads((tmp_path / "x.json").read_text())["meeting"]["id"] == two[0].id
    assert pysrt.open(str(tmp_path / "x.srt"))[0].start.ordinal == 12500
    assert webvtt.read(str(tmp_path / "x.vtt")).captions[1].text == "You: agreed on the freeze"
    code, out, _ = run("export", "last", "--to", "txt")
    assert out.endswith("[00:00:03] Them: two new hires in March\n")


def test_export_unwritable_path_is_one_line(
    run: Run, tmp_path: Path, two: tuple[MeetingFolder, ...]
) -> None:
    code, out, err = run("export", "last", "--to", "srt", "-o", str(tmp_path / "no" / "x.srt"))
    assert code == 1 and out == ""
    assert err.startswith("loopnote: cannot write") and err.count("\n") == 1
    with pytest.raises(SystemExit) as e:
        run("export", "last", "--to", "docx")
    assert e.value.code == 2


def test_rename(run: Run, two: tuple[MeetingFolder, ...]) -> None:
    code, out, _ = run("rename", two[0].id, "Budget", "freeze", "decision")
    assert code == 0 and out == f"{two[0].id}: Budget freeze decision\n"
    assert json.loads(run("meetings", "--json")[1])[1]["title"] == "Budget freeze decision"
    assert run("show", two[0].id)[1].startswith("# Budget freeze decision\n")


def test_consent_prints_configured_disclosure(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOPNOTE_DISCLOSURE", "FYI this call is transcribed by me.")
    code, out, _ = run("consent")
    assert code == 0 and "Laws differ by region" in out
    assert out.rstrip().endswith("FYI this call is transcribed by me.")


def test_consent_copy_uses_a_clipboard_tool(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    got = tmp_path / "clipboard"
    tool = bin_dir / "wl-copy"
    tool.write_text(f"#!/bin/sh\ncat > '{got}'\n")
    tool.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}/usr/bin:/bin")
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-test")
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setenv("LOOPNOTE_DISCLOSURE", "Recording, OK?")
    code, out, _ = run("consent", "--copy")
    assert code == 0 and "Copied the disclosure line to the clipboard (wl-copy)" in out
    assert got.read_text() == "Recording, OK?"


def test_consent_copy_without_any_tool_says_so(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    code, out, err = run("consent", "--copy")
    assert code == 1 and "Disclosure line" in out  # still printed, to copy by hand
    assert err.startswith("loopnote: no clipboard tool found") and err.count("\n") == 1


@pytest.mark.parametrize("fmt", ["--json", "--plain"])
def test_piped_output_is_utf8_whatever_the_locale(data: Path, fmt: str) -> None:
    """A redirected stdout gets the ANSI code page on Windows (cp1252 here, as there), which
    cannot encode a CJK title: the output is UTF-8 instead of a UnicodeEncodeError."""
    import subprocess
    import sys

    title = "会議 Réunion"
    f = record(data / "meetings", title, 1.8e9, [("system", 1.0, "こんにちは everyone")])
    env = dict(os.environ, PYTHONIOENCODING="cp1252")
    args = ["meetings", "--json"] if fmt == "--json" else ["show", f.id]
    res = subprocess.run(
        [sys.executable, "-m", "loopnote", *args], env=env, capture_output=True, timeout=60
    )
    assert res.returncode == 0, res.stderr.decode(errors="replace")
    out = res.stdout.decode("utf-8")
    assert title in out and not res.stderr
    if fmt == "--plain":
        assert "こんにちは everyone" in out
