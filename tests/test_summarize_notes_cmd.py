"""``loopnote notes MEETING``: notes.md rebuilt from a stored meeting (real folder, real CLI)."""

from __future__ import annotations

import argparse
import socket
from pathlib import Path

import pytest

from loopnote.cli import notes_cmd
from loopnote.errors import MeetingNotFound
from loopnote.store import MeetingFolder, MeetingMeta
from loopnote.types import SummaryNode, Utterance


def main(argv: list[str]) -> int:
    """The subcommand through its own parser (the same ``register`` the CLI calls)."""
    parser = argparse.ArgumentParser(prog="loopnote")
    notes_cmd.register(parser.add_subparsers())
    args = parser.parse_args(argv)
    return int(args.func(args))


LINES = [
    "Thanks for joining. Let's go through the launch plan.",
    "We decided to move the launch to March.",
    "Dana, can you send the revised deck to finance by Friday?",
    "Who owns the vendor contract?",
]


@pytest.fixture
def meeting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, MeetingFolder]:
    monkeypatch.setenv("LOOPNOTE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("LOOPNOTE_CONFIG", str(tmp_path / "absent.toml"))
    root = tmp_path / "meetings"
    folder = MeetingFolder.create(root, MeetingMeta(id="", started_wall=1_700_000_000.0))
    for i, text in enumerate(LINES):
        folder.append_utterance(Utterance(f"s{i:05d}", "system", i * 20.0, i * 20.0 + 6, text))
    folder.append_summary(
        SummaryNode(
            "meeting",
            "meeting",
            0,
            66,
            "The launch moves to March.",
            ("s001",),
            revision=2,
            closed=True,
        )
    )
    folder.finish(1_700_000_100.0, 66.0)
    folder.close()
    return root, folder


def test_notes_are_rebuilt_from_the_stored_meeting(
    meeting: tuple[Path, MeetingFolder], capsys: pytest.CaptureFixture[str]
) -> None:
    root, folder = meeting
    assert main(["notes", folder.id, "--out", str(root), "--name", "Dana"]) == 0
    md = (folder.path / "notes.md").read_text()
    assert "The launch moves to March." in md  # the saved summary is reused
    assert "- We decided to move the launch to March. ([0:20](#s00001))" in md
    assert (
        "- [ ] **You**: Send the revised deck to finance by Friday — due Friday ([0:40](#s00002))"
        in md
    )
    assert "- Who owns the vendor contract? ([1:00](#s00003))" in md
    assert '<a id="s00003"></a>[00:01:00] Them: Who owns the vendor contract?' in md
    assert "Wrote" in capsys.readouterr().err


def test_unreachable_llm_falls_back_and_says_so(
    meeting: tuple[Path, MeetingFolder], capsys: pytest.CaptureFixture[str]
) -> None:
    root, _folder = meeting
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rc = main(
        [
            "notes",
            "last",
            "--out",
            str(root),
            "--llm",
            f"http://127.0.0.1:{port}",
            "--llm-model",
            "m",
            "--print",
        ]
    )
    assert rc == 0
    out, err = capsys.readouterr()
    assert "unreachable" in err
    assert "## Summary" in out and "We decided to move the launch to March." in out


def test_unknown_meeting_is_a_meeting_not_found_error(meeting: tuple[Path, MeetingFolder]) -> None:
    root, _ = meeting
    with pytest.raises(MeetingNotFound) as e:
        main(["notes", "nope", "--out", str(root)])
    assert "\n" not in str(e.value)
