"""``loopnote catchup``: the card of a meeting folder, in progress or finished."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from loopnote.alerts import card_text
from loopnote.cli.main import main
from loopnote.store import MeetingFolder, MeetingMeta
from loopnote.types import Alert, CatchUpCard, SummaryNode, Utterance, Word

LINES = [
    ("system", 0.0, "Welcome, today we review the launch plan and the budget."),
    ("system", 30.0, "The launch date depends on the billing migration."),
    ("mic", 60.0, "The billing migration is almost done."),
    ("system", 90.0, "Marketing wants the launch date fixed by Friday."),
    ("system", 120.0, "Priya, can you confirm the migration date?"),
    ("mic", 126.0, "Let me check."),
]


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOOPNOTE_CONFIG", str(tmp_path / "no-config.toml"))
    for k in ("LOOPNOTE_OUT", "LOOPNOTE_NAME", "LOOPNOTE_ALIASES"):
        monkeypatch.delenv(k, raising=False)


def meeting(root: Path, *, alert: bool, summaries: bool) -> MeetingFolder:
    f = MeetingFolder.create(
        root,
        MeetingMeta(
            id="", started_wall=1_790_000_000.0, title="Launch sync", sources=("system", "mic")
        ),
    )
    utts = []
    for i, (src, t, text) in enumerate(LINES):
        words = tuple(Word(w, t + k * 0.3, t + k * 0.3 + 0.25) for k, w in enumerate(text.split()))
        u = Utterance(f"u{i}", src, t, words[-1].end, text, words)  # type: ignore[arg-type]
        f.append_utterance(u)
        utts.append(u)
    if alert:
        f.append_alert(Alert("name", "Priya Raman", "Priya", None, 120.25, 1.0))
    if summaries:
        f.append_summary(SummaryNode("sec1", "section", 0, 130, "Launch date and billing.", ()))
        f.append_summary(SummaryNode("mtg", "meeting", 0, 130, "A launch review meeting.", ()))
    f.close()
    return f


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["catchup", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_card_of_a_meeting_with_a_saved_alert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = meeting(tmp_path, alert=True, summaries=True)
    code, out, _ = run(capsys, "--out", str(tmp_path), "--json")
    assert code == 0
    card = json.loads(out)
    assert card["meeting_id"] == f.id and card["addressed_you"] is True
    assert card["addressed"] == "Priya, can you confirm the migration date?"
    assert card["last_verbatim"] == (
        "Them: Priya, can you confirm the migration date?\nYou: Let me check."
    )
    assert card["recent_brief"] == "Launch date and billing."
    assert card["meeting_so_far"] == "A launch review meeting."


def test_text_card_from_the_transcript_and_the_configured_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = meeting(tmp_path, alert=False, summaries=False)
    code, out, _ = run(capsys, f.id[:12], "--out", str(tmp_path), "--name", "Priya Raman")
    assert code == 0
    assert out.startswith(f"Catch-up: {f.id} — Launch sync (in progress, at 2:06)\n")
    assert "Asked of you:\n  Priya, can you confirm the migration date?\n" in out
    assert "Last 30 s:\n  Them: Priya, can you confirm" in out
    assert "So far:\n  2 min so far." in out


def test_nobody_said_the_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    meeting(tmp_path, alert=False, summaries=False)
    code, out, _ = run(capsys, "last", "--out", str(tmp_path), "--name", "Jonathan")
    assert code == 0
    assert "Nobody has said your name." in out
    assert "Asked of you" not in out and "Last 30 s:" in out


def test_unknown_meeting_is_one_line_and_non_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "nope", "--out", str(tmp_path))
    assert code != 0 and out == ""
    assert err.startswith("loopnote: ") and err.count("\n") == 1


def test_card_text_leaves_out_empty_parts() -> None:
    assert card_text(CatchUpCard("", "", "", "")) == "Nothing said yet."
    text = card_text(CatchUpCard("Jon?", "Them: Jon?", "", "Planning."))
    assert text == "Asked of you:\n  Jon?\nLast 30 s:\n  Them: Jon?\nSo far:\n  Planning."
